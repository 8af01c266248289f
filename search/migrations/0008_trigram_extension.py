"""pg_trgm on PostgreSQL, for "did you mean" (search.spelling); nothing on other databases."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0007_porter_stemming")]

    operations = [TrigramExtension()]
