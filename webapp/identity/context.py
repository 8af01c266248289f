"""Template context: the site's identity on every page (base.html's header, footer, title and favicon)."""

from __future__ import annotations

from django.http import HttpRequest

from webapp.identity.models import current


def identity(request: HttpRequest) -> dict:
    return {"site_identity": current(request)}
