"""The canonical search parameters (shared by the page and the API), validated into a SearchQuery."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import CatalogImage, LicenseType
from catalog.years import MAX_YEAR, MIN_YEAR
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


class UpperMultipleChoiceField(forms.MultipleChoiceField):
    """Choices compared case-insensitively (format=jpeg is format=JPEG)."""

    def to_python(self, value):
        return [str(v).upper() for v in super().to_python(value)]


class SearchForm(forms.Form):
    """GET parameters: q, color, min_width, min_height, min_megapixels, orientation, format, year_from,
    year_to, license, collection, sort, page, page_size, similar_to (and region for image queries)."""

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
        )
