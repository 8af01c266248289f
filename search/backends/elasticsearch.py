"""The Elasticsearch backend (Elasticsearch 8.x, official client and its DSL), for catalogs past one machine.

Documents carry text (whole words by their Porter stem, with ASCII folding, as the database
backend matches them), keyword filter fields, numbers and precomputed facet values. Image
candidates restrict a query with an `ids` filter and fold their similarity into the score with
`function_score`. A rebuild fills a new index and swaps the alias, so searches never see a
half-built index. Only bool, terms, range, multi_match, function_score and aggregations are used:
features every Elasticsearch 8 and OpenSearch-compatible server has.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import ApiError, NotFoundError, helpers
from elasticsearch import TransportError as ClientTransportError
from elasticsearch.dsl import Q, Search

from catalog import suggestions
from catalog.models import CatalogImage
from matching.algorithms.color_signature import DEFAULT_TOLERANCE, MISSING, ColorTolerance
from matching.errors import BackendError
from matching.index import elastic, store
from matching.models import ImageColor
from matching.providers import COPY, Match
from search.backends.base import BaseSearchBackend
from search.backends.dbtext import terms
from search.colors import COLOR_FLOOR, COLOR_WEIGHT, QueryColors
from search.facets import facet_values
from search.query import SIZE_BUCKETS, UNKNOWN_YEAR, FacetValue, Filters, Hit, SearchQuery, SearchResults, century_label

logger = logging.getLogger(__name__)

TEXT = {"type": "text", "analyzer": "folded_english", "fields": {"raw": {"type": "keyword", "ignore_above": 256}}}
MAPPINGS = {
    "properties": {
        "title": TEXT,
        "creator": TEXT,
        "tags": TEXT,
        "description": {"type": "text", "analyzer": "folded_english"},
        "suggested": {"type": "text", "analyzer": "folded_english"},
        "suggested_strong": {"type": "text", "analyzer": "folded_english"},
        "status": {"type": "keyword"},
        "format": {"type": "keyword"},
        "orientation": {"type": "keyword"},
        "license_type": {"type": "keyword"},
        "collection": {"type": "long"},
        "colors": {"type": "keyword"},
        "size": {"type": "keyword"},
        "century": {"type": "keyword"},
        "year": {"type": "integer"},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "pixels": {"type": "long"},
        "megapixels": {"type": "float"},
        "created_at": {"type": "date"},
        # The colour signature: {bin: share} (matching.algorithms.color_signature), scored by rank_feature.
        "color_bins": {"type": "rank_features"},
    }
}
# Words are runs of letters and digits, split at anything else (an apostrophe, a hyphen, an underscore), as
# SQLite's unicode61 tokenizer and dbtext.words split them; folded to ASCII and lower case, then stemmed by
# Porter's algorithm ("english" is Porter's stemmer, as FTS5's porter tokenizer); no stop words. osmem-server
# (the tests' stand-in) has all of these; it lacks light_english and kstem, and its possessive_english
# stemmer makes every document match.
SETTINGS = {
    "analysis": {
        "char_filter": {
            "words_apart": {"type": "pattern_replace", "pattern": "[^\\p{L}\\p{N}\\p{M}]+", "replacement": " "}
        },
        "filter": {"english_stemmer": {"type": "stemmer", "language": "english"}},
        "analyzer": {
            "folded_english": {
                "type": "custom",
                "char_filter": ["words_apart"],
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "english_stemmer"],
            }
        },
    }
}
# Suggested tags count least, in two tiers by confidence, as BM25 cannot read a confidence: the confident
# ones (STRONG_SUGGESTION or more) are also in a field of their own that counts more. Only those public
# search may use are indexed (catalog.suggestions.PUBLIC).
# (Repeating a word by its confidence, as the database backend does, is undone by BM25's length normalisation.)
FIELDS = ["title^4", "creator^3", "tags^2", "description"]
SUGGESTED_FIELDS = ["suggested_strong^0.3", "suggested^0.1"]
STRONG_SUGGESTION = 0.5
TEXT_BONUS = 1000.0  # an image match that also matches the words ranks above every one that does not
COPY_BONUS = 10 * TEXT_BONUS  # copies rank above every look-alike, words or not


def to_document(item: CatalogImage, colors: list[str], color_bins: dict[str, float] | None = None) -> dict:
    megapixels = item.width * item.height / 1_000_000
    suggested = suggestions.public_terms(item)
    return {
        "title": item.title,
        "creator": item.creator.name if item.creator is not None else "",
        "tags": item.tag_list,
        "description": item.description,
        "suggested": [term for term, _ in suggested],
        "suggested_strong": [term for term, confidence in suggested if confidence >= STRONG_SUGGESTION],
        "status": item.status,
        "format": item.format,
        "orientation": item.orientation,
        "license_type": item.license_type,
        "collection": item.collection_id,
        "colors": colors,
        "size": next(value for value, _, low, high in SIZE_BUCKETS if low <= megapixels < high),
        "century": century_label(item.year)[0] if item.year is not None else UNKNOWN_YEAR,
        "year": item.year,
        "width": item.width,
        "height": item.height,
        "pixels": item.width * item.height,
        "megapixels": megapixels,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "color_bins": color_bins or {},
    }


def color_query(palette: tuple[tuple[str, int], ...], tolerance: ColorTolerance = DEFAULT_TOLERANCE):
    """Scores 0-1 as the database backend does (color_signature.combined). Per query colour: the share of the
    picture near it (rank_feature clauses, linear, boosted by the colour's nearness to each bin), as
    w x log(fulfilment / MISSING), never negative, 0 for a colour the picture lacks; the colours summed, and
    MISSING x exp(sum) is the weighted geometric mean again. Only pictures near some colour match."""
    colors = QueryColors.of(palette)
    near = colors.near(tolerance)
    per_color = []
    for row, weight in zip(near, colors.weights, strict=True):
        bins = [Q("rank_feature", field=f"color_bins.{b}", linear={}, boost=float(row[b])) for b in np.flatnonzero(row)]
        script = {"source": "params.w * Math.log(Math.max(Math.min(1.0, _score / params.w), params.m) / params.m)",
                  "params": {"w": weight, "m": MISSING}}  # fmt: skip
        per_color.append(Q("script_score", query=Q("bool", should=bins), script=script))
    summed = Q("bool", should=per_color, minimum_should_match=1)
    return Q("script_score", query=summed, script={"source": "params.m * Math.exp(_score)", "params": {"m": MISSING}})


def filter_clauses(filters: Filters) -> list:
    clauses = [] if filters.include_drafts else [Q("term", status="published")]
    clauses += [Q("term", colors=color) for color in filters.colors]
    ranges: dict[str, dict[str, object]] = {
        "width": {"gte": filters.min_width},
        "height": {"gte": filters.min_height},
        "megapixels": {"gte": filters.min_megapixels},
        "year": {"gte": filters.year_from, "lte": filters.year_to},
        "created_at": {"gte": filters.added_since.isoformat() if filters.added_since else None},
    }
    for field, bounds in ranges.items():
        bounds = {k: v for k, v in bounds.items() if v is not None}
        if bounds:
            clauses.append(Q("range", **{field: bounds}))
    if filters.orientation:
        clauses.append(Q("term", orientation=filters.orientation))
    if filters.formats:
        clauses.append(Q("terms", format=list(filters.formats)))
    if filters.licenses:
        clauses.append(Q("terms", license_type=list(filters.licenses)))
    if filters.collection:
        clauses.append(Q("term", collection=filters.collection))
    return clauses


class ElasticsearchSearchBackend(BaseSearchBackend):
    facet_fields = {"color": "colors", "format": "format", "orientation": "orientation", "size": "size",
                    "century": "century", "license": "license_type"}  # fmt: skip

    def __init__(self, URLS=(), INDEX="likeness", OPTIONS=None, REFRESH=False, **params) -> None:
        super().__init__(**params)
        if not URLS:
            raise ImproperlyConfigured("The Elasticsearch search backend needs URLS (ELASTICSEARCH_URL).")
        self.alias = INDEX
        self.refresh = REFRESH
        self.client = elastic.client(URLS, OPTIONS)
        self._building: str | None = None
        self._alias_ready = False

    # --- the index and its alias ---------------------------------------------------------------

    def _new_index(self) -> str:
        name = f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        self.client.indices.create(index=name, mappings=MAPPINGS, settings=SETTINGS)
        return name

    def _ensure_alias(self) -> None:
        if self._alias_ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            self._recreate_alias()
        self._alias_ready = True

    def _recreate_alias(self) -> None:
        """Point the alias at a new, empty index with our mappings.

        The alias goes missing when Elasticsearch restarts empty. Writes never create an index
        (`require_alias`), but an older client may have: an index named like the alias, with
        dynamic mappings, is removed in the same atomic alias change.
        """
        name = self._new_index()
        actions = [{"add": {"index": name, "alias": self.alias}}]
        if self.client.indices.exists(index=self.alias) and not self.client.indices.exists_alias(name=self.alias):
            actions.insert(0, {"remove_index": {"index": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        logger.error(
            "The Elasticsearch alias %s was missing (the cluster restarted empty?) and now points at a new "
            "empty index; run `manage.py update_index` to index the catalog again.",
            self.alias,
        )

    def _with_alias(self, action, *args, **kwargs):
        """Run a read or write on the alias; if the alias has gone, recreate it once and try again."""
        try:
            return self._call(action, *args, **kwargs)
        except BackendError as exc:
            if not _alias_missing(exc.__cause__):
                raise
        self._alias_ready = False
        self._call(self._ensure_alias)
        return self._call(action, *args, **kwargs)

    def _call(self, action, *args, **kwargs):
        try:
            return action(*args, **kwargs)
        except (ClientTransportError, ApiError, helpers.BulkIndexError) as exc:
            raise BackendError(f"Elasticsearch failed: {exc}") from exc

    def _alias_indices(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # --- writing ------------------------------------------------------------------------------

    def index(self, items: Iterable[CatalogImage]) -> None:
        items = list(items)
        if not items:
            return
        target = self._building or self.alias
        if self._building is None:
            self._call(self._ensure_alias)
        colors: dict[int, list[str]] = {}
        for image_id, name in ImageColor.objects.filter(image__in=items).values_list("image_id", "name"):
            colors.setdefault(image_id, []).append(name)
        signatures = store.load_color_signatures(item.pk for item in items)
        actions = (
            {"_index": target, "_id": str(item.pk),
             "_source": to_document(item, colors.get(item.pk, []),
                                    signatures[item.pk].as_dict() if item.pk in signatures else None)}
            for item in items
        )  # fmt: skip
        if self._building is not None:
            self._call(helpers.bulk, self.client.options(request_timeout=elastic.BULK_SECONDS), actions, refresh=False)
            return
        # require_alias: a write never creates an index with dynamic mappings when the alias is gone.
        self._with_alias(helpers.bulk, self.client, list(actions), refresh=self.refresh, require_alias=True)

    def remove(self, ids: Iterable[int]) -> None:
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": str(pk)} for pk in ids]
        self._call(helpers.bulk, self.client, actions, refresh=self.refresh, raise_on_error=False, require_alias=True)

    def clear(self) -> None:
        """Start a rebuild: documents go to a new index until finish_rebuild swaps the alias to it."""
        self._building = self._call(self._new_index)

    def finish_rebuild(self) -> None:
        new, self._building = self._building, None
        if new is None:
            return
        self._call(self.client.indices.refresh, index=new)
        old = self._call(self._alias_indices)
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        if not old and self._call(self.client.indices.exists, index=self.alias):
            # An index named like the alias (auto-created by a write during an outage): replaced atomically.
            actions.append({"remove_index": {"index": self.alias}})
        self._call(self.client.indices.update_aliases, actions=[*actions, {"add": {"index": new, "alias": self.alias}}])
        for name in old:
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self._alias_ready = True

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except ClientTransportError:
            return False

    # --- searching ----------------------------------------------------------------------------

    def text_query(self, text: str):
        """Every word must match, each in any field, whole by its stem (as the database backend does)."""
        return Q("bool", must=[
            Q("bool", should=[Q("multi_match", query=word, fields=FIELDS),
                              Q("multi_match", query=word, fields=SUGGESTED_FIELDS)], minimum_should_match=1)
            for word in terms(text)
        ])  # fmt: skip

    def search(self, query: SearchQuery, image_scores: dict[int, Match] | None = None) -> SearchResults:
        self._call(self._ensure_alias)
        words = bool(terms(query.text))
        clauses = filter_clauses(query.filters)
        if image_scores is not None:
            clauses.append(self.candidates(query, image_scores))
        search = Search(using=self.client, index=self.alias).extra(track_total_hits=True)
        if image_scores is not None:
            bonus = [Q("constant_score", filter=self.text_query(query.text), boost=TEXT_BONUS)] if words else []
            functions = [
                {"filter": Q("ids", values=[str(pk)]), "weight": max(m.score, 0.01) + copy_bonus(m)}
                for pk, m in image_scores.items()
            ]
            if query.palette:  # the colour score adds to the image score (search.colors.blend)
                bonus.append(Q("bool", must=[color_query(query.palette)], boost=COLOR_WEIGHT))
            base = Q("bool", filter=clauses, should=bonus)
            search = search.query("function_score", query=base, functions=functions, score_mode="sum", boost_mode="sum")
        elif query.palette:  # ranked by colour alone: words narrow, as filters do
            words_filter = [self.text_query(query.text)] if words else []
            search = search.query(Q("bool", filter=clauses + words_filter, must=[color_query(query.palette)]))
            search = search.extra(min_score=COLOR_FLOOR)
        else:
            search = search.query(Q("bool", filter=clauses, must=[self.text_query(query.text)] if words else []))
        if image_scores is not None and not image_scores:
            return SearchResults([], 0, {name: [] for name in self.facet_fields}, query.page, query.page_size)
        search = self._order(search, query, words or image_scores is not None or bool(query.palette))
        for name, field in self.facet_fields.items():
            search.aggs.bucket(name, "terms", field=field, size=100)
        search = search[query.offset : query.offset + query.page_size].source(False)
        response = self._with_alias(search.execute)
        hits = self._hits(response, query, image_scores, words)
        unknown = self._unknown_years(query, image_scores) if query.filters.filters_age else 0
        total = response.hits.total.value
        return SearchResults(hits, total, self._facets(response), query.page, query.page_size, unknown)

    @staticmethod
    def _order(search: Search, query: SearchQuery, scored: bool) -> Search:
        orders: dict[str, list[dict[str, Any]]] = {
            "newest": [{"year": {"order": "desc", "missing": "_last"}}, {"_score": "desc"}],
            "oldest": [{"year": {"order": "asc", "missing": "_last"}}, {"_score": "desc"}],
            "largest": [{"pixels": {"order": "desc"}}, {"_score": "desc"}],
        }
        if query.sort in orders:
            return search.sort(*orders[query.sort])
        # The DSL's hint knows only {"field": {"order": ...}}; Elasticsearch takes {"field": "desc"} too.
        return search.sort({"_score": "desc"}) if scored else search.sort({"created_at": "desc"})  # type: ignore[dict-item]

    def _hits(self, response, query: SearchQuery, image_scores, words: bool) -> list[Hit]:
        ranked = [(int(hit.meta.id), hit.meta.score) for hit in response]
        items = CatalogImage.objects.select_related("creator", "collection").in_bulk([pk for pk, _ in ranked])
        hits = []
        for pk, score in ranked:
            if pk not in items:
                continue  # deleted since it was indexed: update_index will tidy up
            if image_scores is not None:
                match = image_scores[pk]
                score = (score or match.score) - copy_bonus(match)
                matched_words = words and score >= TEXT_BONUS
                hits.append(Hit(items[pk], float(score), 1.0 if matched_words else None, match.score, match))
            elif query.palette:
                hits.append(Hit(items[pk], float(score or 0), color_score=round(100 * float(score or 0), 1)))
            else:
                hits.append(Hit(items[pk], float(score or 0), float(score) if words and score else None))
        return hits

    def _facets(self, response) -> dict[str, list[FacetValue]]:
        return {
            name: facet_values(name, ((b.key, b.doc_count) for b in getattr(response.aggregations, name).buckets))
            for name in self.facet_fields
        }

    def candidates(self, query: SearchQuery, image_scores: dict[int, Match]):
        """The image candidates a search may return: words narrow the look-alikes as filters do, and a copy
        of the query image stays whatever the words (as the database backend has it)."""
        if not terms(query.text):
            return Q("ids", values=[str(pk) for pk in image_scores])
        copies = [str(pk) for pk, match in image_scores.items() if match.kind == COPY]
        lookalikes = [str(pk) for pk, match in image_scores.items() if match.kind != COPY]
        worded = Q("bool", filter=[Q("ids", values=lookalikes), self.text_query(query.text)])
        return Q("bool", should=[Q("ids", values=copies), worded], minimum_should_match=1)

    def _unknown_years(self, query: SearchQuery, image_scores) -> int:
        no_age = dataclasses.replace(query.filters, year_from=None, year_to=None)
        clauses = filter_clauses(no_age)
        if image_scores is not None:
            clauses.append(self.candidates(query, image_scores))
        must = [self.text_query(query.text)] if terms(query.text) and image_scores is None else []
        search = Search(using=self.client, index=self.alias).query(
            Q("bool", filter=clauses, must=must, must_not=[Q("exists", field="year")])
        )
        return self._call(search.count)


def copy_bonus(match: Match) -> float:
    return COPY_BONUS if match.kind == COPY else 0.0


def _alias_missing(error: BaseException | None) -> bool:
    """Whether an Elasticsearch error says the index or alias we wrote to or read from does not exist."""
    if isinstance(error, helpers.BulkIndexError):
        return any("index_not_found" in str(row) for row in error.errors)
    return isinstance(error, NotFoundError) and "index_not_found" in str(error)


SearchBackend = ElasticsearchSearchBackend
