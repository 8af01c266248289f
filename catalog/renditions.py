"""The public renditions of a catalog picture, made from its original: two thumbnails and a watermarked preview.

Renditions are what everyone who may see an item gets; the original never leaves without a signed
link (catalog.originals). They are made once (by the index task after ingest, by `update_index` for
older items, or by the first request that needs one) and kept in the media storage, named by the
original's content hash, so a replaced original gets new ones.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

from catalog.models import CatalogImage
from matching.safety import imaging

FOLDER = "renditions"
# The only renditions made: a closed set, so nobody can fill storage with variants.
THUMBNAILS = {"small": 240, "medium": 480}
PREVIEW = "preview"
KINDS = (*THUMBNAILS, PREVIEW)
EXIF_ARTIST, EXIF_COPYRIGHT = 0x013B, 0x8298


def long_side(kind: str) -> int:
    return settings.LIKENESS["PREVIEW_SIZE"] if kind == PREVIEW else THUMBNAILS[kind]


def mark_text(item: CatalogImage) -> str:
    """The watermark: the collection's rights holder or name, else the site's."""
    collection = item.collection
    owner = (collection.rights_holder or collection.name) if collection else ""
    return owner or settings.LIKENESS["WATERMARK"]


def rendition_name(item: CatalogImage, kind: str) -> str:
    if kind != PREVIEW:
        return f"{FOLDER}/{kind}/{item.sha256[:2]}/{item.sha256}.jpg"
    # A preview also depends on its mark and size: a renamed collection or a new size gets a new one.
    variant = hashlib.sha256(f"{mark_text(item)}|{long_side(kind)}".encode()).hexdigest()[:8]
    return f"{FOLDER}/{kind}/{item.sha256[:2]}/{item.sha256}-{variant}.jpg"


def ensure(item: CatalogImage, kind: str) -> str:
    """The stored name of the item's rendition, making it first when it does not exist yet."""
    name = rendition_name(item, kind)
    if not default_storage.exists(name):
        _store(name, render(item, kind))
    return name


def ensure_all(item: CatalogImage) -> None:
    """Every rendition of the item, from one decode of its original (none when all exist)."""
    missing = [kind for kind in KINDS if not default_storage.exists(rendition_name(item, kind))]
    if not missing:
        return
    decoded = decode(item, max(long_side(kind) for kind in missing))
    for kind in missing:
        _store(rendition_name(item, kind), render(item, kind, decoded))


def _store(name: str, data: bytes) -> None:
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # another process made the same rendition meanwhile: keep one copy
        default_storage.delete(saved)


def decode(item: CatalogImage, side: int) -> Image.Image:
    with item.image.open("rb") as handle:
        return imaging.load(handle, draft_size=side).image


def render(item: CatalogImage, kind: str, decoded: Image.Image | None = None) -> bytes:
    """The rendition's JPEG bytes; a preview is watermarked and carries only credit and copyright."""
    side = long_side(kind)
    picture = (decoded or decode(item, side)).copy()
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    options: dict = {"quality": 84, "optimize": True, "progressive": True}
    if kind == PREVIEW:
        picture = watermark(picture, mark_text(item))
        exif = Image.Exif()
        if item.creator_id:
            exif[EXIF_ARTIST] = str(item.creator)
        exif[EXIF_COPYRIGHT] = mark_text(item)
        options["exif"] = exif.tobytes()
    out = io.BytesIO()
    picture.save(out, "JPEG", **options)
    return out.getvalue()


def watermark(picture: Image.Image, text: str) -> Image.Image:
    """`text` in staggered rows over the whole picture, slanted and half transparent, light with a dark
    edge, so that it shows on light and dark parts alike and any crop of a few rows still carries it."""
    width, height = picture.size
    layer = _mark_layer(text, max(width, height))
    x0, y0 = (layer.width - width) // 2, (layer.height - height) // 2
    return Image.alpha_composite(picture.convert("RGBA"), layer.crop((x0, y0, x0 + width, y0 + height))).convert("RGB")


@functools.lru_cache(maxsize=16)
def _mark_layer(text: str, long_side: int) -> Image.Image:
    """The slanted rows of marks for any picture up to `long_side` square (made once per text and size)."""
    size = max(12, long_side // 24)
    font = ImageFont.load_default(size=size)
    left, top, right, bottom = (int(edge) for edge in font.getbbox(text))
    stroke = max(1, size // 14)
    stamp = Image.new("RGBA", (right - left + 2 * stroke, bottom - top + 2 * stroke), (0, 0, 0, 0))
    ImageDraw.Draw(stamp).text((stroke - left, stroke - top), text, font=font, fill=(255, 255, 255, 120),
                               stroke_width=stroke, stroke_fill=(0, 0, 0, 90))  # fmt: skip
    step_x, step_y = stamp.width + 2 * size, stamp.height + 2 * size
    side = int(math.hypot(long_side, long_side)) + step_x  # the rows, rotated, must still cover every corner
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    for row, y in enumerate(range(0, side - stamp.height, step_y)):
        for x in range((row % 2) * step_x // 2, side - stamp.width, step_x):
            layer.paste(stamp, (x, y))
    return layer.rotate(30, resample=Image.Resampling.BILINEAR)
