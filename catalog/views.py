"""Public pages of the catalog."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalog.models import CatalogImage
from catalog.thumbnails import SIZES, thumbnail_url


def visible_items(request: HttpRequest):
    """Published items for everybody; staff also see drafts."""
    items = CatalogImage.objects.select_related("creator", "collection")
    return items if request.user.is_staff else items.published()


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(visible_items(request), 24).get_page(request.GET.get("page"))
    return render(request, "catalog/home.html", {"page": page})


@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(visible_items(request), pk=pk)
    return render(request, "catalog/item.html", {"item": item})


@require_GET
@cache_control(max_age=86400)
def thumbnail(request: HttpRequest, pk: int, size: str) -> HttpResponse:
    if size not in SIZES:
        raise Http404("No such thumbnail size.")
    item = get_object_or_404(visible_items(request), pk=pk)
    return HttpResponseRedirect(thumbnail_url(item, size))
