"""The canonical search parameters (shared by the page and the API), validated into a SearchQuery."""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import CatalogImage, LicenseType
from catalog.years import MAX_YEAR, MIN_YEAR
from matching.algorithms.color_signature import MAX_COLORS, parse_hex
from matching.algorithms.fingerprint import COLOR_NAMES
from search.query import FORMATS, KINDS, ORIENTATIONS, SORTS, Filters, SearchQuery

MAX_PAGE_SIZE = 100


def parse_region(value: str) -> tuple[float, float, float, float]:
    """ "x,y,w,h" in relative coordinates, inside the image and not empty."""
    try:
        x, y, w, h = (float(part) for part in value.split(","))
    except ValueError:
        raise ValidationError("region must be four numbers x,y,w,h between 0 and 1.") from None
    if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1 and x + w <= 1.0001 and y + h <= 1.0001):
        raise ValidationError("region must lie inside the image: 0 <= x, y; 0 < w, h; x + w <= 1; y + h <= 1.")
    if w < 0.02 or h < 0.02:
        raise ValidationError("region is too small to search; make it at least 2% of the image each way.")
    return x, y, min(w, 1 - x), min(h, 1 - y)


def parse_palette(colors: list[str], weights: list[str]) -> tuple[tuple[str, int], ...]:
    """Colours (hex, with or without '#') and optional weights (whole percentages summing to 100) as
    ((hex, weight), ...); without weights the colours share 100 equally. The one rule for every surface."""
    colors = [value for value in colors if value.strip()]
    if not colors:
        if weights:
            raise ValidationError("color_weights were given without colors.")
        return ()
    if len(colors) > MAX_COLORS:
        raise ValidationError(f"At most {MAX_COLORS} colors, not {len(colors)}.")
    try:
        digits = [parse_hex(value) for value in colors]
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if len(set(digits)) < len(digits):
        raise ValidationError("Each colour may be given once.")
    if not weights:
        even = [100 // len(digits)] * len(digits)
        even[0] += 100 - sum(even)
        return tuple(zip(digits, even, strict=True))
    if len(weights) != len(digits):
        raise ValidationError(f"Give one weight per colour: {len(digits)} colors, {len(weights)} color_weights.")
    try:
        numbers = [float(value) for value in weights]
    except ValueError:
        raise ValidationError("color_weights must be numbers between 1 and 100.") from None
    if any(not 0 < number <= 100 for number in numbers):
        raise ValidationError("Each of color_weights must be more than 0 and at most 100.")
    if abs(sum(numbers) - 100) > 1:
        raise ValidationError(f"color_weights must add up to 100, not {sum(numbers):g}.")
    return tuple((hex_, max(1, round(number))) for hex_, number in zip(digits, numbers, strict=True))


class ListField(forms.Field):
    """A parameter given any number of times (?colors=a&colors=b), or once with commas (?colors=a,b)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = [value] if isinstance(value, str) else list(value or [])
        return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


class UpperMultipleChoiceField(forms.MultipleChoiceField):
    """Choices compared case-insensitively (format=jpeg is format=JPEG)."""

    def to_python(self, value):
        return [str(v).upper() for v in super().to_python(value)]


class SearchForm(forms.Form):
    """GET parameters: q, color, min_width, min_height, min_megapixels, orientation, format, year_from,
    year_to, license, collection, sort, page, page_size, similar_to (and region for image queries), colors and
    color_weights."""

    q = forms.CharField(
        required=False, max_length=500, strip=True, help_text="Words to look for (title, creator, tags, description)."
    )
    color = forms.MultipleChoiceField(
        required=False, choices=[(c, c) for c in COLOR_NAMES], help_text="Named colour classes, all required."
    )
    min_width = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    min_height = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    min_megapixels = forms.FloatField(required=False, min_value=0, max_value=10_000)
    orientation = forms.ChoiceField(required=False, choices=[("", "any")] + [(o, o) for o in ORIENTATIONS])
    format = UpperMultipleChoiceField(
        required=False, choices=[(f, f) for f in FORMATS], help_text="File formats, any of them (case-insensitive)."
    )
    year_from = forms.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    year_to = forms.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    license = forms.MultipleChoiceField(required=False, choices=LicenseType.choices)
    collection = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Items of this collection (its id)."
    )
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    similar_to = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Find items that look like this catalog item."
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "both")] + [(k, k) for k in KINDS],
        help_text="Image searches: copy (the same picture, edited or not) or similar (pictures that look like it).",
    )
    region = forms.CharField(
        required=False, help_text="x,y,w,h in relative coordinates: search this part of the query image."
    )
    added_since = forms.DateTimeField(required=False, help_text="Items added since then (staff only).")
    colors = ListField(
        required=False,
        help_text=f"Rank by these colours (1 to {MAX_COLORS} hex values, as 1a2b3c or #1a2b3c): how much of each "
        "picture is near them.",
    )
    color_weights = ListField(
        required=False, help_text="A weight per colour in colors, in percent, adding up to 100 (default: equal)."
    )

    def clean_added_since(self):
        value = self.cleaned_data["added_since"]
        if value is None:
            return None
        try:  # databases keep offsets within ±16 h; the instant is what matters
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError("added_since is outside the range of dates.") from None

    def clean_region(self):
        value = self.cleaned_data["region"]
        return parse_region(value) if value else None

    def __init__(self, data=None, *, drafts: bool = False, staff: bool = False, **kwargs) -> None:
        """`drafts`: the caller may see drafts (catalog.visibility); `staff`: added_since is honoured."""
        super().__init__(data, **kwargs)
        self.drafts, self.staff = drafts, staff

    def clean_similar_to(self):
        value = self.cleaned_data["similar_to"]
        items = CatalogImage.objects.all() if self.drafts else CatalogImage.objects.published()
        if value is not None and not items.filter(pk=value).exists():
            raise ValidationError(f"There is no catalog item {value}.")  # a draft is not there for this caller
        return value

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if (
            data.get("year_from") is not None
            and data.get("year_to") is not None
            and data["year_from"] > data["year_to"]
        ):
            self.add_error("year_to", "year_to must not be before year_from.")
        if "colors" in data and "color_weights" in data:
            try:
                data["palette"] = parse_palette(data["colors"], data["color_weights"])
            except ValidationError as exc:
                self.add_error("colors", exc)
        return data

    def to_query(self, *, images=()) -> SearchQuery:
        """The validated SearchQuery (call after is_valid())."""
        data = self.cleaned_data
        filters = Filters(
            colors=tuple(data["color"]),
            min_width=data["min_width"],
            min_height=data["min_height"],
            min_megapixels=data["min_megapixels"],
            orientation=data["orientation"] or None,
            formats=tuple(data["format"]),
            year_from=data["year_from"],
            year_to=data["year_to"],
            licenses=tuple(data["license"]),
            collection=data["collection"],
            added_since=data["added_since"] if self.staff else None,
            include_drafts=self.drafts,
        )
        return SearchQuery(
            text=data["q"],
            images=tuple(images),
            similar_to=data["similar_to"],
            region=data["region"],
            filters=filters,
            sort=data["sort"] or "relevance",
            page=data["page"] or 1,
            page_size=data["page_size"] or 24,
            kind=data["kind"] or None,
            palette=data.get("palette", ()),
        )
