"""Checking a verified fit by what it lays over what: the aligned re-hash (`aligned_distance`: the query
re-hashed where a catalog window lies) and the pixel likeness (`aligned_correlation`: the query laid over the
catalog picture's thumbnail, grey values and edges correlated). A true copy, once aligned, hashes and looks like
an untouched one; features that lined up by chance lay unrelated pixels over each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from matching.algorithms.fingerprint import BLOCK, WINDOW_MARGINS, block_hash, hamming
from matching.algorithms.verify import Verification


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
