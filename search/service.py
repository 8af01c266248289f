"""The one entry point for searching: every caller (page, partner API, /rest/) goes through here."""

from __future__ import annotations

import dataclasses

from PIL import Image

from catalog.models import CatalogImage
from search import fingerprint as fingerprints
from search import imaging
from search.backends import get_search_backend
from search.imaging import LoadedImage
from search.providers import Match, get_provider
from search.query import SearchQuery, SearchResults

MAX_CANDIDATES = 500  # image matches handed to the backend per query image


def load_query_image(source) -> LoadedImage:
    """Decode an untrusted query image (upload, bytes or URL); raises ImageError."""
    return imaging.load(source, draft_size=fingerprints.DECODE_SIZE)


def load_catalog_file(item: CatalogImage) -> LoadedImage:
    """A catalog item's own file, decoded as a query image."""
    with item.image.open("rb") as handle:
        return load_query_image(handle)


def catalog_pixels(item: CatalogImage, short_side: int) -> Image.Image:
    """A catalog item's picture decoded with at least this short side, for providers that send pixels."""
    with item.image.open("rb") as handle:
        return imaging.load(handle, draft_size=short_side).image


def query_fingerprint(loaded: LoadedImage) -> fingerprints.Fingerprint:
    return fingerprints.fingerprint(loaded, for_query=True)


def match_image(loaded: LoadedImage, *, limit: int = 10, min_score: float = 0, mirrored: bool = True) -> list[Match]:
    """Catalog images matching a query image, best first; `mirrored=False` leaves out mirror-image copies."""
    matches = get_provider().match(query_fingerprint(loaded), loaded.image, limit=limit, min_score=min_score)
    if not mirrored:
        matches = [match for match in matches if not match.details.get("mirrored")]
    return matches


def compare_images(first: LoadedImage, second: LoadedImage, *, mirrored: bool = True) -> Match | None:
    found = get_provider().compare(
        query_fingerprint(first), fingerprints.fingerprint(second), (first.image, second.image)
    )
    if found is not None and not mirrored and found.details.get("mirrored"):
        return None
    return found


def search(query: SearchQuery) -> SearchResults:
    """Words, images and filters in, one ranked list with facets out."""
    image_scores = image_candidates(query) if query.has_image else None
    return get_search_backend().search(query, image_scores)


def image_candidates(query: SearchQuery) -> dict[int, Match]:
    """Catalog items that look like any of the query images (best score per item wins)."""
    sources = [crop(loaded, query.region) for loaded in query.images]
    if query.similar_to is not None:
        sources.append(crop(load_catalog_file(CatalogImage.objects.get(pk=query.similar_to)), query.region))
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
    box = (round(x * image.width), round(y * image.height), round((x + w) * image.width), round((y + h) * image.height))
    part = image.crop(box)
    return dataclasses.replace(
        loaded, image=part, width=max(1, round(w * loaded.width)), height=max(1, round(h * loaded.height))
    )
