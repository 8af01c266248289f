"""The HTTP client of a TinEye MatchEngine-style API: timeouts, capped retries, one error type.

Like a healthchecks transport: the client owns the session, the timeouts, which failures are worth
another attempt (connection errors and 5xx, never a 4xx or a slow answer) and how an answer becomes
a result or a `ProviderError`; the provider above it only says what to send.
"""

from __future__ import annotations

import io
import logging
import time
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from matching.errors import ProviderError

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
