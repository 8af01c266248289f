"""How look-alikes are ranked, whichever index found the candidates: from the exact stored embeddings.

Every look-alike index (matching.index.lookalike) finds RERANK candidates by a compressed or approximate
search; their stored float16 embeddings are then read back once and ranked exactly, so every index gives
the same answer whenever their candidates agree. Two rankings:

- `ranked_calibrated`: what look-alike search shows (matching.index.calibration: a floor calibrated per
  query against the catalog's `Background`, and the score after centring and query expansion);
- `ranked`: by plain cosine above a fixed floor, for callers that name one (the copy stage's embedding
  candidates, duplicate finding).
"""

from __future__ import annotations

import numpy as np

from matching.index import store
from matching.index.calibration import DEFAULT, Background, Calibration, lookalikes

RERANK = 200  # candidates from the compressed or approximate search that are ranked by their exact embeddings


def ranked(vectors: np.ndarray, found: list[list[int]], *, limit: int, floor: float) -> list[list[tuple[int, float]]]:
    """Each vector's candidates `found` ranked by their stored embeddings' exact cosine, `floor` and up.

    One read of the stored embeddings for all of them; a candidate with none stored (removed since) is left out.
    """
    answers: list[list[tuple[int, float]]] = []
    for vector, (ids, rows) in zip(vectors, stored(found), strict=True):
        if not len(ids):
            answers.append([])
            continue
        similarity = rows @ np.asarray(vector, np.float32)
        best = sorted(((float(s), i) for i, s in zip(ids.tolist(), similarity, strict=True) if s >= floor),
                      key=lambda pair: (-pair[0], pair[1]))  # fmt: skip
        answers.append([(image_id, round(value, 4)) for value, image_id in best[:limit]])
    return answers


def ranked_calibrated(
    vectors: np.ndarray,
    found: list[list[int]],
    *,
    limit: int,
    background: Background,
    calibration: Calibration = DEFAULT,
) -> list[list[tuple[int, float]]]:
    """Each vector's look-alikes among its candidates `found` (matching.index.calibration.lookalikes)."""
    return [
        lookalikes(vector, ids, rows, background, limit=limit, calibration=calibration)
        for vector, (ids, rows) in zip(vectors, stored(found), strict=True)
    ]


def stored(found: list[list[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each list of candidates, those with a stored embedding (in id order) and their embeddings."""
    embeddings: dict[int, np.ndarray] = {}
    for image_ids, rows in store.iter_embeddings(ids=sorted({i for ids in found for i in ids})):
        embeddings.update(zip(image_ids.tolist(), rows, strict=True))
    dimensions = next(iter(embeddings.values())).shape[0] if embeddings else 0
    answers = []
    for ids in found:
        kept = sorted(i for i in set(ids) if i in embeddings)  # in id order, as the store reads them
        rows = np.stack([embeddings[i] for i in kept]) if kept else np.zeros((0, dimensions), np.float32)
        answers.append((np.array(kept, np.int64), rows))
    return answers
