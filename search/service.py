"""The one entry point for searching: every caller (page, partner API, /rest/) goes through here."""

from __future__ import annotations

from catalog import ingest
from catalog.models import CatalogImage
from matching.index import store
from matching.index.lookalike import get_lookalike_index
from matching.providers import COPY, SIMILAR, Match, match_image
from matching.query import QueryImage
from search.backends import get_search_backend
from search.query import SearchQuery, SearchResults

MAX_CANDIDATES = 500  # image matches handed to the backend per query image
MAX_LOOKALIKES = 100  # look-alikes handed to the backend per query image


def search(query: SearchQuery, image_scores: dict[int, Match] | None = None) -> SearchResults:
    """Words, images and filters in, one ranked list with facets out: copies first, then look-alikes.

    `image_scores` are the query's image candidates when the caller kept them from an earlier search
    of the same image (a filter click, the next page): then no image is decoded or matched again.
    """
    if image_scores is None and query.has_image:
        image_scores = image_candidates(query)
    return get_search_backend().search(query, image_scores)


def candidates_version() -> int:
    """Changes whenever the catalog's images change: kept image candidates are valid while it stays."""
    return store.latest_change()


def image_candidates(query: SearchQuery) -> dict[int, Match]:
    """Catalog items that are copies of any query image, or look like one (best per item; a copy wins).

    Each query picture becomes one QueryImage: its fingerprint and embedding are made once and shared by
    the copy search and the look-alike search.
    """
    sources = [QueryImage(loaded).cropped(query.region) for loaded in query.images]
    item = CatalogImage.objects.get(pk=query.similar_to) if query.similar_to is not None else None
    stored = store.load_embedding(item.pk) if item is not None and query.region is None else None
    if item is not None and (query.kind != SIMILAR or stored is None):  # the stored embedding needs no decode
        sources.append(QueryImage(ingest.load_file(item)).cropped(query.region))
    best: dict[int, Match] = {}
    if query.kind in (None, COPY):
        for source in sources:
            for found in match_image(source, limit=MAX_CANDIDATES):
                keep(best, found)
    if query.kind in (None, SIMILAR):
        vectors = [source.embedding for source in sources[: len(query.images)]]
        if item is not None:
            vectors.append(stored if stored is not None else sources[-1].embedding)
        for vector in vectors:
            for image_id, similarity in get_lookalike_index().nearest(vector, limit=MAX_LOOKALIKES):
                keep(best, lookalike(image_id, similarity))
    if query.similar_to is not None:
        best.pop(query.similar_to, None)
    return best


def keep(best: dict[int, Match], found: Match) -> None:
    """Keep the better of two matches of one item: a copy over a look-alike, then the higher score."""
    current = best.get(found.image_id)
    if current is None or (found.kind == COPY, found.score) > (current.kind == COPY, current.score):
        best[found.image_id] = found


def lookalike(image_id: int, similarity: float) -> Match:
    return Match(image_id, round(100 * similarity, 1), 0.0, 0.0, {"method": "embedding", "similarity": similarity},
                 kind=SIMILAR)  # fmt: skip
