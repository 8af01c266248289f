"""The remote match provider: a TinEye MatchEngine-style HTTP API does the matching.

Works with TinEye MatchEngine (`https://matchengine.tineye.com/<account>/rest/`), a Match server,
or another Likeness serving `/rest/`. Catalog items are added under their stable identifier as the
remote `filepath`, sent as a JPEG about 600 px on the shortest side (what MatchEngine recommends),
never as the original file. `search.RemoteImage` remembers what was sent, so deletes reach the
remote after the catalog row is gone and metadata edits do not upload the picture again.
"""

from __future__ import annotations

import io
import logging
import time
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from PIL import Image

from catalog.models import CatalogImage
from search.errors import ProviderError
from search.fingerprint import Fingerprint
from search.models import RemoteImage
from search.providers.base import Match, MatchProvider

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0
RETRIES = 2  # extra attempts after a connection error or a 5xx; never after a 4xx or a read timeout
BACKOFF = 0.5  # seconds before the first retry, doubling
SEND_SIDE = 600  # shortest side of what is sent
BATCH = 20  # images per add request when pushing the catalog
LIST_PAGE = 1000


class RemoteRefusal(ProviderError):
    """The remote answered, and refused (4xx or status "fail"): trying again will not help."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, permanent=True)
        self.status = status


class MatchEngineClient:
    """One HTTP session to a MatchEngine-style API: timeouts, capped retries, one error type."""

    def __init__(self, url: str, user: str = "", password: str = "", *, timeout: float = READ_TIMEOUT,
                 retries: int = RETRIES, backoff: float = BACKOFF) -> None:  # fmt: skip
        if not url:
            raise ImproperlyConfigured("MATCH_PROVIDER=remote needs MATCHENGINE_URL, e.g. https://host/account/rest/.")
        self.base = url if url.endswith("/") else url + "/"
        self.host = urlsplit(self.base).netloc
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Likeness"
        if user:
            self.session.auth = (user, password)

    def call(self, name: str, method: str = "GET", **kwargs) -> list:
        """The `result` of one API method; raises ProviderError (permanent for a refusal)."""
        return self.answer(name, method, **kwargs)[0]

    def answer(self, name: str, method: str = "GET", **kwargs) -> tuple[list, list[str]]:
        """The `result` and the `error` list of one API method (a "warn" answer has both)."""
        error: ProviderError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.session.request(
                    method, self.base + name + "/", timeout=(CONNECT_TIMEOUT, self.timeout), **kwargs
                )
            except requests.ConnectionError as exc:  # refused, reset, DNS, connect timeout: worth a retry
                reason = type(exc).__name__
                error = ProviderError(f"The image match service at {self.host} cannot be reached ({reason}).")
                continue
            except requests.Timeout:  # connected but slow: another try would only double the wait
                raise ProviderError(f"The image match service at {self.host} did not answer within "
                                    f"{self.timeout:g} s.") from None  # fmt: skip
            if response.status_code >= 500:
                error = ProviderError(f"The image match service at {self.host} failed (HTTP {response.status_code}).")
                continue
            return self.result(name, response)
        assert error is not None
        raise error

    def result(self, name: str, response: requests.Response) -> tuple[list, list[str]]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProviderError(f"The image match service at {self.host} answered {name} with something "
                                f"other than JSON (HTTP {response.status_code}).", permanent=True)  # fmt: skip
        errors = [str(e) for e in body.get("error") or []]
        if response.status_code >= 400 or body.get("status") == "fail":
            raise RemoteRefusal(f"The image match service refused {name}: {'; '.join(errors) or response.reason}",
                                response.status_code)  # fmt: skip
        if body.get("status") == "warn":
            log.warning("%s on %s: %s", name, self.host, "; ".join(errors))
        return body.get("result") or [], errors


def jpeg(image: Image.Image, side: int = SEND_SIDE) -> bytes:
    """The image as a JPEG with its shortest side at most `side` pixels."""
    image = image.convert("RGB")
    scale = side / min(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.LANCZOS)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


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

    def add(self, image_id: int, fingerprint: Fingerprint, image: Image.Image | None = None) -> None:
        item = CatalogImage.objects.filter(pk=image_id).first()
        if item is None:
            return
        sent = RemoteImage.objects.filter(image_id=image_id).first()
        if sent is not None and (sent.filepath, sent.sha256) == (item.identifier, item.sha256):
            return  # the remote has this very picture: a metadata edit needs no upload (nor a decode)
        if image is None:
            from search.service import catalog_pixels  # the service module imports the providers

            image = catalog_pixels(item, SEND_SIDE)
        self.push([(image_id, item.identifier, item.sha256, image)])

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

    def match(
        self, fingerprint: Fingerprint, image: Image.Image | None = None, *, limit: int = 10, min_score: float = 0
    ) -> list[Match]:
        if image is None:
            raise ProviderError("The remote provider needs the query image itself.", permanent=True)
        files = {"image": ("query.jpg", jpeg(image), "image/jpeg")}
        data = {"limit": limit, "min_score": min_score, "check_horizontal_flip": "true"}
        rows = self.client.call("search", "POST", files=files, data=data)
        ids = dict(CatalogImage.objects.filter(identifier__in=[row.get("filepath") for row in rows])
                   .values_list("identifier", "pk"))  # fmt: skip
        matches = []
        for row in rows:
            if row.get("filepath") not in ids:
                log.warning("The image match service returned %r, which is not in the catalog; ignored.",
                            row.get("filepath"))  # fmt: skip
                continue
            matches.append(remote_match(ids[row["filepath"]], row))
        return matches

    def compare(
        self, first: Fingerprint, second: Fingerprint, images: tuple[Image.Image, Image.Image] | None = None
    ) -> Match | None:
        if images is None:
            raise ProviderError("The remote provider needs both images to compare them.", permanent=True)
        files = {"image1": ("first.jpg", jpeg(images[0]), "image/jpeg"),
                 "image2": ("second.jpg", jpeg(images[1]), "image/jpeg")}  # fmt: skip
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

    def rebuild(self, progress=None, *, reconcile: bool = False) -> int:
        """Push the catalog to the remote and delete what the catalog no longer has.

        With `reconcile`, only what is missing or changed is sent (by the remote's `list` and what
        was sent before); otherwise every item is sent again. Returns how many the remote holds.
        """
        from search.providers.remote_sync import sync  # the bulk work lives apart from the per-item calls

        return sync(self, progress=progress, reconcile=reconcile)


def remote_match(image_id: int, row: dict) -> Match:
    """A remote result as a Match: its score (capped to 0-100) and overlaps, the raw figures in details."""
    score = float(row.get("score", 0))
    return Match(
        image_id=image_id,
        score=round(max(0.0, min(100.0, score)), 1),
        query_overlap=float(row.get("query_overlap_percent", 100.0)),
        target_overlap=float(row.get("target_overlap_percent", 100.0)),
        details={"method": "remote", "remote_score": score, "match_percent": row.get("match_percent")},
    )


Provider = MatchEngineProvider
