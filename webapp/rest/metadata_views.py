"""MulticolorEngine's metadata methods at /rest/: update_metadata, get_metadata, get_search_metadata,
get_return_metadata (count_metadata sits with the colour methods, whose selections it shares). As TinEye's
clients send them: GET with filepaths[i], metadata[i]; metadata as JSON, mapped onto the catalog's fields as
webapp.rest.metadata says."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import CatalogImage
from matching.errors import InvalidQuery
from webapp.rest import metadata
from webapp.rest.inputs import Params
from webapp.rest.views import MatchEngineView, envelope

MAX_FILEPATHS = 1000


def filepaths_of(params: Params) -> list[str]:
    filepaths = params.listed("filepaths")
    if not filepaths:
        raise InvalidQuery("Give the images as filepaths[0], filepaths[1]...")
    if len(filepaths) > MAX_FILEPATHS:
        raise InvalidQuery(f"At most {MAX_FILEPATHS} filepaths per request.")
    return filepaths


def missing(filepaths: list[str], found: dict[str, CatalogImage]) -> list[str]:
    return [f"{filepath}: not in the collection." for filepath in filepaths if filepath not in found]


def by_filepath(filepaths: list[str]) -> dict[str, CatalogImage]:
    items = CatalogImage.objects.select_related("creator", "collection").filter(identifier__in=filepaths)
    return {item.identifier: item for item in items}


class UpdateMetadataView(MatchEngineView):
    method_name = "update_metadata"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        filepaths = filepaths_of(params)
        given = params.listed("metadata")
        if len(given) != len(filepaths):
            raise InvalidQuery("Please specify the same number of metadata as filepaths.")
        updates = [metadata.parse_json(raw, f"metadata[{n}]") or {} for n, raw in enumerate(given)]
        with transaction.atomic():
            found = {item.identifier: item for item in
                     CatalogImage.objects.select_for_update().filter(identifier__in=filepaths)}  # fmt: skip
            for filepath, update in zip(filepaths, updates, strict=True):
                if filepath in found:
                    metadata.apply(found[filepath], update)
                    try:
                        found[filepath].full_clean(exclude=["image"])
                    except ValidationError as exc:  # the catalog's own rules (a year's range...): bad input
                        raise InvalidQuery(f"{filepath}: {' '.join(exc.messages)}") from None
                    found[filepath].save()
        errors = missing(filepaths, found)
        if errors and len(errors) == len(filepaths):
            return envelope(self.method_name, [], errors, 404)
        return envelope(self.method_name, [], errors)

    get = post


class GetMetadataView(MatchEngineView):
    method_name = "get_metadata"

    def get(self, request: Request) -> Response:
        filepaths = filepaths_of(self.params(request))
        found = by_filepath(filepaths)
        result = [{"filepath": fp, "metadata": metadata.tree(found[fp])} for fp in filepaths if fp in found]
        errors = missing(filepaths, found)
        return envelope(self.method_name, result, errors, 404 if errors and not result else 200)

    post = get


class SummaryView(MatchEngineView):
    action = "search"

    def get(self, request: Request) -> Response:
        found = metadata.summary(self.action)
        if not found:  # as MulticolorEngine: a warning, not an error, for a collection with no such metadata
            return envelope(self.method_name, [], [f"Failed to get the {self.action} metadata from index."])
        return envelope(self.method_name, [{"metadata": found}])

    post = get


class GetSearchMetadataView(SummaryView):
    method_name = "get_search_metadata"
    action = "search"


class GetReturnMetadataView(SummaryView):
    method_name = "get_return_metadata"
    action = "return"
