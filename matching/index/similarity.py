"""How look-alikes are ranked, whichever index found the candidates: by the exact cosine of the stored embeddings.

Every look-alike index (matching.index.lookalike) finds RERANK candidates by a compressed or approximate
search; `ranked` orders them by their stored float16 embeddings and applies the floor, so every index
gives the same answer whenever their candidates agree.
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
    answers: list[list[tuple[int, float]]] = []
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
