"""System checks: tell staff at start-up what search cannot do here."""

from __future__ import annotations

from django.core.checks import Warning, register
from django.db import connection
from django.db.utils import DatabaseError


@register("database")
def sqlite_has_fts5(app_configs=None, **kwargs):
    if connection.vendor != "sqlite":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
            enabled = bool(cursor.fetchone()[0])
    except DatabaseError:
        return []
    if enabled:
        return []
    return [
        Warning(
            "This SQLite has no FTS5: keyword search falls back to reading every row, slow on a large catalog.",
            hint="Use a Python whose sqlite3 has FTS5, or PostgreSQL (DATABASE_URL).",
            id="search.W001",
        )
    ]
