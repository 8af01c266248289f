"""TinEye MulticolorEngine-compatible colour methods at /rest/, beside the MatchEngine ones, with the same
authentication, envelope and errors (webapp.rest.views.MatchEngineView): color_search, extract_image_colors,
count_image_colors, extract_collection_colors, count_collection_colors, count_metadata. As TinEye's clients
send them: GET with query parameters, or POST with files; colours as hex ("DF4F23", "#df4f23") or "r,g,b".
The collection is every /rest/ picture, drafts included (where /rest/add puts them)."""

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
from search.colors import COLOR_FLOOR, HOLDS_SHARE, QueryColors, collection_colors, color_scores
from search.forms import parse_palette
from search.query import Filters, SearchQuery
from webapp.rest import metadata
from webapp.rest.inputs import DownloadFailed, Params, query_image
from webapp.rest.metadata import ResultMetadata
from webapp.rest.views import MAX_RESULTS, MatchEngineView, envelope

MAX_EXTRACT = 100
FULL_AREA = 0.5  # a picture "fully" holds a colour when at least half of it is near it
MAX_COLOR_RESULTS = 100  # colour-ranked pictures one color_search reads (search.service's largest page)
EVERY_ITEM = Filters(include_drafts=True)  # the /rest/ collection: /rest/add puts pictures in as drafts


def rgb_of(value: str) -> tuple[int, int, int] | None:
    """An "r,g,b" colour (spaces allowed, as TinEye's clients send "255, 255, 255"), or None if not r,g,b."""
    parts = value.split(",")
    if len(parts) != 3:
        return None
    try:
        rgb = tuple(int(part.strip()) for part in parts)
    except ValueError:
        rgb = (-1,)
    if len(rgb) == 3 and all(0 <= v <= 255 for v in rgb):
        return rgb[0], rgb[1], rgb[2]
    raise InvalidQuery(f"{value!r} is not a colour: give r,g,b with each from 0 to 255, or six hex digits.")


def hex_of(value: str) -> str:
    """A MulticolorEngine colour ("r,g,b" or hex) as six hex digits."""
    rgb = rgb_of(value)
    return "{:02x}{:02x}{:02x}".format(*rgb) if rgb else value.strip()


def palette_of(params: Params, colors: str = "colors", weights: str = "weights") -> tuple[tuple[str, int], ...]:
    given, shares = params.listed(colors), params.listed(weights)
    if shares and len(shares) != len(given):
        raise InvalidQuery("Please specify the same number of weights as colors.")
    try:
        return parse_palette([hex_of(c) for c in given], shares)
    except ValidationError as exc:
        raise InvalidQuery(" ".join(exc.messages).replace("color_weights", "weights")) from None


def formatted(lab: np.ndarray, color_format: str) -> list[int] | str:
    return list(lab_to_rgb(lab)) if color_format == "rgb" else lab_to_hex(lab)


def color_format(params: Params) -> str:
    value = (params.get("color_format") or "rgb").lower()
    if value not in ("rgb", "hex"):
        raise InvalidQuery(f"color_format must be rgb or hex; got {value!r}.")
    return value


def class_name(lab: np.ndarray) -> str:
    """The colour's class, capitalised as MulticolorEngine names them ("White", "Green")."""
    return COLOR_NAMES[int(color_names(np.array([lab_to_rgb(lab)], np.uint8))[0])].capitalize()


def color_rows(colors: list[tuple[np.ndarray, float]], fmt: str) -> list[dict]:
    return [{"color": formatted(lab, fmt), "weight": round(100 * share, 2), "rank": rank,
             "class": class_name(lab), "name": class_name(lab)}
            for rank, (lab, share) in enumerate(colors, start=1)]  # fmt: skip


def images_given(params: Params, budget: ImageBudget) -> tuple[list[LoadedImage], list[LikenessError]]:
    """images[i] (files), urls[i] or filepaths[i]: the pictures loaded, and the error of each that failed."""
    loaded: list[LoadedImage] = []
    failures: list[LikenessError] = []
    for prefix, field in (("images", "image"), ("urls", "url"), ("filepaths", "filepath")):
        for key in params.indexed(prefix).values():
            if prefix == "images" and key not in params.files:
                failures.append(InvalidQuery(f"{key} must be a file upload."))
                continue
            value = params.files.get(key) if prefix == "images" else params.get(key)
            one = Params({field: value}, params.query, {field: value} if prefix == "images" else {})
            try:
                loaded.append(query_image(one, field, budget))
            except DownloadFailed as exc:
                failures.append(exc)
            except LikenessError as exc:
                failures.append(type(exc)(f"{value if prefix != 'images' else key}: {exc}"))
    return loaded, failures


def failed(method: str, failures: list[LikenessError]) -> Response:
    """No picture could be read: a 200 "fail" when every one was a URL that did not download, else the error."""
    if failures and all(isinstance(exc, DownloadFailed) for exc in failures):
        return envelope(method, [], [str(exc) for exc in failures], 200, state="fail")
    first = next((exc for exc in failures if not isinstance(exc, DownloadFailed)), None)
    if first is None:
        raise InvalidQuery("Give images[0], urls[0] or filepaths[0].")
    raise type(first)(" ".join(str(exc) for exc in failures))


def score_rows(scored: list[tuple[int, float]], min_score: float, offset: int, limit: int) -> tuple[list, list]:
    """(rows, ids) of the page: {"score": "12.34", "filepath": ...} above min_score, best first."""
    kept = [(pk, score) for pk, score in scored if score > 0 and score >= min_score][offset : offset + limit]
    names = dict(CatalogImage.objects.filter(pk__in=[pk for pk, _ in kept]).values_list("pk", "identifier"))
    kept = [(pk, score) for pk, score in kept if pk in names]
    return [{"score": f"{score:.2f}", "filepath": names[pk]} for pk, score in kept], [pk for pk, _ in kept]


def ranked(palette: tuple[tuple[str, int], ...], allowed: list[int] | None) -> list[tuple[int, float]]:
    """(id, colour score 0-100) best first: over the colour index, or over the items a metadata query left."""
    if allowed is None:
        results = service.search(SearchQuery(palette=palette, page_size=MAX_COLOR_RESULTS, filters=EVERY_ITEM))
        return [(hit.item.pk, hit.color_score or 0.0) for hit in results.hits]
    scores = color_scores(allowed, palette)  # below the floor the index leaves out, not a hit either
    found = [(pk, 100 * scores[pk]) for pk in allowed if scores.get(pk, 0.0) >= COLOR_FLOOR]
    return sorted(found, key=lambda pair: -pair[1])


def palette_of_picture(picture: LoadedImage) -> tuple[tuple[tuple[str, int], ...], float]:
    """A picture's five dominant colours as a query palette, weighted by their shares, and the score (0-1)
    the picture itself gets for them: its results' scores are relative to it, so the picture scores 100."""
    sig = of_image(picture.image)
    found = dominant(sig.bins, sig.shares, limit=5)
    total = sum(share for _, share in found)
    palette = tuple((lab_to_hex(lab), max(1, round(100 * share / total))) for lab, share in found)
    colors = QueryColors.of(palette)
    held = colors.near()[:, sig.bins.astype(np.intp)] @ sig.shares.astype(np.float64)
    return palette, float(np.minimum(np.array(colors.weights), held).sum())


class ColorSearchView(MatchEngineView):
    method_name = "color_search"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        min_score = params.number("min_score", 0)
        offset = params.integer("offset", 0, high=MAX_RESULTS)
        limit = params.integer("limit", 5000, low=0, high=5000)
        palette = palette_of(params)
        asked = ResultMetadata(params)
        source = [name for name in ("image", "url", "filepath") if params.has(name)]
        if (palette and source) or len(source) > 1 or (not palette and not source and asked.query is None):
            raise InvalidQuery("Give colors[0]... (with weights[0]...), or exactly one of image, url or filepath, "
                               "or a metadata query.")  # fmt: skip
        itself = 1.0  # what a perfect match scores, 0-1
        if source:
            palette, itself = palette_of_picture(query_image(params, source[0], ImageBudget()))
        # Without colours, a metadata query alone: every picture it leaves, in catalog order.
        scored = ranked(palette, asked.allowed) if palette else [(pk, 100.0) for pk in asked.allowed or []]
        scored = [(pk, min(100.0, score / max(itself, 0.01))) for pk, score in scored]
        rows, ids = score_rows(scored, min_score, offset, limit)
        return envelope("color_search", asked.rows(rows, ids))

    get = post


class ExtractImageColorsView(MatchEngineView):
    method_name = "extract_image_colors"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        limit = params.integer("limit", 32, low=1, high=MAX_EXTRACT)
        fmt = color_format(params)
        loaded, failures = images_given(params, ImageBudget())
        if not loaded:
            return failed(self.method_name, failures)
        sums: dict[int, float] = {}
        for picture in loaded:
            sig = of_image(picture.image)
            for b, s in zip(sig.bins.tolist(), sig.shares.tolist(), strict=True):
                sums[b] = sums.get(b, 0.0) + s / len(loaded)
        bins = np.array(list(sums), np.intp)
        colors = dominant(bins, np.array(list(sums.values())), limit=limit)
        return envelope("extract_image_colors", color_rows(colors, fmt), [str(exc) for exc in failures])

    get = post


def count_rows(params: Params, signatures: list) -> list[dict]:
    """Per count_colors[i]: how many of these pictures hold it (partly, or over half their area)."""
    given = params.listed("count_colors")
    if not given:
        raise InvalidQuery("Give the colours to count as count_colors[0], count_colors[1]...")
    try:
        labs = [hex_to_lab(hex_of(value)) for value in given]
    except ValueError as exc:
        raise InvalidQuery(str(exc)) from None
    near = kernel(labs)
    partial, full = np.zeros(len(labs), int), np.zeros(len(labs), int)
    for sig in signatures:
        shares = near[:, sig.bins.astype(np.intp)] @ sig.shares.astype(np.float64)
        partial += shares >= HOLDS_SHARE
        full += shares >= FULL_AREA
    return [{"color": list(rgb_of(value) or ()) or hex_of(value), "name": class_name(lab), "class": class_name(lab),
             "num_images_partial_area": int(p), "num_images_full_area": int(f)}
            for value, lab, p, f in zip(given, labs, partial, full, strict=True)]  # fmt: skip


class CountImageColorsView(MatchEngineView):
    method_name = "count_image_colors"

    def post(self, request: Request) -> Response:
        params = self.params(request)
        loaded, failures = images_given(params, ImageBudget())
        if not loaded:
            return failed(self.method_name, failures)
        rows = count_rows(params, [of_image(p.image) for p in loaded])
        return envelope("count_image_colors", rows, [str(exc) for exc in failures])

    get = post


def collection_ids(params: Params) -> list[int]:
    """The /rest/ collection's items: all, those of filepaths[i], those a metadata query leaves, or those
    ranked by colors[i] (weights[i]) among them."""
    filepaths = params.listed("filepaths")
    allowed = metadata.matching_ids(metadata.parse_json(params.get("metadata"), "metadata"))
    items = CatalogImage.objects.all() if allowed is None else CatalogImage.objects.filter(pk__in=allowed)
    if filepaths:
        items = items.filter(identifier__in=filepaths)
    palette = palette_of(params)
    if palette:
        chosen = None if allowed is None and not filepaths else list(items.values_list("pk", flat=True))
        return [pk for pk, score in ranked(palette, chosen) if score > 0]
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


class CountMetadataView(MatchEngineView):
    """How many pictures meet each of count_metadata[i], within those that metadata, colors or filepaths give."""

    method_name = "count_metadata"

    def get(self, request: Request) -> Response:
        params = self.params(request)
        queries = [metadata.parse_json(raw, f"count_metadata[{n}]") for n, raw in
                   enumerate(params.listed("count_metadata"))]  # fmt: skip
        if not queries:
            raise InvalidQuery("Give the metadata queries to count as count_metadata[0], count_metadata[1]...")
        ids = set(collection_ids(params))
        values = [metadata.values_of(item) for item in metadata.items() if item.pk in ids]
        return envelope(self.method_name, [{"metadata": query, "count": sum(metadata.matches(v, query) for v in values)}
                                           for query in queries])  # fmt: skip

    post = get
