"""Geometric verification: do two images share a planar region under one affine transform?

ORB descriptors are matched with Lowe's ratio test, then RANSAC fits an affine transform
(rotation, scale, shear, translation, crop). A copy keeps many matches consistent with one
transform; unrelated images, even with repeating patterns, leave only scattered ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from matching.fingerprint import BLOCK, WINDOW_MARGINS, block_hash, hamming, unpack_features

RATIO = 0.8  # Lowe's ratio test
MIN_INLIERS = 15
MIN_INLIER_RATIO = 0.3
REPROJECTION_ERROR = 5.0  # pixels, on the ~512 px images features were found on
MAX_ANISOTROPY = 1.8  # aspect change of at most ~80% between the axes
SCALE_RANGE = (0.1, 10.0)


@dataclass(frozen=True)
class Verification:
    inliers: int
    inlier_ratio: float
    query_overlap: float  # share of the query covered by the catalog image, 0-1
    target_overlap: float  # share of the catalog image covered by the query, 0-1
    transform: np.ndarray  # 2x3 affine, query feature pixels -> target feature pixels
    target_size: tuple[int, int]
    # The shared region's bounding box in each image, (left, top, right, bottom) as fractions.
    query_box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    target_box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)


_matcher = cv2.BFMatcher(cv2.NORM_HAMMING)


def verify(query_features: bytes, target_features: bytes) -> Verification | None:
    """The verified geometric relation from query to target, or None when there is none."""
    query_points, query_descriptors, query_size = unpack_features(query_features)
    target_points, target_descriptors, target_size = unpack_features(target_features)
    if len(query_descriptors) < MIN_INLIERS or len(target_descriptors) < MIN_INLIERS:
        return None
    pairs = _matcher.knnMatch(query_descriptors, target_descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    source = query_points[[m.queryIdx for m in good]] * np.float32(query_size)
    destination = target_points[[m.trainIdx for m in good]] * np.float32(target_size)
    transform, mask = cv2.estimateAffine2D(
        source, destination, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION_ERROR, maxIters=2000,
        confidence=0.995, refineIters=10,
    )  # fmt: skip
    if transform is None or mask is None:
        return None
    inliers = int(mask.sum())
    if inliers < MIN_INLIERS or inliers / len(good) < MIN_INLIER_RATIO or not _plausible(transform):
        return None
    query_overlap, target_overlap, shared = overlaps(transform, query_size, target_size)
    if not len(shared):
        return None
    target_box = box_of(shared, target_size)
    query_box = box_of(cv2.transform(shared[None], cv2.invertAffineTransform(transform))[0], query_size)
    return Verification(
        inliers, inliers / len(good), query_overlap, target_overlap, transform, target_size, query_box, target_box
    )


def box_of(points: np.ndarray, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The bounding box of points (pixels) as fractions of an image of `size`, clipped to it."""
    (left, top), (right, bottom) = points.min(axis=0) / size, points.max(axis=0) / size
    return tuple(float(np.clip(value, 0.0, 1.0)) for value in (left, top, right, bottom))


def _plausible(transform: np.ndarray) -> bool:
    # A reflection cannot relate features found on pictures the same way round (mirrored queries are
    # verified with the features of their mirror image).
    if np.linalg.det(transform[:, :2]) <= 0:
        return False
    singular = np.linalg.svd(transform[:, :2], compute_uv=False)
    if singular[1] <= 0:
        return False
    low, high = SCALE_RANGE
    return low <= singular[1] and singular[0] <= high and singular[0] / singular[1] <= MAX_ANISOTROPY


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
    query_pixels: np.ndarray, checked: Verification, target_hashes: np.ndarray, target_valid: np.ndarray
) -> tuple[int, int] | None:
    """Re-hash the query where a catalog window lies (through the verified transform) and compare.

    Returns (256-bit distance, window) for the largest catalog window that lies wholly inside the
    query, or None when none does. A true copy, once aligned, hashes like an untouched one; a
    chance alignment of features (repeating patterns) does not.
    """
    target_width, target_height = checked.target_size
    inverse = cv2.invertAffineTransform(checked.transform)  # target -> query
    query_height, query_width = query_pixels.shape
    for window, margin in enumerate(WINDOW_MARGINS):
        if not target_valid[window]:
            continue
        x0, y0 = margin * target_width, margin * target_height
        x1, y1 = (1 - margin) * target_width, (1 - margin) * target_height
        corners = cv2.transform(np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float32), inverse)[0]
        slack = 0.01 * max(query_width, query_height)
        if (
            (corners < -slack).any()
            or (corners[:, 0] > query_width + slack).any()
            or (corners[:, 1] > query_height + slack).any()
        ):
            continue
        # Block pixel -> target pixel -> query pixel, as one affine map for warpAffine.
        to_target = np.array([[(x1 - x0) / BLOCK, 0, x0], [0, (y1 - y0) / BLOCK, y0], [0, 0, 1]], np.float64)
        to_query = np.vstack([inverse, [0, 0, 1]]) @ to_target
        step = max(1.0, float(np.sqrt(abs(np.linalg.det(to_query[:2, :2])))))
        smooth = (
            cv2.GaussianBlur(query_pixels.astype(np.float32), (0, 0), sigmaX=0.5 * step) if step > 1.5 else query_pixels
        )
        block = cv2.warpAffine(
            smooth.astype(np.float32), to_query[:2], (BLOCK, BLOCK), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
        hashed, _key = block_hash(block)
        return int(hamming(hashed, target_hashes[window])), window
    return None


MIN_COMPARED = 0.08  # share of the thumbnail the query must cover for the comparison to count
MIN_CONTRAST = 4.0  # grey levels (standard deviation) each side needs for a correlation to mean anything
MAX_SHIFT = 3.0  # thumbnail pixels the alignment may be refined by
STRONG_PIXELS = 0.98  # a strong likeness: grey values and ...
STRONG_EDGES = 0.95  # ... edges correlating this well


@dataclass(frozen=True)
class Likeness:
    """How alike the query and a catalog picture are where the transform lays one over the other."""

    pixels: float  # normalised cross-correlation of the grey values
    edges: float  # the same of their gradients (x and y): flat areas count for nothing here

    @property
    def strong(self) -> bool:
        """Alike enough to be the same picture even on few features (not merely one composition)."""
        return self.pixels >= STRONG_PIXELS and self.edges >= STRONG_EDGES


def aligned_correlation(query_pixels: np.ndarray, checked: Verification, thumbnail: np.ndarray) -> Likeness | None:
    """Pixel and edge correlation of the query with the catalog picture's thumbnail where the transform lays it.

    The query (grey, the size its features were found on) is warped into the thumbnail's frame; over
    the thumbnail pixels it covers, the two are compared by normalised cross-correlation (so
    brightness and contrast edits do not count). A true copy, detail or framed copy correlates
    strongly; features that lined up by chance (repeated corners, symmetric shapes) lay unrelated
    pixels over each other. None when the covered part is too small or too plain to say.
    """
    side = thumbnail.shape[0]
    # Laid into the catalog picture's frame (where its features were found), then shrunk the way the
    # thumbnail was: both sides go through the same filter, so thin lines shrink alike.
    size = checked.target_size
    pixels = query_pixels.astype(np.float32)
    shrink = 1 / max(1e-6, float(np.sqrt(abs(np.linalg.det(checked.transform[:, :2])))))
    if shrink > 1.2:  # query pixels per catalog pixel: smooth first, or thin lines fall between samples
        pixels = cv2.GaussianBlur(pixels, (0, 0), sigmaX=0.5 * shrink)
    warped = cv2.warpAffine(pixels, checked.transform, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    inside = cv2.warpAffine(np.ones_like(pixels), checked.transform, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT)  # fmt: skip
    warped = cv2.resize(warped, (side, side), interpolation=cv2.INTER_AREA)
    inside = cv2.resize(inside, (side, side), interpolation=cv2.INTER_AREA)
    mask = inside > 0.999
    if mask.mean() < MIN_COMPARED:
        return None
    reference = thumbnail.astype(np.float32)
    if warped[mask].std() < MIN_CONTRAST or reference[mask].std() < MIN_CONTRAST:
        return None
    plain = likeness(warped, reference, mask)
    # RANSAC's fit can be a pixel or two off (line art, where features slide along the lines): let the
    # alignment move by a few pixels (two parameters: too little freedom to make unrelated pictures alike).
    refined = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)
    try:
        cv2.findTransformECC(reference, warped, refined, cv2.MOTION_TRANSLATION, criteria, mask.astype(np.uint8), 5)
    except cv2.error:  # did not converge: keep the fit as RANSAC made it
        return plain
    if np.abs(refined[:, 2]).max() > MAX_SHIFT:
        return plain
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    moved = cv2.warpAffine(warped, refined, (side, side), flags=flags)
    moved_inside = cv2.warpAffine(mask.astype(np.float32), refined, (side, side), flags=flags) > 0.999
    both = mask & moved_inside
    if both.mean() < MIN_COMPARED:
        return plain
    refined = likeness(moved, reference, both)
    return refined if refined.pixels > plain.pixels else plain


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
