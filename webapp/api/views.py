"""The partner REST API under /api/v1/: search, catalog items, catalog sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from catalog import ingest
from catalog.models import CatalogImage
from catalog.visibility import sees_drafts, visible_items
from matching.errors import InvalidQuery, LikenessError
from matching.providers import box_json
from matching.safety import imaging
from matching.safety.budget import ImageBudget
from search import service
from search.forms import SearchForm
from search.query import SearchResults
from webapp import rates
from webapp.api.schema import search_parameters
from webapp.api.serializers import ItemSerializer, ItemWriteSerializer, SearchResponseSerializer

SEARCH_PARAMETERS = search_parameters()


class PartnerPermission(permissions.BasePermission):
    """Reading is open; writing needs the model permission for the method, or staff."""

    perms = {"POST": "catalog.add_catalogimage", "PUT": "catalog.change_catalogimage",
             "PATCH": "catalog.change_catalogimage", "DELETE": "catalog.delete_catalogimage"}  # fmt: skip

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return user.is_staff or user.has_perm(self.perms.get(request.method or "", "-"))


def form_fields(request: Request) -> QueryDict:
    """The request's form fields without its files (copying uploads would copy, or fail to pickle, their data)."""
    result = QueryDict(mutable=True)
    data = request.data
    assert not isinstance(data, list)  # the form parsers give a QueryDict (a dict when there is no body)
    for key in data:
        if key in request.FILES:
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else data[key]
        result.setlist(key, values if isinstance(values, list) else [values])
    return result


def with_query_string(data: QueryDict, query: QueryDict) -> QueryDict:
    """A POST's form fields and its query string's parameters together: a filter in the address is applied,
    never ignored; the same parameter given differently in both is a 400 naming it."""
    for key in query:
        if key in data and data.getlist(key) != query.getlist(key):
            raise InvalidQuery(f"{key} is given both in the address and in the form, with different values.")
        data.setlist(key, query.getlist(key))
    return data


def search_error_response(exc: LikenessError) -> Response:
    return Response({"detail": str(exc)}, status=exc.status_code)


class NoFormatOverride:
    """DRF's settings, except that no query parameter switches the output format."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str):
        return getattr(api_settings, name)


class FormatIsAFilter(DefaultContentNegotiation):
    """`format` is the search filter by file format here (as on the page), never DRF's output switch."""

    # DRF's stubs type URL_FORMAT_OVERRIDE as str; None turns the override off, as DRF documents.
    settings = NoFormatOverride()  # type: ignore[assignment]


if TYPE_CHECKING:
    _APIViewMixin = APIView  # PartnerView is mixed into API views: type-checked as one
else:
    _APIViewMixin = object


class PartnerView(_APIViewMixin):
    """Shared: throttles, permissions, errors from search as JSON with the right status."""

    permission_classes = [PartnerPermission]
    throttle_classes = [rates.AnonThrottle, rates.ScopedThrottle]
    content_negotiation_class = FormatIsAFilter

    def handle_exception(self, exc):
        if isinstance(exc, LikenessError):
            return search_error_response(exc)
        if isinstance(exc, DjangoValidationError):  # model validation of metadata: per-field messages
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    def run_search(self, request: Request, data: QueryDict, images=()) -> SearchResults:
        staff = bool(request.user and request.user.is_staff)
        form = SearchForm(data, drafts=sees_drafts(request.user), staff=staff)
        if not form.is_valid():
            # django-stubs say an ErrorList holds ValidationErrors too; iterating it gives their messages.
            raise exceptions.ValidationError({field: list(errors) for field, errors in form.errors.items()})  # type: ignore[arg-type]
        return service.search(form.to_query(images=images))

    def page_url(self, request: Request, page: int | None) -> str | None:
        if page is None:
            return None
        params = request.query_params.copy()
        params["page"] = str(page)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    def results_response(self, request: Request, results: SearchResults) -> Response:
        hits = []
        items = ItemSerializer([hit.item for hit in results.hits], many=True, context={"request": request}).data
        for hit, item in zip(results.hits, items, strict=True):
            row = dict(item)
            row["score"] = round(hit.score, 3)
            row["similarity"] = hit.similarity
            row["color_score"] = hit.color_score
            row["match"] = None
            if hit.match is not None:
                row["match"] = {
                    "kind": hit.match.kind,
                    "method": hit.match.details.get("method", ""),
                    "query_overlap_percent": hit.match.query_overlap,
                    "target_overlap_percent": hit.match.target_overlap,
                    "orientation": hit.match.details.get("orientation", 0),
                    "mirrored": hit.match.details.get("mirrored", False),
                    "query_box": box_json(hit.match.query_box),
                    "target_box": box_json(hit.match.target_box),
                }
            hits.append(row)
        facets = {name: [{"value": f.value, "count": f.count, "label": f.label} for f in values]
                  for name, values in results.facets.items()}  # fmt: skip
        return Response({
            "count": results.total,
            "next": self.page_url(request, results.page + 1 if results.has_next else None),
            "previous": self.page_url(request, results.page - 1 if results.has_previous else None),
            "unknown_year_excluded": results.unknown_year_excluded,
            "results": hits,
            "facets": facets,
        })  # fmt: skip


class SearchView(PartnerView, APIView):
    """Search by words, images and filters: GET with the canonical parameters, POST to send images."""

    throttle_scope = "search"
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [permissions.AllowAny]  # a POST here only reads: it carries query images

    @extend_schema(parameters=SEARCH_PARAMETERS, responses=SearchResponseSerializer, operation_id="search")
    def get(self, request: Request) -> Response:
        return self.results_response(request, self.run_search(request, request.query_params))

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {
            "image": {"type": "array", "items": {"type": "string", "format": "binary"}},
            "url": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "region": {"type": "string", "description": "x,y,w,h in relative coordinates"},
            "q": {"type": "string"}}}},
        responses=SearchResponseSerializer, operation_id="search_by_image",
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        data = with_query_string(form_fields(request), request.query_params)
        sources = [*request.FILES.getlist("image"), *(url for url in data.pop("url", []) if url)]
        images = ImageBudget().load_all(sources)  # a few images, and a bounded number of pixels in all
        return self.results_response(request, self.run_search(request, data, images))


class PagedSearchSchema(AutoSchema):
    """Our list answers one object (count, next, results, facets), not a bare array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class PartnerRows(PartnerView):
    """Shared by the viewsets of rows: ids that fit 64 bits, reads throttled as searches and changes as writes."""

    lookup_value_regex = r"[0-9]{1,18}"  # never more than a 64-bit id holds

    def get_throttles(self):
        self.throttle_scope = "search" if self.request.method in permissions.SAFE_METHODS else "writes"
        return super().get_throttles()


class ItemViewSet(PartnerRows, viewsets.ViewSet):
    """Catalog items: list and read for everybody, create/update/delete for partners with write access."""

    schema = PagedSearchSchema()
    parser_classes = [MultiPartParser, FormParser]
    queryset = CatalogImage.objects.none()  # only tells the schema generator the type of {id}

    def visible(self, request: Request):
        """Published items; drafts too for staff and partners who may change the catalog."""
        return visible_items(request.user).select_related("fingerprint")

    def get_item(self, request: Request, pk: str) -> CatalogImage:
        if not str(pk).isdigit():
            raise exceptions.NotFound("No such item.")
        item = self.visible(request).filter(pk=int(pk)).first()
        if item is None:
            raise exceptions.NotFound("No such item.")
        return item

    @extend_schema(parameters=SEARCH_PARAMETERS, responses=SearchResponseSerializer, operation_id="items_list")
    def list(self, request: Request) -> Response:
        return self.results_response(request, self.run_search(request, request.query_params))

    @extend_schema(responses=ItemSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ItemSerializer(self.get_item(request, pk), context={"request": request}).data)

    @extend_schema(
        parameters=[p for p in SEARCH_PARAMETERS if p.name in ("sort", "page", "page_size")],
        responses=SearchResponseSerializer,
    )
    @action(detail=True, methods=["get"])
    def similar(self, request: Request, pk: str) -> Response:
        item = self.get_item(request, pk)
        data = request.query_params.copy()
        data["similar_to"] = str(item.pk)
        return self.results_response(request, self.run_search(request, data))

    @extend_schema(request=ItemWriteSerializer, responses={201: ItemSerializer})
    def create(self, request: Request) -> Response:
        writer = ItemWriteSerializer(data=request.data)
        writer.is_valid(raise_exception=True)
        loaded = imaging.load_image(writer.validated_data.get("image") or writer.validated_data["image_url"])
        fields = writer.metadata()
        try:
            item = ingest.create_item(
                loaded, filename=getattr(writer.validated_data.get("image"), "name", ""), **fields
            )
        except IntegrityError:  # another request took the identifier between validation and the insert
            raise exceptions.ValidationError({"identifier": ["An item with this identifier exists already."]}) from None
        # Whoever created the item sees it, drafts included (an add-only partner sees no other drafts).
        item = CatalogImage.objects.select_related("creator", "collection", "fingerprint").get(pk=item.pk)
        return Response(ItemSerializer(item, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ItemWriteSerializer, responses=ItemSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        item = self.get_item(request, pk)
        writer = ItemWriteSerializer(item, data=request.data, partial=True)
        writer.is_valid(raise_exception=True)
        source = writer.validated_data.get("image") or writer.validated_data.get("image_url")
        loaded = imaging.load_image(source) if source else None  # decoded before anything changes
        with transaction.atomic():
            for name, value in writer.metadata().items():
                setattr(item, name, value)
            item.full_clean(exclude=["image"])
            if loaded is not None:
                ingest.replace_image(item, loaded, getattr(writer.validated_data.get("image"), "name", ""))
            else:
                item.save()
        item = self.visible(request).get(pk=item.pk)
        return Response(ItemSerializer(item, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        self.get_item(request, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
