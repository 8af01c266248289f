"""The one entry point for searching: every caller (page, partner API, /rest/) goes through here."""

from __future__ import annotations

import dataclasses

from catalog import ingest
from catalog.models import CatalogImage
from matching.imaging import LoadedImage
from matching.providers import Match, match_image
from search.backends import get_search_backend
from search.query import SearchQuery, SearchResults

MAX_CANDIDATES = 500  # image matches handed to the backend per query image


def search(query: SearchQuery) -> SearchResults:
    """Words, images and filters in, one ranked list with facets out."""
    image_scores = image_candidates(query) if query.has_image else None
    return get_search_backend().search(query, image_scores)


def image_candidates(query: SearchQuery) -> dict[int, Match]:
    """Catalog items that look like any of the query images (best score per item wins)."""
    sources = [crop(loaded, query.region) for loaded in query.images]
    if query.similar_to is not None:
        sources.append(crop(ingest.load_file(CatalogImage.objects.get(pk=query.similar_to)), query.region))
    best: dict[int, Match] = {}
    for loaded in sources:
        for found in match_image(loaded, limit=MAX_CANDIDATES):
            if found.image_id != query.similar_to and (
                found.image_id not in best or found.score > best[found.image_id].score
            ):
                best[found.image_id] = found
    return best


def crop(loaded: LoadedImage, region: tuple[float, float, float, float] | None) -> LoadedImage:
    """The part of a query image inside `region` (relative x, y, w, h), as a query of its own."""
    if region is None:
        return loaded
    x, y, w, h = region
    image = loaded.image
    left, top = min(round(x * image.width), image.width - 1), min(round(y * image.height), image.height - 1)
    right = max(left + 1, round((x + w) * image.width))  # at least one pixel, however small the region
    bottom = max(top + 1, round((y + h) * image.height))
    part = image.crop((left, top, right, bottom))
    return dataclasses.replace(
        loaded, image=part, width=max(1, round(w * loaded.width)), height=max(1, round(h * loaded.height))
    )
