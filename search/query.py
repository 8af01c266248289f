"""What a search asks and what it answers: SearchQuery, Filters, Hit, SearchResults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from catalog.models import CatalogImage
from matching.providers import Match
from matching.safety.imaging import LoadedImage

SORTS = ("relevance", "newest", "oldest", "largest")
KINDS = ("copy", "similar")
ORIENTATIONS = ("landscape", "portrait", "square")
FORMATS = ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "HEIF", "PDF")
# Size facet buckets by megapixels: (value, label, lower bound inclusive, upper bound exclusive).
SIZE_BUCKETS = (
    ("small", "Small (under 1 MP)", 0.0, 1.0),
    ("medium", "Medium (1-4 MP)", 1.0, 4.0),
    ("large", "Large (4-12 MP)", 4.0, 12.0),
    ("huge", "Huge (12 MP and more)", 12.0, float("inf")),
)
FACETS = ("color", "format", "orientation", "size", "century", "license")
UNKNOWN_YEAR = "unknown"


@dataclass(frozen=True)
class Filters:
    """Narrowing that applies whatever else the query asks; every field is optional."""

    colors: tuple[str, ...] = ()
    min_width: int | None = None
    min_height: int | None = None
    min_megapixels: float | None = None
    orientation: str | None = None
    formats: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    licenses: tuple[str, ...] = ()
    collection: int | None = None  # a catalog.Collection's id
    added_since: datetime | None = None  # staff only
    include_drafts: bool = False  # staff only

    @property
    def filters_age(self) -> bool:
        return self.year_from is not None or self.year_to is not None


@dataclass(frozen=True)
class SearchQuery:
    """One search: words, query images (or a catalog item to look like), filters, order and page."""

    text: str = ""
    images: tuple[LoadedImage, ...] = ()
    similar_to: int | None = None
    region: tuple[float, float, float, float] | None = None  # x, y, w, h of the query image, 0-1
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 24
    kind: str | None = None  # image searches: "copy" or "similar" only; None for both
    # Colours to rank by: (six lower-case hex digits, weight), weights summing to 100 (search.forms.parse_palette).
    # Not Filters.colors, which are colour names every hit must hold.
    palette: tuple[tuple[str, int], ...] = ()

    @property
    def has_image(self) -> bool:
        return bool(self.images) or self.similar_to is not None

    @property
    def has_palette(self) -> bool:
        return bool(self.palette)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Hit:
    """One result: the item, its combined score, and the parts the score was made of."""

    item: CatalogImage
    score: float
    text_score: float | None = None  # backend relevance, higher is better
    similarity: float | None = None  # 0-100 from the match provider
    match: Match | None = None
    color_score: float | None = None  # 0-100: how much of the picture is near the query's colours


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    label: str = ""


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]
    page: int
    page_size: int
    unknown_year_excluded: int = 0  # items left out by an age filter because their year is unknown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def century_label(year: int) -> tuple[str, str]:
    """Facet value and label for a year: decades within the last hundred years, centuries before."""
    if year >= 1930:
        decade = year // 10 * 10
        return f"{decade}-{decade + 9}", f"{decade}s"
    century = year // 100 + 1
    number = century if century > 0 else 1 - century  # year -350 is in century -3: the 4th century BC
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{(century - 1) * 100}-{century * 100 - 1}", f"{number}{suffix} century" + (" BC" if century <= 0 else "")
