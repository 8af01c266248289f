"""Which candidates look like a query, and in what order: a floor calibrated per query against the catalog.

A fixed cosine floor suits one kind of catalog and query only. Emoji drawings resemble each other at
a cosine of 0.4 whatever they show, so 0.5 lets unrelated drawings through; a painted photo stands at
0.2 from a catalog of photos at large and at 0.4 from the photos of its subject, so 0.5 shows it
nothing. What tells a look-alike apart is how far it stands above the query's similarity to the
catalog at large. So, per query, among the candidates the index found:

1. The gate. The query's background is its mean cosine to a fixed sample of the catalog
   (`Background`, drawn from the stored embeddings by matching.index.background), pulled towards
   `Calibration.prior_similarity` while the catalog holds few pictures. The best candidate's cosine
   must cover at least `gate` of the way from that background up to 1 (an identical picture), or the
   query is shown nothing: a query unlike everything, or equally like everything, has nothing that
   stands out. Every candidate shown must cover `lift` of that way (a small catalog's unrelated
   pictures stay out).
2. The score. Each embedding is power-normalised (signed square root: one strong feature no longer
   outweighs many) and centred on the catalog's mean (what all its pictures share says nothing about
   one of them), and compared by cosine. That centred cosine must reach `floor`: centring makes it
   relative to the catalog too, and a picture no more like the query than the catalog's average
   scores about 0.
3. The order. The query is expanded by its `expansion` nearest candidates (average query expansion,
   weighted by their centred cosine) and compared again: look-alikes are ranked, and scored, by that.

Pure numpy: the look-alike indexes (matching.index.similarity.ranked_calibrated) and bench/lookalike.py
call the same `lookalikes`. Why each value: docs/benchmarks.md (look-alike quality).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-6


@dataclass(frozen=True)
class Calibration:
    """How look-alikes are chosen and ranked (the values bench/lookalike.py chose)."""

    gate: float = 0.23  # share of the way from the query's background cosine to 1 the best candidate must cover
    lift: float = 0.15  # share of that way every candidate shown must cover
    floor: float = 0.23  # lowest centred cosine shown (before query expansion)
    expansion: int = 3  # nearest candidates averaged into the query (0: no query expansion)
    power: float = 0.5  # each component's magnitude is raised to this before centring (1: none)
    centre: bool = True  # centre on the catalog's mean
    prior_pictures: int = 16  # a catalog of this many pictures weighs as much as the prior background below
    prior_similarity: float = 0.3  # background cosine assumed before the catalog says otherwise


DEFAULT = Calibration()


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to length 1; zero stays zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, EPSILON)


def powered(vectors: np.ndarray, power: float) -> np.ndarray:
    """Signed power normalisation, then unit length."""
    vectors = np.asarray(vectors, np.float32)
    return unit(vectors if power == 1 else np.sign(vectors) * np.abs(vectors) ** power)


@dataclass(frozen=True)
class Background:
    """The catalog at large, for a query to be compared against: a fixed sample of its embeddings."""

    sample: np.ndarray  # (m, d) unit embeddings; m may be 0
    pictures: int  # how many pictures the catalog held when the sample was drawn
    mean: np.ndarray  # (d,) mean of the power-normalised sample, shrunk towards 0 for a small catalog

    @classmethod
    def of(cls, sample: np.ndarray, pictures: int | None = None, calibration: Calibration = DEFAULT) -> Background:
        """The background of a catalog of `pictures` (by default the sample is the whole catalog)."""
        sample = np.asarray(sample, np.float32)
        pictures = len(sample) if pictures is None else pictures
        if len(sample) and calibration.centre:
            trust = pictures / (pictures + calibration.prior_pictures)
            mean = trust * powered(sample, calibration.power).mean(axis=0)
        else:
            mean = np.zeros(sample.shape[1] if sample.ndim == 2 else 0, np.float32)
        return cls(sample, pictures, mean.astype(np.float32))

    def similarity(self, query: np.ndarray, calibration: Calibration = DEFAULT) -> float:
        """The query's mean cosine to the catalog, pulled towards the prior while the catalog is small."""
        seen = float(np.mean(self.sample @ query)) if len(self.sample) else 0.0
        weight, prior = min(len(self.sample), self.pictures), calibration.prior_pictures
        return (weight * seen + prior * calibration.prior_similarity) / (weight + prior)


def lookalikes(
    query: np.ndarray,
    ids: np.ndarray,
    vectors: np.ndarray,
    background: Background,
    *,
    limit: int,
    calibration: Calibration = DEFAULT,
) -> list[tuple[int, float]]:
    """Those of the candidates (`ids`, unit embeddings `vectors`) that look like `query`, best first, with
    their score; ties in id order."""
    if limit <= 0 or not len(ids):
        return []
    query = unit(np.asarray(query, np.float32))
    vectors = np.asarray(vectors, np.float32)
    typical = background.similarity(query, calibration)
    lift = (vectors @ query - typical) / max(1.0 - typical, EPSILON)
    if float(lift.max()) < calibration.gate:
        return []
    centred, score = scores(query, vectors, background, calibration)
    shown = (centred >= calibration.floor) & (lift >= calibration.lift)
    order = [i for i in np.lexsort((np.asarray(ids), -score)) if shown[i]]
    return [(int(ids[i]), round(float(score[i]), 4)) for i in order[:limit]]


def scores(
    query: np.ndarray, vectors: np.ndarray, background: Background, calibration: Calibration = DEFAULT
) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's centred cosine to the query, and its cosine to the query expanded by its nearest."""
    mean = background.mean if background.mean.shape == query.shape else 0.0  # an empty catalog has none
    candidates = unit(powered(vectors, calibration.power) - mean)
    asked = unit(powered(query, calibration.power) - mean)
    centred = candidates @ asked
    if calibration.expansion <= 0:
        return centred, centred
    nearest = np.argsort(-centred, kind="stable")[: calibration.expansion]
    expanded = unit(asked + np.maximum(centred[nearest], 0.0) @ candidates[nearest])
    return centred, candidates @ expanded
