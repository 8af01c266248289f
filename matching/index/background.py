"""The catalog at large, as the calibrated look-alike floor sees it: a fixed sample of the stored embeddings.

Each look-alike index holds one `CatalogBackground` and asks it for the current `Background`
(matching.index.calibration) before ranking. It is drawn from the stored embeddings
(matching.index.store) and kept in step with the change log (`store.latest_change()`, one indexed
query per look-alike search): a catalog of up to SAMPLE pictures is read whole again after any change
(at most SAMPLE embeddings, a few milliseconds); a larger one is sampled again once REFRESH_SHARE of
it may have changed, since its mean and spread move slowly. The sample probes random ids from a fixed
seed, so every process, and every kind of index, draws the same pictures from the same catalog.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
from django.db.models import Max, Min

from matching.index import store
from matching.index.calibration import DEFAULT, Background, Calibration
from matching.models import ImageEmbedding

SAMPLE = 1024  # embeddings in the sample: the mean and spread of a query's cosines to the catalog
REFRESH_SHARE = 0.05  # a sampled catalog is sampled again after changes to about this share of it
PROBES = 20_000  # at most this many ids are probed for a sample
SEED = 20251  # the sample's random ids: the same in every process


@dataclass(frozen=True)
class _Held:
    change: int  # the change-log event the sample was drawn after
    background: Background


class CatalogBackground:
    """The current `Background` of the stored catalog, drawn again when the catalog has changed enough."""

    def __init__(self, calibration: Calibration = DEFAULT, size: int = SAMPLE) -> None:
        self.calibration, self.size = calibration, size
        self._held: _Held | None = None
        self._lock = threading.Lock()

    def current(self) -> Background:
        change = store.latest_change()
        held = self._held
        if held is not None and not self._stale(held, change):
            return held.background
        with self._lock:  # one draw at a time; a thread that waited finds it done
            held = self._held
            if held is None or self._stale(held, change):
                held = _Held(change, draw(self.size, self.calibration))
                self._held = held
        return held.background

    def _stale(self, held: _Held, change: int) -> bool:
        if change == held.change:
            return False
        if held.background.pictures <= self.size:  # the sample is the whole catalog: any change shows
            return True
        return change - held.change >= REFRESH_SHARE * held.background.pictures


def draw(size: int = SAMPLE, calibration: Calibration = DEFAULT) -> Background:
    """A `Background` from the stored embeddings: all of them up to `size`, else about `size` at random."""
    pictures = store.count_embeddings()
    chunks = [
        vectors for _, vectors in store.iter_embeddings(ids=None if pictures <= size else probed_ids(size, pictures))
    ]
    sample = np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)
    if len(sample) > size:
        sample = sample[np.sort(np.random.default_rng(SEED).choice(len(sample), size, replace=False))]
    return Background.of(sample, max(pictures, len(sample)), calibration)


def probed_ids(size: int, pictures: int) -> list[int]:
    """Random ids from the span of stored ids, enough for about 1.5 `size` of them to have an embedding."""
    span = ImageEmbedding.objects.aggregate(low=Min("image_id"), high=Max("image_id"))
    low, high = span["low"] or 0, span["high"] or 0
    density = pictures / max(1, high - low + 1)
    probes = min(PROBES, math.ceil(1.5 * size / max(density, 1e-9)))
    return np.unique(np.random.default_rng(SEED).integers(low, high + 1, probes)).tolist()
