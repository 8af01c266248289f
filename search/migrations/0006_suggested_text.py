"""Suggested tags in full-text search: a column of the FTS5 table (SQLite), a GIN index on its vector (PostgreSQL).

SQLite's FTS5 cannot add a column, so the table is made again with the rows copied across (the
suggested column starts empty: `manage.py update_index` fills it).
"""

import django.contrib.postgres.search
from django.db import migrations

SQLITE_NEW = (
    "CREATE VIRTUAL TABLE search_fts_new USING fts5(title, creator, tags, description, suggested, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
SQLITE_OLD = (
    "CREATE VIRTUAL TABLE search_fts_new USING fts5(title, creator, tags, description, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
GIN = "CREATE INDEX IF NOT EXISTS search_textdocument_suggested_gin ON search_textdocument USING gin (suggested)"


def _remake_fts(schema_editor, create: str, columns: str) -> None:
    if "search_fts" not in schema_editor.connection.introspection.table_names():
        return  # SQLite without FTS5: the plain fallback reads the tables directly
    schema_editor.execute(create)
    schema_editor.execute(f"INSERT INTO search_fts_new (rowid, {columns}) SELECT rowid, {columns} FROM search_fts")  # noqa: S608 (constant columns)
    schema_editor.execute("DROP TABLE search_fts")
    schema_editor.execute("ALTER TABLE search_fts_new RENAME TO search_fts")


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _remake_fts(schema_editor, SQLITE_NEW, "title, creator, tags, description")
    elif vendor == "postgresql":
        schema_editor.execute(GIN)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _remake_fts(schema_editor, SQLITE_OLD, "title, creator, tags, description")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_textdocument_suggested_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_models_moved_to_matching"),
    ]

    operations = [
        migrations.AddField(
            model_name="textdocument",
            name="suggested",
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
