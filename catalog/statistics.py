"""The database's planner statistics for the catalog tables, refreshed after bulk changes.

An image search narrows a few hundred candidate ids by filters. SQLite's planner, with no
statistics, guesses that `status = 'published' AND format IN (...)` is selective and scans the
facets index (thousands of rows, growing with the catalog) instead of looking the candidates up by
primary key: 13.6 ms against 0.3 ms at 100,000 items (bench/search_latency.py). After ANALYZE it
knows better. PostgreSQL's autovacuum analyzes by itself; an explicit ANALYZE after a bulk load
makes its plans right at once too.
"""

from __future__ import annotations

from django.db import connection

from catalog.models import CatalogImage


def refresh() -> None:
    """ANALYZE the catalog table (seconds at a million rows): after imports and `update_index`."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(CatalogImage._meta.db_table)}")
