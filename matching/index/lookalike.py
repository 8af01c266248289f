"""The look-alike index seam: every catalog picture's embedding, nearest by cosine similarity.

LIKENESS_LOOKALIKE_INDEXES = {"default": {"BACKEND": "matching.index.lookalike_memory", ...options}},
built by the same registry as match providers and search backends (matching.registry). Two
implementations: `matching.index.lookalike_memory` (8-bit codes in each process, following the change
log, shared through the host's snapshot) and `matching.index.lookalike_elastic` (`dense_vector` kNN
search in Elasticsearch, written by the indexing tasks). Both answer in two stages: the index's own
search finds candidates (`_candidates`), and their stored embeddings rank them exactly
(matching.index.similarity), so both give the same answer whenever their candidates agree. Which of
them look like the query is decided per query against the catalog at large (matching.index.calibration),
from a sample of the stored embeddings each index keeps in step with the change log
(matching.index.background); a caller may name a fixed cosine floor instead.
Behaviour suite: tests/matching/lookalike_behaviour.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from matching.index.background import CatalogBackground
from matching.index.calibration import Background
from matching.index.similarity import RERANK, ranked, ranked_calibrated
from matching.registry import Registry

Progress = Callable[[int, int], None]  # (items just done, total to do)


class BaseLookalikeIndex(ABC):
    """What look-alike search and copy detection ask of an index of embeddings."""

    loaded_from = ""  # where this process's copy came from ("database", "snapshot"); empty: none is held here
    _background: CatalogBackground | None = None  # made on the first search that needs it

    @abstractmethod
    def add(self, image_id: int, vector: np.ndarray | None = None) -> None:
        """Index (or re-index) a catalog picture (the indexing tasks call this). `vector`: its unit embedding when
        the caller has it at hand; an index that needs it and is not given it reads the stored one."""

    @abstractmethod
    def remove(self, image_id: int) -> None:
        """Forget a catalog picture; unknown ids are ignored."""

    @abstractmethod
    def reload(self) -> None:
        """Rebuild from the stored embeddings (what `update_index` runs)."""

    @abstractmethod
    def count(self) -> int:
        """How many pictures are indexed."""

    @abstractmethod
    def _candidates(self, vectors: np.ndarray, k: int) -> list[list[int]]:
        """For each of `vectors`, the ids of about the `k` nearest pictures, by the index's own search."""

    def load(self, *, rebuild: bool = False) -> bool:
        """Load what this process holds (`rebuild`: from the database, leaving a new snapshot); False when
        the index holds nothing in any process."""
        return False

    def sync(self) -> None:  # noqa: B027 - most indexes hold nothing to bring up to date
        """Bring what this process holds up to date before answering (nothing, for an index held elsewhere)."""

    def memory_bytes(self) -> int:
        """What the index holds or maps in this process."""
        return 0

    def candidates(self, vector: np.ndarray, k: int) -> list[int]:
        """The `k` pictures nearest `vector` by the index's own search (stage 1)."""
        self.sync()
        return self._candidates(np.asarray(vector)[None], k)[0]

    def background(self) -> Background:
        """The catalog at large, as the calibrated choice compares a query with it (current with the change log)."""
        if self._background is None:
            self._background = CatalogBackground()
        return self._background.current()

    def nearest(
        self, vector: np.ndarray, *, limit: int = 50, floor: float | None = None, rerank: int = RERANK
    ) -> list[tuple[int, float]]:
        """Catalog pictures that look like `vector`, most alike first, with their score.

        Without a `floor`, the look-alikes calibrated against the catalog (matching.index.calibration), scored
        by their centred, expanded cosine; with one, those whose cosine is at least `floor`, scored by it.
        `rerank` candidates of the index's own search are ranked by their exact stored embeddings.
        """
        return self.nearest_many(np.asarray(vector)[None], limit=limit, floor=floor, rerank=rerank)[0]

    def nearest_many(
        self, vectors: np.ndarray, *, limit: int = 50, floor: float | None = None, rerank: int = RERANK
    ) -> list[list[tuple[int, float]]]:
        """`nearest` for each of `vectors`, with one search and one read of the stored embeddings for all."""
        self.sync()
        if limit <= 0:
            return [[] for _ in vectors]
        found = self._candidates(vectors, max(rerank, 2 * limit))
        if floor is not None:
            return ranked(vectors, found, limit=limit, floor=floor)
        return ranked_calibrated(vectors, found, limit=limit, background=self.background())


_registry: Registry[BaseLookalikeIndex] = Registry("LIKENESS_LOOKALIKE_INDEXES", "LookalikeIndex", "look-alike index")
get_lookalike_index = _registry.get
reset_lookalike_indexes = _registry.reset
