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
say (`Likeness.plain`: the features decide; matching.providers.local).

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

from matching.algorithms.fingerprint import BLOCK, WINDOW_MARGINS, block_hash, hamming, unpack_features


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


def aligned_distance(
    query_pixels: np.ndarray,
    checked: Verification,
    target_hashes: np.ndarray,
    target_valid: np.ndarray,
    perspective: bool = False,
) -> tuple[int, int] | None:
    """Re-hash the query where a catalog window lies (through the verified transform) and compare.

    Returns (256-bit distance, window) for the largest catalog window that lies wholly inside the
    query, or None when none does. A true copy, once aligned, hashes like an untouched one; a
    chance alignment of features (repeating patterns) does not. `perspective`: along the fit's
    homography (a photo of a print taken at an angle), or None when it has none.
    """
    # Target pixel -> query pixel: a perspective view's inverse homography, or the inverse affine transform.
    if perspective:
        homography = checked.homography
        if homography is None:
            return None
        inverse = np.linalg.inv(homography)
    else:
        inverse = np.vstack([cv2.invertAffineTransform(checked.transform), [0, 0, 1]])
    target_width, target_height = checked.target_size
    query_height, query_width = query_pixels.shape
    for window, margin in enumerate(WINDOW_MARGINS):
        if not target_valid[window]:
            continue
        x0, y0 = margin * target_width, margin * target_height
        x1, y1 = (1 - margin) * target_width, (1 - margin) * target_height
        corners = cv2.perspectiveTransform(np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float64), inverse)[0]
        slack = 0.01 * max(query_width, query_height)
        if (
            (corners < -slack).any()
            or (corners[:, 0] > query_width + slack).any()
            or (corners[:, 1] > query_height + slack).any()
        ):
            continue
        # Block pixel -> target pixel -> query pixel, as one map for warpAffine (warpPerspective along a homography).
        to_target = np.array([[(x1 - x0) / BLOCK, 0, x0], [0, (y1 - y0) / BLOCK, y0], [0, 0, 1]], np.float64)
        to_query = inverse @ to_target
        to_query /= to_query[2, 2]
        step = max(1.0, float(np.sqrt(abs(np.linalg.det(to_query[:2, :2])))))
        smooth = (
            cv2.GaussianBlur(query_pixels.astype(np.float32), (0, 0), sigmaX=0.5 * step) if step > 1.5 else query_pixels
        )
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        source = smooth.astype(np.float32)
        block = (
            cv2.warpPerspective(source, to_query, (BLOCK, BLOCK), flags=flags, borderMode=cv2.BORDER_REPLICATE)
            if perspective
            else cv2.warpAffine(source, to_query[:2], (BLOCK, BLOCK), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        )
        hashed, _key = block_hash(block)
        return int(hamming(hashed, target_hashes[window])), window
    return None


MIN_COMPARED = 0.08  # share of the thumbnail the query must cover for the comparison to count
MIN_CONTRAST = 4.0  # grey levels (standard deviation) each side needs for a correlation to mean anything
# Both sides under MIN_CONTRAST, the plainer at least this share of the other's: alike in being plain (a detail
# of a sky or a colour field, whose texture the thumbnail averages away). How it was chosen: CHANGELOG.md.
PLAIN_AGREEMENT = 0.7
MAX_SHIFT = 3.0  # thumbnail pixels the alignment may be refined by
STRONG_PIXELS = 0.98  # a strong likeness: grey values and ...
STRONG_EDGES = 0.95  # ... edges correlating this well


@dataclass(frozen=True)
class Likeness:
    """How alike the query and a catalog picture are where the transform lays one over the other."""

    pixels: float  # normalised cross-correlation of the grey values
    edges: float  # the same of their gradients (x and y): flat areas count for nothing here
    # Both sides too plain to correlate, and alike in that (PLAIN_AGREEMENT): pixels and edges are 0 and mean
    # nothing. The thumbnail is too coarse to tell a copy from chance there: only the features can.
    plain: bool = False

    @property
    def strong(self) -> bool:
        """Alike enough to be the same picture even on few features (not merely one composition)."""
        return self.pixels >= STRONG_PIXELS and self.edges >= STRONG_EDGES


def aligned_correlation(
    query_pixels: np.ndarray, checked: Verification, thumbnail: np.ndarray, plain_agreement: float = PLAIN_AGREEMENT
) -> Likeness | None:
    """Pixel and edge correlation of the query with the catalog picture's thumbnail where the transform lays it.

    The query (grey, the size its features were found on) is warped into the thumbnail's frame; over
    the thumbnail pixels it covers, the two are compared by normalised cross-correlation (so
    brightness and contrast edits do not count). A true copy, detail or framed copy correlates
    strongly; features that lined up by chance (repeated corners, symmetric shapes) lay unrelated
    pixels over each other. None when the covered part is too small, or too plain on one side, to say; a
    `plain` Likeness when both sides are plain alike there (the plainer at least `plain_agreement` of the other).
    """
    side = thumbnail.shape[0]
    # Laid into the catalog picture's frame (where its features were found), then shrunk the way the
    # thumbnail was: both sides go through the same filter, so thin lines shrink alike.
    size = checked.target_size
    pixels: np.ndarray = query_pixels.astype(np.float32)
    shrink = 1 / max(1e-6, float(np.sqrt(abs(np.linalg.det(checked.transform[:, :2])))))
    if shrink > 1.2:  # query pixels per catalog pixel: smooth first, or thin lines fall between samples
        pixels = cv2.GaussianBlur(pixels, (0, 0), sigmaX=0.5 * shrink)
    warped, inside = lay_over(pixels, checked, size), lay_over(np.ones_like(pixels), checked, size)
    warped = cv2.resize(warped, (side, side), interpolation=cv2.INTER_AREA)
    inside = cv2.resize(inside, (side, side), interpolation=cv2.INTER_AREA)
    mask = inside > 0.999
    if mask.mean() < MIN_COMPARED:
        return None
    reference = thumbnail.astype(np.float32)
    low, high = sorted((float(warped[mask].std()), float(reference[mask].std())))
    if low < MIN_CONTRAST:
        return Likeness(0.0, 0.0, plain=True) if high < MIN_CONTRAST and low >= plain_agreement * high else None
    unshifted = likeness(warped, reference, mask)
    # RANSAC's fit can be a pixel or two off (line art, where features slide along the lines): let the
    # alignment move by a few pixels (two parameters: too little freedom to make unrelated pictures alike).
    refined = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)
    try:
        cv2.findTransformECC(reference, warped, refined, cv2.MOTION_TRANSLATION, criteria, mask.astype(np.uint8), 5)
    except cv2.error:  # did not converge: keep the fit as RANSAC made it
        return unshifted
    if np.abs(refined[:, 2]).max() > MAX_SHIFT:
        return unshifted
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    moved = cv2.warpAffine(warped, refined, (side, side), flags=flags)
    moved_inside = cv2.warpAffine(mask.astype(np.float32), refined, (side, side), flags=flags) > 0.999
    both = mask & moved_inside
    if both.mean() < MIN_COMPARED:
        return unshifted
    shifted = likeness(moved, reference, both)
    return shifted if shifted.pixels > unshifted.pixels else unshifted


def lay_over(image: np.ndarray, checked: Verification, size: tuple[int, int]) -> np.ndarray:
    """The query-side `image` moved into the catalog picture's frame (`size`): along the homography when
    one was fitted (a perspective view), else the affine transform; zero outside."""
    if checked.homography is not None:
        return cv2.warpPerspective(image, checked.homography, size, flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_CONSTANT)  # fmt: skip
    return cv2.warpAffine(image, checked.transform, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def likeness(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> Likeness:
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)  # gradients need neighbours
    edges = [correlation(cv2.Sobel(a, cv2.CV_32F, dx, 1 - dx), cv2.Sobel(b, cv2.CV_32F, dx, 1 - dx), inner)
             for dx in (0, 1)]  # fmt: skip
    return Likeness(correlation(a, b, mask), float(np.mean(edges)) if inner.any() else 0.0)


def correlation(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """Normalised cross-correlation of two images over `mask`."""
    a, b = a[mask], b[mask]
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else 0.0
