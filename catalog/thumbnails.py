"""Thumbnails made once per size from the stored original and kept in storage."""

from __future__ import annotations

import io

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from catalog.models import CatalogImage
from matching.safety import imaging

# The only sizes made (longest side, px): a closed set, so nobody can fill storage with variants.
SIZES = {"small": 240, "medium": 480, "large": 1200}


def thumbnail_name(item: CatalogImage, size: str) -> str:
    # Named by content hash: a replaced original gets new thumbnails, identical files share them.
    return f"thumbnails/{size}/{item.sha256[:2]}/{item.sha256}.jpg"


def thumbnail_url(item: CatalogImage, size: str) -> str:
    """URL of the item's thumbnail at `size`, making it first when it does not exist yet."""
    name = thumbnail_name(item, size)
    cache_key = f"thumb:{name}"
    url = cache.get(cache_key)
    if url is None:
        if not default_storage.exists(name):
            saved = default_storage.save(name, ContentFile(render_thumbnail(item, SIZES[size])))
            if saved != name:  # another request made the same thumbnail meanwhile: keep one copy
                default_storage.delete(saved)
        url = default_storage.url(name)
        cache.set(cache_key, url, 3600)
    return url


def render_thumbnail(item: CatalogImage, longest_side: int) -> bytes:
    with item.image.open("rb") as handle:
        picture = imaging.load(handle, draft_size=longest_side).image
    picture.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=84, optimize=True, progressive=True)
    return out.getvalue()
