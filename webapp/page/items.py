"""The item page (licence, palette, other versions) and its renditions, for whoever may see the item;
originals through signed links."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from catalog import originals, renditions
from catalog.duplicates import copies_of
from catalog.models import CatalogImage, Status
from catalog.visibility import sees_drafts, visible_items
from matching.algorithms.color_signature import MAX_COLORS, parse_hex
from matching.errors import LikenessError
from matching.providers import SIMILAR
from search import service
from search.query import Filters, SearchQuery
from webapp.media import original_response, rendition_response
from webapp.page.palette import shares
from webapp.page.presentation import Outline

log = logging.getLogger(__name__)

VERSIONS_SHOWN = 12
SIMILAR_SHOWN = 12


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(visible_items(request.user).select_related("fingerprint"), pk=pk)
    versions, versions_error = other_versions(request, item)
    palette = getattr(getattr(item, "fingerprint", None), "palette", None) or []
    colors = named_colors(palette)
    similar = similar_pictures(request, item, {other.pk for other, _ in versions})
    # Arriving from a copy in the results: the part of this picture the visitor's picture shows.
    region = Outline.parse(request.GET.get("region", ""), item.width, item.height)
    context = {"item": item, "versions": versions, "versions_error": versions_error, "palette": colors,
               "all_colors_url": search_by(colors) if len(colors) > 1 else "", "similar": similar,
               "region": region}  # fmt: skip
    return render(request, "page/item.html", context)


def named_colors(palette: list) -> list[dict]:
    """The palette by colour name, each name once with its whole share (two blues are one "blue"), largest
    first; a name's swatch is its largest part."""
    named: dict[str, dict] = {}
    for hex_, share, name in sorted(palette, key=lambda color: -color[1]):
        if name in named:
            named[name]["share"] += share
        else:
            named[name] = {"hex": hex_, "share": share, "name": name}
    ordered = sorted(named.values(), key=lambda color: -color["share"])
    return [{**color, "percent": round(color["share"] * 100), "search": search_by([color])} for color in ordered]


def search_by(colors: list[dict]) -> str:
    """The search page's URL for these palette colours (at most five), weighted by their shares."""
    chosen = colors[:MAX_COLORS]
    weights = shares([color["share"] for color in chosen]) if len(chosen) > 1 else []
    params = QueryDict(mutable=True)
    params.setlist("colors", [parse_hex(color["hex"]) for color in chosen])
    params.setlist("color_weights", [str(weight) for weight in weights])
    return f"{reverse('page:search')}?{params.urlencode()}"


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


# Links made before the preview replaced the unwatermarked large thumbnail keep working.
RENDITION_ALIASES = {"large": renditions.PREVIEW}


@require_GET
def thumbnail(request: HttpRequest, pk: int, size: str) -> HttpResponseBase:
    """A rendition (small, medium or the watermarked preview) of an item this visitor may see."""
    kind = RENDITION_ALIASES.get(size, size)
    if kind not in renditions.KINDS:
        raise Http404("No such rendition.")
    item = get_object_or_404(visible_items(request.user).select_related("collection", "creator"), pk=pk)
    try:
        name = renditions.ensure(item, kind)
    except OSError as exc:  # the stored original is gone or unreadable: a gap in the grid, not a 500
        log.error("no %s for item %s: %s", kind, item.pk, exc)
        raise Http404("The image file of this item is missing.") from exc
    return rendition_response(default_storage, name, public=item.status == Status.PUBLISHED)


@require_GET
def original(request: HttpRequest, token: str) -> HttpResponseBase:
    """The original file behind a signed link (catalog.originals), or a page that says why not."""
    try:
        item = originals.item_for(token)
    except originals.LinkRefused as exc:
        return render(request, "page/link_refused.html", {"reason": str(exc)}, status=exc.status)
    return original_response(item)
