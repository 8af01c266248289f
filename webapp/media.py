"""Catalog files on the local file system, served so that no stored file can ever run as a page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.static import serve


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """A stored file with headers that keep a browser from running it (stored names already carry the
    extension of the decoded image format; this holds even for a file stored before that rule)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
