"""Images made in code for tests: real files in real formats, decoded by Pillow."""

from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image, ImageDraw


def picture(width: int = 320, height: int = 240, seed: int = 1) -> Image.Image:
    """A photo-like RGB picture, different for every seed: smooth light, sharp-edged shapes, grain.

    Painted once per test process for each (width, height, seed); each caller gets its own copy.
    """
    return _painted_picture(width, height, seed).copy()


@functools.lru_cache(maxsize=512)
def _painted_picture(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy, phase = [*rng.uniform(1, 9, 2).tolist(), rng.uniform(0, 6.28)]
        wave = np.sin(xx / width * fx * 3.14 + phase) * np.cos(yy / height * fy * 3.14)
        blobs = sum(
            np.exp(
                -(
                    ((xx - rng.uniform(0, width)) ** 2 + (yy - rng.uniform(0, height)) ** 2)
                    / (2 * (rng.uniform(0.05, 0.2) * width) ** 2)
                )
            )
            for _ in range(4)
        )
        channels.append(127 + 70 * wave + 60 * blobs + rng.normal(0, 8, (height, width)))
    image = Image.fromarray(np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(30):  # objects with corners and edges, as photos have, for local features
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        size = rng.uniform(0.02, 0.12) * width
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(3)
        if kind == 0:
            draw.rectangle((x, y, x + size, y + size * rng.uniform(0.5, 2)), fill=color)
        elif kind == 1:
            draw.ellipse((x, y, x + size, y + size * rng.uniform(0.5, 2)), fill=color)
        else:
            points = [(x + rng.uniform(-size, size), y + rng.uniform(-size, size)) for _ in range(3)]
            draw.polygon(points, fill=color)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.save(out, fmt, **options)
    return out.getvalue()


def image_bytes(fmt: str = "JPEG", width: int = 320, height: int = 240, seed: int = 1, **options) -> bytes:
    return _image_bytes(fmt, width, height, seed, tuple(sorted(options.items())))


@functools.lru_cache(maxsize=512)
def _image_bytes(fmt: str, width: int, height: int, seed: int, options: tuple) -> bytes:
    return encode(_painted_picture(width, height, seed), fmt, **dict(options))


def as_query(data: bytes):
    """A query picture (matching.query.QueryImage) decoded from an encoded file, as the product decodes queries."""
    from matching.query import QueryImage
    from matching.safety.imaging import load_image

    return QueryImage(load_image(data))
