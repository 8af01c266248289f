"""System checks of matching: say at start-up when the configured provider cannot answer."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

from matching.providers import get_provider


@register("matching")
def remote_provider_answers(app_configs=None, **kwargs):
    """With MATCH_PROVIDER=remote, say at start-up (and in `manage.py check`) whether the remote answers ping."""
    configured = getattr(settings, "LIKENESS_MATCH_PROVIDERS", {}).get("default", {})
    if configured.get("BACKEND") != "matching.providers.remote":
        return []
    if get_provider().ping():
        return []
    return [
        Warning(
            f"The image match service at {configured.get('URL')} does not answer ping: image search will answer "
            "503 and new items wait for indexing until it does.",
            hint="Check MATCHENGINE_URL, MATCHENGINE_USER and MATCHENGINE_PASSWORD, and that the service is up.",
            id="search.W002",  # the id it had before matching was its own app: documented, and kept
        )
    ]
