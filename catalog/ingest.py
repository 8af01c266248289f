"""The one way an image file becomes (part of) a catalog item: decode once, record the facts."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, BinaryIO

from django.core.files.base import ContentFile
from django.db import transaction

from catalog.models import CatalogImage, Orientation
from search import imaging
from search.imaging import LoadedImage

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "BMP": "bmp", "TIFF": "tif", "WEBP": "webp", "HEIF": "heic"}


def load_image(source: bytes | BinaryIO | PurePath | str) -> LoadedImage:
    """Decode an untrusted image (raises search.errors.ImageError with a readable message)."""
    return imaging.load(source, draft_size=512)


def attach_image(item: CatalogImage, loaded: LoadedImage, filename: str = "") -> None:
    """Put the file on the item (saved to storage with the item) and record its technical facts."""
    extension = EXTENSIONS.get(loaded.format, loaded.format.lower())
    stem = PurePath(filename).stem or "image"
    item.image.save(f"{stem}.{extension}", ContentFile(loaded.data), save=False)
    record_facts(item, loaded)


def record_facts(item: CatalogImage, loaded: LoadedImage) -> None:
    item.width = loaded.width
    item.height = loaded.height
    item.format = loaded.format
    item.orientation = Orientation.of(loaded.width, loaded.height)
    item.file_size = loaded.file_size
    item.sha256 = loaded.sha256


@transaction.atomic
def create_item(loaded: LoadedImage, *, filename: str = "", **fields: Any) -> CatalogImage:
    """Create and save a catalog item from a decoded image and its metadata fields."""
    item = CatalogImage(**fields)
    record_facts(item, loaded)
    item.full_clean(exclude=["image"])  # metadata errors surface before any file is written
    attach_image(item, loaded, filename)
    try:
        item.save()
    except Exception:
        item.image.delete(save=False)  # no orphan file when the row cannot be written
        raise
    return item
