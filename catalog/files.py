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
from catalog.renditions import FOLDER, KINDS
from catalog.storage import originals

ORIGINALS = "catalog"


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


def orphans(older_than: timedelta) -> list[tuple[Storage, str]]:
    """Originals no item names, and renditions of content no item has, older than `older_than`,
    each with the storage it is in (originals and renditions are kept apart)."""
    names = set(CatalogImage.objects.values_list("image", flat=True))
    hashes = set(CatalogImage.objects.values_list("sha256", flat=True))
    cutoff = timezone.now() - older_than
    found = [(originals(), name) for name in walk(originals(), ORIGINALS) if name not in names]
    for kind in KINDS:
        found += [(default_storage, name) for name in walk(default_storage, f"{FOLDER}/{kind}")
                  if name.rsplit("/", 1)[-1][:64] not in hashes]  # fmt: skip
    return sorted(((storage, name) for storage, name in found if storage.get_modified_time(name) < cutoff),
                  key=lambda found: found[1])  # fmt: skip
