"""Every catalog picture's colour signature in memory, as inverted lists, kept in step with the change log.

The database search backend ranks colour queries here (`ColorIndex.top`): a few milliseconds over a million
pictures on one core (bench/color_search.py). Changes since the lists were built are read from the change
log (`IndexEvent`) before each query and scored beside them; past `rebuild_after` changes, or on a RELOAD,
the lists are built again from the stored signatures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matching.algorithms.color_signature import (
    DEFAULT_TOLERANCE,
    MISSING,
    ColorPostings,
    ColorSignature,
    ColorTolerance,
    kernel,
    score,
)
from matching.index import store
from matching.models import IndexEvent


class ColorIndex:
    def __init__(self, rebuild_after: int = 5000, tolerance: ColorTolerance = DEFAULT_TOLERANCE) -> None:
        self.rebuild_after = rebuild_after
        self.tolerance = tolerance
        self._postings: ColorPostings | None = None
        self._seen = -1  # the last change-log event the index includes
        self._changed: dict[int, ColorSignature | None] = {}  # since the lists were built; None: removed

    def count(self) -> int:
        self.sync()
        assert self._postings is not None
        changed = set(self._changed)
        return sum(1 for pk in self._postings.ids if int(pk) not in changed) + sum(
            1 for sig in self._changed.values() if sig is not None
        )

    def reload(self) -> None:
        latest = store.latest_change()
        ids: list[int] = []
        signatures: list[ColorSignature] = []
        for chunk_ids, chunk in store.iter_color_signatures():
            ids += chunk_ids
            signatures += chunk
        self._postings = ColorPostings(np.array(ids, np.int64), signatures)
        self._changed = {}
        self._seen = latest

    def sync(self) -> None:
        """Bring the index up to date with the change log (one query when nothing changed)."""
        if self._postings is None:
            self.reload()
            return
        events = list(
            IndexEvent.objects.filter(id__gt=self._seen).order_by("id").values_list("id", "image_id", "operation")
        )
        if not events:
            return
        if any(op == IndexEvent.RELOAD for _, _, op in events) or len(self._changed) + len(events) > self.rebuild_after:
            self.reload()
            return
        touched = {image_id for _, image_id, _ in events}
        found = store.load_color_signatures(touched)
        for image_id in touched:
            self._changed[image_id] = found.get(image_id)
        self._seen = events[-1][0]

    def top(
        self, labs: Sequence[np.ndarray], weights: Sequence[float], limit: int, min_score: float = 0.0
    ) -> list[tuple[int, float]]:
        """The `limit` pictures with most of their area near the colours (see color_signature.combined), best first."""
        self.sync()
        assert self._postings is not None
        near = kernel(labs, self.tolerance)
        ranked = self._postings.top(near, weights, limit + len(self._changed), min_score)
        found = [(pk, value) for pk, value in ranked if pk not in self._changed]
        for pk, sig in self._changed.items():
            if sig is None:
                continue
            value = score(sig, near, weights)
            if value > max(min_score, MISSING):
                found.append((pk, value))
        found.sort(key=lambda pair: (-pair[1], pair[0]))
        return found[:limit]
