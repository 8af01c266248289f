"""Bulk sync of the catalog to a remote match provider (`update_index`): push in batches, delete extras."""

from __future__ import annotations

import logging
from collections.abc import Callable

from catalog.models import CatalogImage
from search import service
from search.errors import SearchError
from search.models import RemoteImage
from search.providers.remote import BATCH, SEND_SIDE

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (items just done, total to do)


def sync(provider, *, progress: Progress | None = None, reconcile: bool = False) -> int:
    """Make the remote hold exactly the catalog; returns how many images the remote reports."""
    progress = progress or (lambda done, total: None)
    remote = provider.remote_filepaths()
    catalog = {identifier: pk for pk, identifier in CatalogImage.objects.values_list("pk", "identifier")}
    gone = sorted(remote - catalog.keys())
    for start in range(0, len(gone), 100):
        provider.delete_filepaths(gone[start : start + 100])
    RemoteImage.objects.exclude(image_id__in=list(catalog.values())).delete()

    sent = {row.image_id: (row.filepath, row.sha256) for row in RemoteImage.objects.all()}
    items = CatalogImage.objects.order_by("pk").only("pk", "identifier", "sha256", "image")
    if reconcile:
        items = [item for item in items
                 if item.identifier not in remote or sent.get(item.pk) != (item.identifier, item.sha256)]  # fmt: skip
    else:
        items = list(items)
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        entries = []
        for item in batch:
            try:
                entries.append((item.pk, item.identifier, item.sha256, service.catalog_pixels(item, SEND_SIDE)))
            except (SearchError, OSError) as exc:
                log.warning("Item %s not sent to the image match service: %s", item.pk, exc)
        if entries:
            provider.push(entries)
        progress(len(batch), len(items))
    return provider.count()
