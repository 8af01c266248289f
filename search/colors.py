"""Colour search's shared parts: a query's colours in CIELAB, colour scores of given items, the colours of a
result set. Both search backends and the MulticolorEngine-compatible endpoints use these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.algorithms.color_signature import (
    DEFAULT_TOLERANCE,
    ColorTolerance,
    bin_centres,
    dominant,
    hex_to_lab,
    kernel,
    lab_to_hex,
    normalised,
    score,
)
from matching.index import store

MAX_COLOR_CANDIDATES = 2000  # colour-ranked pictures the database backend filters, counts and pages
COLOR_FLOOR = 0.02  # a picture with less than 2% of its area near the query's colours is not a hit
COLOR_WEIGHT = 50.0  # with a query image: image score (0-100) + COLOR_WEIGHT x colour score (0-1)
HOLDS_SHARE = 0.05  # a picture holds a colour when at least this share of it is near it
RESULT_SAMPLE = 2000  # pictures a result set's colours are worked out from


@dataclass(frozen=True)
class QueryColors:
    """A query's colours: CIELAB values and weights (0-1, summing to 1)."""

    labs: tuple[np.ndarray, ...]
    weights: tuple[float, ...]

    @classmethod
    def of(cls, palette: Sequence[tuple[str, float]]) -> QueryColors:
        return cls(tuple(hex_to_lab(hex_) for hex_, _ in palette),
                   tuple(float(w) for w in normalised([w for _, w in palette])))  # fmt: skip

    def near(self, tolerance: ColorTolerance = DEFAULT_TOLERANCE) -> np.ndarray:
        return kernel(self.labs, tolerance)


def color_scores(ids: Iterable[int], palette: Sequence[tuple[str, float]]) -> dict[int, float]:
    """0-1 colour scores of these items, from their stored signatures (items without one score 0)."""
    colors = QueryColors.of(palette)
    near = colors.near()
    return {pk: score(sig, near, colors.weights) for pk, sig in store.load_color_signatures(ids).items()}


def blend(image_score: float, color_score: float) -> float:
    return image_score + COLOR_WEIGHT * color_score


@dataclass(frozen=True)
class ResultColor:
    hex: str  # six lower-case digits
    share: float  # of the pictures' area together, 0-1
    count: int  # pictures holding it (HOLDS_SHARE of their area near it)


def collection_colors(ids: Sequence[int], limit: int = 10) -> list[ResultColor]:
    """The dominant colours of these pictures together (each counts alike), with how many hold each."""
    signatures = store.load_color_signatures(list(ids)[:RESULT_SAMPLE])
    if not signatures:
        return []
    total = np.zeros(len(bin_centres()))
    for sig in signatures.values():
        np.add.at(total, sig.bins.astype(np.intp), sig.shares)
    bins = np.flatnonzero(total)
    found = dominant(bins, total[bins] / len(signatures), limit=limit)
    near = kernel([lab for lab, _ in found]) if found else np.zeros((0, len(total)))
    counts = np.zeros(len(found), int)
    for sig in signatures.values():
        counts += (near[:, sig.bins.astype(np.intp)] @ sig.shares.astype(np.float64)) >= HOLDS_SHARE
    return [ResultColor(lab_to_hex(lab), round(share, 4), int(n))
            for (lab, share), n in zip(found, counts, strict=True) if n]  # fmt: skip
