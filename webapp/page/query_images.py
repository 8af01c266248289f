"""Query images of the search page, kept briefly under a random token (never in the catalog).

A region re-search, a filter click or the next page of an image search reuses the token instead
of asking the browser to upload the image again. What is kept is a copy reduced to what matching
uses (a JPEG at quality KEPT_QUALITY: 3 ms to write where a PNG took 60, and small enough that the
file cache's compression costs little), plus the facts of the original file (its size is what "higher resolution
available" compares against). The image candidates of each search of it are kept too, so that a
filter click or the next page neither decodes nor matches it again while the catalog's images
stay the same (`search.service.candidates_version`).
"""

from __future__ import annotations

import dataclasses
import io
import re
import secrets

from django.conf import settings
from django.core.cache import caches
from PIL import Image

from matching.safety.imaging import LoadedImage, load_image

KEPT_SIDE = 1024  # longest side of the kept copy: twice what fingerprinting decodes to
KEPT_QUALITY = 95  # copies are found at JPEG quality 20; at 95 an exact file still scores "identical"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _cache():
    return caches["query-images"]


def stash(loaded: LoadedImage) -> str:
    """Keep a query image for a while; returns its token."""
    image = loaded.image.copy()
    image.thumbnail((KEPT_SIDE, KEPT_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=KEPT_QUALITY)
    token = secrets.token_urlsafe(18)
    entry = {"jpeg": out.getvalue(), "format": loaded.format, "width": loaded.width, "height": loaded.height,
             "sha256": loaded.sha256}  # fmt: skip
    _cache().set(token, entry, settings.LIKENESS["QUERY_IMAGE_SECONDS"])
    return token


def _entry(token: str) -> dict | None:
    return _cache().get(token) if TOKEN_PATTERN.match(token or "") else None


def preview(token: str) -> bytes | None:
    """The kept copy as JPEG bytes, or None when the token is unknown or expired."""
    entry = _entry(token)
    return entry["jpeg"] if entry else None


def fetch(token: str) -> LoadedImage | None:
    """The kept query image, decoded, with the facts of the original upload; None when gone."""
    entry = _entry(token)
    if entry is None:
        return None
    loaded = load_image(entry["jpeg"])
    return dataclasses.replace(
        loaded, format=entry["format"], width=entry["width"], height=entry["height"], sha256=entry["sha256"]
    )


def facts(token: str) -> tuple[int, int] | None:
    """The original's width and height, without decoding anything; None when the token is unknown or expired."""
    entry = _entry(token)
    return (entry["width"], entry["height"]) if entry else None


def candidates_key(token: str, similar_to: int | None, region, kind: str | None) -> str:
    source = f"image:{token}" if token else f"similar:{similar_to}"
    box = ",".join(f"{value:g}" for value in region) if region else "whole"
    return f"candidates:{source}:{box}:{kind or 'all'}"


def kept_candidates(key: str, version: int) -> dict | None:
    """Image candidates kept for this search, if the catalog's images have not changed since."""
    entry = _cache().get(key)
    return entry["scores"] if entry and entry["version"] == version else None


def keep_candidates(key: str, version: int, scores: dict) -> None:
    _cache().set(key, {"version": version, "scores": scores}, settings.LIKENESS["QUERY_IMAGE_SECONDS"])
