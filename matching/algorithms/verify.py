"""Geometric verification: do two images share a planar region under one affine transform?

ORB descriptors are matched with Lowe's ratio test, then RANSAC fits an affine transform
(rotation, scale, shear, translation, crop). A copy keeps many matches consistent with one
transform; unrelated images, even with repeating patterns, leave only scattered ones.

A weak first fit (fewer than MIN_INLIERS inliers, or under MIN_INLIER_RATIO of the matches) is
refined by guided matching: every query feature is paired with the catalog feature lying where the
fit puts it, if their descriptors are alike, without the ratio test (which drops the true pairs of a
detail shown at another scale, or of repeated shapes), and the transform is fitted again on those
pairs. Its count (`support`) and its finer transform let a copy with few distinctive features show
itself; a weak fit is only a copy when the pixels then agree strongly, or are both too plain to
say (`overlay.Likeness.plain`: the features decide; matching.providers.local).

A fit on fewer than PERSPECTIVE_BELOW inliers also gets a homography through the features paired
near it, when one fits them better: a photo of a print taken at an angle is a perspective view, and
the pixel comparison lays the query over the catalog picture along it, as does the aligned re-hash when
the window laid along the affine fit hashes apart. It is fitted when first asked for
(`Verification.homography`): most weak fits are turned down before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from types import ModuleType

import cv2
import numpy as np

from matching.algorithms.fingerprint import unpack_features


@cache
def _faiss() -> ModuleType:
    """faiss, imported when a pair is first verified (a tenth of a second that an import's start need not pay)."""
    import faiss

    faiss.omp_set_num_threads(1)  # as in matching.index.lookalike_memory: web and import workers run in parallel
    return faiss


RATIO = 0.8  # Lowe's ratio test
MIN_INLIERS = 15
WEAK_INLIERS = 6  # a first fit this weak (under MIN_INLIERS) is refined, and may be confirmed by its pixels
# First fits with fewer inliers than this may get a perspective fit (for pixel comparisons and the re-hash):
# a keystoned photo fits many features on an affine transform that only approximates it.
PERSPECTIVE_BELOW = 40
GUIDE_RADIUS = 8.0  # pixels: where a query feature must land, through the fit, to be paired
GUIDE_DISTANCE = 64  # bits of 256: how alike two features paired by position must be
GUIDED_REPROJECTION = 3.0  # pixels: the refined fit's tolerance (its pairs are already near)
PERSPECTIVE_RADIUS = 16.0  # pixels: how far from the affine fit a perspective view moves a feature
PERSPECTIVE_LIMIT = 1.5  # the most one side of the query may be foreshortened against the other
# Rounds for the perspective fit (OpenCV's USAC): a copy's pairs are mostly right and stop it well before;
# the cap bounds what a wrong candidate's scattered pairs cost (CHANGELOG.md: USAC against plain RANSAC).
PERSPECTIVE_ROUNDS = 500
MIN_INLIER_RATIO = 0.3
REPROJECTION_ERROR = 5.0  # pixels, on the ~512 px images features were found on
MAX_ANISOTROPY = 1.8  # aspect change of at most ~80% between the axes
SCALE_RANGE = (0.1, 10.0)


@dataclass(frozen=True)
class Verification:
    inliers: int  # of the first fit, on ratio-tested matches
    inlier_ratio: float
    query_overlap: float  # share of the query covered by the catalog image, 0-1
    target_overlap: float  # share of the catalog image covered by the query, 0-1
    transform: np.ndarray  # 2x3 affine, query feature pixels -> target feature pixels
    target_size: tuple[int, int]
    # The shared region's bounding box in each image, (left, top, right, bottom) as fractions.
    query_box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    target_box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    support: int = 0  # inliers of the guided refit (0: not refined), paired by position and descriptor
    # What a perspective fit needs (fits on fewer than PERSPECTIVE_BELOW inliers): the query's and the
    # target's feature pixels and descriptors, and the query's size. None: the affine fit is the relation.
    perspective_inputs: PerspectiveInputs | None = field(default=None, repr=False, compare=False)
    guided_from: str = ""  # the hypothesis a fit was guided from ("centred crop"); "": a ratio-tested first fit

    @property
    def weak(self) -> bool:
        return is_weak(self.inliers, self.inlier_ratio)

    @property
    def contained(self) -> float:
        """How far one picture lies inside the other: the larger of the two overlaps (1: wholly inside)."""
        return max(self.query_overlap, self.target_overlap)

    @cached_property
    def homography(self) -> np.ndarray | None:
        """A homography (3x3, query feature pixels -> target feature pixels) where the features fit one better
        than the affine transform (a photo taken at an angle): what pixel comparisons lay the query over with.

        Fitted when first asked for: most weak fits are turned down before their pixels are compared.
        """
        if self.perspective_inputs is None:
            return None
        query_pixels, query_descriptors, target_pixels, target_descriptors, query_size = self.perspective_inputs
        perspective = perspective_fit(
            query_pixels, query_descriptors, target_pixels, target_descriptors, self.transform, query_size
        )
        return perspective[0] if perspective is not None and perspective[1] > max(self.inliers, self.support) else None


def is_weak(inliers: int, inlier_ratio: float) -> bool:
    """Few matches agreed on the first fit, or few of those matched: not evidence enough alone."""
    return inliers < MIN_INLIERS or inlier_ratio < MIN_INLIER_RATIO


def verify(query_features: bytes, target_features: bytes, min_inliers: int = MIN_INLIERS) -> Verification | None:
    """The verified geometric relation from query to target, or None when there is none.

    `min_inliers` is the first fit's floor. Under MIN_INLIERS (WEAK_INLIERS, say) weak fits are returned too
    (`Verification.weak`: fewer than MIN_INLIERS inliers, or under MIN_INLIER_RATIO of the matches), refined
    by guided matching, for the caller to judge by their pixels.
    """
    features, query_size, target_size = _unpacked(query_features, target_features)
    query_pixels, query_descriptors, target_pixels, target_descriptors = features
    if len(query_descriptors) < min_inliers or len(target_descriptors) < min_inliers:
        return None
    good, partner = ratio_pairs(query_descriptors, target_descriptors)
    if len(good) < min_inliers:
        return None
    source = query_pixels[good]
    destination = target_pixels[partner]
    transform, mask = cv2.estimateAffine2D(
        source, destination, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION_ERROR, maxIters=2000,
        confidence=0.995, refineIters=10,
    )  # fmt: skip
    if transform is None or mask is None:
        return None
    inliers = int(mask.sum())
    weak = is_weak(inliers, inliers / len(good))
    if inliers < min_inliers or (weak and min_inliers >= MIN_INLIERS) or not _plausible(transform):
        return None
    support = 0
    if weak:
        refined = guided_fit(*features, transform)
        if refined is not None and refined[1] > inliers:
            transform, support = refined
    return _relation(transform, inliers, inliers / len(good), support, features, query_size, target_size)


def ratio_pairs(query_descriptors: np.ndarray, target_descriptors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowe's ratio test: (query indices, target indices) of the query features whose nearest target feature
    is clearly nearer than the second nearest (RATIO), paired with that nearest, in query order.

    The nearest two come from faiss's Hamming scan, 4-5x faster than OpenCV's brute-force matcher on 500
    by 500 features. Ties cannot change the pairs (equal nearest two fail the test), so they are exactly
    those of `cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(..., k=2)` with the same test.
    """
    distances, nearest = _faiss().knn_hamming(query_descriptors, target_descriptors, 2)
    good = np.flatnonzero(distances[:, 0] < RATIO * distances[:, 1])
    return good, nearest[good, 0]


def verify_centred_crop(query_features: bytes, target_features: bytes) -> Verification | None:
    """A weak fit guided from one hypothesis: the query is the largest centred part of the target with the
    query's aspect ratio (a rendition at another aspect ratio: a 4:3 copy of a 16:10 picture).

    For pictures whose features are alike everywhere (a grid of plain rectangles), where the ratio test
    leaves too few matches for a first fit. Returned with no first-fit inliers and its guided `support`, for
    the caller to judge as a weak fit (by its support and its pixels); None when guided matching finds no
    plausible fit there.
    """
    features, query_size, target_size = _unpacked(query_features, target_features)
    _, query_descriptors, _, target_descriptors = features
    if len(query_descriptors) < WEAK_INLIERS or len(target_descriptors) < WEAK_INLIERS:
        return None
    refined = guided_fit(*features, centred_crop(query_size, target_size))
    if refined is None:
        return None
    return _relation(refined[0], 0, 0.0, refined[1], features, query_size, target_size, "centred crop")


Features = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # query pixels, descriptors; target's likewise
PerspectiveInputs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]  # Features, query size


def _unpacked(query_features: bytes, target_features: bytes) -> tuple[Features, tuple[int, int], tuple[int, int]]:
    """Both sides' feature positions (in pixels of the images they were found on) and descriptors, and the
    two sizes."""
    query_points, query_descriptors, query_size = unpack_features(query_features)
    target_points, target_descriptors, target_size = unpack_features(target_features)
    features = (
        query_points * np.array(query_size, np.float32), query_descriptors,
        target_points * np.array(target_size, np.float32), target_descriptors,
    )  # fmt: skip
    return features, query_size, target_size


def centred_crop(query_size: tuple[int, int], target_size: tuple[int, int]) -> np.ndarray:
    """The affine map (query pixels -> target pixels) laying the query, unstretched, over the largest centred
    part of the target with the query's aspect ratio."""
    (query_width, query_height), (target_width, target_height) = query_size, target_size
    if query_width * target_height > target_width * query_height:  # the query is wider: top and bottom were cut
        scale = target_width / query_width
        return np.array([[scale, 0, 0], [0, scale, (target_height - scale * query_height) / 2]])
    scale = target_height / query_height
    return np.array([[scale, 0, (target_width - scale * query_width) / 2], [0, scale, 0]])


def _relation(
    transform: np.ndarray,
    inliers: int,
    inlier_ratio: float,
    support: int,
    features: Features,
    query_size: tuple[int, int],
    target_size: tuple[int, int],
    guided_from: str = "",
) -> Verification | None:
    """The Verification of a fitted transform: overlaps and boxes; None when the images do not overlap."""
    perspective_inputs: PerspectiveInputs | None = (*features, query_size) if inliers < PERSPECTIVE_BELOW else None
    query_overlap, target_overlap, shared = overlaps(transform, query_size, target_size)
    if not len(shared):
        return None
    target_box = box_of(shared, target_size)
    query_box = box_of(cv2.transform(shared[None], cv2.invertAffineTransform(transform))[0], query_size)
    return Verification(
        inliers, inlier_ratio, query_overlap, target_overlap, transform, target_size, query_box, target_box, support,
        perspective_inputs, guided_from,
    )  # fmt: skip


def guided_pairs(
    query_pixels: np.ndarray,
    query_descriptors: np.ndarray,
    target_pixels: np.ndarray,
    target_descriptors: np.ndarray,
    transform: np.ndarray,
    radius: float = GUIDE_RADIUS,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature pairs (query indices, target indices) by where `transform` lays the query's features.

    Each query feature is paired with the most alike catalog feature within `radius` pixels of where
    the transform lays it, at most GUIDE_DISTANCE bits apart, one to one.
    """
    projected = cv2.transform(query_pixels[None], transform)[0]
    across = projected[:, 0, None] - target_pixels[None, :, 0]
    down = projected[:, 1, None] - target_pixels[None, :, 1]
    query_index, target_index = np.nonzero(across * across + down * down <= radius**2)
    distance = np.bitwise_count(query_descriptors[query_index] ^ target_descriptors[target_index]).sum(axis=1)
    keep = distance <= GUIDE_DISTANCE
    query_index, target_index, distance = query_index[keep], target_index[keep], distance[keep]
    order = np.argsort(distance, kind="stable")  # most alike first, then one to one
    query_index, target_index = query_index[order], target_index[order]
    _, first = np.unique(query_index, return_index=True)
    query_index, target_index = query_index[first], target_index[first]
    _, first = np.unique(target_index, return_index=True)
    return query_index[first], target_index[first]


def guided_fit(
    query_pixels: np.ndarray,
    query_descriptors: np.ndarray,
    target_pixels: np.ndarray,
    target_descriptors: np.ndarray,
    transform: np.ndarray,
    rounds: int = 2,
) -> tuple[np.ndarray, int] | None:
    """A transform refitted on the features paired by where `transform` puts them (guided_pairs), and its
    inlier count; each round pairs again through the last refit. None when the refit fails."""
    best: tuple[np.ndarray, int] | None = None
    for _ in range(rounds):
        query_index, target_index = guided_pairs(
            query_pixels, query_descriptors, target_pixels, target_descriptors, transform
        )
        if len(query_index) < WEAK_INLIERS:
            return best
        refitted, mask = cv2.estimateAffine2D(
            query_pixels[query_index], target_pixels[target_index], method=cv2.RANSAC,
            ransacReprojThreshold=GUIDED_REPROJECTION, maxIters=2000, confidence=0.995, refineIters=10,
        )  # fmt: skip
        if refitted is None or mask is None or not _plausible(refitted):
            return best
        count = int(mask.sum())
        if best is not None and count <= best[1]:
            return best
        best = refitted, count
        transform = refitted
    return best


def perspective_fit(
    query_pixels: np.ndarray,
    query_descriptors: np.ndarray,
    target_pixels: np.ndarray,
    target_descriptors: np.ndarray,
    transform: np.ndarray,
    query_size: tuple[int, int],
) -> tuple[np.ndarray, int] | None:
    """A homography (3x3) through the features paired near the affine fit, and its inlier count.

    A photo of a print taken at an angle is a perspective view: the affine fit is right in the middle
    and a few pixels off at the edges, enough to blur a pixel comparison. None when no plausible
    homography fits (at most PERSPECTIVE_LIMIT of foreshortening across the query).
    """
    query_index, target_index = guided_pairs(
        query_pixels, query_descriptors, target_pixels, target_descriptors, transform, radius=PERSPECTIVE_RADIUS
    )
    if len(query_index) < MIN_INLIERS:
        return None
    homography, mask = cv2.findHomography(
        query_pixels[query_index], target_pixels[target_index], cv2.USAC_DEFAULT, GUIDED_REPROJECTION,
        maxIters=PERSPECTIVE_ROUNDS, confidence=0.995,
    )  # fmt: skip
    if homography is None or mask is None or abs(homography[2, 2]) < 1e-9:
        return None
    homography = homography / homography[2, 2]
    width, height = query_size
    corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], np.float64)
    depth = corners @ homography[2]
    if depth.min() <= 0 or depth.max() / depth.min() > PERSPECTIVE_LIMIT:
        return None
    if not _plausible(homography[:2] / depth.mean()):
        return None
    return homography, int(mask.sum())


def box_of(points: np.ndarray, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The bounding box of points (pixels) as fractions of an image of `size`, clipped to it."""
    (left, top), (right, bottom) = points.min(axis=0) / size, points.max(axis=0) / size
    left, top, right, bottom = (float(np.clip(value, 0.0, 1.0)) for value in (left, top, right, bottom))
    return left, top, right, bottom


def _plausible(transform: np.ndarray) -> bool:
    # A reflection cannot relate features found on pictures the same way round (mirrored queries are
    # verified with the features of their mirror image).
    if np.linalg.det(transform[:, :2]) <= 0:
        return False
    singular = np.linalg.svd(transform[:, :2], compute_uv=False)
    if singular[1] <= 0:
        return False
    low, high = SCALE_RANGE
    return bool(low <= singular[1] and singular[0] <= high and singular[0] / singular[1] <= MAX_ANISOTROPY)


def overlaps(
    transform: np.ndarray, query_size: tuple[int, int], target_size: tuple[int, int]
) -> tuple[float, float, np.ndarray]:
    """Shares of each image covered by the other, and their shared region (polygon in target pixels)."""
    qw, qh = query_size
    tw, th = target_size
    corners = np.array([[0, 0], [qw, 0], [qw, qh], [0, qh]], dtype=np.float32)
    projected = cv2.transform(corners[None], transform)[0]
    if cv2.contourArea(projected) < 0:  # a mirrored transform reverses the winding
        projected = projected[::-1]
    target_box = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], dtype=np.float32)
    area, shared = cv2.intersectConvexConvex(np.ascontiguousarray(projected), target_box)
    projected_area = abs(cv2.contourArea(projected))
    if projected_area <= 0 or shared is None:
        return 0.0, 0.0, np.zeros((0, 2), np.float32)
    shared = shared.reshape(-1, 2).astype(np.float32)
    return float(min(1.0, area / projected_area)), float(min(1.0, area / (tw * th))), shared
