"""A TinEye MatchEngine-compatible API at /rest/, so existing MatchEngine and Match clients work unchanged.

Every answer is JSON: {"status": "ok"|"warn"|"fail", "error": [...], "method": "...", "result": [...]}.
"""

from __future__ import annotations

import json
import logging
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import ingest
from catalog.models import CatalogImage, Status
from matching.errors import InvalidQuery, LikenessError
from matching.providers import Match, box_json, compare_images, get_provider, match_image
from matching.query import QueryImage
from matching.safety import imaging
from matching.safety.budget import ImageBudget
from webapp.auth import CachedBasicAuthentication, CheckedTokenAuthentication
from webapp.rest.inputs import Params, query_image, query_source

logger = logging.getLogger(__name__)

MAX_LIST = 1000
MAX_RESULTS = 1000


class CanUseMatchAPI(BasePermission):
    """Active staff, or users granted catalog.use_matchengine_api."""

    message = "This account may not use the /rest/ API; ask staff for the 'use MatchEngine API' permission."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_active and (user.is_staff or user.has_perm("catalog.use_matchengine_api")))


def envelope(method: str, result: list, errors: list[str] | None = None, status: int = 200) -> Response:
    errors = errors or []
    state = "ok" if not errors else ("warn" if status < 400 else "fail")
    return Response({"status": state, "error": errors, "method": method, "result": result}, status=status)


class MatchEngineView(APIView):
    """Base: authentication, form input, JSON output, and every error in the MatchEngine shape."""

    method_name = ""
    schema = None  # a compatibility API with its own contract (README); not part of the OpenAPI schema
    authentication_classes = [CachedBasicAuthentication, CheckedTokenAuthentication]
    permission_classes = [CanUseMatchAPI]
    parser_classes = [MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer]

    def params(self, request: Request) -> Params:
        data = request.data
        assert not isinstance(data, list)  # the form parsers give a QueryDict (a dict when there is no body)
        return Params(data, request.query_params, request.FILES)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, LikenessError):
            return envelope(self.method_name, [], [str(exc)], exc.status_code)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response = envelope(self.method_name, [], [str(exc.detail)], 401)
            response["WWW-Authenticate"] = 'Basic realm="Likeness MatchEngine API"'
            return response
        if isinstance(exc, exceptions.APIException):
            detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
            return envelope(self.method_name, [], [str(detail)], exc.status_code)
        raise exc


def has_nul(value) -> bool:
    """Whether a JSON value holds a NUL character in any string or key."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(map(has_nul, value))
    return False


def match_result(match: Match, filepath: str | None = None) -> dict:
    row = {
        "score": match.score,
        "match_percent": round(100 * float(match.details.get("similarity", match.score / 100)), 2),
        "query_overlap_percent": match.query_overlap,
        "target_overlap_percent": match.target_overlap,
        "query_box": box_json(match.query_box),
        "target_box": box_json(match.target_box),
    }
    return {"filepath": filepath, **row} if filepath is not None else row


class AddView(MatchEngineView):
    method_name = "add"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        metadata = self._metadata(params.get("metadata"))
        entries = self._entries(params)
        errors, added, status = [], [], 400
        for source_name, filepath in entries:
            try:
                source = params.files[source_name] if source_name in params.files else params.get(source_name)
                added.append(self._add(source, filepath, metadata))
            except LikenessError as exc:
                errors.append(f"{filepath}: {exc}")
                status = exc.status_code if len(entries) == 1 else 400
        if errors and not added:
            return envelope("add", [], errors, status)
        return envelope("add", [], errors)  # some added: "warn" with the failures listed

    @staticmethod
    def _metadata(raw: str | None) -> dict:
        if not raw:
            return {}
        try:
            metadata = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidQuery(f"metadata must be JSON: {exc.msg} at position {exc.pos}.") from None
        if not isinstance(metadata, dict):
            raise InvalidQuery("metadata must be a JSON object.")
        if has_nul(metadata):  # PostgreSQL's JSON cannot hold NUL, and no metadata needs it
            raise InvalidQuery("metadata must not contain NUL characters.")
        return metadata

    @staticmethod
    def _entries(params: Params) -> list[tuple[str, str]]:
        """(source field, filepath) for the single or the batch form."""
        if params.has("image") or params.has("url"):
            if params.has("image") and params.has("url"):
                raise InvalidQuery("Give image or url, not both.")
            source = "image" if params.has("image") else "url"
            filepath = params.get("filepath")
            if not filepath:
                if source == "url":
                    raise InvalidQuery("filepath is required when adding by url.")
                filepath = params.files["image"].name
            return [(source, filepath)]
        images, urls, filepaths = params.indexed("images"), params.indexed("urls"), params.indexed("filepaths")
        sources = images or urls
        if not sources:
            raise InvalidQuery("Give image (a file) or url, or the batch form images[n] or urls[n] with filepaths[n].")
        if len(sources) > settings.LIKENESS["MAX_BATCH_IMAGES"]:
            raise InvalidQuery(f"At most {settings.LIKENESS['MAX_BATCH_IMAGES']} images per add request.")
        entries = []
        for number, field in sources.items():
            filepath = params.get(filepaths[number]) if number in filepaths else None
            if not filepath:
                if field in params.files:
                    filepath = params.files[field].name
                else:
                    raise InvalidQuery(f"filepaths[{number}] is required for urls[{number}].")
            entries.append((field, filepath))
        return entries

    @classmethod
    def _add(cls, source, filepath: str, metadata: dict) -> CatalogImage:
        if len(filepath) > 255:
            raise InvalidQuery("filepath is longer than 255 characters.")
        if "\x00" in filepath:
            raise InvalidQuery("filepath must not contain NUL characters.")
        loaded = imaging.load_image(source)
        try:
            return cls._add_or_replace(loaded, filepath, metadata)
        except (IntegrityError, ValidationError) as exc:
            # Another request added this filepath since we looked: overwrite it, as MatchEngine does. Its
            # row shows up either in the item's uniqueness check (committed before it) or at the insert.
            if isinstance(exc, ValidationError) and not identifier_taken(exc):
                raise
            return cls._add_or_replace(loaded, filepath, metadata)

    @staticmethod
    @transaction.atomic
    def _add_or_replace(loaded, filepath: str, metadata: dict) -> CatalogImage:
        existing = CatalogImage.objects.select_for_update().filter(identifier=filepath).first()
        if existing is not None:
            ingest.replace_image(existing, loaded, PurePosixPath(filepath).name)
            return existing
        title = str(metadata.get("title") or PurePosixPath(filepath).stem or filepath)[:300]
        return ingest.create_item(
            loaded, filename=PurePosixPath(filepath).name, identifier=filepath, title=title,
            status=Status.DRAFT, source_metadata=metadata,
        )  # fmt: skip


def identifier_taken(exc: ValidationError) -> bool:
    """Whether a new item failed validation because its identifier is already in the catalog."""
    return any(error.code == "unique" for error in getattr(exc, "error_dict", {}).get("identifier", []))


class DeleteView(MatchEngineView):
    method_name = "delete"

    def delete(self, request: Request) -> Response:
        params = self.params(request)
        filepaths = [params.get(field) for field in params.indexed("filepaths").values()]
        if params.has("filepath"):
            filepaths.insert(0, params.get("filepath"))
        if not filepaths:
            raise InvalidQuery("Give filepath, or filepaths[n], of the images to delete.")
        errors = []
        for filepath in filepaths:
            deleted, _ = CatalogImage.objects.filter(identifier=filepath).delete()
            if not deleted:
                errors.append(f"{filepath}: not in the collection.")
        if errors and len(errors) == len(filepaths):
            return envelope("delete", [], errors, 404)
        return envelope("delete", [], errors)

    post = delete
    get = delete  # TinEye's own (deprecated) Python client deletes with GET and query parameters


class ListView(MatchEngineView):
    method_name = "list"

    def get(self, request: Request) -> Response:
        params = self.params(request)
        offset = params.integer("offset", 0)
        limit = params.integer("limit", 20, low=0, high=MAX_LIST)
        filepaths = CatalogImage.objects.order_by("pk").values_list("identifier", flat=True)[offset : offset + limit]
        return envelope("list", list(filepaths))


class CountView(MatchEngineView):
    method_name = "count"

    def get(self, request: Request) -> Response:
        return envelope("count", [get_provider().count()])


class PingView(MatchEngineView):
    method_name = "ping"

    def get(self, request: Request) -> Response:
        return envelope("ping", [])


class SearchView(MatchEngineView):
    method_name = "search"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        min_score = params.number("min_score", 0)
        offset = params.integer("offset", 0)
        limit = params.integer("limit", 10, low=0, high=MAX_RESULTS)
        mirrored = params.boolean("check_horizontal_flip", False)
        loaded = query_image(params, query_source(params), ImageBudget())
        matches = match_image(QueryImage(loaded), limit=offset + limit, min_score=min_score, mirrored=mirrored)
        page = matches[offset : offset + limit]
        identifiers = dict(
            CatalogImage.objects.filter(pk__in=[m.image_id for m in page]).values_list("pk", "identifier")
        )
        result = [match_result(m, identifiers[m.image_id]) for m in page if m.image_id in identifiers]
        return envelope("search", result)

    get = post


class CompareView(MatchEngineView):
    method_name = "compare"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        min_score = params.number("min_score", 0)
        mirrored = params.boolean("check_horizontal_flip", False)
        fields = query_source(params, "1"), query_source(params, "2")
        budget = ImageBudget()
        first, second = query_image(params, fields[0], budget), query_image(params, fields[1], budget)
        found = compare_images(QueryImage(first), QueryImage(second), mirrored=mirrored)
        if found is None or found.score < min_score:
            return envelope("compare", [])
        return envelope("compare", [match_result(found)])
