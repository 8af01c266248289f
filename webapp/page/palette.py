"""The search page's colour picker: the picked colours and their weights as URL state, and the links that add,
remove or reweigh one.

The URL carries `colors` and `color_weights` as every surface reads them (search.forms.parse_palette: hex
values, whole weights adding up to 100). A plain form cannot keep weights adding up to 100 while someone edits
one, nor add a colour without a script, so the page takes two conveniences and answers them with a redirect
to the canonical URL: `add_color` (a colour to add, with an equal share) and weights that do not add up to
100 (rescaled in proportion). Everything else is validated by the search form, whose errors the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.http import QueryDict

from matching.algorithms.color_signature import MAX_COLORS, parse_hex
from matching.algorithms.fingerprint import COLOR_NAMES, color_names
from search.colors import collection_colors
from search.forms import ListField
from webapp.page.presentation import PAGE_PARAMS, Chip

COLORS, WEIGHTS, ADD = "colors", "color_weights", "add_color"
Palette = Sequence[tuple[str, int]]


def shares(weights: Sequence[float]) -> list[int]:
    """Whole percentages in proportion to `weights` (all positive), each at least 1, adding up to exactly 100."""
    if not weights or len(weights) > 100:  # more than 100 shares of at least 1 cannot add up to 100
        return []
    total = float(sum(weights))
    exact = [100 * w / total for w in weights]
    whole = [max(1, int(value)) for value in exact]
    # Largest remainders take the points left (or give back the ones the floor of 1 took).
    order = sorted(range(len(exact)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    step = 1 if sum(whole) < 100 else -1
    while sum(whole) != 100:
        for i in order if step > 0 else reversed(order):
            if sum(whole) == 100:
                break
            if step > 0 or whole[i] > 1:
                whole[i] += step
    return whole


def palette_params(params: QueryDict, palette: Palette) -> QueryDict:
    """`params` with this palette (one colour needs no weight) and the page reset."""
    result = params.copy()
    for name in (*PAGE_PARAMS, ADD):
        result.pop(name, None)
    result.setlist(COLORS, [hex_ for hex_, _ in palette])
    result.setlist(WEIGHTS, [str(weight) for _, weight in palette] if len(palette) > 1 else [])
    return result


def palette_url(params: QueryDict, palette: Palette) -> str:
    encoded = palette_params(params, palette).urlencode()
    return f"?{encoded}" if encoded else "?"


def raw_lists(params: QueryDict) -> tuple[list[str], list[str]]:
    """The colours and weights as given, split as the search form splits them."""
    field = ListField(required=False)
    return field.to_python(params.getlist(COLORS)), field.to_python(params.getlist(WEIGHTS))


def positive_numbers(values: list[str]) -> list[float] | None:
    try:
        numbers = [float(value) for value in values]
    except ValueError:
        return None
    return numbers if all(0 < number < float("inf") for number in numbers) else None


def canonical_url(params: QueryDict) -> str | None:
    """Where to redirect a request that adds a colour or gives weights not adding up to 100; None when the URL is
    canonical already, or when it is wrong in a way the search form reports (a bad colour, a missing weight)."""
    colors, weights = raw_lists(params)
    numbers = positive_numbers(weights) if weights else [100 / len(colors)] * len(colors) if colors else []
    added = params.get(ADD, "").strip()
    if len(colors) + bool(added) > MAX_COLORS:  # the form says how many may be given
        return palette_url_unchanged(params, colors, weights, added) if added else None
    if not added:
        if numbers is None or len(numbers) != len(colors) or not weights:
            return None
        if [str(w) for w in shares(numbers)] == weights:
            return None
        return palette_url(params, list(zip(colors, shares(numbers), strict=True)))
    if numbers is None or len(numbers) != len(colors):
        numbers = [1.0] * len(colors)  # weights the form would refuse: the new colour starts everyone equal
    try:
        added = parse_hex(added)
    except ValueError:
        added = added[:20]  # left for the form to report, as a colour it cannot read
    total = sum(numbers)
    numbers = [*numbers, total / len(numbers) if numbers else 100.0]
    return palette_url(params, list(zip([*colors, added], shares(numbers), strict=True)))


def palette_url_unchanged(params: QueryDict, colors: list[str], weights: list[str], added: str) -> str:
    result = palette_params(params, [])
    result.setlist(COLORS, [*colors, added[:20]])
    result.setlist(WEIGHTS, weights)
    return f"?{result.urlencode()}"


def color_name(hex_: str) -> str:
    """The named colour class of a hex value (the names of the colour filter), for labels."""
    rgb = np.array([[int(hex_[i : i + 2], 16) for i in (0, 2, 4)]], dtype=np.uint8)
    return COLOR_NAMES[int(color_names(rgb)[0])]


@dataclass(frozen=True)
class PickedColor:
    """One row of the picker."""

    index: int  # 1-based, for labels
    hex: str  # six lower-case digits
    weight: int
    name: str
    remove_url: str


@dataclass(frozen=True)
class Picker:
    colors: list[PickedColor]
    can_add: bool
    carried: list[tuple[str, str]]  # the other parameters, for the add-a-colour form
    max_weight: int  # what one weight may reach while every other keeps 1

    @property
    def hexes(self) -> set[str]:
        return {color.hex for color in self.colors}


def picker(params: QueryDict, palette: Palette) -> Picker:
    """The picker for a validated palette (empty when the form refused it: the chips then offer the removal)."""
    rows = []
    for i, (hex_, weight) in enumerate(palette):
        rest = [color for j, color in enumerate(palette) if j != i]
        remaining = list(zip([h for h, _ in rest], shares([w for _, w in rest]), strict=True))
        rows.append(PickedColor(i + 1, hex_, weight, color_name(hex_), palette_url(params, remaining)))
    carried = [(name, value) for name, values in palette_params(params, palette).lists() if name not in PAGE_PARAMS
               for value in values]  # fmt: skip
    return Picker(rows, len(rows) < MAX_COLORS, carried, 101 - max(1, len(rows)))


def with_color(params: QueryDict, palette: Palette, hex_: str) -> str:
    """The URL that adds `hex_` to the palette with an equal share (the others keep their proportions)."""
    weights = [float(w) for _, w in palette]
    numbers = [*weights, sum(weights) / len(weights) if weights else 100.0]
    return palette_url(params, list(zip([h for h, _ in palette] + [hex_], shares(numbers), strict=True)))


def chips(params: QueryDict) -> list[Chip]:
    """A removable chip per colour as given, valid or not, so that a refused colour can be taken out."""
    colors, weights = raw_lists(params)
    numbers = positive_numbers(weights) if len(weights) == len(colors) else None
    found = []
    if weights and not colors:
        found.append(Chip("Colour shares without colours", f"?{palette_params(params, []).urlencode()}"))
    for i, value in enumerate(colors):
        rest = [c for j, c in enumerate(colors) if j != i]
        kept = [n for j, n in enumerate(numbers) if j != i] if numbers and weights and len(rest) <= MAX_COLORS else []
        try:
            hex_ = parse_hex(value)
        except ValueError:
            hex_ = ""
        label = f"Colour #{hex_}" if hex_ else f"Colour {value[:20]}"
        if hex_ and numbers and len(colors) > 1:
            label += f", {numbers[i]:g}%"
        remove = palette_params(params, [])
        remove.setlist(COLORS, rest)
        remove.setlist(WEIGHTS, [str(w) for w in shares(kept)] if len(rest) > 1 and kept else [])
        found.append(Chip(label, f"?{remove.urlencode()}", swatch=f"#{hex_}" if hex_ else ""))
    return found


STRIP_COLORS = 8  # swatches in the strip of the results' colours


@dataclass(frozen=True)
class Swatch:
    """One of the results' dominant colours: how many of the pictures looked at hold it, and where adding it
    to the picked colours leads ("" when it cannot be added: picked already, or the picker is full)."""

    hex: str
    name: str
    count: int
    add_url: str


@dataclass(frozen=True)
class Strip:
    swatches: list[Swatch]
    sampled: int  # the results the colours come from (the first ones, when there are more)
    total: int


def strip(params: QueryDict, palette: Palette, ids: Sequence[int], total: int) -> Strip | None:
    """The dominant colours of these results (their first `ids`), each a link that adds it to the picked ones."""
    found = collection_colors(ids, limit=STRIP_COLORS)
    if not found:
        return None
    picked = {hex_ for hex_, _ in palette}
    full = len(palette) >= MAX_COLORS
    swatches = [Swatch(color.hex, color_name(color.hex), color.count,
                       "" if full or color.hex in picked else with_color(params, palette, color.hex))
                for color in found]  # fmt: skip
    return Strip(swatches, len(ids), total)
