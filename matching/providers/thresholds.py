"""The hash provider's thresholds, one frozen value: set from a provider's options, passed in by tests.

How each was chosen is in docs/benchmarks.md (robustness, false matches at ten million images).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from matching.algorithms.overlay import PLAIN_AGREEMENT


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the hash provider's candidates and decision (options: the names in capitals)."""

    accept_distance: int = 32  # 256-bit distance at which the hashes alone decide (safe at ten million images)
    verify_distance: int = 100  # hash candidates farther than this are no candidates
    key_radius: int = 10  # bits a looked-up 64-bit key may differ from a catalog window's
    verify_limit: int = 8  # doubtful hash candidates verified per query, closest first
    embedding_candidates: int = 12  # nearest look-alikes verified when no hash leads to a copy (0: none)
    embedding_floor: float = 0.2  # ... at least this similar: keeps far-off pictures of a small catalog out
    embedding_rerank: int = 48  # compressed-index candidates re-ranked by their exact embedding
    centred_candidates: int = 2  # nearest look-alikes also tried as the centred crop of the query's aspect ratio
    reduced_candidates: int = 6  # nearest look-alikes also tried with the query reduced (a detail shown larger)
    embedding_min_inliers: int = 25  # features a look-alike candidate needs, unless its pixels agree strongly
    weak_support: int = 10  # guided features a weak first fit needs
    weak_containment: float = 0.9  # how far one picture must lie inside the other on a weak or plain fit
    aligned_distance: int = 64  # the aligned window's hash distance at which the hashes agree (random: ~128)
    min_correlation: float = 0.6  # the query laid over the catalog thumbnail must correlate this well
    plain_agreement: float = PLAIN_AGREEMENT  # how alike in plainness two plain sides must be

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Thresholds:
        """The thresholds a provider's options set (ACCEPT_DISTANCE=20, ...), the defaults for the rest."""
        names = {field.name.upper(): field.name for field in dataclasses.fields(cls)}
        return cls(**{names[key]: value for key, value in options.items() if key in names})
