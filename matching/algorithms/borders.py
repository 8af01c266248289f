"""The picture inside a border (a mat and a frame, a scan's margins, a letterbox), or a print shot at an angle.

A framed copy (a mat and a moulded frame around the picture, as a framing shop or a gallery's
website shows it) hashes like nothing in the catalog: its windows are centred on the frame, and a
picture with few distinctive corners leaves its local features too little to go on. Peeling the
query's plain lines from the outside in, one line a side at a time, leaves the picture itself; its
windows then line up with the catalog picture's. A line is plain when nearly all of it lies within
a few grey levels of its median, so the corners where two sides of a frame meet do not stop the
peeling, and nor does the ringing a JPEG leaves beside a sharp edge (a line may be skipped when one
of the next LOOK_AHEAD is plain).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import cv2
import numpy as np
from PIL import Image

from matching.algorithms.picture import LoadedImage

Box = tuple[float, float, float, float]  # (left, top, right, bottom) as fractions of width and height

SIDE = 256  # the border is looked for on the picture shrunk to this on its long side
TOLERANCE = 2.0  # grey levels from the line's median
PLAIN_SHARE = 0.95  # share of a line within TOLERANCE for it to be plain
LOOK_AHEAD = 2  # lines that may be skipped to reach a plain one
MIN_KEEP = 0.4  # the picture inside keeps at least this share of each side
MIN_BORDER = 0.03  # a border narrower than this on every side is no border
MIN_SIDE = 16  # pixels (once shrunk): narrower pictures are not looked at


def _scale(width: int, height: int) -> float:
    """How much a picture is shrunk to be looked at: to SIDE on its long side, never enlarged."""
    return min(1.0, SIDE / max(height, width))


def _shrunk(pixels: np.ndarray, scale: float) -> np.ndarray:
    """`pixels` (grey or RGB) shrunk by `scale` with area averaging; as they are when `scale` is 1."""
    if scale >= 1:
        return pixels
    height, width = pixels.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def inner_box(image: Image.Image) -> Box | None:
    """Where the picture inside a plain border lies in `image` (PIL), or None when it has no border."""
    gray = np.asarray(image.convert("L"))
    gray = _shrunk(gray, _scale(gray.shape[1], gray.shape[0])).astype(np.float32)
    height, width = gray.shape
    if min(height, width) < MIN_SIDE:
        return None  # a sliver has no border to speak of (and no lines to peel)
    top, bottom, left, right = 0, height, 0, width

    def plain(line: np.ndarray) -> bool:
        return float(np.mean(np.abs(line - np.median(line)) <= TOLERANCE)) >= PLAIN_SHARE

    def peel(lines: Iterable[np.ndarray]) -> int:
        """How many lines to peel from one side (0: none is plain within reach)."""
        return next((skip + 1 for skip, line in enumerate(lines) if plain(line)), 0)

    moved = True
    while moved:
        moved = False
        if bottom - top > MIN_KEEP * height:
            step = peel(gray[top + k, left:right] for k in range(LOOK_AHEAD + 1))
            top += step
            step_bottom = peel(gray[bottom - 1 - k, left:right] for k in range(LOOK_AHEAD + 1))
            bottom -= step_bottom
            moved |= bool(step or step_bottom)
        if right - left > MIN_KEEP * width:
            step = peel(gray[top:bottom, left + k] for k in range(LOOK_AHEAD + 1))
            left += step
            step_right = peel(gray[top:bottom, right - 1 - k] for k in range(LOOK_AHEAD + 1))
            right -= step_right
            moved |= bool(step or step_right)
    box = (left / width, top / height, right / width, bottom / height)
    if max(box[0], box[1], 1 - box[2], 1 - box[3]) < MIN_BORDER or plain(gray[top:bottom, left:right].ravel()):
        return None  # no border, or nothing but plain lines: no picture inside
    return box


def inside(loaded: LoadedImage, box: Box) -> LoadedImage:
    """The part of a decoded image within `box`: a query of its own (no file of its own to be identical to)."""
    image = loaded.image
    left, top, right, bottom = box
    pixels = (round(left * image.width), round(top * image.height), round(right * image.width),
              round(bottom * image.height))  # fmt: skip
    return dataclasses.replace(
        loaded,
        image=image.crop(pixels),
        width=max(1, round((right - left) * loaded.width)),
        height=max(1, round((bottom - top) * loaded.height)),
        sha256="",
    )


def outer(inner: Box, box: Box) -> Box:
    """A box given in the picture inside `box`, as fractions of the whole image."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    return (left + inner[0] * width, top + inner[1] * height, left + inner[2] * width, top + inner[3] * height)


# --- a print photographed at an angle ------------------------------------------------------------

WALL_DISTANCE = 24.0  # RGB distance from the ground's median colour at which a pixel is the print's
WALL_PLAIN = 0.9  # share of the outermost ring within WALL_DISTANCE / 2 of its median: a plain ground
MIN_PRINT = 0.3  # the print covers at least this share of the photo ...
MAX_PRINT = 0.95  # ... and leaves some ground around it
MIN_SLANT = 0.02  # a corner this far (share of a side) from the outline's bounding box: a slanted print


def print_corners(image: Image.Image) -> np.ndarray | None:
    """The four corners (pixels of `image`, PIL; top left, top right, bottom right, bottom left) of a print
    photographed at an angle on a plain ground (a wall, a table), or None when there is no such outline.

    The ground is the colour of the picture's outermost ring, which must be plain; the print is what
    differs from it. Its outline must be a convex quadrilateral (four corners once simplified) covering
    MIN_PRINT to MAX_PRINT of the photo, slanted (an upright one is a plain border: `inner_box`).
    """
    image = image if image.mode == "RGB" else image.convert("RGB")
    width, height = image.size
    scale = _scale(width, height)
    if min(height, width) * scale < MIN_SIDE:
        return None
    # The outermost ring (two pixels of the shrunk picture), read before anything else: most pictures stop here.
    edge = max(2, round(2 / scale))
    strips = [(0, 0, width, edge), (0, height - edge, width, height), (0, 0, edge, height),
              (width - edge, 0, width, height)]  # fmt: skip
    ring = np.concatenate([np.asarray(image.crop(strip)).reshape(-1, 3) for strip in strips])
    ring = ring[:: max(1, len(ring) // 4096)].astype(np.float32)  # a few thousand of its pixels tell
    ground = np.median(ring, axis=0)
    if np.mean(np.square(ring - ground).sum(axis=1) <= (WALL_DISTANCE / 2) ** 2) < WALL_PLAIN:
        return None  # no plain ground around the picture
    rgb = _shrunk(np.asarray(image), scale)
    small_height, small_width = rgb.shape[:2]
    mask = (np.square(rgb.astype(np.float32) - ground).sum(axis=2) > WALL_DISTANCE**2).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    area = cv2.contourArea(hull) / (small_width * small_height)
    if not MIN_PRINT <= area <= MAX_PRINT:
        return None
    corners = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float32)
    if len(corners) != 4 or not cv2.isContourConvex(corners):
        return None
    corners = _ordered(corners)
    left, top = corners.min(axis=0)
    right, bottom = corners.max(axis=0)
    box = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], np.float32)
    slant = np.abs(corners - box) / np.array([right - left, bottom - top], np.float32)
    if slant.max() < MIN_SLANT:
        return None  # upright: a plain border, which inner_box peels
    return corners / scale


def _ordered(corners: np.ndarray) -> np.ndarray:
    """Four points as top left, top right, bottom right, bottom left."""
    total, difference = corners.sum(axis=1), corners[:, 0] - corners[:, 1]
    return corners[[np.argmin(total), np.argmax(difference), np.argmax(total), np.argmin(difference)]]


def rectified(loaded: LoadedImage, corners: np.ndarray) -> LoadedImage:
    """The print within `corners` (print_corners) seen straight on: a query of its own."""
    top_left, top_right, bottom_right, bottom_left = corners
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    size = (max(1, round(float(width))), max(1, round(float(height))))
    target = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], np.float32)
    transform = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    flat = cv2.warpPerspective(np.asarray(loaded.image.convert("RGB")), transform, size, flags=cv2.INTER_LINEAR)
    ratio = loaded.width / max(1, loaded.image.width)  # the decoded picture may be smaller than its file
    return dataclasses.replace(
        loaded, image=Image.fromarray(flat), width=max(1, round(size[0] * ratio)),
        height=max(1, round(size[1] * ratio)), sha256="",
    )  # fmt: skip
