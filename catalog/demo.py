"""Procedural compositions (flat colour fields, grids, circles, waves) with plausible licensing metadata.

They were the first demo catalog; the tests and benchmarks keep them as hard cases for the engine (few corners,
repeating patterns, works laid out alike). The demo catalog `load_demo_catalog` loads is catalog.demo_catalog,
which shares DemoArtwork. Deterministic: artwork number `n` always has the same picture and metadata.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

PALETTES: dict[str, list[tuple[int, int, int]]] = {
    "sunset": [(250, 94, 60), (255, 170, 70), (120, 40, 90), (255, 220, 150), (60, 20, 60)],
    "ocean": [(10, 60, 120), (30, 130, 180), (120, 200, 220), (230, 245, 250), (5, 30, 60)],
    "forest": [(30, 80, 40), (90, 140, 60), (160, 190, 90), (60, 45, 30), (210, 220, 170)],
    "earth": [(120, 80, 50), (180, 130, 80), (90, 60, 40), (220, 190, 140), (60, 50, 40)],
    "primary": [(220, 30, 30), (30, 60, 200), (250, 210, 20), (245, 245, 240), (15, 15, 15)],
    "pastel": [(250, 200, 210), (200, 220, 250), (210, 250, 220), (250, 240, 200), (230, 210, 250)],
    "night": [(10, 15, 40), (40, 50, 110), (200, 200, 120), (90, 100, 160), (0, 0, 0)],
    "autumn": [(200, 90, 20), (150, 40, 20), (230, 170, 40), (90, 60, 30), (240, 220, 180)],
    "sepia": [(112, 66, 20), (170, 130, 80), (230, 210, 170), (60, 40, 20), (200, 170, 120)],
    "mono": [(20, 20, 20), (90, 90, 90), (160, 160, 160), (230, 230, 230), (255, 255, 255)],
    "desert": [(230, 180, 110), (200, 120, 60), (140, 170, 210), (250, 230, 190), (120, 70, 40)],
    "spring": [(120, 200, 80), (250, 120, 170), (255, 240, 120), (140, 200, 250), (255, 255, 255)],
}

COMPOSITIONS = ["landscape", "colour field", "grid", "circles", "waves", "portrait", "still life", "photograph"]
NOUNS = {
    "landscape": ["Valley", "Harbour", "Ridge", "Coastline", "Meadow", "Dunes", "Fjord", "Highlands"],
    "colour field": ["Field", "Threshold", "Horizon", "Chamber", "Veil", "Passage"],
    "grid": ["Composition", "Structure", "Lattice", "Plan", "Rhythm", "Order"],
    "circles": ["Orbits", "Constellation", "Bubbles", "Eclipse", "Resonance", "Rings"],
    "waves": ["Current", "Tide", "Undulation", "Drift", "Swell", "Echo"],
    "portrait": ["Portrait", "Figure", "Sitter", "Profile", "Stranger", "Muse"],
    "still life": ["Still Life", "Fruit Bowl", "Table Setting", "Harvest", "Pears", "Vessels"],
    "photograph": ["Street", "Station", "Market", "Pier", "Factory", "Boulevard"],
}
ADJECTIVES = {
    "sunset": ["Evening", "Burning", "Late"],
    "ocean": ["Blue", "Deep", "Atlantic"],
    "forest": ["Green", "Quiet", "Sylvan"],
    "earth": ["Umber", "Old", "Rustic"],
    "primary": ["Bold", "Primary", "Bright"],
    "pastel": ["Soft", "Morning", "Pale"],
    "night": ["Nocturnal", "Midnight", "Moonlit"],
    "autumn": ["Autumn", "Amber", "Copper"],
    "sepia": ["Faded", "Vintage", "Old"],
    "mono": ["Silent", "Grey", "Monochrome"],
    "desert": ["Sunbaked", "Arid", "Golden"],
    "spring": ["Spring", "Blossoming", "Fresh"],
}
FIRST = [
    "Ada",
    "Bruno",
    "Clara",
    "Dmitri",
    "Elena",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Katarina",
    "Lars",
    "Marta",
    "Nils",
    "Olga",
    "Pieter",
    "Rosa",
    "Sven",
    "Tomas",
    "Ulla",
    "Vera",
    "Willem",
]
LAST = [
    "Van Aalst",
    "Brennan",
    "Castellano",
    "Dufour",
    "Eriksen",
    "Fontaine",
    "Gallo",
    "Holm",
    "Ivanova",
    "Janssen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Quint",
    "Rossi",
]
COLLECTIONS = [
    ("Harbourview Museum of Art", "Harbourview Museum Trust"),
    ("Northlight Photo Archive", "Northlight Archives Ltd"),
    ("Meridian Modern", "Meridian Foundation"),
    ("The Linden Collection", "Linden Family Estate"),
    ("Open Canvas Library", "Open Canvas Cooperative"),
]
TERMS = {
    "royalty-free": "Unlimited print and digital use, worldwide, in perpetuity. No resale of the file.",
    "rights-managed": "One use, one territory, one year; extensions on request. Exclusivity available.",
    "editorial": "Editorial use only (news, education, criticism). No advertising or merchandise.",
}
FORMATS = ["JPEG"] * 11 + ["PNG"] * 3 + ["WEBP"] * 3 + ["TIFF"] * 2 + ["GIF"] * 1
ASPECTS = {"landscape": (3, 2), "wide": (16, 9), "portrait": (2, 3), "tall": (4, 5), "square": (1, 1)}


@dataclass(frozen=True)
class DemoArtwork:
    identifier: str
    data: bytes
    filename: str
    title: str
    creator: str
    year: int | None
    year_approximate: bool
    collection: tuple[str, str]
    license_type: str
    price: Decimal
    usage_terms: str
    tags: str
    description: str


def artwork(number: int) -> DemoArtwork:
    """Demo artwork `number`: picture and metadata, the same every time."""
    rng = np.random.default_rng(number)
    composition = COMPOSITIONS[number % len(COMPOSITIONS)]
    palette_name = list(PALETTES)[int(rng.integers(len(PALETTES)))]
    palette = PALETTES[palette_name]
    fmt = FORMATS[int(rng.integers(len(FORMATS)))]
    # Lossless formats are slow to encode: keep them small, so the demo loads in seconds.
    width, height = _size(rng, composition, max_long_side=4000 if fmt == "JPEG" else 1024)
    picture = PAINTERS[composition](rng, palette, (width, height))
    if composition == "photograph" or palette_name in ("sepia", "mono"):
        picture = picture.convert("L").convert("RGB")
    data = _encode(picture, fmt)
    creator_index = int(rng.integers(len(FIRST) * 2))
    creator = f"{FIRST[creator_index % len(FIRST)]} {LAST[(creator_index * 7) % len(LAST)]}"
    active_from = 1500 + (creator_index * 97) % 480 if composition != "photograph" else 1850 + creator_index % 150
    year = int(min(2025, active_from + int(rng.integers(0, 45))))
    unknown, approximate = rng.random() < 0.06, rng.random() < 0.2
    license_type = ["royalty-free", "rights-managed", "editorial"][int(rng.integers(3))]
    low, high = {"royalty-free": (49, 299), "rights-managed": (250, 2500), "editorial": (25, 150)}[license_type]
    title = f"{ADJECTIVES[palette_name][int(rng.integers(3))]} {NOUNS[composition][int(rng.integers(6))]}"
    return DemoArtwork(
        identifier=f"demo-{number:04d}",
        data=data,
        filename=f"{title.lower().replace(' ', '-')}-{number}",
        title=title,
        creator=creator,
        year=None if unknown else year,
        year_approximate=approximate and not unknown,
        collection=COLLECTIONS[int(rng.integers(len(COLLECTIONS)))],
        license_type=license_type,
        price=Decimal(int(rng.integers(low, high))),
        usage_terms=TERMS[license_type],
        tags=", ".join([composition, palette_name, "photography" if composition == "photograph" else "painting"]),
        description=f"A {palette_name} {composition} by {creator}, from the demo catalog.",
    )


def _size(rng: np.random.Generator, composition: str, max_long_side: int) -> tuple[int, int]:
    aspect = {"portrait": "portrait", "still life": "tall", "circles": "square"}.get(composition)
    aspect = aspect or list(ASPECTS)[int(rng.integers(len(ASPECTS)))]
    long_side = int(
        rng.choice([400, 640, 800, 1024, 1200, 1600, 2000, 4000], p=[0.1, 0.2, 0.2, 0.15, 0.15, 0.1, 0.07, 0.03])
    )
    long_side = min(long_side, max_long_side)
    a, b = ASPECTS[aspect]
    if a >= b:
        return long_side, max(1, long_side * b // a)
    return max(1, long_side * a // b), long_side


def _encode(picture: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, dict[str, Any]] = {
        "JPEG": {"quality": 88},
        "WEBP": {"quality": 85, "method": 1},
        "TIFF": {"compression": "tiff_lzw"},
        "PNG": {"compress_level": 1},
    }
    if fmt == "GIF":
        picture = picture.quantize(colors=128, method=Image.Quantize.FASTOCTREE)
    picture.save(out, fmt, **options.get(fmt, {}))
    return out.getvalue()


def _canvas(rng: np.random.Generator, palette: list, size: tuple[int, int], work: int = 480) -> tuple:
    """A small working canvas; painters draw at `work` px and `_finish` scales up with grain."""
    scale = work / max(size)
    small = (max(8, round(size[0] * scale)), max(8, round(size[1] * scale)))
    return Image.new("RGB", small, palette[int(rng.integers(len(palette)))]), small


def _finish(rng: np.random.Generator, picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    grain = rng.normal(0, 6, (picture.height, picture.width, 1))
    array = np.clip(np.asarray(picture, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(array).resize(size, Image.Resampling.BICUBIC)


def _color(rng: np.random.Generator, palette: list) -> tuple[int, int, int]:
    return palette[int(rng.integers(len(palette)))]


def _landscape(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    top, bottom = np.array(_color(rng, palette)), np.array(_color(rng, palette))
    ramp = np.linspace(0, 1, h)[:, None, None]
    picture = Image.fromarray((top * (1 - ramp) + bottom * ramp).repeat(w, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    sun = (int(rng.integers(w)), int(rng.integers(h // 3)), int(rng.integers(h // 12, h // 6)))
    draw.ellipse((sun[0] - sun[2], sun[1] - sun[2], sun[0] + sun[2], sun[1] + sun[2]), fill=_color(rng, palette))
    for layer in range(3):
        base = h * (0.45 + 0.17 * layer)
        phase, freq = rng.random() * 6.28, 2 + rng.random() * 5
        points = [
            (x, base - h * 0.12 * math.sin(phase + freq * x / w) * (1 + rng.random() * 0.2)) for x in range(0, w + 8, 8)
        ]
        draw.polygon([(0, h), *points, (w, h)], fill=_color(rng, palette))
    return _finish(rng, picture, size)


def _colour_field(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    draw = ImageDraw.Draw(picture)
    bands = int(rng.integers(2, 5))
    margin_x, gap = rng.uniform(0.04, 0.2), rng.uniform(0.01, 0.06)
    edges = np.sort(rng.uniform(0.05, 0.95, bands * 2))
    for band in range(bands):
        y0, y1 = h * edges[band * 2], h * max(edges[band * 2 + 1] - gap, edges[band * 2] + 0.02)
        x0, x1 = w * (margin_x + rng.uniform(-0.03, 0.03)), w * (1 - margin_x + rng.uniform(-0.03, 0.03))
        draw.rectangle((x0, y0, x1, y1), fill=_color(rng, palette))
    return _finish(rng, picture.filter(ImageFilter.GaussianBlur(rng.uniform(1, 5))), size)


def _grid(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    draw = ImageDraw.Draw(picture)
    cells = [(0, 0, w, h)]
    for _ in range(int(rng.integers(5, 11))):
        x0, y0, x1, y1 = cells.pop(int(rng.integers(len(cells))))
        if x1 - x0 > y1 - y0:
            cut = int(x0 + (x1 - x0) * (0.3 + 0.4 * rng.random()))
            cells += [(x0, y0, cut, y1), (cut, y0, x1, y1)]
        else:
            cut = int(y0 + (y1 - y0) * (0.3 + 0.4 * rng.random()))
            cells += [(x0, y0, x1, cut), (x0, cut, x1, y1)]
    for cell in cells:
        draw.rectangle(cell, fill=_color(rng, palette), outline=(15, 15, 15), width=max(2, w // 90))
    return _finish(rng, picture, size)


def _circles(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    draw = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(6, 18))):
        x, y, r = rng.integers(w), rng.integers(h), rng.integers(w // 20, w // 4)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_color(rng, palette), outline=_color(rng, palette), width=3)
    return _finish(rng, picture, size)


def _waves(rng, palette, size):
    _, (w, h) = _canvas(rng, palette, size)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    field = np.sin(xx / w * rng.uniform(4, 14) + np.sin(yy / h * rng.uniform(2, 8)) * rng.uniform(1, 3))
    index = ((field + 1) / 2 * (len(palette) - 1)).round().astype(int)
    return _finish(rng, Image.fromarray(np.array(palette, dtype=np.uint8)[index]), size)


def _portrait(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    draw = ImageDraw.Draw(picture)
    cx, head = w * rng.uniform(0.3, 0.7), rng.uniform(0.18, 0.32)
    top = h * rng.uniform(0.08, 0.3)
    draw.ellipse((cx - w * head * 1.4, top + h * head * 1.3, cx + w * head * 1.4, h * 1.3), fill=_color(rng, palette))
    draw.ellipse((cx - w * head / 2, top, cx + w * head / 2, top + h * head * 1.4), fill=_color(rng, palette))
    for eye in (-0.18, 0.18):
        ex, ey = cx + w * head * eye, top + h * head * 0.6
        draw.ellipse((ex - 6, ey - 4, ex + 6, ey + 4), fill=(20, 20, 20))
    for _ in range(int(rng.integers(2, 6))):  # background ornaments, different for every sitter
        x, y, r = rng.integers(w), rng.integers(h), rng.integers(w // 30, w // 10)
        draw.rectangle((x - r, y - r, x + r, y + r), fill=_color(rng, palette))
    return _finish(rng, picture.filter(ImageFilter.GaussianBlur(1.5)), size)


def _still_life(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, h * 0.62, w, h), fill=_color(rng, palette))
    for _ in range(int(rng.integers(3, 7))):
        x, r = rng.integers(w // 6, 5 * w // 6), rng.integers(w // 14, w // 7)
        draw.ellipse((x - r, h * 0.62 - 1.6 * r, x + r, h * 0.62 + 0.4 * r), fill=_color(rng, palette))
    return _finish(rng, picture, size)


def _photograph(rng, palette, size):
    picture, (w, h) = _canvas(rng, palette, size)
    draw = ImageDraw.Draw(picture)
    horizon = int(h * rng.uniform(0.35, 0.6))
    draw.rectangle((0, horizon, w, h), fill=_color(rng, palette))
    x = 0
    while x < w:
        bw, bh = int(rng.integers(w // 16, w // 6)), int(rng.integers(h // 8, h // 2))
        draw.rectangle((x, horizon - bh, x + bw, horizon), fill=_color(rng, palette))
        for wy in range(horizon - bh + 6, horizon - 6, 12):
            draw.line((x + 4, wy, x + bw - 4, wy), fill=_color(rng, palette), width=2)
        x += bw + int(rng.integers(2, w // 20))
    return _finish(rng, picture.filter(ImageFilter.GaussianBlur(0.8)), size)


PAINTERS = {
    "landscape": _landscape,
    "colour field": _colour_field,
    "grid": _grid,
    "circles": _circles,
    "waves": _waves,
    "portrait": _portrait,
    "still life": _still_life,
    "photograph": _photograph,
}
