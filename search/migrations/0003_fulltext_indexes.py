"""Full-text structures that only one database vendor has: FTS5 on SQLite, a GIN index on PostgreSQL."""

import contextlib

from django.db import migrations
from django.db.utils import OperationalError

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, creator, tags, description, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        # SQLite without FTS5: the backend falls back to plain matching, and a system check warns.
        with contextlib.suppress(OperationalError):
            schema_editor.execute(SQLITE_CREATE)
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_textdocument_vector_gin ON search_textdocument USING gin (vector)"
        )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    elif connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_textdocument_vector_gin")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_text_document")]
    operations = [migrations.RunPython(create, drop)]
