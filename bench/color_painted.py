"""A labelled set for colour search: pictures painted in code with known colour shares, and recoloured copies of
scikit-image's packaged photos, so that what counts as relevant comes from how a picture was made, not from any
method under test.

Every picture is a map of regions with exact area shares, each region filled with one paint (a named colour)
that is then worked as a painter or a camera would: flat, a lightness gradient, a fine texture (stripes,
checks), painterly noise (low-frequency wash, brush strokes, grain), and sometimes saved as a JPEG. The work
keeps a region within a few CIEDE2000 units of its paint, so the label "this picture is 40% ochre" stays true
of the pixels. Recoloured copies keep a photo's structure and texture: its luminance cut into levels with
the wanted shares, each level painted, the photo's own light and shade kept as a small lightness swing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image
from skimage.color import lab2rgb, rgb2lab

# Named paints. Pairs in NEAR_MISSES are 12-35 CIEDE2000 apart (a different shade a buyer would not accept);
# every other two paints are further apart than RELEVANT_DELTA_E.
PAINTS = {
    "navy": "000080", "royal blue": "4169e1", "sky": "87ceeb", "teal": "008080", "turquoise": "40e0d0",
    "forest": "228b22", "olive": "808000", "lime": "9acd32", "ochre": "cc7722", "orange": "ffa500",
    "gold": "ffd700", "crimson": "dc143c", "scarlet": "ff2400", "burgundy": "800020", "hot pink": "ff69b4",
    "lavender": "b57edc", "purple": "6a0dad", "brown": "8b4513", "tan": "d2b48c", "cream": "fffdd0",
    "charcoal": "36454f", "grey": "8c8c8c", "white": "f8f8f8", "black": "111111",
}  # fmt: skip
NEAR_MISSES = [("navy", "royal blue"), ("ochre", "orange"), ("crimson", "scarlet"), ("teal", "turquoise"),
               ("forest", "olive"), ("burgundy", "crimson"), ("sky", "royal blue"), ("tan", "cream")]  # fmt: skip
# Pairs asked for together with weights; each gets PAIR_PICTURES planted pictures holding both in random shares.
PAIRS = [("navy", "ochre"), ("teal", "gold"), ("crimson", "cream"), ("forest", "tan"), ("purple", "lime"),
         ("charcoal", "orange"), ("sky", "white"), ("burgundy", "gold"), ("royal blue", "scarlet"),
         ("olive", "lavender"), ("brown", "turquoise"), ("black", "hot pink")]  # fmt: skip
PAIR_PICTURES = 30
RELEVANT_DELTA_E = 10.0  # a paint this near the query colour (CIEDE2000) counts as the query colour
MIXING = 5.0  # each picture's paints are moved up to this far (CIELAB) from the named colour: no two navies match
STYLES = ("flat", "gradient", "texture", "painterly")
SIZES = ((48, 48), (96, 64), (160, 120), (240, 320), (320, 240), (480, 360), (640, 480), (800, 600))
PACKAGED = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "ihc.png",
            "hubble_deep_field.jpg", "retina.jpg", "camera.png", "moon.png", "grass.png", "gravel.png",
            "brick.png", "coins.png", "horse.png", "page.png")  # fmt: skip


@dataclass(frozen=True)
class Painted:
    key: str
    rgb: np.ndarray  # (H, W, 3) uint8, as decoded
    parts: tuple[tuple[str, float], ...]  # (paint name, share of the area) as painted
    style: str
    labs: np.ndarray  # (parts, 3) the CIELAB each part was painted in: its paint, mixed a little differently


def hex_rgb(value: str) -> np.ndarray:
    return np.array([int(value[i : i + 2], 16) for i in (0, 2, 4)], np.float64)


def paint_lab(name: str) -> np.ndarray:
    return np.asarray(rgb2lab(hex_rgb(PAINTS[name]).reshape(1, 1, 3) / 255)).reshape(3)


def mixed(rng: np.random.Generator, names: list[str]) -> np.ndarray:
    """(len(names), 3) Lab: each paint moved a random distance up to MIXING in a random direction."""
    step = rng.normal(size=(len(names), 3))
    step *= (rng.uniform(0, MIXING, len(names)) / np.linalg.norm(step, axis=1))[:, None]
    return np.array([paint_lab(name) for name in names]) + step


def smooth_field(rng: np.random.Generator, height: int, width: int, blobs: int = 6) -> np.ndarray:
    """Low-frequency noise: a few Gaussian blobs and a wave, for organic region shapes and washes."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    field = np.sin(xx / width * rng.uniform(1, 6) + rng.uniform(0, 6)) * np.cos(yy / height * rng.uniform(1, 6))
    for _ in range(blobs):
        cy, cx, spread = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(0.08, 0.4) * max(height, width)
        field += rng.choice([-1.5, 1.5]) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * spread**2))
    return field


def regions(rng: np.random.Generator, shape: tuple[int, int], shares: np.ndarray, style: str) -> np.ndarray:
    """(H, W) region index with each region's area exactly its share (to the pixel): the pixels of a random
    field ranked and cut, so regions are organic shapes (or bands and blocks when flat)."""
    height, width = shape
    if style == "flat" and rng.random() < 0.5:
        field = np.broadcast_to((np.arange(height)[:, None] + rng.random((1, width)) * 0.1), shape)
    else:
        field = smooth_field(rng, height, width)
    ranks = np.empty(height * width, np.int64)
    ranks[np.argsort(np.asarray(field).ravel(), kind="stable")] = np.arange(height * width)
    cuts = np.round(np.cumsum(shares) * height * width).astype(np.int64)
    return np.searchsorted(cuts, ranks, side="right").clip(0, len(shares) - 1).reshape(shape)


def worked(rng: np.random.Generator, lab: np.ndarray, style: str) -> np.ndarray:
    """The paints' Lab (H, W, 3) worked in a style; each pixel stays within a few CIEDE2000 units of its paint."""
    height, width = lab.shape[:2]
    out = lab.copy()
    if style == "gradient":
        ramp = np.linspace(-1, 1, width)[None, :] * np.cos(rng.uniform(0, 3.14)) + np.linspace(-1, 1, height)[:, None]
        out[..., 0] += 5 * ramp / max(1e-6, float(np.abs(ramp).max()))
        out[..., 1:] += rng.normal(0, 1.2, 2) * ramp[..., None]
    elif style == "texture":
        yy, xx = np.mgrid[0:height, 0:width]
        period = rng.integers(3, 9)
        pattern = np.sin((xx + yy * rng.integers(0, 2)) * 6.283 / period) if rng.random() < 0.5 else \
            (((xx // period) + (yy // period)) % 2) * 2.0 - 1  # fmt: skip
        out[..., 0] += 4 * pattern
        out[..., 1:] += rng.normal(0, 0.8, (height, width, 2))
    elif style == "painterly":
        wash = smooth_field(rng, height, width, blobs=4)
        out[..., 0] += 3.5 * wash / max(1e-6, float(np.abs(wash).max()))
        out += rng.normal(0, 1.5, out.shape)  # grain
        for _ in range(int(height * width / 400)):  # short strokes of the same paint, a little lighter or darker
            y, x = rng.integers(0, height), rng.integers(0, width)
            length = int(rng.integers(3, 12))
            out[y : y + 2, x : x + length, 0] += rng.normal(0, 2.5)
    return out


def to_rgb(rng: np.random.Generator, lab: np.ndarray) -> np.ndarray:
    rgb = (np.clip(lab2rgb(lab), 0, 1) * 255).round().astype(np.uint8)
    if rng.random() < 0.4:  # saved and read back as a JPEG, as most catalog files are
        out = io.BytesIO()
        Image.fromarray(rgb).save(out, "JPEG", quality=int(rng.integers(70, 95)))
        rgb = np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"))
    return rgb


def painting(rng: np.random.Generator, key: str, names: list[str], shares: np.ndarray) -> Painted:
    style = str(rng.choice(STYLES))
    height, width = SIZES[int(rng.integers(len(SIZES)))]
    index = regions(rng, (height, width), shares, style)
    labs = mixed(rng, names)
    rgb = to_rgb(rng, worked(rng, labs[index], style))
    counted = np.bincount(index.ravel(), minlength=len(names)) / index.size
    return Painted(key, rgb, tuple(zip(names, counted.tolist(), strict=True)), style, labs)


def recoloured(rng: np.random.Generator, key: str, photo: np.ndarray, names: list[str], shares: np.ndarray) -> Painted:
    """A packaged photo's luminance cut into len(names) levels with the given shares, each level one paint; the
    photo's light and shade within its level kept as a lightness swing of up to 5."""
    height, width = SIZES[int(rng.integers(2, len(SIZES)))]
    small = np.asarray(Image.fromarray(photo).convert("L").resize((width, height), Image.Resampling.BILINEAR), float)
    order = np.argsort(small.ravel() + rng.random(small.size) * 1e-3, kind="stable")
    ranks = np.empty(small.size, np.int64)
    ranks[order] = np.arange(small.size)
    cuts = np.round(np.cumsum(shares) * small.size).astype(np.int64)
    index = np.searchsorted(cuts, ranks, side="right").clip(0, len(names) - 1).reshape(height, width)
    labs = mixed(rng, names)
    lab = labs[index]
    level_mean = np.bincount(index.ravel(), weights=small.ravel(), minlength=len(names)) / np.maximum(
        1, np.bincount(index.ravel(), minlength=len(names))
    )
    lab[..., 0] += np.clip((small - level_mean[index]) * 0.2, -5, 5)
    counted = np.bincount(index.ravel(), minlength=len(names)) / index.size
    return Painted(key, to_rgb(rng, lab), tuple(zip(names, counted.tolist(), strict=True)), "recoloured", labs)


def random_parts(rng: np.random.Generator, count: int, fixed: tuple[str, ...] = ()) -> tuple[list[str], np.ndarray]:
    others = [name for name in PAINTS if name not in fixed]
    names = list(fixed) + [str(n) for n in rng.choice(others, count - len(fixed), replace=False)]
    return names, rng.dirichlet(np.full(len(names), 0.9))


def packaged_photos() -> list[tuple[str, np.ndarray]]:
    """scikit-image's bundled photos (in the installed package; nothing is downloaded)."""
    import skimage.data

    folder = os.path.dirname(skimage.data.__file__)
    found = []
    for name in PACKAGED:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            found.append((name.split(".")[0], np.asarray(Image.open(path).convert("RGB"))))
    return found


def labelled_set(painted: int = 900, recolourings: int = 20, seed: int = 5) -> Iterator[Painted]:
    """`painted` pictures of 1-4 random paints, PAIR_PICTURES per weighted pair, `recolourings` copies of each
    packaged photo; in a shuffled order (the order a filter with no ranking shows them)."""
    rng = np.random.default_rng(seed)
    jobs: list[tuple[str, object, tuple[str, ...]]] = []
    jobs += [(f"painted-{i}", None, ()) for i in range(painted)]
    jobs += [(f"pair-{a}-{b}-{i}", None, (a, b)) for a, b in PAIRS for i in range(PAIR_PICTURES)]
    photos = packaged_photos()
    jobs += [(f"{name}-{i}", photo, ()) for name, photo in photos for i in range(recolourings)]
    for at in rng.permutation(len(jobs)):
        key, photo, fixed = jobs[int(at)]
        count = int(rng.choice([1, 2, 3, 4], p=[0.15, 0.35, 0.3, 0.2])) if not fixed else int(rng.integers(2, 4))
        names, shares = random_parts(rng, max(count, len(fixed)), fixed)
        if fixed:  # the pair in shares from a speck to most of the picture, the rest to any other paints
            first = rng.uniform(0.02, 0.85)
            second = rng.uniform(0.02, 0.98 - first)
            rest = rng.dirichlet(np.ones(len(names) - 2)) * (1 - first - second) if len(names) > 2 else []
            shares = np.array([first, second, *rest])
            shares = shares / shares.sum()
        if photo is None:
            yield painting(rng, key, names, shares)
        else:
            yield recoloured(rng, key, np.asarray(photo), names, shares)
