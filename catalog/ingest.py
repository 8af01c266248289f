"""The one way an image file becomes (part of) a catalog item: decode once, record the facts."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from catalog import suggestions
from catalog.models import CatalogImage, Orientation
from catalog.signals import images_created
from matching.algorithms import color_signature
from matching.algorithms import fingerprint as fingerprints
from matching.algorithms.fingerprint import Fingerprint
from matching.embeddings.model import embed_image, embed_images
from matching.index import store
from matching.safety import imaging
from matching.safety.imaging import LoadedImage


def load_file(item: CatalogImage) -> LoadedImage:
    """A catalog item's own file, decoded as ingest and queries decode (for matching it against the catalog)."""
    with item.image.open("rb") as handle:
        return imaging.load_image(handle)


def file_pixels(item: CatalogImage, short_side: int) -> Image.Image:
    """A catalog item's picture decoded with at least this short side (for providers that send pixels)."""
    with item.image.open("rb") as handle:
        return imaging.load(handle, draft_size=short_side).image


def attach_image(item: CatalogImage, loaded: LoadedImage, filename: str = "") -> None:
    """Put the file on the item and record its technical facts (the stored name comes from the format)."""
    record_facts(item, loaded)
    item.image.save(PurePath(filename).name or "image", ContentFile(loaded.data), save=False)


def record_facts(item: CatalogImage, loaded: LoadedImage) -> None:
    item.width = loaded.width
    item.height = loaded.height
    item.format = loaded.format
    item.orientation = Orientation.of(loaded.width, loaded.height)
    item.file_size = loaded.file_size
    item.sha256 = loaded.sha256


def create_item(
    loaded: LoadedImage, *, filename: str = "", fingerprinted: Fingerprint | None = None, **fields: Any
) -> CatalogImage:
    """Create and save a catalog item from a decoded image and its metadata fields.

    `fingerprinted` is the image's fingerprint when a worker process has already made it.
    """
    return save_new(CatalogImage(**fields), loaded, filename, fingerprinted)


@transaction.atomic
def save_new(
    item: CatalogImage, loaded: LoadedImage, filename: str = "", fingerprinted: Fingerprint | None = None
) -> CatalogImage:
    """Save a new item (its metadata set, e.g. by the admin form) with its decoded image and fingerprint."""
    check_new(item, loaded)  # metadata errors surface before any file is written
    attach_image(item, loaded, filename)
    try:
        item.save()
        save_fingerprint(item, loaded, fingerprinted)
    except Exception:
        item.image.delete(save=False)  # no orphan file when the row cannot be written
        raise
    return item


def check_new(item: CatalogImage, loaded: LoadedImage, *, unique: bool = True) -> None:
    """Record the file's facts on a new item and validate it (raises ValidationError); `unique=False` leaves
    the uniqueness checks (one query each) to a caller that has made them for a whole batch."""
    record_facts(item, loaded)
    item.full_clean(exclude=["image"], validate_unique=unique)


def save_new_batch(new: list[tuple[CatalogImage, LoadedImage, str, Fingerprint]]) -> None:
    """Save new items, each checked with `check_new`, with their files and fingerprints: `save_new` for a
    batch (a bulk import's), in one transaction and a few bulk inserts instead of some thirty statements
    an item. All are saved or none: on any error every file written is deleted again and the error raised.
    """
    written: list[CatalogImage] = []
    try:
        with transaction.atomic():
            for item, loaded, filename, fingerprinted in new:
                item.color_mask = fingerprinted.color_mask
                attach_image(item, loaded, filename)
                written.append(item)
            items = CatalogImage.objects.bulk_create([item for item, *_ in new])
            store.save_new_fingerprints([(item.pk, item.sha256, fingerprinted) for item, _, _, fingerprinted in new])
            suggestions.add_new((item, fp.terms) for item, _, _, fp in new if fp.embedding is not None)
            images_created.send(sender=CatalogImage, images=items)
    except Exception:
        for item in written:
            assert item.image.name is not None  # attach_image stored its file under a name
            item.image.storage.delete(item.image.name)
        raise


@transaction.atomic
def replace_image(item: CatalogImage, loaded: LoadedImage, filename: str = "") -> None:
    """Give an existing item a new file; the old file is deleted once the change has committed."""
    old_name = item.image.name
    attach_image(item, loaded, filename)
    try:
        item.save()
        save_fingerprint(item, loaded)
    except Exception:
        assert item.image.name is not None  # attach_image stored the new file under a name
        item.image.storage.delete(item.image.name)  # the new file goes; the row still names the old one
        raise
    if old_name and old_name != item.image.name:
        storage = item.image.storage
        transaction.on_commit(lambda: storage.delete(old_name))


def describe(loaded: LoadedImage, *, embed: bool = True) -> Fingerprint:
    """A catalog picture's fingerprint: hashes, features and palette, and (`embed`) what the look-alike model
    says of it (its embedding, classes and suggested terms)."""
    found = fingerprints.fingerprint(loaded)
    if not embed:
        return found
    looks = embed_image(loaded.image)
    return found.with_looks(looks.vector, looks.classes, looks.terms)


def describe_many(loaded: list[LoadedImage]) -> list[Fingerprint]:
    """`describe` for several pictures, the look-alike model run once for all of them (a bulk import's worker)."""
    found = [fingerprints.fingerprint(one) for one in loaded]
    looks = embed_images([one.image for one in loaded])
    return [fp.with_looks(seen.vector, seen.classes, seen.terms) for fp, seen in zip(found, looks, strict=True)]


def save_fingerprint(item: CatalogImage, loaded: LoadedImage, fingerprinted: Fingerprint | None = None) -> Fingerprint:
    """Fingerprint from the decode ingest already made, so indexing need not read the file again."""
    result = fingerprinted or describe(loaded)
    store.save_fingerprint(item.pk, loaded.sha256, result)
    if result.embedding is not None:
        suggestions.replace(item, result.terms)
    # The colour classes as bits on the item, for the colour filter; update(), not save(): no signal, no loop.
    CatalogImage.objects.filter(pk=item.pk).update(color_mask=result.color_mask)
    return result


def current_fingerprints(items: list[CatalogImage]) -> dict[int, Fingerprint]:
    """The stored fingerprints `ensure_fingerprint` would return as they are, for many items at once
    (missing: the items whose fingerprint or embedding must be made first)."""
    return store.load_current_many((item.pk, item.sha256, item.width, item.height, item.format) for item in items)


def ensure_fingerprint(item: CatalogImage) -> Fingerprint:
    """The item's stored fingerprint, made from its file first when missing or stale (its embedding too)."""
    stored = store.load_current(item.pk, item.sha256, item.width, item.height, item.format)
    if stored is None:
        loaded = load_file(item)
        # A fingerprint of this file by an older version keeps its embedding: only hashes and features are remade.
        same_file = store.fingerprinted_file(item.pk) == item.sha256 and store.has_embedding(item.pk)
        return save_fingerprint(item, loaded, describe(loaded, embed=not same_file))
    if not store.has_embedding(item.pk):  # fingerprinted before look-alike search or suggested tags existed
        looks = embed_image(load_file(item).image)
        store.save_embedding(item.pk, looks.vector, looks.classes)
        suggestions.replace(item, looks.terms)
    if not store.has_color_signature(item.pk):  # fingerprinted before colour search existed
        store.save_color_signature(item.pk, color_signature.of_image(load_file(item).image).pack())
    return stored
