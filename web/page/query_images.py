"""Query images of the search page, kept briefly under a random token (never in the catalog).

A region re-search, a filter click or the next page of an image search reuses the token instead
of asking the browser to upload the image again. What is kept is a lossless copy reduced to what
matching uses, plus the facts of the original file (its size is what "higher resolution
available" compares against).
"""

from __future__ import annotations

import dataclasses
import io
import re
import secrets

from django.conf import settings
from django.core.cache import caches
from PIL import Image

from matching.fingerprint import load_image
from matching.imaging import LoadedImage

KEPT_SIDE = 1024  # longest side of the kept copy: twice what fingerprinting decodes to
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _cache():
    return caches["query-images"]


def stash(loaded: LoadedImage) -> str:
    """Keep a query image for a while; returns its token."""
    image = loaded.image.copy()
    image.thumbnail((KEPT_SIDE, KEPT_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    token = secrets.token_urlsafe(18)
    entry = {"png": out.getvalue(), "format": loaded.format, "width": loaded.width, "height": loaded.height,
             "sha256": loaded.sha256}  # fmt: skip
    _cache().set(token, entry, settings.LIKENESS["QUERY_IMAGE_SECONDS"])
    return token


def _entry(token: str) -> dict | None:
    return _cache().get(token) if TOKEN_PATTERN.match(token or "") else None


def preview(token: str) -> bytes | None:
    """The kept copy as PNG bytes, or None when the token is unknown or expired."""
    entry = _entry(token)
    return entry["png"] if entry else None


def fetch(token: str) -> LoadedImage | None:
    """The kept query image, decoded, with the facts of the original upload; None when gone."""
    entry = _entry(token)
    if entry is None:
        return None
    loaded = load_image(entry["png"])
    return dataclasses.replace(
        loaded, format=entry["format"], width=entry["width"], height=entry["height"], sha256=entry["sha256"]
    )
