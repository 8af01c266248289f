"""pg_trgm on PostgreSQL, for "did you mean" (search.spelling); nothing on other databases."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class TrigramOnPostgres(TrigramExtension):
    """Django's operation asks pg_extension when going back, whatever the database: only PostgreSQL has it."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_porter_stemming")]

    operations = [TrigramOnPostgres()]
