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
            "This SQLite has no FTS5: keyword search falls back to plain matching without relevance ranking.",
            hint="Use a Python whose sqlite3 has FTS5, or PostgreSQL (DATABASE_URL).",
            id="search.W001",
        )
    ]


@register("matching")
def remote_provider_answers(app_configs=None, **kwargs):
    """With MATCH_PROVIDER=remote, say at start-up (and in `manage.py check`) whether the remote answers ping."""
    from django.conf import settings

    configured = getattr(settings, "LIKENESS_MATCH_PROVIDERS", {}).get("default", {})
    if configured.get("BACKEND") != "search.providers.remote":
        return []
    from search.providers import get_provider

    if get_provider().ping():
        return []
    return [
        Warning(
            f"The image match service at {configured.get('URL')} does not answer ping: image search will answer "
            "503 and new items wait for indexing until it does.",
            hint="Check MATCHENGINE_URL, MATCHENGINE_USER and MATCHENGINE_PASSWORD, and that the service is up.",
            id="search.W002",
        )
    ]
