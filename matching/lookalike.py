"""The look-alike index: every catalog image's embedding in memory, nearest by cosine similarity.

Each process holds its own copy, kept in step with the database through the change log like the
hash index (matching.follower). Vectors are unit length, so the inner product is the cosine.
"""

from __future__ import annotations

import functools

import numpy as np

from matching import store
from matching.follower import EventFollower

DIMENSIONS = 1280
# A look-alike must be at least this similar (cosine of the embeddings); below it, a picture is not
# shown as looking like the query. Chosen from bench/lookalike.py: see docs/benchmarks.md.
SIMILARITY_FLOOR = 0.5


class LookalikeIndex(EventFollower):
    def __init__(self) -> None:
        super().__init__()
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, DIMENSIONS), dtype=np.float32)

    # --- following the change log -----------------------------------------------------------------

    def load_all(self) -> None:
        parts = list(store.iter_embeddings())
        self.ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        self.vectors = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, DIMENSIONS), np.float32)

    def load_ids(self, ids: list[int]) -> None:
        for image_ids, vectors in store.iter_embeddings(ids=ids):
            keep = ~np.isin(self.ids, image_ids)
            self.ids = np.concatenate([self.ids[keep], image_ids])
            self.vectors = np.concatenate([self.vectors[keep], vectors])

    def drop_id(self, image_id: int) -> None:
        keep = self.ids != image_id
        self.ids, self.vectors = self.ids[keep], self.vectors[keep]

    # --- answering --------------------------------------------------------------------------------

    def count(self) -> int:
        self.sync()
        return len(self.ids)

    def nearest(
        self, vector: np.ndarray, *, limit: int = 50, floor: float = SIMILARITY_FLOOR
    ) -> list[tuple[int, float]]:
        """Catalog images whose embedding is at least `floor` similar to `vector`, most similar first."""
        self.sync()
        with self._lock:
            ids, vectors = self.ids, self.vectors
        if not len(ids) or limit <= 0:
            return []
        similarity = vectors @ vector.astype(np.float32)
        keep = np.flatnonzero(similarity >= floor)
        if len(keep) > limit:
            keep = keep[np.argpartition(-similarity[keep], limit - 1)[:limit]]
        order = keep[np.lexsort((ids[keep], -similarity[keep]))]
        return [(int(ids[i]), round(float(similarity[i]), 4)) for i in order]


@functools.cache
def get_index() -> LookalikeIndex:
    """The process's look-alike index, loaded on first use; `get_index.cache_clear()` forgets it."""
    return LookalikeIndex()
