"""Trigram indexes for the admin's item search on PostgreSQL; nothing on other databases.

The admin searches with icontains (UPPER(column) LIKE UPPER('%word%')), which no b-tree serves: without
these, PostgreSQL reads all 100,000 rows of a large catalog for every search (bench/admin_pages.py).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ("title", "tags", "description", "identifier", "sha256")


class TrigramOnPostgres(TrigramExtension):
    """Django's operation asks pg_extension when going back, whatever the database: only PostgreSQL has it;
    never dropped going back (search's did-you-mean uses it too)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def indexes(apps, schema_editor, *, create: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        name = f"catalog_item_{column}_trgm"
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON catalog_catalogimage USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            if create
            else f"DROP INDEX IF EXISTS {name}"
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_background_jobs")]

    operations = [
        TrigramOnPostgres(),
        migrations.RunPython(
            lambda apps, editor: indexes(apps, editor, create=True),
            lambda apps, editor: indexes(apps, editor, create=False),
        ),
    ]
