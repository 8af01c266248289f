"""A TinEye MatchEngine-compatible API at /rest/, so existing MatchEngine and Match clients work unchanged.

Every answer is JSON: {"status": "ok"|"warn"|"fail", "error": [...], "method": "...", "result": [...]}.
Requests come as TinEye's clients send them: GET with query parameters when no file is sent, POST with files.
A URL that cannot be had is a "fail" in a 200 ("<url>: Failed to download file."), as MatchEngine answers.
"""

from __future__ import annotations

import json
import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

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
from webapp.rest.inputs import DownloadFailed, Params, load_url, query_image, query_source
from webapp.rest.metadata import ResultMetadata, parse_json
from webapp.rest.metadata import apply as apply_metadata
from webapp.rest.metadata import split as split_metadata

logger = logging.getLogger(__name__)

MAX_LIST = 1000
MAX_RESULTS = 1000


class CanUseMatchAPI(BasePermission):
    """Active staff, or users granted catalog.use_matchengine_api."""

    message = "This account may not use the /rest/ API; ask staff for the 'use MatchEngine API' permission."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_active and (user.is_staff or user.has_perm("catalog.use_matchengine_api")))


def envelope(
    method: str, result: list, errors: list[str] | None = None, status: int = 200, state: str | None = None
) -> Response:
    errors = errors or []
    state = state or ("ok" if not errors else ("warn" if status < 400 else "fail"))
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
        if isinstance(exc, LikenessError):  # a URL that did not download is a 200 "fail", as in MatchEngine
            return envelope(self.method_name, [], [str(exc)], exc.status_code, state="fail")
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response = envelope(self.method_name, [], [str(exc.detail)], 401)
            response["WWW-Authenticate"] = 'Basic realm="Likeness MatchEngine API"'
            return response
        if isinstance(exc, exceptions.APIException):
            detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
            return envelope(self.method_name, [], [str(detail)], exc.status_code)
        raise exc


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
        shared = parse_json(params.get("metadata"), "metadata")  # checked before any picture is read
        entries = self._entries(params)
        errors, added, statuses = [], [], []
        for number, (source_name, filepath) in entries:
            try:
                given = params.get(f"metadata[{number}]") if number is not None else None
                metadata = (parse_json(given, f"metadata[{number}]") if given is not None else shared) or {}
                source = params.files[source_name] if source_name in params.files else params.get(source_name)
                added.append(self._add(source, filepath, metadata))
            except DownloadFailed as exc:  # already says which URL
                errors.append(str(exc))
                statuses.append(exc.status_code)
            except LikenessError as exc:
                errors.append(f"{filepath}: {exc}")
                statuses.append(exc.status_code)
        if errors and not added:
            status = statuses[0] if len(set(statuses)) == 1 else 400
            return envelope("add", [], errors, status, state="fail")
        return envelope("add", [], errors)  # some added: "warn" with the failures listed

    get = post  # TinEye's clients add by URL with a GET and query parameters

    @staticmethod
    def _entries(params: Params) -> list[tuple[int | None, tuple[str, str]]]:
        """(batch number or None, (source field, filepath)) for the single or the batch form."""
        if params.has("image") or params.has("url"):
            if params.has("image") and params.has("url"):
                raise InvalidQuery("Give image or url, not both.")
            source = "image" if params.has("image") else "url"
            filepath = params.get("filepath")
            if not filepath:
                if source == "url":
                    raise InvalidQuery("filepath is required when adding by url.")
                filepath = params.files["image"].name
            return [(None, (source, filepath))]
        images, urls, filepaths = params.indexed("images"), params.indexed("urls"), params.indexed("filepaths")
        sources = images or urls
        if not sources:
            raise InvalidQuery("Give image (a file) or url, or the batch form images[n] or urls[n] with filepaths[n].")
        if len(sources) > settings.LIKENESS["MAX_BATCH_IMAGES"]:
            raise InvalidQuery(f"At most {settings.LIKENESS['MAX_BATCH_IMAGES']} images per add request.")
        entries: list[tuple[int | None, tuple[str, str]]] = []
        for number, field in sources.items():
            filepath = params.get(filepaths[number]) if number in filepaths else None
            if not filepath:
                if field in params.files:
                    filepath = params.files[field].name
                else:  # as TinEye's Image does: a URL's file name is its filepath
                    filepath = PurePosixPath(urlsplit(params.get(field) or "").path).name
                if not filepath:
                    raise InvalidQuery(f"filepaths[{number}] is required for urls[{number}].")
            entries.append((number, (field, filepath)))
        return entries

    @classmethod
    def _add(cls, source, filepath: str, metadata: dict) -> CatalogImage:
        if len(filepath) > 255:
            raise InvalidQuery("filepath is longer than 255 characters.")
        if "\x00" in filepath:
            raise InvalidQuery("filepath must not contain NUL characters.")
        loaded = load_url(None, source) if isinstance(source, str) else imaging.load_image(source)
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
            if metadata:  # adding again with metadata replaces it, as MulticolorEngine does
                apply_metadata(existing, metadata)
            ingest.replace_image(existing, loaded, PurePosixPath(filepath).name)
            return existing
        fields, kept = split_metadata(metadata)
        fields.setdefault("title", str(PurePosixPath(filepath).stem or filepath)[:300])
        return ingest.create_item(
            loaded, filename=PurePosixPath(filepath).name, identifier=filepath, status=Status.DRAFT,
            source_metadata=kept, **fields,
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
        asked = ResultMetadata(params)
        loaded = query_image(params, query_source(params), ImageBudget())
        # With a metadata query, read further down the matches: some of them it leaves out.
        wanted = offset + limit if asked.allowed is None else MAX_RESULTS
        matches = match_image(QueryImage(loaded), limit=wanted, min_score=min_score, mirrored=mirrored)
        if asked.allowed is not None:
            allowed = set(asked.allowed)
            matches = [m for m in matches if m.image_id in allowed]
        page = matches[offset : offset + limit]
        identifiers = dict(
            CatalogImage.objects.filter(pk__in=[m.image_id for m in page]).values_list("pk", "identifier")
        )
        page = [m for m in page if m.image_id in identifiers]
        result = [match_result(m, identifiers[m.image_id]) for m in page]
        return envelope("search", asked.rows(result, [m.image_id for m in page]))

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

    get = post  # TinEye's clients compare two URLs with a GET and query parameters
