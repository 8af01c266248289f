"""Background tasks that keep the match index (and later the search backend) in step with the catalog.

Tasks carry only primary keys: the database is the source of truth, so a task that runs late, or
twice, reads the current state and does the right thing.
"""

from __future__ import annotations

import logging

from django_tasks import task

from catalog.models import CatalogImage
from search import fingerprint as fingerprints
from search import imaging, store
from search.backends import backend_names, get_search_backend
from search.errors import SearchError
from search.models import ImageFingerprint
from search.providers import get_provider

logger = logging.getLogger(__name__)

DRAFT_SIZE = 512  # the decode size fingerprints need (see search.fingerprint.FEATURE_SIDE)


def ensure_fingerprint(item: CatalogImage) -> fingerprints.Fingerprint:
    """The item's stored fingerprint, made from its file first when missing or stale."""
    row = ImageFingerprint.objects.filter(image=item, sha256=item.sha256, version=store.VERSION).first()
    if row is not None:
        return store.to_fingerprint(row, item.width, item.height, item.format)
    with item.image.open("rb") as handle:
        loaded = imaging.load(handle, draft_size=DRAFT_SIZE)
    result = fingerprints.fingerprint(loaded)
    store.save_fingerprint(item.pk, loaded.sha256, result)
    return result


def index_item(item: CatalogImage) -> None:
    """Index one item with the match provider (the one code path for tasks and update_index)."""
    provider = get_provider()
    fingerprint = ensure_fingerprint(item)
    image = None
    if getattr(provider, "needs_pixels", False):
        with item.image.open("rb") as handle:
            image = imaging.load(handle, draft_size=1024).image
    provider.add(item.pk, fingerprint, image)


def for_each_index(action: str, image_id: int, work) -> None:
    """Run `work(backend)` on every search backend; a failing one is logged, never fatal.

    The catalog row is already committed (the database is the source of truth); an index that
    missed a change is repaired by `manage.py update_index`.
    """
    for name in backend_names():
        try:
            work(get_search_backend(name))
        except SearchError as exc:
            logger.error(
                "Could not %s item %s in search backend %s: %s (run update_index)", action, image_id, name, exc
            )


@task()
def index_image(image_id: int) -> None:
    item = CatalogImage.objects.select_related("creator").filter(pk=image_id).first()
    if item is None:
        return  # deleted before the task ran: the delete task cleans up
    try:
        index_item(item)
    except SearchError as exc:
        logger.error("Could not index item %s for image matching: %s (run update_index)", image_id, exc)
    for_each_index("index", image_id, lambda backend: backend.index([item]))


@task()
def remove_image(image_id: int) -> None:
    try:
        get_provider().remove(image_id)
    except SearchError as exc:
        logger.error("Could not remove item %s from image matching: %s (run update_index)", image_id, exc)
    for_each_index("remove", image_id, lambda backend: backend.remove([image_id]))
