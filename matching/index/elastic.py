"""What the Elasticsearch-backed indexes of the scaled-out shape share: their client and their errors."""

from __future__ import annotations

import functools

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers

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
        helpers.bulk(client, actions, chunk_size=chunk_size)
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
