"""The look-alike index of the scaled-out shape: embeddings in Elasticsearch, found by its kNN search.

`LOOKALIKE_INDEX=elasticsearch`. Every catalog image with an embedding is one document of an index of
its own (by default `<ELASTICSEARCH_INDEX>-looks`): its unit embedding projected on the classifier's
256 strongest directions (`model.projection()`, what the in-memory index quantises to 8 bits) as a
`dense_vector` of 256 floats, which Elasticsearch keeps in an int8 HNSW graph; the vector is left out
of `_source` (the database keeps the embedding). A query asks the kNN search for the RERANK nearest;
they are then ranked by the exact cosine of their stored float16 embeddings, and the floor applies
to that, as in the in-memory index (`matching.index.similarity.ranked`): both shapes give the same answer
whenever the candidates agree (with 200 candidates, the in-memory codes agree with exact search on
99.9% of top-10s; docs/benchmarks.md).

No process holds or maps anything: the indexing tasks write a document when an image is indexed and
delete it when it is removed, and `update_index` rebuilds the index from the stored embeddings. Any
number of web and worker processes on any number of hosts see a change at once.

Tested here only for its failures: osmem-server (the suite's stand-in for Elasticsearch) has no
`dense_vector` or `knn`, and refuses them; the tests of the searching itself run when
ELASTICSEARCH_URL points at a real Elasticsearch (tests/matching/test_lookalike_elastic.py).
"""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import BadRequestError, NotFoundError

from matching.embeddings.model import PROJECTED, projection
from matching.index import elastic, store
from matching.index.lookalike import BaseLookalikeIndex

MAPPINGS = {
    "dynamic": "strict",
    "_source": {"excludes": ["embedding"]},  # searched, never read back: the database keeps the embedding
    "properties": {
        "embedding": {
            "type": "dense_vector", "dims": PROJECTED, "index": True, "similarity": "cosine",
            "index_options": {"type": "int8_hnsw"},
        },
    },
}  # fmt: skip
CANDIDATES_PER_RESULT = 2  # the kNN search looks at this many graph candidates per result it returns


unavailable = elastic.unavailable("look-alike index")


class ElasticsearchLookalikeIndex(BaseLookalikeIndex):
    """The vectors in Elasticsearch, written by the indexing tasks: nothing held in any process."""

    def __init__(self, URLS=(), INDEX="likeness-looks", OPTIONS=None, REFRESH=False) -> None:
        if not URLS:
            raise ImproperlyConfigured("The Elasticsearch look-alike index needs URLS (ELASTICSEARCH_URL).")
        self.client = elastic.client(URLS, OPTIONS)
        self.name, self.refresh = INDEX, REFRESH

    # --- writing (the indexing tasks and update_index) ----------------------------------------------

    @unavailable
    def ensure(self) -> None:
        if self.client.indices.exists(index=self.name):
            return
        try:
            self.client.indices.create(index=self.name, mappings=MAPPINGS)
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":  # another process made it meanwhile: fine
                raise

    @unavailable
    def add(self, image_id: int, vector: np.ndarray | None = None) -> None:
        if vector is None and (vector := store.load_embedding(image_id)) is None:
            return  # no embedding stored (yet): nothing to find it by
        self.ensure()
        self.client.index(index=self.name, id=str(image_id), document=document(vector), refresh=self.refresh)

    @unavailable
    def remove(self, image_id: int) -> None:
        self.client.options(ignore_status=404).delete(index=self.name, id=str(image_id), refresh=self.refresh)

    @unavailable
    def reload(self) -> None:
        """Replace every document with the stored embeddings (what `update_index` runs)."""
        chunks = ((ids, [document(v) for v in vectors]) for ids, vectors in store.iter_embeddings())
        elastic.refill(self.client, self.name, self.ensure, chunks, None, store.count_embeddings())

    # --- answering ------------------------------------------------------------------------------

    @unavailable
    def count(self) -> int:
        return elastic.count_documents(self.client, self.name)

    @unavailable
    def _candidates(self, vectors: np.ndarray, k: int) -> list[list[int]]:
        if k <= 0:
            return [[] for _ in vectors]
        answers = []
        for vector in vectors:
            try:
                found = self.client.search(index=self.name, size=k, source=False, knn=knn(vector, k))
            except NotFoundError:  # nothing indexed yet
                return [[] for _ in vectors]
            answers.append([int(hit["_id"]) for hit in found["hits"]["hits"]])
        return answers


def projected(vector: np.ndarray) -> list[float]:
    """A unit embedding (1280) as the index keeps it: its 256 projected components."""
    return [round(float(x), 6) for x in projection() @ np.asarray(vector, np.float32)]


def document(vector: np.ndarray) -> dict:
    return {"embedding": projected(vector)}


def knn(vector: np.ndarray, k: int) -> dict:
    """The search's `knn` section: the k nearest projected vectors, looking at twice as many in the graph."""
    return {
        "field": "embedding",
        "query_vector": projected(vector),
        "k": k,
        "num_candidates": min(10_000, CANDIDATES_PER_RESULT * k),
    }


LookalikeIndex = ElasticsearchLookalikeIndex
