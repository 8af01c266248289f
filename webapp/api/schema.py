"""The search parameters as the OpenAPI schema lists them, read from SearchForm: the form is the one definition."""

from __future__ import annotations

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from search.forms import ListField, SearchForm

TYPES = {  # FloatField is a subclass of IntegerField in Django: it comes first
    forms.FloatField: OpenApiTypes.FLOAT,
    forms.IntegerField: OpenApiTypes.INT,
    forms.DateTimeField: OpenApiTypes.DATETIME,
}


def parameter(name: str, field: forms.Field) -> OpenApiParameter:
    kind = next((kind for cls, kind in TYPES.items() if isinstance(field, cls)), OpenApiTypes.STR)
    enum = None
    if isinstance(field, forms.ChoiceField):
        # django-stubs type the getter as any accepted input; Django has normalised the choices to pairs.
        enum = [str(value) for value, _ in field.choices if value != ""]  # type: ignore[misc, union-attr]
    return OpenApiParameter(
        name,
        kind,
        many=isinstance(field, forms.MultipleChoiceField | ListField),
        enum=enum,
        description=str(field.help_text or ""),
    )


def search_parameters() -> list[OpenApiParameter]:
    """One OpenAPI query parameter per SearchForm field, with its type, choices and help text."""
    return [parameter(name, field) for name, field in SearchForm.base_fields.items()]
