"""Background tasks that keep the match index and the search backends in step with the catalog.

Tasks carry only primary keys: the database is the source of truth, so a task that runs late, or
twice, reads the current state and does the right thing.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from catalog import duplicate_checks, ingest, renditions
from catalog import tasks as catalog_tasks
from catalog.models import CatalogImage
from matching.algorithms.fingerprint import Fingerprint
from matching.errors import LikenessError
from matching.index.lookalike import get_lookalike_index
from matching.providers import Entry, get_provider
from search.backends import backend_names, get_search_backend

logger = logging.getLogger(__name__)


def entry(item: CatalogImage) -> Entry:
    """A catalog item as match providers index it: its file is read only if a provider needs the pixels."""
    return Entry(
        image_id=item.pk,
        name=item.identifier,
        sha256=item.sha256,
        fingerprint=lambda: ingest.ensure_fingerprint(item),
        pixels=lambda short_side: ingest.file_pixels(item, short_side),
    )


def catalog_entries() -> list[Entry]:
    """Every catalog item as an Entry, in pk order (what a provider's rebuild compares itself with)."""
    return [entry(item) for item in CatalogImage.objects.order_by("pk").only("pk", "identifier", "sha256", "image")]


def index_item(item: CatalogImage, fingerprint: Fingerprint | None = None) -> None:
    """Index one item with the match provider (the one code path for tasks and update_index).

    The fingerprint (unless given, as current) is made first when missing or stale, whatever the
    provider: the colour filter and the palette read it too.
    """
    fingerprint = fingerprint or ingest.ensure_fingerprint(item)
    get_provider().add(dataclasses.replace(entry(item), fingerprint=lambda: fingerprint))
    get_lookalike_index().add(item.pk, fingerprint.embedding)


def index_items(items: list[CatalogImage]) -> None:
    """`index_item` for many items: their current fingerprints are read in two queries, not two each."""
    current = ingest.current_fingerprints(items)
    for item in items:
        index_item(item, current.get(item.pk))


def make_renditions(items: list[CatalogImage]) -> None:
    """The public renditions of new or changed items, made now rather than by a visitor's first request.

    A failure is logged and left to that request (which makes a missing rendition) or to `update_index`.
    """
    for item in items:
        try:
            renditions.ensure_all(item)
        except (LikenessError, OSError) as exc:
            logger.warning("No renditions for item %s yet: %s", item.pk, exc)


def check_duplicates(items: list[CatalogImage]) -> None:
    """Store the near-exact copies of newly indexed pictures now, and look for their edited copies in the
    background (catalog.duplicate_checks), on the staff jobs' queue: a worker's, even when indexing runs in
    the request or the import; a failure is logged, never fatal to indexing."""
    try:
        ids = duplicate_checks.check_indexed(items)
    except LikenessError as exc:
        logger.error("Duplicates of items %s not checked: %s", [item.pk for item in items], exc)
        return
    if ids:
        catalog_tasks.check_duplicates.using(backend=settings.JOBS["BACKEND"]).enqueue(ids)


def remove_item(image_id: int) -> None:
    """Take an image out of the match index and the look-alike index."""
    get_provider().remove(image_id)
    get_lookalike_index().remove(image_id)


MAX_ATTEMPTS = 5


def retry_later(task_function, image_id: int, attempt: int) -> bool:
    """Queue the task again with a growing delay when the task backend can defer (the database queue)."""
    if attempt + 1 >= MAX_ATTEMPTS or not task_function.get_backend().supports_defer:
        return False
    delay = timedelta(seconds=30 * 2**attempt)
    task_function.using(run_after=timezone.now() + delay).enqueue(image_id, attempt + 1)
    return True


def attempt_all(action: str, what: str, steps) -> bool:
    """Run every (name, step); a failing one is logged, never fatal. True when all succeeded.

    The catalog row is already committed (the database is the source of truth): nothing is lost,
    and an index that missed a change is brought back by a retry or by `manage.py update_index`.
    """
    ok = True
    for name, step in steps:
        try:
            step()
        except LikenessError as exc:
            ok = False
            logger.error("Could not %s %s in %s: %s", action, what, name, exc)
    return ok


def _steps(provider_step, backend_step):
    yield "the match index", provider_step
    for name in backend_names():
        yield f"search backend {name}", lambda name=name: backend_step(get_search_backend(name))


@task()
def index_image(image_id: int, attempt: int = 0) -> None:
    item = CatalogImage.objects.select_related("creator").filter(pk=image_id).first()
    if item is None:
        return  # deleted before the task ran: the delete task cleans up
    steps = _steps(lambda: index_item(item), lambda backend: backend.index([item]))
    if not attempt_all("index", f"item {image_id}", steps) and not retry_later(index_image, image_id, attempt):
        logger.error("Item %s stays out of step until `manage.py update_index` runs.", image_id)
    make_renditions([item])
    check_duplicates([item])


@task()
def index_images(image_ids: list[int]) -> None:
    """`index_image` for a batch of new items (a bulk import's): one search-backend write for all of them.

    When a step fails, each item is queued on its own, so every one gets `index_image`'s retries.
    """
    items = list(
        CatalogImage.objects.select_related("creator").prefetch_related("suggested_tags").filter(pk__in=image_ids)
    )

    steps = _steps(lambda: index_items(items), lambda backend: backend.index(items))
    if not attempt_all("index", f"items {min(image_ids)}-{max(image_ids)}", steps):
        for item in items:
            index_image.enqueue(item.pk)
        return
    # An import's renditions wait for the staff jobs' worker, not the import (a visitor's request makes any missing).
    render_images.using(backend=settings.JOBS["BACKEND"]).enqueue([item.pk for item in items])
    check_duplicates(items)


@task()
def render_images(image_ids: list[int]) -> None:
    """The public renditions of a bulk import's items."""
    make_renditions(list(CatalogImage.objects.filter(pk__in=image_ids)))


@task()
def remove_image(image_id: int, attempt: int = 0) -> None:
    steps = _steps(lambda: remove_item(image_id), lambda backend: backend.remove([image_id]))
    if not attempt_all("remove", f"item {image_id}", steps) and not retry_later(remove_image, image_id, attempt):
        logger.error("Item %s stays out of step until `manage.py update_index` runs.", image_id)
