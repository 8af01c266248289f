"""Bulk sync of the catalog to a remote match provider (`update_index`): push in batches, delete extras."""

from __future__ import annotations

import logging

from matching.errors import LikenessError
from matching.models import RemoteImage
from matching.providers.base import Entry, Progress
from matching.providers.matchengine import BATCH, SEND_SIDE

log = logging.getLogger(__name__)


def sync(provider, entries: list[Entry], *, progress: Progress | None = None, reconcile: bool = False) -> int:
    """Make the remote hold exactly `entries` (the catalog); returns how many images the remote reports."""
    progress = progress or (lambda done, total: None)
    remote = provider.remote_filepaths()
    catalog = {entry.name: entry.image_id for entry in entries}
    gone = sorted(remote - catalog.keys())
    for start in range(0, len(gone), 100):
        provider.delete_filepaths(gone[start : start + 100])
    RemoteImage.objects.exclude(image_id__in=list(catalog.values())).delete()

    sent = {row.image_id: (row.filepath, row.sha256) for row in RemoteImage.objects.all()}
    entries = sorted(entries, key=lambda entry: entry.image_id)
    if reconcile:
        entries = [entry for entry in entries
                   if entry.name not in remote or sent.get(entry.image_id) != (entry.name, entry.sha256)]  # fmt: skip
    for start in range(0, len(entries), BATCH):
        batch = entries[start : start + BATCH]
        pushed = []
        for entry in batch:
            try:
                pushed.append((entry.image_id, entry.name, entry.sha256, entry.pixels(SEND_SIDE)))
            except (LikenessError, OSError) as exc:
                log.warning("Item %s not sent to the image match service: %s", entry.image_id, exc)
        if pushed:
            provider.push(pushed)
        progress(len(batch), len(entries))
    return provider.count()
