"""Catalog pictures of known colours for the colour search tests (search backends, the page, the browser):
photo-like pictures with bands painted over given shares of their area, made in code."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from PIL import Image

from tests.images import encode, picture

NAVY, ROYAL, OCHRE, LEAF = "000080", "4169e1", "cc7722", "2e8b3a"


@functools.lru_cache(maxsize=32)
def painted(seed: int, *parts: tuple[str, float]) -> bytes:
    """A PNG whose top bands cover the given shares of its area in the given colours."""
    rgb = np.asarray(picture(320, 240, seed)).copy()
    row = 0
    for color, share in parts:
        rows = round(240 * share)
        rgb[row : row + rows] = [int(color[i : i + 2], 16) for i in (0, 2, 4)]
        row += rows
    return encode(Image.fromarray(rgb), "PNG")


@pytest.fixture(name="colored")
def colored_catalog(make_item):
    """Navy and royal blue harbours, a field 40% ochre and one with an ochre speck, a navy and ochre dusk."""
    specs = {
        "navy": (1, ((NAVY, 0.6),), {"title": "Night Harbour", "tags": "harbour"}),
        "royal": (2, ((ROYAL, 0.6),), {"title": "Royal Harbour", "tags": "harbour"}),
        "ochre": (3, ((OCHRE, 0.4),), {"title": "Ochre Field", "tags": "field"}),
        "speck": (4, ((OCHRE, 0.02), (LEAF, 0.6)), {"title": "Green Field", "tags": "field"}),
        "pair": (5, ((NAVY, 0.5), (OCHRE, 0.3)), {"title": "Harbour at Dusk", "tags": "harbour"}),
    }
    return {
        key: make_item(seed=seed, data=painted(seed, *parts), **fields) for key, (seed, parts, fields) in specs.items()
    }
