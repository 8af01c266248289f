"""The search page: words and a query image in one bar, filters beside the results."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from catalog.models import CatalogImage, Collection
from catalog.visibility import sees_drafts, visible_items
from matching.errors import InvalidQuery, LikenessError, ProviderError
from matching.safety.budget import ImageBudget
from matching.safety.imaging import LoadedImage
from search import service, spelling
from search.forms import SearchForm
from search.query import Filters, SearchQuery, SearchResults
from webapp.identity.models import current
from webapp.page import home, palette, query_images
from webapp.page import presentation as page

log = logging.getLogger(__name__)

IMAGE_UNAVAILABLE = "Image search is unavailable right now; the results below use your words and filters only."
IMAGE_EXPIRED = "The query image has expired. Drop it again to search by it."


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    canonical = palette.canonical_url(request.GET)  # a colour added, or weights rescaled to add up to 100
    if canonical is not None:
        return redirect(f"{reverse('page:search')}{canonical}")
    return render_search(request, request.GET)


@require_POST
def upload_query_image(request: HttpRequest) -> HttpResponse:
    """Take a query image (file or URL), keep it under a token, and go to the search for it.

    Answers JSON for the page's script ({token, search_url} or {detail} with a 4xx), and a redirect
    (or the page with the error in the bar) for a plain form post.
    """
    wants_json = "application/json" in request.headers.get("Accept", "")
    params = QueryDict(mutable=True)
    for name in ("q", "sort"):
        if request.POST.get(name):
            params[name] = request.POST[name]
    try:
        loaded = read_upload(request)
    except LikenessError as exc:
        if wants_json:
            return JsonResponse({"detail": str(exc)}, status=exc.status_code)
        return render_search(request, params, image_error=str(exc), status=exc.status_code)
    token = params["image"] = query_images.stash(loaded)
    match_original(token, loaded)
    search_url = f"{reverse('page:search')}?{params.urlencode()}"
    if wants_json:
        preview = reverse("page:query-image", args=[token])
        return JsonResponse({"token": token, "search_url": search_url, "preview": preview,
                             "width": loaded.width, "height": loaded.height})  # fmt: skip
    return redirect(search_url)


def match_original(token: str, loaded: LoadedImage) -> None:
    """Match the uploaded file itself, not the reduced copy kept for later searches, so that the page finds
    what the partner API finds for the same file; a failure here is left for the search page to report."""
    key = query_images.candidates_key(token, None, None, None)
    version = service.candidates_version()
    try:
        query_images.keep_candidates(key, version, service.image_candidates(SearchQuery(images=(loaded,))))
    except ProviderError as exc:
        log.warning("matching a new query image failed; the search page will try again: %s", exc)


def read_upload(request: HttpRequest) -> LoadedImage:
    if "image" in request.FILES:
        return ImageBudget().load(request.FILES["image"])
    url = request.POST.get("url", "").strip()
    if url:
        return ImageBudget().load(url)
    raise InvalidQuery("Choose an image file, drop one on the page, or paste the address of an image.")


@require_GET
@cache_control(private=True, max_age=3600)
def query_image(request: HttpRequest, token: str) -> HttpResponse:
    """The kept copy of a query image, for the chip in the bar and the region selector."""
    data = query_images.preview(token)
    if data is None:
        return HttpResponse(IMAGE_EXPIRED, status=404, content_type="text/plain")
    return HttpResponse(data, content_type="image/jpeg")


def render_search(request: HttpRequest, params: QueryDict, *, image_error: str = "", status: int = 200) -> HttpResponse:
    form = SearchForm(params, drafts=sees_drafts(request.user))
    token = params.get("image", "")
    size = query_images.facts(token) if token else None
    if token and size is None:
        image_error, token = image_error or IMAGE_EXPIRED, ""
    context: dict[str, Any] = {"form": form, "params": params, "token": token, "notice": "", "image_error": image_error,
               "results": None, "cards": [], "similar_item": None}  # fmt: skip
    if form.is_valid():
        query = form.to_query()
        try:
            context["results"], context["notice"] = run_search(query, token)
        except LikenessError as exc:
            context["notice"], status = str(exc), exc.status_code
        if query.similar_to is not None:
            context["similar_item"] = visible_items(request.user).filter(pk=query.similar_to).first()
        if context["results"] is not None:
            pixels = query_pixels(query, size, context["similar_item"])
            context["cards"] = page.cards(context["results"], pixels)
            context["groups_of_cards"] = page.groups(context["cards"])
    else:
        status = max(status, 400)
    context["groups"] = page.filter_groups(context["results"], params)
    chosen = form.cleaned_data.get("collection")  # the form was validated above
    collection = Collection.objects.filter(pk=chosen).first() if chosen else None
    context["chips"] = page.filter_chips(params, context["similar_item"], collection) + palette.chips(params)
    picked = form.cleaned_data.get("palette", ()) if form.is_valid() else ()
    context["picker"] = palette.picker(params, picked)
    context["region_presets"] = page.region_presets(params) if token else []
    context["has_filters"] = bool(context["chips"])
    context["urls"] = {
        "remove_image": page.url_for(params, drop=("image", None), region=None),
        "whole_image": page.url_for(params, region=None),
        "remove_words": page.url_for(params, q=None),
        "clear_filters": page.url_for(params, drop=None, **dict.fromkeys(page.FILTER_PARAMS)),
    }
    results: SearchResults | None = context["results"]
    context.update(around_results(request, params, form, results, token))
    if results is not None and results.total and not context["home"]:
        context["strip"] = results_strip(form.to_query(), token, params, picked, results.total)
    if results is not None:
        context["previous_url"] = page.url_for(params, page=results.page - 1) if results.has_previous else ""
        context["next_url"] = page.url_for(params, page=results.page + 1) if results.has_next else ""
    return render(request, "page/search.html", context, status=status)


def run_search(query: SearchQuery, token: str = "") -> tuple[SearchResults | None, str]:
    """Results and a notice; when image matching fails, words and filters still answer.

    The image candidates of a kept query image (or of `similar_to`) are kept with it: a filter click
    or the next page reuses them instead of decoding and matching the image again.
    """
    try:
        if not token and query.similar_to is None:
            return service.search(query), ""
        key = query_images.candidates_key(token, query.similar_to, query.region, query.kind)
        version = service.candidates_version()
        scores = query_images.kept_candidates(key, version)
        if scores is None:
            loaded = query_images.fetch(token) if token else None
            if token and loaded is None:
                raise InvalidQuery(IMAGE_EXPIRED)  # expired between two reads of the cache
            scores = service.image_candidates(dataclasses.replace(query, images=(loaded,) if loaded else ()))
            query_images.keep_candidates(key, version, scores)
        return service.search(query, image_scores=scores), ""
    except ProviderError as exc:
        log.warning("image search failed, answering with words and filters only: %s", exc)
        if not query.text and not has_filters(query) and not query.palette:
            return None, "Image search is unavailable right now. Try again in a minute, or search by words."
        return service.search(dataclasses.replace(query, images=(), similar_to=None, region=None)), IMAGE_UNAVAILABLE


STRIP_SAMPLE = 240  # the first results (ten pages) whose colours the strip shows


def results_strip(query: SearchQuery, token: str, params: QueryDict, picked, total: int) -> palette.Strip | None:
    """The dominant colours of the current results, from their first STRIP_SAMPLE (the image candidates of a
    query image are kept, so this reads no image again)."""
    try:
        sample, _ = run_search(dataclasses.replace(query, page=1, page_size=STRIP_SAMPLE), token)
    except LikenessError as exc:
        log.warning("the colours of a result set were not worked out: %s", exc)
        return None
    if sample is None:
        return None
    return palette.strip(params, picked, [hit.item.pk for hit in sample.hits], total)


def around_results(request: HttpRequest, params: QueryDict, form: SearchForm, results: SearchResults | None,
                   token: str) -> dict[str, Any]:  # fmt: skip
    """The home page's collections before anything is asked; "did you mean" when words alone found nothing."""
    extra: dict[str, Any] = {"home": home.is_home(params)}
    if extra["home"]:
        extra["featured"] = home.featured_collections(request, current(request))
    words_only = form.is_valid() and not token and form.cleaned_data["similar_to"] is None
    if results is not None and results.total == 0 and words_only:
        extra["suggestion"] = did_you_mean(form.to_query(), params)
    return extra


def did_you_mean(query: SearchQuery, params: QueryDict) -> dict | None:
    """A words search that found nothing: the same search with the closest catalog words, when it finds something."""
    text = spelling.suggestion(query.text) if query.text else ""
    if not text:
        return None
    try:
        found = service.search(dataclasses.replace(query, text=text, page=1, page_size=1)).total
    except LikenessError:
        return None
    return {"text": text, "url": page.url_for(params, q=text), "count": found} if found else None


def has_filters(query: SearchQuery) -> bool:
    """Whether the user narrowed by anything but words and images (drafts and staff flags aside)."""
    unfiltered = Filters(added_since=query.filters.added_since, include_drafts=query.filters.include_drafts)
    return query.filters != unfiltered


def query_pixels(query: SearchQuery, size: tuple[int, int] | None, similar_item: CatalogImage | None) -> int | None:
    """How many pixels the query image has (its region only, when one is chosen)."""
    width: float
    height: float
    if size is not None:
        width, height = size
    elif similar_item is not None:
        width, height = similar_item.width, similar_item.height
    else:
        return None
    if query.region is not None:
        width, height = width * query.region[2], height * query.region[3]
    return int(width * height)
