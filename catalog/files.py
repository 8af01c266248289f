"""Stored files that no catalog row references: what a crash or a rolled-back ingest can leave behind.

The normal paths remove what they wrote when they fail; this is the safety net for what a killed
process leaves (a file is written before its transaction commits). Files younger than a grace
period are never touched, because their transaction may still be about to commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from catalog.models import CatalogImage
from catalog.thumbnails import SIZES

ORIGINALS = "catalog"
THUMBNAILS = "thumbnails"


def walk(storage: Storage, folder: str) -> Iterator[str]:
    """Every file name under `folder` in storage, recursively."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from walk(storage, f"{folder}/{sub}")


def orphans(older_than: timedelta, storage: Storage = default_storage) -> list[str]:
    """Originals no item names, and thumbnails of content no item has, older than `older_than`."""
    names = set(CatalogImage.objects.values_list("image", flat=True))
    hashes = set(CatalogImage.objects.values_list("sha256", flat=True))
    cutoff = timezone.now() - older_than
    found = [name for name in walk(storage, ORIGINALS) if name not in names]
    for size in SIZES:
        found += [name for name in walk(storage, f"{THUMBNAILS}/{size}") if name.rsplit("/", 1)[-1][:-4] not in hashes]
    return sorted(name for name in found if storage.get_modified_time(name) < cutoff)
