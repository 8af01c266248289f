"""Words match whole words by their stem: the FTS5 table is made again with the porter tokenizer (SQLite).

The rows are copied across: FTS5 keeps each column's text, and the new table's tokenizer reads it
again, so the index works at once after `migrate`. No prefix indexes any more: nothing searches by
prefix. PostgreSQL's vectors were stemmed already (english configuration): nothing changes there.
"""

from django.db import migrations

COLUMNS = "title, creator, tags, description, suggested"
PORTER = f"CREATE VIRTUAL TABLE search_fts_new USING fts5({COLUMNS}, tokenize = 'porter unicode61 remove_diacritics 2')"
PREFIX = (
    f"CREATE VIRTUAL TABLE search_fts_new USING fts5({COLUMNS}, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)


def _remake_fts(schema_editor, create: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    if "search_fts" not in schema_editor.connection.introspection.table_names():
        return  # SQLite without FTS5: the plain fallback reads the tables directly
    schema_editor.execute(create)
    schema_editor.execute(f"INSERT INTO search_fts_new (rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM search_fts")  # noqa: S608 (constant columns)
    schema_editor.execute("DROP TABLE search_fts")
    schema_editor.execute("ALTER TABLE search_fts_new RENAME TO search_fts")


def forward(apps, schema_editor):
    _remake_fts(schema_editor, PORTER)


def backward(apps, schema_editor):
    _remake_fts(schema_editor, PREFIX)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0006_suggested_text"),
    ]

    operations = [migrations.RunPython(forward, backward)]
