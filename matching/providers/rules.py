"""Whether one candidate is a copy of the query: the hash provider's decision, as a short sequence of named rules.

A candidate comes from the window hashes (its closest window pair is `distance` bits of 256 apart) or
from the look-alike index (no hash pair: `distance` is None). Near enough on its hashes, and with no
fine detail on either side, it is a copy at once (`accepted_on_hashes`). Otherwise local features
must agree on one transform, and then each rule in `REFUSALS` may turn the candidate down, in
order, each for the reason its docstring gives; what none refuses is a copy. What a rule reads
(the fit, the aligned re-hash, the pixel comparison) is worked out when a rule first asks for it,
so a candidate turned down early costs no more than what turned it down.

The thresholds are one frozen `Thresholds`, set per provider from its options (tests pass their own);
how each was chosen is in docs/benchmarks.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from matching.algorithms import borders
from matching.algorithms.fingerprint import (
    MIN_FEATURE_SIDE,
    VARIANTS,
    WINDOW_MARGINS,
    Fingerprint,
    detect,
    pack_features,
)
from matching.algorithms.overlay import Likeness, aligned_correlation, aligned_distance
from matching.algorithms.verify import WEAK_INLIERS, Verification, verify
from matching.providers.base import Match
from matching.providers.thresholds import Thresholds

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Target:
    """What verifying a catalog picture needs: its features, window hashes, usable windows and thumbnail."""

    features: bytes
    hashes: np.ndarray  # (windows, 4) uint64
    valid: np.ndarray  # (windows,) bool
    thumbnail: np.ndarray | None  # None for fingerprints stored before thumbnails were


@dataclass(frozen=True)
class Candidate:
    """A catalog picture that may be a copy of the query, and how it was found."""

    image_id: int
    variant: int = 0  # the query variant (matching.algorithms.fingerprint.VARIANTS) it was found with
    distance: int | None = None  # bits of 256 between the closest window pair; None: found by its embedding
    query_window: int = 0
    target_window: int = 0
    target: Target | None = None  # loaded when the hashes alone cannot decide
    fine: bool = False  # the catalog picture has fine detail (never matched on its hashes alone)

    @property
    def found_by_embedding(self) -> bool:
        return self.distance is None

    def hashed(self, thresholds: Thresholds) -> bool:
        """Whether its window hashes lie near enough for the hashes alone to decide (fine detail aside)."""
        return self.distance is not None and self.distance <= thresholds.accept_distance

    @property
    def orientation(self) -> int:
        return VARIANTS[self.variant][0]

    @property
    def mirrored(self) -> bool:
        return self.orientation >= 4


@dataclass(frozen=True)
class View:
    """The query as local features see it: features and the grey pixels they were found on, that way round."""

    features: bytes
    pixels: np.ndarray | None


def query_view(query: Fingerprint, mirrored: bool) -> View:
    if mirrored:
        pixels = None if query.pixels is None else np.ascontiguousarray(query.pixels[:, ::-1])
        return View(query.mirrored_features, pixels)
    return View(query.features, query.pixels)


REDUCED_VIEW = 0.7  # the reduced view's scale: about two steps of ORB's pyramid


def reduced_view(view: View) -> View | None:
    """The view at REDUCED_VIEW of its size: a detail shown larger than the catalog picture shows it
    finds more of its features at the catalog picture's scale there. None when too small."""
    if view.pixels is None or min(view.pixels.shape) < 4 * MIN_FEATURE_SIDE:
        return None
    height, width = view.pixels.shape
    size = (round(width * REDUCED_VIEW), round(height * REDUCED_VIEW))
    reduced = cv2.resize(view.pixels, size, interpolation=cv2.INTER_AREA)
    return View(pack_features(*detect(reduced)), reduced)


class Evidence:
    """What verifying one candidate finds, each part worked out when a rule first asks for it."""

    def __init__(
        self, candidate: Candidate, target: Target, view: View, thresholds: Thresholds, fit: Verification | None
    ) -> None:
        self.candidate, self.target, self.view, self.thresholds = candidate, target, view, thresholds
        self._given_fit = fit

    @cached_property
    def fit(self) -> Verification | None:
        """The affine fit the features agree on (given: a fit made from a hypothesis, verify_centred_crop)."""
        if self._given_fit is not None:
            return self._given_fit
        return verify(self.view.features, self.target.features, min_inliers=WEAK_INLIERS)

    @property
    def checked(self) -> Verification:
        assert self.fit is not None  # every rule after `no_fit` may rely on it
        return self.fit

    @cached_property
    def aligned(self) -> tuple[int, int] | None:
        """(hash distance, window) of the catalog window the fit lays inside the query, re-hashed there;
        along the homography when the affine fit leaves it apart (a photo of a print taken at an angle)."""
        if self.view.pixels is None:
            return None
        hashes, valid = self.target.hashes, self.target.valid
        aligned = aligned_distance(self.view.pixels, self.checked, hashes, valid)
        if aligned is not None and aligned[0] > self.thresholds.aligned_distance:
            along = aligned_distance(self.view.pixels, self.checked, hashes, valid, perspective=True)
            aligned = along if along is not None and along[0] < aligned[0] else aligned
        return aligned

    @property
    def hash_agrees(self) -> bool:
        return self.aligned is not None and self.aligned[0] <= self.thresholds.aligned_distance

    @property
    def few(self) -> bool:
        """Few features agree: a weak fit, or a look-alike candidate under its own floor."""
        embedding_few = (
            self.candidate.found_by_embedding and self.checked.inliers < self.thresholds.embedding_min_inliers
        )
        return self.checked.weak or embedding_few

    @cached_property
    def compares_pixels(self) -> bool:
        """Whether the pixels must say: no catalog window lies inside the query (a detail, a one-sided crop), or
        the one that does hashes apart in a picture the embedding found (a perspective the affine fit only
        approximates), or the features are few."""
        if self.view.pixels is None or self.target.thumbnail is None:
            return False
        found_by_embedding = self.candidate.found_by_embedding
        return self.few or (not self.hash_agrees and (self.aligned is None or found_by_embedding))

    @cached_property
    def alike(self) -> Likeness | None:
        """The query laid over the catalog thumbnail where the fit says (matching.algorithms.verify)."""
        assert self.view.pixels is not None and self.target.thumbnail is not None
        return aligned_correlation(
            self.view.pixels, self.checked, self.target.thumbnail, plain_agreement=self.thresholds.plain_agreement
        )

    @property
    def plain(self) -> bool:
        return self.compares_pixels and self.alike is not None and self.alike.plain

    @property
    def correlated(self) -> Likeness | None:
        """The pixel comparison, when one was made and the sides were not both plain."""
        return self.alike if self.compares_pixels and not self.plain else None


# --- the rules: each refuses a candidate for the reason its docstring gives ------------------------------


def no_fit(e: Evidence) -> bool:
    """The features agree on no plausible transform."""
    return e.fit is None


def weak_fit_unsupported(e: Evidence) -> bool:
    """A weak fit (a detail or a flat picture keeps few distinctive features) needs guided features and pixels."""
    unsupported = e.checked.support < e.thresholds.weak_support or e.view.pixels is None or e.target.thumbnail is None
    return e.checked.weak and unsupported


def weak_fit_not_inside(e: Evidence) -> bool:
    """A weak fit must lay one picture inside the other, as every edit does; pictures made to one template
    agree on a part of each, which a weak fit's pixels cannot tell from a copy."""
    return e.checked.weak and e.checked.contained < e.thresholds.weak_containment


def plain_not_inside(e: Evidence) -> bool:
    """Both sides plain where they meet leaves the features to vouch alone, for one picture inside the other."""
    return e.plain and e.checked.contained < e.thresholds.weak_containment


def pixels_disagree(e: Evidence) -> bool:
    """Laid over the catalog picture where the features say, the query does not look like it (or covers too
    little of it, or a part too plain on one side, to tell a copy from chance)."""
    if not e.compares_pixels or e.plain:
        return False
    return e.alike is None or e.alike.pixels < e.thresholds.min_correlation


def only_alike_in_composition(e: Evidence) -> bool:
    """Few features, and the pixels only alike in composition: distinct pictures made to one template."""
    return e.correlated is not None and e.few and not e.correlated.strong


def lookalike_on_few_features(e: Evidence) -> bool:
    """A look-alike candidate whose pixels were not compared needs its own, higher, count of features."""
    if e.view.pixels is None or e.compares_pixels:
        return False
    return e.candidate.found_by_embedding and e.checked.inliers < e.thresholds.embedding_min_inliers


def repeating_pattern(e: Evidence) -> bool:
    """The features lined up and the window they lay inside the query hashes apart: a repeating pattern."""
    if e.view.pixels is None or e.compares_pixels:
        return False
    return not e.hash_agrees and e.aligned is not None


REFUSALS: tuple[Callable[[Evidence], bool], ...] = (
    no_fit,
    weak_fit_unsupported,
    weak_fit_not_inside,
    plain_not_inside,
    pixels_disagree,
    only_alike_in_composition,
    lookalike_on_few_features,
    repeating_pattern,
)


def accepted_on_hashes(candidate: Candidate, query: Fingerprint, thresholds: Thresholds) -> bool:
    """Near enough on the window hashes, and neither picture has detail finer than the hash sees."""
    return candidate.hashed(thresholds) and not (query.fine or candidate.fine)


def decide(
    candidate: Candidate,
    query: Fingerprint,
    thresholds: Thresholds,
    view: View | None = None,
    fit: Verification | None = None,
) -> Match | None:
    """The match decision for one candidate, with its score, overlaps and boxes; None when it is no copy.

    `view` is the query's features and pixels to verify with (default: the query at its size, mirrored for
    a mirrored variant); `fit` a fit made already (from a hypothesis: verify_centred_crop) to judge.
    """
    details = first_details(candidate)
    if accepted_on_hashes(candidate, query, thresholds):
        return hash_match(candidate, details)
    if candidate.target is None:
        return None  # the hashes alone cannot decide, and nothing was loaded to verify with
    evidence = Evidence(candidate, candidate.target, view or query_view(query, candidate.mirrored), thresholds, fit)
    if any(refuses(evidence) for refuses in REFUSALS):
        return None
    details.update(verified_details(evidence))
    if candidate.hashed(thresholds):
        return hash_match(candidate, details)  # fine detail: the hashes agreed and the features confirm it
    return feature_match(evidence, details)


def first_details(candidate: Candidate) -> dict[str, Any]:
    orientation, skew = VARIANTS[candidate.variant]
    details: dict[str, Any] = {"orientation": orientation * 90 % 360, "mirrored": orientation >= 4}
    details.update({"candidate": "embedding"} if candidate.found_by_embedding else {"distance": candidate.distance})
    if skew:
        details["skew"] = skew
    return details


def verified_details(e: Evidence) -> dict[str, Any]:
    """How verification decided: inliers, the aligned re-hash, the pixel comparison."""
    details: dict[str, Any] = {}
    if e.checked.guided_from:
        details["guided_from"] = e.checked.guided_from
    details["inliers"] = e.checked.inliers
    if e.checked.support:
        details["guided_inliers"] = e.checked.support
    if e.view.pixels is not None and e.aligned is not None:
        details["aligned_distance"] = e.aligned[0]
    if e.plain:
        details["plain"] = True
    elif e.correlated is not None:
        details["correlation"] = round(e.correlated.pixels, 3)
        details["edge_correlation"] = round(e.correlated.edges, 3)
    return details


def similarity(e: Evidence) -> float:
    """0-1: the pixels' correlation where they were compared, else how near the aligned window hashes; 0.5
    when nothing could be compared (stored before thumbnails were, or both sides plain)."""
    if e.correlated is not None:
        return e.correlated.pixels
    if e.view.pixels is not None and e.aligned is not None:
        return 1 - e.aligned[0] / 128
    return 0.5


def feature_match(e: Evidence, details: dict[str, Any]) -> Match:
    """A match decided by local features: the fitted transform says where, and (for a look-alike) how turned."""
    orientation = e.candidate.orientation
    if e.candidate.found_by_embedding:  # the fitted transform says how the query is turned
        orientation = quarter_turns(e.checked.transform) + (4 if e.candidate.mirrored else 0)
        details["orientation"] = orientation % 4 * 90
    query_box = e.checked.query_box
    if e.candidate.mirrored:  # the features were found on the mirrored query
        query_box = (1 - query_box[2], query_box[1], 1 - query_box[0], query_box[3])
    return scored(
        e.candidate.image_id, similarity(e), orientation, e.checked.query_overlap, e.checked.target_overlap,
        "features", details, query_box, e.checked.target_box,
    )  # fmt: skip


def hash_match(candidate: Candidate, details: dict[str, Any]) -> Match:
    """A match decided on the window hashes: the query's window shows the catalog image's window."""
    assert candidate.distance is not None
    query_span = 1 - 2 * WINDOW_MARGINS[candidate.query_window]
    target_span = 1 - 2 * WINDOW_MARGINS[candidate.target_window]
    # Both windows are centred: the whole query shows a centred part of the catalog image (or the
    # other way round), whatever the orientation.
    query_side, target_side = min(1.0, query_span / target_span), min(1.0, target_span / query_span)
    return scored(
        candidate.image_id, 1 - candidate.distance / 128, candidate.orientation, query_side**2, target_side**2,
        "hash", details, centred_box(query_side), centred_box(target_side),
    )  # fmt: skip


def identical(image_id: int) -> Match:
    """The very same file: a copy whatever hashes and features say."""
    return Match(image_id=image_id, score=100.0, details={"method": "identical file", "similarity": 1.0})


def scored(
    image_id: int,
    likeness: float,
    orientation: int,
    query_overlap: float,
    target_overlap: float,
    method: str,
    details: dict[str, Any],
    query_box: Box,
    target_box: Box,
) -> Match:
    # Cropped and re-oriented copies score lower than whole upright ones: the score falls with
    # every edit, and 100 is left for an identical image.
    score = 100 * likeness * (0.5 + 0.5 * target_overlap) * (1.0 if orientation == 0 else 0.97)
    return Match(
        image_id=image_id,
        score=round(score, 1),
        query_overlap=round(100 * query_overlap, 1),
        target_overlap=round(100 * target_overlap, 1),
        details={**details, "method": method, "similarity": round(likeness, 4)},
        query_box=rounded(query_box),
        target_box=rounded(target_box),
    )


def within_border(found: Match, box: Box) -> Match:
    """A match of the picture inside a border (`box` of the query), as a match of the whole query."""
    left, top, right, bottom = box
    return dataclasses.replace(
        found,
        query_overlap=round(found.query_overlap * (right - left) * (bottom - top), 1),
        query_box=rounded(borders.outer(found.query_box, box)),
        details={**found.details, "border": rounded(box)},
    )


def quarter_turns(transform: np.ndarray) -> int:
    """How many quarter turns counter-clockwise the query takes to lie as the catalog picture does (0-3).

    As the hash variants count them (matching.algorithms.fingerprint.orient); a turn more than 20 degrees from
    a quarter counts as none (a photo taken askew)."""
    degrees = -np.degrees(np.arctan2(transform[1, 0], transform[0, 0]))  # image y points down
    turns = round(degrees / 90)
    return turns % 4 if abs(degrees - 90 * turns) <= 20 else 0


def centred_box(side: float) -> Box:
    """The centred box whose sides are `side` of the image's (fractions of width and height)."""
    margin = (1 - side) / 2
    return (margin, margin, 1 - margin, 1 - margin)


def rounded(box: tuple[float, ...]) -> Box:
    left, top, right, bottom = (round(min(1.0, max(0.0, float(value))), 4) for value in box)
    return (left, top, right, bottom)
