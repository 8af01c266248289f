"""The look-alike index of the scaled-out shape: embeddings in Elasticsearch, found by its kNN search.

`LOOKALIKE_INDEX=elasticsearch`. Every catalog image with an embedding is one document of an index of
its own (by default `<ELASTICSEARCH_INDEX>-looks`): its unit embedding as a `dense_vector` (1280
floats, cosine similarity, kept by Elasticsearch in an int8 HNSW graph). A query asks the kNN
search for the RERANK nearest (the `similarity` option drops those under the floor there already);
they are then ranked by the exact cosine of their stored float16 embeddings, as the in-memory index
does (`matching.lookalike.ranked`), so both shapes give the same answer whenever the candidates agree.

No process holds or maps anything: the indexing tasks write a document when an image is indexed and
delete it when it is removed, and `update_index` rebuilds the index from the stored embeddings. Any
number of web and worker processes on any number of hosts see a change at once.

Tested here only for its failures: osmem-server (the suite's stand-in for Elasticsearch) has no
`dense_vector` or `knn`, and refuses them; the tests of the searching itself run when
ELASTICSEARCH_URL points at a real Elasticsearch (tests/matching/test_lookalike_elastic.py).
"""

from __future__ import annotations

import numpy as np
from elasticsearch import BadRequestError, NotFoundError, helpers

from matching import elastic, store
from matching.errors import ProviderError
from matching.lookalike import DIMENSIONS, RERANK, SIMILARITY_FLOOR, ranked

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "embedding": {
            "type": "dense_vector", "dims": DIMENSIONS, "index": True, "similarity": "cosine",
            "index_options": {"type": "int8_hnsw"},
        },
    },
}  # fmt: skip
CANDIDATES_PER_RESULT = 2  # the kNN search looks at this many graph candidates per result it returns


unavailable = elastic.unavailable("look-alike index")


class ElasticLookalikeIndex:
    """`matching.lookalike.LookalikeIndex`'s answering side, with the vectors in Elasticsearch."""

    snapshot_name = None  # nothing in memory to share
    loaded_from = "Elasticsearch (nothing held in this process)"
    written_by_tasks = True

    def __init__(self, URLS=(), INDEX="likeness-looks", OPTIONS=None, REFRESH=False) -> None:
        if not URLS:
            raise ProviderError("LOOKALIKE_INDEX=elasticsearch needs ELASTICSEARCH_URL, e.g. http://localhost:9200.")
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
    def add(self, image_id: int, vector: np.ndarray) -> None:
        self.ensure()
        self.client.index(index=self.name, id=str(image_id), document=document(vector), refresh=self.refresh)

    @unavailable
    def remove(self, image_id: int) -> None:
        self.client.options(ignore_status=404).delete(index=self.name, id=str(image_id), refresh=self.refresh)

    @unavailable
    def reload(self, progress=None) -> int:
        """Replace every document with the stored embeddings (what `update_index` runs)."""
        self.client.options(ignore_status=404).indices.delete(index=self.name)
        self.ensure()
        done, total = 0, store.count_embeddings()
        for image_ids, vectors in store.iter_embeddings():
            actions = ({"_index": self.name, "_id": str(int(i)), "_source": document(v)}
                       for i, v in zip(image_ids, vectors, strict=True))  # fmt: skip
            helpers.bulk(self.client, actions, chunk_size=500)
            done += len(image_ids)
            if progress:
                progress(len(image_ids), total)
        self.client.indices.refresh(index=self.name)
        return done

    reload_from_database = reload

    def sync(self) -> None:
        pass  # nothing to follow: the documents are the index

    # --- answering ------------------------------------------------------------------------------

    @unavailable
    def count(self) -> int:
        if not self.client.indices.exists(index=self.name):
            return 0
        return int(self.client.count(index=self.name)["count"])

    def memory_bytes(self) -> int:
        return 0

    def candidates(self, vector: np.ndarray, k: int) -> list[int]:
        return self._candidates(np.asarray(vector)[None], k)[0]

    @unavailable
    def _candidates(self, vectors: np.ndarray, k: int, floor: float = -1.0) -> list[list[int]]:
        if k <= 0:
            return [[] for _ in vectors]
        answers = []
        for vector in vectors:
            try:
                found = self.client.search(index=self.name, size=k, source=False, knn=knn(vector, k, floor))
            except NotFoundError:  # nothing indexed yet
                return [[] for _ in vectors]
            answers.append([int(hit["_id"]) for hit in found["hits"]["hits"]])
        return answers

    def nearest(
        self, vector: np.ndarray, *, limit: int = 50, floor: float = SIMILARITY_FLOOR, rerank: int = RERANK
    ) -> list[tuple[int, float]]:
        return self.nearest_many(np.asarray(vector)[None], limit=limit, floor=floor, rerank=rerank)[0]

    def nearest_many(
        self, vectors: np.ndarray, *, limit: int = 50, floor: float = SIMILARITY_FLOOR, rerank: int = RERANK
    ) -> list[list[tuple[int, float]]]:
        if limit <= 0:
            return [[] for _ in vectors]
        # The kNN search's own similarity is of int8 vectors: the floor there is loosened a little, and
        # the exact one applies to the stored embeddings.
        found = self._candidates(vectors, max(rerank, 2 * limit), floor=floor - FLOOR_SLACK)
        return ranked(vectors, found, limit=limit, floor=floor)


FLOOR_SLACK = 0.05  # int8 vectors' cosines are within about 0.01 of the float ones; this is generous


def document(vector: np.ndarray) -> dict:
    return {"embedding": [round(float(x), 6) for x in np.asarray(vector, np.float32)]}


def knn(vector: np.ndarray, k: int, floor: float) -> dict:
    """The search's `knn` section: the k nearest, none under `floor` (a cosine)."""
    return {
        "field": "embedding",
        "query_vector": [round(float(x), 6) for x in np.asarray(vector, np.float32)],
        "k": k,
        "num_candidates": min(10_000, CANDIDATES_PER_RESULT * k),
        "similarity": float(floor),
    }
