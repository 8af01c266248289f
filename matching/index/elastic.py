"""What the Elasticsearch-backed parts of the scaled-out shape share: their client, breaker and errors.

Every client Likeness makes goes through `client()`: one short timeout per request
(`LIKENESS["ELASTICSEARCH_SECONDS"]`), no retry of a request that timed out, and a breaker per
cluster and process. Once a node times out or refuses a connection, every request to that cluster
fails at once for `ELASTICSEARCH_RETRY_SECONDS`, then one is let through to see whether it is back:
a frozen node costs a search one timeout, not one timeout per request and per worker.
"""

from __future__ import annotations

import functools
import threading
import time

from django.conf import settings
from elastic_transport import ConnectionError as NodeUnreachable
from elastic_transport import ConnectionTimeout, Transport, TransportError
from elasticsearch import ApiError, Elasticsearch, helpers

from matching.errors import ProviderError

# A rebuild's bulk loads move thousands of documents per request: they may take longer than a search.
BULK_SECONDS = 120


class Breaker:
    """Whether a cluster is known to be down, and until when requests to it fail at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open_until = 0.0
        self.reason = ""

    def check(self) -> None:
        with self.lock:
            left = self.open_until - time.monotonic()
            reason = self.reason
        if left > 0:
            raise NodeUnreachable(f"Elasticsearch did not answer ({reason}); it is tried again within {left:.0f} s")

    def trip(self, error: Exception) -> None:
        with self.lock:
            self.open_until = time.monotonic() + settings.LIKENESS["ELASTICSEARCH_RETRY_SECONDS"]
            self.reason = str(error).split("(")[0].strip() or type(error).__name__

    def close(self) -> None:
        with self.lock:
            self.open_until = 0.0


_breakers: dict[tuple[str, ...], Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(nodes: tuple[str, ...]) -> Breaker:
    """The breaker of the cluster these nodes make up, shared by every client of this process."""
    with _breakers_lock:
        return _breakers.setdefault(nodes, Breaker())


class GuardedTransport(Transport):
    """The client's transport, failing at once while its cluster's breaker is open."""

    def __init__(self, node_configs, *args, **kwargs) -> None:
        super().__init__(node_configs, *args, **kwargs)
        nodes = sorted(f"{config.scheme}://{config.host}:{config.port}{config.path_prefix}" for config in node_configs)
        self.breaker = breaker_for(tuple(nodes))

    def perform_request(self, method, target, **kwargs):
        self.breaker.check()
        try:
            response = super().perform_request(method, target, **kwargs)
        except (NodeUnreachable, ConnectionTimeout) as exc:
            self.breaker.trip(exc)
            raise
        self.breaker.close()
        return response


def client(urls, options=None) -> Elasticsearch:
    """A client with a short timeout and the cluster's breaker: a search waits on it, and a failure
    must reach the user as a reason within seconds."""
    defaults = {
        "request_timeout": settings.LIKENESS["ELASTICSEARCH_SECONDS"],
        "retry_on_timeout": False,  # a node that did not answer in time is not asked again in this request
        "max_retries": 1,  # another node, after a refused connection
        "transport_class": GuardedTransport,
    }
    return Elasticsearch(list(urls), **{**defaults, **(options or {})})


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


def refill(
    client: Elasticsearch, name: str, ensure, chunks, progress=None, total: int = 0, chunk_size: int = 500
) -> int:
    """Drop index `name`, make it again (`ensure`) and bulk-load `chunks` of (ids, documents).

    `progress(done_now, total)` follows along; returns how many documents were loaded.
    """
    client.options(ignore_status=404).indices.delete(index=name)
    ensure()
    done = 0
    for ids, documents in chunks:
        actions = ({"_index": name, "_id": str(int(i)), "_source": document}
                   for i, document in zip(ids, documents, strict=True))  # fmt: skip
        helpers.bulk(client.options(request_timeout=BULK_SECONDS), actions, chunk_size=chunk_size)
        done += len(ids)
        if progress:
            progress(len(ids), total)
    client.indices.refresh(index=name)
    return done


def count_documents(client: Elasticsearch, name: str) -> int:
    """How many documents index `name` holds; 0 before it exists (nothing indexed yet)."""
    if not client.indices.exists(index=name):
        return 0
    return int(client.count(index=name)["count"])
