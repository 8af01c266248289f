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
    query_overlap, target_overlap = overlaps(transform, query_size, target_size)
    return Verification(inliers, inliers / len(good), query_overlap, target_overlap, transform, target_size)


def _plausible(transform: np.ndarray) -> bool:
    singular = np.linalg.svd(transform[:, :2], compute_uv=False)
    if singular[1] <= 0:
        return False
    low, high = SCALE_RANGE
    return low <= singular[1] and singular[0] <= high and singular[0] / singular[1] <= MAX_ANISOTROPY


def overlaps(transform: np.ndarray, query_size: tuple[int, int], target_size: tuple[int, int]) -> tuple[float, float]:
    """Shares of each image covered by the other, from the query-to-target transform."""
    qw, qh = query_size
    tw, th = target_size
    corners = np.array([[0, 0], [qw, 0], [qw, qh], [0, qh]], dtype=np.float32)
    projected = cv2.transform(corners[None], transform)[0]
    if cv2.contourArea(projected) < 0:  # a mirrored transform reverses the winding
        projected = projected[::-1]
    target_box = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], dtype=np.float32)
    area, _ = cv2.intersectConvexConvex(np.ascontiguousarray(projected), target_box)
    projected_area = abs(cv2.contourArea(projected))
    if projected_area <= 0:
        return 0.0, 0.0
    return float(min(1.0, area / projected_area)), float(min(1.0, area / (tw * th)))


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
