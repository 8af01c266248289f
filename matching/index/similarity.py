"""How look-alikes are ranked, whichever index found the candidates: by the exact cosine of the stored embeddings.

The in-memory index (`matching.index.lookalike_memory`) and Elasticsearch's
(`matching.index.lookalike_elastic`) each find RERANK candidates by a compressed or approximate
search (their `_candidates`); `Reranked` answers `nearest` from them for both, and `ranked` orders
them by their stored float16 embeddings and applies the floor, so both give the same answer
whenever their candidates agree.
"""

from __future__ import annotations

import numpy as np

from matching.index import store

# A look-alike must be at least this similar (cosine of the embeddings); below it, a picture is not
# shown as looking like the query. Chosen from bench/lookalike.py: see docs/benchmarks.md.
SIMILARITY_FLOOR = 0.5
RERANK = 200  # candidates from the compressed or approximate search that are ranked by their exact cosine


def ranked(vectors: np.ndarray, found: list[list[int]], *, limit: int, floor: float) -> list[list[tuple[int, float]]]:
    """Each vector's candidates `found` ranked by their stored embeddings' exact cosine, `floor` and up.

    One read of the stored embeddings for all of them; a candidate with none stored (removed since) is left out.
    """
    stored: dict[int, np.ndarray] = {}
    for image_ids, rows in store.iter_embeddings(ids=sorted({i for ids in found for i in ids})):
        stored.update(zip(image_ids.tolist(), rows, strict=True))
    answers = []
    for vector, ids in zip(vectors, found, strict=True):
        kept = sorted(i for i in ids if i in stored)  # in id order, as the store reads them
        if not kept:
            answers.append([])
            continue
        similarity = np.stack([stored[i] for i in kept]) @ np.asarray(vector, np.float32)
        best = sorted(((float(s), i) for i, s in zip(kept, similarity, strict=True) if s >= floor),
                      key=lambda pair: (-pair[0], pair[1]))  # fmt: skip
        answers.append([(image_id, round(value, 4)) for value, image_id in best[:limit]])
    return answers


class Reranked:
    """`nearest` and `candidates` for a look-alike index that finds candidates (`_candidates`) and follows (`sync`)."""

    def sync(self) -> None:
        raise NotImplementedError

    def _candidates(self, vectors: np.ndarray, k: int) -> list[list[int]]:
        """For each of `vectors`, the ids of about the `k` nearest images, by the index's own search."""
        raise NotImplementedError

    def candidates(self, vector: np.ndarray, k: int) -> list[int]:
        """The `k` images nearest `vector` by the index's own search (stage 1)."""
        return self._candidates(np.asarray(vector)[None], k)[0]

    def nearest(
        self, vector: np.ndarray, *, limit: int = 50, floor: float = SIMILARITY_FLOOR, rerank: int = RERANK
    ) -> list[tuple[int, float]]:
        """Catalog images whose embedding is at least `floor` similar to `vector`, most similar first.

        `rerank` candidates of the index's own search are ranked by their exact cosine.
        """
        return self.nearest_many(np.asarray(vector)[None], limit=limit, floor=floor, rerank=rerank)[0]

    def nearest_many(
        self, vectors: np.ndarray, *, limit: int = 50, floor: float = SIMILARITY_FLOOR, rerank: int = RERANK
    ) -> list[list[tuple[int, float]]]:
        """`nearest` for each of `vectors`, with one search and one read of the stored embeddings for all."""
        self.sync()
        if limit <= 0:
            return [[] for _ in vectors]
        return ranked(vectors, self._candidates(vectors, max(rerank, 2 * limit)), limit=limit, floor=floor)
