"""What the Elasticsearch-backed indexes of the scaled-out shape share: their client and their errors."""

from __future__ import annotations

import functools

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from matching.errors import ProviderError


def client(urls, options=None) -> Elasticsearch:
    """A client with short timeouts: a search waits on it, and a failure must reach the user as a reason."""
    return Elasticsearch(list(urls), **{"request_timeout": 10, "max_retries": 2, **(options or {})})


def unavailable(what: str):
    """A decorator: Elasticsearch failures as ProviderError (a 503 with a reason), never a 500."""

    def decorate(method):
        @functools.wraps(method)
        def wrapped(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except (ApiError, TransportError) as exc:
                raise ProviderError(f"The {what} in Elasticsearch cannot answer: {exc}") from exc

        return wrapped

    return decorate
