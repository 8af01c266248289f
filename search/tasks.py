"""Background tasks that keep the match index (and later the search backend) in step with the catalog.

Tasks carry only primary keys: the database is the source of truth, so a task that runs late, or
twice, reads the current state and does the right thing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from catalog.models import CatalogImage
from search import fingerprint as fingerprints
from search import service, store
from search.backends import backend_names, get_search_backend
from search.errors import SearchError
from search.models import ImageFingerprint
from search.providers import get_provider

logger = logging.getLogger(__name__)


def ensure_fingerprint(item: CatalogImage) -> fingerprints.Fingerprint:
    """The item's stored fingerprint, made from its file first when missing or stale."""
    row = ImageFingerprint.objects.filter(image=item, sha256=item.sha256, version=store.VERSION).first()
    if row is not None:
        return store.to_fingerprint(row, item.width, item.height, item.format)
    loaded = service.load_catalog_file(item)
    result = fingerprints.fingerprint(loaded)
    store.save_fingerprint(item.pk, loaded.sha256, result)
    return result


def index_item(item: CatalogImage) -> None:
    """Index one item with the match provider (the one code path for tasks and update_index)."""
    get_provider().add(item.pk, ensure_fingerprint(item))  # a provider that sends pixels reads the file itself


MAX_ATTEMPTS = 5


def retry_later(task_function, image_id: int, attempt: int) -> bool:
    """Queue the task again with a growing delay when the task backend can defer (the database queue)."""
    if attempt + 1 >= MAX_ATTEMPTS or not task_function.get_backend().supports_defer:
        return False
    delay = timedelta(seconds=30 * 2**attempt)
    task_function.using(run_after=timezone.now() + delay).enqueue(image_id, attempt + 1)
    return True


def attempt_all(action: str, image_id: int, steps) -> bool:
    """Run every (name, step); a failing one is logged, never fatal. True when all succeeded.

    The catalog row is already committed (the database is the source of truth): nothing is lost,
    and an index that missed a change is brought back by a retry or by `manage.py update_index`.
    """
    ok = True
    for name, step in steps:
        try:
            step()
        except SearchError as exc:
            ok = False
            logger.error("Could not %s item %s in %s: %s", action, image_id, name, exc)
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
    if not attempt_all("index", image_id, steps) and not retry_later(index_image, image_id, attempt):
        logger.error("Item %s stays out of step until `manage.py update_index` runs.", image_id)


@task()
def remove_image(image_id: int, attempt: int = 0) -> None:
    steps = _steps(lambda: get_provider().remove(image_id), lambda backend: backend.remove([image_id]))
    if not attempt_all("remove", image_id, steps) and not retry_later(remove_image, image_id, attempt):
        logger.error("Item %s stays out of step until `manage.py update_index` runs.", image_id)
