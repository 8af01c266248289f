"""What the search page shows around the results: filter options with counts, active-filter chips, badges.

Everything here is derived from the request's GET parameters (the canonical search parameters), so
every state of the page is a URL and every link is a plain GET.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict

from catalog.models import CatalogImage, Collection, LicenseType
from matching.algorithms.fingerprint import COLOR_NAMES
from matching.providers import COPY, SIMILAR, is_box
from search.query import ORIENTATIONS, SIZE_BUCKETS, Hit, SearchResults

# How a named colour class is drawn as a swatch.
SWATCHES = {
    "red": "#d0342c", "orange": "#f08a24", "yellow": "#f4d03f", "green": "#3f9b4a", "teal": "#1aa39a",
    "blue": "#2f6fdb", "purple": "#8a4fcf", "pink": "#ec7fb4", "brown": "#8b5a2b", "black": "#1b1b1b",
    "grey": "#8e8e93", "white": "#ffffff",
}  # fmt: skip
# Quick age choices: label, year_from, year_to.
AGE_CHOICES = (("Before 1800", None, 1799), ("Before 1900", None, 1899), ("1900 and later", 1900, None),
               ("Since 2000", 2000, None))  # fmt: skip
IDENTICAL_SCORE = 97.0  # the whole picture, at most re-encoded or resized
EDITED_SCORE = 60.0  # a copy with visible edits: crops, text, colour changes
HIGHER_RESOLUTION = 1.2  # a hit this many times the query's pixels is "higher resolution"
PAGE_PARAMS = ("page",)
FILTER_PARAMS = ("color", "format", "license", "collection", "orientation", "min_width", "min_height",
                 "min_megapixels", "year_from", "year_to", "colors", "color_weights")  # fmt: skip


def url_for(params: QueryDict, *, drop: tuple[str, str | None] | None = None, **changes) -> str:
    """'?…' for `params` with one value (or a whole parameter) dropped and others set; page resets."""
    result = params.copy()
    for name in PAGE_PARAMS:
        result.pop(name, None)
    if drop is not None:
        name, value = drop
        result.setlist(name, [] if value is None else [v for v in result.getlist(name) if v != value])
    for name, value in changes.items():
        if value is None or value == "":
            result.pop(name, None)
        else:
            result[name] = str(value)
    encoded = result.urlencode()
    return f"?{encoded}" if encoded else "?"


@dataclass(frozen=True)
class Option:
    """One choice of a filter: its value, label, how many current results have it, and whether it is on."""

    value: str
    label: str
    count: int | None
    checked: bool
    url: str = ""  # for link-style choices: where choosing it leads
    swatch: str = ""


def facet_counts(results: SearchResults | None, name: str) -> dict[str, int]:
    if results is None:
        return {}
    return {facet.value: facet.count for facet in results.facets.get(name, [])}


def checkbox_options(results, params: QueryDict, facet: str, param: str, choices) -> list[Option]:
    counts = facet_counts(results, facet)
    chosen = {value.upper() if param == "format" else value for value in params.getlist(param)}
    return [Option(value, label, counts.get(value, 0), value in chosen, swatch=SWATCHES.get(value, ""))
            for value, label in choices]  # fmt: skip


def leading_somewhere(options: list[Option], *, any_of: bool) -> list[Option]:
    """The options worth offering: none whose choice can only lead to zero results.

    A count is of the current results. In an all-of group (colours) an unchosen option counted 0 adds a
    condition nothing meets; in an any-of or one-of group (formats, licences, orientation, sizes) it leads
    to zero only while nothing in the group is chosen: once one is, the others' counts are 0 but choosing
    them widens or switches the search."""
    if any_of and any(option.checked for option in options):
        return options
    return [option for option in options if option.checked or option.count is None or option.count > 0]


def filter_groups(results: SearchResults | None, params: QueryDict) -> dict[str, list[Option]]:
    """The sidebar's choices, each with its count among the current results."""
    formats = [(facet.value, facet.value) for facet in (results.facets.get("format", []) if results else [])]
    formats += [(value.upper(), value.upper()) for value in params.getlist("format")
                if value.upper() not in dict(formats)]  # fmt: skip
    sizes = facet_counts(results, "size")
    orientation_counts = facet_counts(results, "orientation")
    current_mp = params.get("min_megapixels", "")
    size_options = [Option("", "Any size", None, current_mp == "", url_for(params, min_megapixels=None))]
    for index, (_value, _label, low, _high) in enumerate(SIZE_BUCKETS[1:], start=1):
        count = sum(sizes.get(bucket[0], 0) for bucket in SIZE_BUCKETS[index:])
        size_options.append(Option(f"{low:g}", f"{low:g} MP and more", count, current_mp == f"{low:g}",
                                   url_for(params, min_megapixels=f"{low:g}")))  # fmt: skip
    orientation = params.get("orientation", "")
    ages = [Option(label, label, None, params.get("year_from", "") == str(low or "") and
                   params.get("year_to", "") == str(high or ""), url_for(params, year_from=low, year_to=high))
            for label, low, high in AGE_CHOICES]  # fmt: skip
    centuries = []
    for facet in results.facets.get("century", []) if results else []:
        if facet.value == "unknown":
            continue
        first, last = facet.value.split("-")
        on = params.get("year_from") == first and params.get("year_to") == last
        link = url_for(params, year_from=first, year_to=last)
        centuries.append(Option(facet.value, facet.label, facet.count, on, link))
    orientations = [Option(o, o.capitalize(), orientation_counts.get(o, 0), orientation == o) for o in ORIENTATIONS]
    colors = checkbox_options(results, params, "color", "color", [(c, c.capitalize()) for c in COLOR_NAMES])
    format_options = checkbox_options(results, params, "format", "format", sorted(formats))
    licence_options = checkbox_options(results, params, "license", "license", LicenseType.choices)
    return {
        "color": leading_somewhere(colors, any_of=False),
        "format": leading_somewhere(format_options, any_of=True),
        "license": leading_somewhere(licence_options, any_of=True),
        "orientation": [Option("", "Any", None, orientation == ""), *leading_somewhere(orientations, any_of=True)],
        "size": [size_options[0], *leading_somewhere(size_options[1:], any_of=True)],
        "age": ages,
        "century": sorted(centuries, key=lambda option: int(option.value.split("-")[0])),
    }


# Parts of the query image a keyboard user can pick without drawing a box: label, x, y, w, h.
REGION_PRESETS = (("Left half", 0, 0, 0.5, 1), ("Right half", 0.5, 0, 0.5, 1), ("Top half", 0, 0, 1, 0.5),
                  ("Bottom half", 0, 0.5, 1, 0.5), ("Centre", 0.25, 0.25, 0.5, 0.5))  # fmt: skip


def region_presets(params: QueryDict) -> list[Option]:
    current = params.get("region", "")
    options = []
    for label, *box in REGION_PRESETS:
        value = ",".join(f"{v:g}" for v in box)
        options.append(Option(value, label, None, current == value, url_for(params, region=value)))
    return options


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str
    swatch: str = ""  # a picked colour's chip shows it


def filter_chips(
    params: QueryDict, similar_item: CatalogImage | None, collection: Collection | None = None
) -> list[Chip]:
    """One removable chip per active filter (words and the query image live in the search bar)."""
    licenses = dict(LicenseType.choices)
    describe = {
        "color": lambda v: f"Colour: {v}",
        "format": lambda v: f"Format: {v.upper()}",
        "license": lambda v: f"Licence: {licenses.get(v, v)}",
        "collection": lambda v: f"Collection: {collection.name if collection else v}",
        "orientation": lambda v: v.capitalize(),
        "min_width": lambda v: f"Width ≥ {v} px",
        "min_height": lambda v: f"Height ≥ {v} px",
        "min_megapixels": lambda v: f"≥ {v} MP",
        "year_from": lambda v: f"From {v}",
        "year_to": lambda v: f"Until {v}",
        "similar_to": lambda v: f"Looks like: {similar_item.title if similar_item else v}",
        "region": lambda v: "Part of the image",
    }
    chips = []
    for name, label in describe.items():
        for value in params.getlist(name):
            if value:
                chips.append(Chip(label(value), url_for(params, drop=(name, value))))
    return chips


@dataclass(frozen=True)
class Card:
    """A result as the grid shows it."""

    hit: Hit
    badge: str  # "identical", "edited copy", "similar", or "" for a words-only hit
    higher_resolution: bool
    outline: Outline | None = None  # the part of the catalog picture a copy shows, when not all of it


@dataclass(frozen=True)
class Outline:
    """A region of a catalog picture, in its pixels (for an SVG drawn over its thumbnail) and as a URL value."""

    x: float
    y: float
    width: float
    height: float
    param: str  # "left,top,right,bottom" as fractions: the item page's `region`

    @classmethod
    def of(cls, box: tuple[float, float, float, float], width: int, height: int) -> Outline | None:
        """The outline of `box` (fractions) on a width x height picture; None for (nearly) the whole picture."""
        left, top, right, bottom = box
        if (right - left) * (bottom - top) >= WHOLE_SHARE or width <= 0 or height <= 0:
            return None
        return cls(left * width, top * height, (right - left) * width, (bottom - top) * height,
                   ",".join(f"{value:.4g}" for value in box))  # fmt: skip

    @classmethod
    def parse(cls, value: str, width: int, height: int) -> Outline | None:
        """The item page's `region` parameter; None when it is missing or not a box inside the picture."""
        try:
            box = tuple(float(part) for part in value.split(","))
        except ValueError:
            return None
        return cls.of(box, width, height) if is_box(box) else None


WHOLE_SHARE = 0.9  # a copy showing at least this share of the catalog picture is not outlined


def outline(hit: Hit) -> Outline | None:
    """Where in the catalog picture a copy matched, when it is a part of it (a detail, a crop)."""
    if hit.match is None or hit.match.kind != COPY:
        return None
    return Outline.of(hit.match.target_box, hit.item.width, hit.item.height)


def similarity_badge(hit: Hit) -> str:
    if hit.similarity is None or (hit.match is not None and hit.match.kind == SIMILAR):
        return ""  # words-only hits, and look-alikes (their group says what they are)
    whole = hit.match is None or (hit.match.query_overlap >= 99 and hit.match.target_overlap >= 99)
    if hit.similarity >= IDENTICAL_SCORE and whole:
        return "identical"
    return "edited copy" if hit.similarity >= EDITED_SCORE else "similar"


def cards(results: SearchResults, query_pixels: int | None) -> list[Card]:
    """Hits with their badge, and whether they are larger than the query image."""
    return [Card(hit, similarity_badge(hit), larger(hit, query_pixels), outline(hit)) for hit in results.hits]


@dataclass(frozen=True)
class Group:
    key: str  # "copies", "similar", or "" for a words-only search
    heading: str
    cards: list[Card]


def groups(cards: list[Card]) -> list[Group]:
    """The page's cards as "Copies of your picture" then "Similar pictures" (one plain group for words)."""
    copies = [card for card in cards if card.hit.match is not None and card.hit.match.kind == COPY]
    similar = [card for card in cards if card.hit.match is not None and card.hit.match.kind == SIMILAR]
    if not copies and not similar:
        return [Group("", "", cards)] if cards else []
    found = [Group("copies", "Copies of your picture", copies), Group("similar", "Similar pictures", similar)]
    return [group for group in found if group.cards]


def larger(hit: Hit, query_pixels: int | None) -> bool:
    """Whether a copy of the query has clearly more pixels than the query image (a look-alike is another
    picture: it has no "higher resolution" of the visitor's)."""
    if not query_pixels or hit.match is None or hit.match.kind != COPY:
        return False
    return hit.item.width * hit.item.height > HIGHER_RESOLUTION * query_pixels
