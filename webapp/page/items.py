"""The item page (licence, palette, other versions) and thumbnails, for whoever may see the item."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalog.duplicates import copies_of
from catalog.models import CatalogImage
from catalog.thumbnails import SIZES, thumbnail_url
from catalog.visibility import sees_drafts, visible_items
from matching.errors import LikenessError
from matching.providers import SIMILAR
from search import service
from search.query import Filters, SearchQuery
from webapp.page.presentation import Outline

log = logging.getLogger(__name__)

VERSIONS_SHOWN = 12
SIMILAR_SHOWN = 12


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(visible_items(request.user).select_related("fingerprint"), pk=pk)
    versions, versions_error = other_versions(request, item)
    palette = getattr(getattr(item, "fingerprint", None), "palette", None) or []
    colors = [{"hex": hex_, "percent": round(share * 100), "name": name} for hex_, share, name in palette]
    similar = similar_pictures(request, item, {other.pk for other, _ in versions})
    # Arriving from a copy in the results: the part of this picture the visitor's picture shows.
    region = Outline.parse(request.GET.get("region", ""), item.width, item.height)
    context = {"item": item, "versions": versions, "versions_error": versions_error, "palette": colors,
               "similar": similar, "region": region}  # fmt: skip
    return render(request, "page/item.html", context)


def other_versions(request: HttpRequest, item: CatalogImage) -> tuple[list[tuple[CatalogImage, float]], str]:
    """Other versions of this picture that this visitor may see."""
    return copies_of(item, VERSIONS_SHOWN, among=visible_items(request.user))


def similar_pictures(request: HttpRequest, item: CatalogImage, versions: set[int]) -> list[CatalogImage]:
    """Other pictures in the catalog that look like this one (not its versions), most alike first."""
    filters = Filters(include_drafts=sees_drafts(request.user))
    query = SearchQuery(similar_to=item.pk, kind=SIMILAR, filters=filters, page_size=SIMILAR_SHOWN + len(versions))
    try:
        hits = service.search(query).hits
    except LikenessError as exc:
        log.warning("look-alikes of item %s not looked up: %s", item.pk, exc)
        return []
    return [hit.item for hit in hits if hit.item.pk not in versions][:SIMILAR_SHOWN]


@require_GET
@cache_control(max_age=86400)
def thumbnail(request: HttpRequest, pk: int, size: str) -> HttpResponse:
    if size not in SIZES:
        raise Http404("No such thumbnail size.")
    item = get_object_or_404(visible_items(request.user), pk=pk)
    try:
        return HttpResponseRedirect(thumbnail_url(item, size))
    except OSError as exc:  # the stored original is gone or unreadable: a gap in the grid, not a 500
        log.error("no thumbnail for item %s: %s", item.pk, exc)
        raise Http404("The image file of this item is missing.") from exc
