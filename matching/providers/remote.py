"""The remote match provider: a TinEye MatchEngine-style HTTP API does the matching.

Works with TinEye MatchEngine (`https://matchengine.tineye.com/<account>/rest/`), a Match server,
or another Likeness serving `/rest/`. Catalog items are added under their stable identifier as the
remote `filepath`, sent as a JPEG about 600 px on the shortest side (what MatchEngine recommends),
never as the original file. `matching.RemoteImage` remembers what was sent, so deletes reach the
remote after the catalog row is gone, metadata edits do not upload the picture again, and the
remote's filepaths map back to catalog items.
"""

from __future__ import annotations

import logging

from django.db import transaction
from PIL import Image

from matching.errors import ProviderError
from matching.models import RemoteImage
from matching.providers.base import Entry, Match, MatchProvider, Progress, box_from_json
from matching.providers.matchengine import (
    BACKOFF,
    LIST_PAGE,
    READ_TIMEOUT,
    RETRIES,
    SEND_SIDE,
    MatchEngineClient,
    RemoteRefusal,
    jpeg,
)
from matching.providers.remote_sync import sync
from matching.query import QueryImage

log = logging.getLogger(__name__)


class MatchEngineProvider(MatchProvider):
    """Matching done by a remote MatchEngine-style API; the catalog maps its filepaths to items."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.client = MatchEngineClient(
            options.get("URL", ""), options.get("USER", ""), options.get("PASSWORD", ""),
            timeout=float(options.get("TIMEOUT", READ_TIMEOUT)), retries=int(options.get("RETRIES", RETRIES)),
            backoff=float(options.get("BACKOFF", BACKOFF)),
        )  # fmt: skip

    # --- the catalog side -------------------------------------------------------------------

    def add(self, entry: Entry) -> None:
        sent = RemoteImage.objects.filter(image_id=entry.image_id).first()
        if sent is not None and (sent.filepath, sent.sha256) == (entry.name, entry.sha256):
            return  # the remote has this very picture: a metadata edit needs no upload (nor a decode)
        self.push([(entry.image_id, entry.name, entry.sha256, entry.pixels(SEND_SIDE))])

    def push(self, entries: list[tuple[int, str, str, Image.Image]]) -> None:
        """Add (or overwrite) images on the remote in one request, and remember what was sent."""
        renamed = [sent.filepath for sent in RemoteImage.objects.filter(image_id__in=[e[0] for e in entries])
                   if sent.filepath not in {e[1] for e in entries}]  # fmt: skip
        if renamed:  # an identifier changed: the old filepath must not keep matching
            self.delete_filepaths(renamed)
        files = {f"images[{n}]": (f"{image_id}.jpg", jpeg(image), "image/jpeg")
                 for n, (image_id, _, _, image) in enumerate(entries)}  # fmt: skip
        data = {f"filepaths[{n}]": filepath for n, (_, filepath, _, _) in enumerate(entries)}
        _, errors = self.client.answer("add", "POST", data=data, files=files)
        # A "warn" answer added the rest: what it names stays unrecorded, so --reconcile sends it again.
        entries = [entry for entry in entries if not any(entry[1] in error for error in errors)]
        with transaction.atomic():
            RemoteImage.objects.filter(filepath__in=list(data.values())).delete()
            RemoteImage.objects.filter(image_id__in=[e[0] for e in entries]).delete()
            RemoteImage.objects.bulk_create(
                [RemoteImage(image_id=image_id, filepath=fp, sha256=sha) for image_id, fp, sha, _ in entries]
            )

    def remove(self, image_id: int) -> None:
        sent = RemoteImage.objects.filter(image_id=image_id).first()
        if sent is None:
            return
        self.delete_filepaths([sent.filepath])
        sent.delete()

    def delete_filepaths(self, filepaths: list[str]) -> None:
        params = {f"filepaths[{n}]": filepath for n, filepath in enumerate(filepaths)}
        try:
            self.client.call("delete", "DELETE", params=params)
        except RemoteRefusal as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise

    def remote_filepaths(self) -> set[str]:
        """Every filepath the remote holds, page by page."""
        found: set[str] = set()
        while True:
            page = self.client.call("list", params={"offset": len(found), "limit": LIST_PAGE})
            found.update(page)
            if len(page) < LIST_PAGE:
                return found

    # --- matching ---------------------------------------------------------------------------

    def match(self, query: QueryImage, *, limit: int = 10, min_score: float = 0, thorough: bool = False) -> list[Match]:
        files = {"image": ("query.jpg", jpeg(query.image), "image/jpeg")}
        data = {"limit": limit, "min_score": min_score, "check_horizontal_flip": "true"}
        rows = self.client.call("search", "POST", files=files, data=data)
        ids = dict(RemoteImage.objects.filter(filepath__in=[row.get("filepath") for row in rows])
                   .values_list("filepath", "image_id"))  # fmt: skip
        matches = []
        for row in rows:
            if row.get("filepath") not in ids:
                log.warning("The image match service returned %r, which is not in the catalog; ignored.",
                            row.get("filepath"))  # fmt: skip
                continue
            matches.append(remote_match(ids[row["filepath"]], row))
        return matches

    def compare(self, first: QueryImage, second: QueryImage) -> Match | None:
        files = {"image1": ("first.jpg", jpeg(first.image), "image/jpeg"),
                 "image2": ("second.jpg", jpeg(second.image), "image/jpeg")}  # fmt: skip
        rows = self.client.call("compare", "POST", files=files, data={"check_horizontal_flip": "true"})
        return remote_match(0, rows[0]) if rows else None

    def count(self) -> int:
        result = self.client.call("count")
        return int(result[0]) if result else 0

    def ping(self) -> bool:
        try:
            self.client.call("ping")
        except ProviderError:
            return False
        return True

    def rebuild(self, entries, progress: Progress | None = None, *, reconcile: bool = False) -> int:
        """Push the catalog to the remote and delete what the catalog no longer has.

        With `reconcile`, only what is missing or changed is sent (by the remote's `list` and what
        was sent before); otherwise every item is sent again. Returns how many the remote holds.
        """
        return sync(self, list(entries()), progress=progress, reconcile=reconcile)


def remote_match(image_id: int, row: dict) -> Match:
    """A remote result as a Match: its score (capped to 0-100) and overlaps, the raw figures in details."""
    score = float(row.get("score", 0))
    return Match(
        image_id=image_id,
        score=round(max(0.0, min(100.0, score)), 1),
        query_overlap=float(row.get("query_overlap_percent", 100.0)),
        target_overlap=float(row.get("target_overlap_percent", 100.0)),
        details={"method": "remote", "remote_score": score, "match_percent": row.get("match_percent")},
        query_box=box_from_json(row.get("query_box")),
        target_box=box_from_json(row.get("target_box")),
    )


Provider = MatchEngineProvider
