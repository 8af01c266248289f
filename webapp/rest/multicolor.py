"""TinEye MulticolorEngine-compatible colour methods at /rest/, beside the MatchEngine ones, with the same
authentication, envelope and errors (webapp.rest.views.MatchEngineView): color_search, extract_image_colors,
count_image_colors, extract_collection_colors, count_collection_colors. As TinEye's clients send them: GET
with query parameters, or POST with files; colours as hex ("DF4F23", "#df4f23") or "r,g,b"."""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import CatalogImage
from matching.algorithms.color_signature import dominant, hex_to_lab, kernel, lab_to_hex, lab_to_rgb, of_image
from matching.algorithms.fingerprint import COLOR_NAMES, color_names
from matching.errors import InvalidQuery, LikenessError
from matching.index import store
from matching.safety.budget import ImageBudget
from matching.safety.imaging import LoadedImage
from search import service
from search.colors import HOLDS_SHARE, collection_colors
from search.forms import parse_palette
from search.query import Filters, SearchQuery
from webapp.rest.inputs import Params, query_image
from webapp.rest.views import MAX_RESULTS, MatchEngineView, envelope

MAX_EXTRACT = 100
FULL_AREA = 0.5  # a picture "fully" holds a colour when at least half of it is near it


def hex_of(value: str) -> str:
    """A MulticolorEngine colour ("r,g,b" or hex) as six hex digits."""
    parts = value.split(",")
    if len(parts) == 3:
        try:
            rgb = [int(part) for part in parts]
        except ValueError:
            rgb = [-1]
        if all(0 <= v <= 255 for v in rgb):
            return "{:02x}{:02x}{:02x}".format(*rgb)
        raise InvalidQuery(f"{value!r} is not a colour: give r,g,b with each from 0 to 255, or six hex digits.")
    return value


def listed(params: Params, name: str) -> list[str]:
    return [params.get(key) or "" for key in params.indexed(name).values()]


def palette_of(params: Params, colors: str = "colors", weights: str = "weights") -> tuple[tuple[str, int], ...]:
    try:
        return parse_palette([hex_of(c) for c in listed(params, colors)], listed(params, weights))
    except ValidationError as exc:
        raise InvalidQuery(" ".join(exc.messages)) from None


def formatted(lab: np.ndarray, color_format: str) -> list[int] | str:
    return list(lab_to_rgb(lab)) if color_format == "rgb" else lab_to_hex(lab)


def color_format(params: Params) -> str:
    value = (params.get("color_format") or "rgb").lower()
    if value not in ("rgb", "hex"):
        raise InvalidQuery(f"color_format must be rgb or hex; got {value!r}.")
    return value


def class_name(lab: np.ndarray) -> str:
    return COLOR_NAMES[int(color_names(np.array([lab_to_rgb(lab)], np.uint8))[0])]


def color_rows(colors: list[tuple[np.ndarray, float]], fmt: str) -> list[dict]:
    return [{"color": formatted(lab, fmt), "weight": round(100 * share, 2), "rank": rank,
             "class": class_name(lab), "name": class_name(lab)}
            for rank, (lab, share) in enumerate(colors, start=1)]  # fmt: skip


def images_given(params: Params, budget: ImageBudget) -> tuple[list[LoadedImage], list[str]]:
    """images[i] (files), urls[i] or filepaths[i]: the pictures loaded, and an error per one that failed."""
    loaded, errors = [], []
    for prefix in ("images", "urls", "filepaths"):
        for key in params.indexed(prefix).values():
            field = {"images": "image", "urls": "url", "filepaths": "filepath"}[prefix]
            value = params.files.get(key) if prefix == "images" else params.get(key)
            try:
                loaded.append(query_image(Params({field: value}, params.query, {field: value} if prefix == "images"
                                                 else {}), field, budget))  # fmt: skip
            except LikenessError as exc:
                errors.append(f"{value if prefix != 'images' else key}: {exc}")
    return loaded, errors


class ColorSearchView(MatchEngineView):
    method_name = "color_search"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        min_score = params.number("min_score", 0)
        offset = params.integer("offset", 0, high=MAX_RESULTS)
        limit = params.integer("limit", 5000, low=0, high=5000)
        palette = palette_of(params)
        source = [name for name in ("image", "url", "filepath") if params.has(name)]
        if (palette and source) or len(source) > 1 or (not palette and not source):
            raise InvalidQuery("Give colors[0]... (with weights[0]...), or exactly one of image, url or filepath.")
        if source:
            picture = query_image(params, source[0], ImageBudget())
            sig = of_image(picture.image)
            found = dominant(sig.bins, sig.shares, limit=5)
            total = sum(share for _, share in found)
            palette = tuple((lab_to_hex(lab), max(1, round(100 * share / total))) for lab, share in found)
        size = min(100, offset + limit) if offset + limit else 1
        results = service.search(SearchQuery(palette=palette, page_size=size, filters=Filters()))
        hits = [hit for hit in results.hits if (hit.color_score or 0) >= min_score][offset : offset + limit]
        return envelope("color_search", [{"score": f"{hit.color_score:.2f}", "filepath": hit.item.identifier}
                                         for hit in hits])  # fmt: skip

    get = post


class ExtractImageColorsView(MatchEngineView):
    method_name = "extract_image_colors"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        limit = params.integer("limit", 32, low=1, high=MAX_EXTRACT)
        fmt = color_format(params)
        loaded, errors = images_given(params, ImageBudget())
        if not loaded:
            raise InvalidQuery(" ".join(errors) or "Give images[0], urls[0] or filepaths[0].")
        sums: dict[int, float] = {}
        for picture in loaded:
            sig = of_image(picture.image)
            for b, s in zip(sig.bins.tolist(), sig.shares.tolist(), strict=True):
                sums[b] = sums.get(b, 0.0) + s / len(loaded)
        bins = np.array(list(sums), np.intp)
        colors = dominant(bins, np.array(list(sums.values())), limit=limit)
        return envelope("extract_image_colors", color_rows(colors, fmt), errors)

    get = post


def count_rows(params: Params, signatures: list) -> list[dict]:
    asked = [hex_of(value) for value in listed(params, "count_colors")]
    if not asked:
        raise InvalidQuery("Give the colours to count as count_colors[0], count_colors[1]...")
    try:
        labs = [hex_to_lab(value) for value in asked]
    except ValueError as exc:
        raise InvalidQuery(str(exc)) from None
    near = kernel(labs)
    partial, full = np.zeros(len(labs), int), np.zeros(len(labs), int)
    for sig in signatures:
        shares = near[:, sig.bins.astype(np.intp)] @ sig.shares.astype(np.float64)
        partial += shares >= HOLDS_SHARE
        full += shares >= FULL_AREA
    return [{"color": value, "num_images_partial_area": int(p), "num_images_full_area": int(f)}
            for value, p, f in zip(listed(params, "count_colors"), partial, full, strict=True)]  # fmt: skip


class CountImageColorsView(MatchEngineView):
    method_name = "count_image_colors"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        loaded, errors = images_given(params, ImageBudget())
        if not loaded:
            raise InvalidQuery(" ".join(errors) or "Give images[0], urls[0] or filepaths[0].")
        return envelope("count_image_colors", count_rows(params, [of_image(p.image) for p in loaded]), errors)

    get = post


def collection_ids(params: Params) -> list[int]:
    """Published items: all, those of filepaths[i], or those ranked by colors[i] (weights[i])."""
    filepaths = listed(params, "filepaths")
    items = CatalogImage.objects.published()
    if filepaths:
        return list(items.filter(identifier__in=filepaths).values_list("pk", flat=True))
    palette = palette_of(params)
    if palette:
        results = service.search(SearchQuery(palette=palette, page_size=100))
        return [hit.item.pk for hit in results.hits]
    return list(items.order_by("-pk").values_list("pk", flat=True)[:2000])


class ExtractCollectionColorsView(MatchEngineView):
    method_name = "extract_collection_colors"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        limit = params.integer("limit", 32, low=1, high=MAX_EXTRACT)
        fmt = color_format(params)
        found = collection_colors(collection_ids(params), limit=limit)
        rows = [{"color": formatted(hex_to_lab(c.hex), fmt), "weight": round(100 * c.share, 2), "rank": rank,
                 "num_images": c.count, "class": class_name(hex_to_lab(c.hex)), "name": class_name(hex_to_lab(c.hex))}
                for rank, c in enumerate(found, start=1)]  # fmt: skip
        return envelope("extract_collection_colors", rows)

    get = post


class CountCollectionColorsView(MatchEngineView):
    method_name = "count_collection_colors"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        signatures = list(store.load_color_signatures(collection_ids(params)).values())
        return envelope("count_collection_colors", count_rows(params, signatures))

    get = post
