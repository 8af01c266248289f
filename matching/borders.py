"""The picture inside a border: a mat and a frame, a scan's blank margins, a letterbox.

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

import cv2
import numpy as np

from matching.imaging import LoadedImage

Box = tuple[float, float, float, float]  # (left, top, right, bottom) as fractions of width and height

SIDE = 256  # the border is looked for on the picture shrunk to this on its long side
TOLERANCE = 2.0  # grey levels from the line's median
PLAIN_SHARE = 0.95  # share of a line within TOLERANCE for it to be plain
LOOK_AHEAD = 2  # lines that may be skipped to reach a plain one
MIN_KEEP = 0.4  # the picture inside keeps at least this share of each side
MIN_BORDER = 0.03  # a border narrower than this on every side is no border
MIN_SIDE = 16  # pixels (once shrunk): narrower pictures are not looked at


def inner_box(image) -> Box | None:
    """Where the picture inside a plain border lies in `image` (PIL), or None when it has no border."""
    gray = np.asarray(image.convert("L"))
    height, width = gray.shape
    scale = min(1.0, SIDE / max(height, width))
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    gray = gray.astype(np.float32)
    height, width = gray.shape
    if min(height, width) < MIN_SIDE:
        return None  # a sliver has no border to speak of (and no lines to peel)
    top, bottom, left, right = 0, height, 0, width

    def plain(line: np.ndarray) -> bool:
        return float(np.mean(np.abs(line - np.median(line)) <= TOLERANCE)) >= PLAIN_SHARE

    def peel(lines) -> int:
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
