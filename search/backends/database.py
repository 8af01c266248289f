"""The embedded default backend: keywords, filters and facets as queries on the catalog database."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from math import inf

from django.db.models import Aggregate, Case, Count, F, Q, QuerySet, Sum, Value, When

from catalog.models import CatalogImage, LicenseType, Status
from matching.algorithms.fingerprint import COLOR_NAMES
from matching.index.colors import ColorIndex
from matching.providers import COPY, SIMILAR, Match
from search.backends.base import BaseSearchBackend
from search.backends.dbtext import TextSearch, terms, text_search_for_vendor
from search.colors import COLOR_FLOOR, MAX_COLOR_CANDIDATES, QueryColors, blend, color_scores
from search.facets import facet_values
from search.query import (
    FORMATS,
    ORIENTATIONS,
    SIZE_BUCKETS,
    UNKNOWN_YEAR,
    FacetValue,
    Filters,
    Hit,
    SearchQuery,
    SearchResults,
    century_label,
)


def filtered(filters: Filters) -> QuerySet:
    """The catalog narrowed by every filter (the meaning all backends share)."""
    queryset = CatalogImage.objects.all() if filters.include_drafts else CatalogImage.objects.published()
    if filters.colors:  # every chosen colour must cover a meaningful share
        mask = sum(1 << COLOR_NAMES.index(color) for color in filters.colors)
        queryset = queryset.alias(chosen_colors=F("color_mask").bitand(mask)).filter(chosen_colors=mask)
    if filters.min_width:
        queryset = queryset.filter(width__gte=filters.min_width)
    if filters.min_height:
        queryset = queryset.filter(height__gte=filters.min_height)
    if filters.min_megapixels:
        queryset = queryset.annotate(pixels=F("width") * F("height")).filter(
            pixels__gte=filters.min_megapixels * 1_000_000
        )
    if filters.orientation:
        queryset = queryset.filter(orientation=filters.orientation)
    if filters.formats:
        queryset = queryset.filter(format__in=filters.formats)
    if filters.year_from is not None:
        queryset = queryset.filter(year__gte=filters.year_from)
    if filters.year_to is not None:
        queryset = queryset.filter(year__lte=filters.year_to)
    if filters.licenses:
        queryset = queryset.filter(license_type__in=filters.licenses)
    if filters.collection:
        queryset = queryset.filter(collection_id=filters.collection)
    if filters.added_since:
        queryset = queryset.filter(created_at__gte=filters.added_since)
    return queryset


class DatabaseSearchBackend(BaseSearchBackend):
    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._text: TextSearch | None = None
        self._colors: ColorIndex | None = None

    @property
    def colors(self) -> ColorIndex:
        """Every picture's colour signature in memory, built on the first colour query."""
        if self._colors is None:
            self._colors = ColorIndex()
        return self._colors

    @property
    def text(self) -> TextSearch:
        if self._text is None:  # chosen on first use: the database connection is not there at import
            self._text = text_search_for_vendor()
        return self._text

    def index(self, items: Iterable[CatalogImage]) -> None:
        self.text.index(items)

    def remove(self, ids: Iterable[int]) -> None:
        self.text.remove(ids)

    def clear(self) -> None:
        self.text.clear()

    # --- searching --------------------------------------------------------------------------

    def search(self, query: SearchQuery, image_scores: dict[int, Match] | None = None) -> SearchResults:
        if query.text and not terms(query.text):
            query = dataclasses.replace(query, text="")  # only punctuation: no words to look for
        if query.palette:
            return self._color_search(query, image_scores)
        if image_scores is not None:
            return self._image_search(query, image_scores)
        base = filtered(query.filters)
        matching = self.text.filter(base, query.text) if query.text else base
        facets, matched = self.facets(matching)
        ranked = self.text.ranked(base, query.text) if query.text else base
        hits = self._text_hits(query, ranked)
        unknown = 0
        if query.filters.filters_age:
            no_age = dataclasses.replace(query.filters, year_from=None, year_to=None)
            unknown_base = filtered(no_age).filter(year__isnull=True)
            unknown = (self.text.filter(unknown_base, query.text) if query.text else unknown_base).count()
        return SearchResults(hits, matched, facets, query.page, query.page_size, unknown)

    def _text_hits(self, query: SearchQuery, ranked: QuerySet) -> list[Hit]:
        ordered = ranked.select_related("creator", "collection").order_by(*self._order(query))
        page = list(ordered[query.offset : query.offset + query.page_size])
        return [
            Hit(item, float(getattr(item, "text_rank", 0.0) or 0.0), getattr(item, "text_rank", None)) for item in page
        ]

    @staticmethod
    def _order(query: SearchQuery) -> list:
        by_year = [F("year").asc(nulls_last=True), "pk"]
        orders = {
            "newest": [F("year").desc(nulls_last=True), "-pk"],
            "oldest": by_year,
            "largest": [(F("width") * F("height")).desc(), "-pk"],
        }
        if query.sort in orders:
            return orders[query.sort]
        return ["-text_rank", "-pk"] if query.text else ["-created_at", "-pk"]

    def _image_search(self, query: SearchQuery, image_scores: dict[int, Match]) -> SearchResults:
        """Image candidates that pass the filters, those that also match the words first, each in the
        provider's order; the page is cut here, after ordering, so no candidate is lost.

        A few hundred candidates at most: their facts are read once by primary key, and the filters,
        the facets and the count of unknown years are worked out here. In SQL, SQLite's planner
        scanned the facets index for them (growing with the catalog), and the facet query's forty
        aggregates cost more to build in the ORM than to run on so few rows. `row_filter` is `filtered`
        for one row (tests hold the two to the same answers). Facets count the candidates that pass
        the filters and match the words.
        """
        filters = query.filters
        # By primary key, whatever the planner, and unordered: the model's default order cost a sort (and,
        # with the page's joins, as much again as the read) for rows that are ordered here anyway.
        candidates = CatalogImage.objects.filter(pk__in=list(image_scores)).order_by()
        ranks = dict(self.text.ranked(candidates, query.text).values_list("pk", "text_rank")) if query.text else {}
        read = list(candidates.values_list("pk", *FACET_COLUMNS, "status", "created_at", "collection_id"))
        no_age = row_filter(dataclasses.replace(filters, year_from=None, year_to=None))
        # Words narrow the look-alikes as filters do; a copy of the query image stays whatever the words.
        rows = [row for row in read if no_age(*row[1:]) and (not query.text or row[0] in ranks
                                                             or image_scores[row[0]].kind == COPY)]  # fmt: skip
        unknown = sum(1 for row in rows if row[6] is None) if filters.filters_age else 0
        if filters.filters_age:
            passes = row_filter(filters)
            rows = [row for row in rows if passes(*row[1:])]
        facets = count_facets(row[1:8] for row in rows)
        facts = {row[0]: (row[6], row[4] * row[5]) for row in rows}  # year, pixels
        ids = [row[0] for row in rows]
        if query.sort == "newest":
            ids.sort(key=lambda pk: (facts[pk][0] is None, -(facts[pk][0] or 0), -image_scores[pk].score))
        elif query.sort == "oldest":
            ids.sort(key=lambda pk: (facts[pk][0] is None, facts[pk][0] or 0, -image_scores[pk].score))
        elif query.sort == "largest":
            ids.sort(key=lambda pk: (-facts[pk][1], -image_scores[pk].score))
        else:
            # Copies first, then look-alikes; in each, those that also match the words first.
            ids.sort(key=lambda pk: (image_scores[pk].kind != COPY, pk not in ranks, -image_scores[pk].score, pk))
        page_ids = ids[query.offset : query.offset + query.page_size]
        page = CatalogImage.objects.select_related("creator", "collection").filter(pk__in=page_ids).order_by()
        items = {item.pk: item for item in page}
        hits = []
        for pk in page_ids:
            match = image_scores[pk]
            bonus = 100.0 if pk in ranks else 0.0  # text-matching image hits rank above the rest
            hits.append(Hit(items[pk], match.score + bonus, ranks.get(pk), match.score, match))
        return SearchResults(hits, len(ids), facets, query.page, query.page_size, unknown)

    def _color_search(self, query: SearchQuery, image_scores: dict[int, Match] | None) -> SearchResults:
        """Ranked by colour: the MAX_COLOR_CANDIDATES pictures most covered by the query's colours (or, with a
        query image, its candidates by image score plus colour score), filtered, counted and paged as image
        candidates are; words narrow them."""
        if image_scores is None:
            colors = QueryColors.of(query.palette)
            found = dict(self.colors.top(colors.labs, colors.weights, MAX_COLOR_CANDIDATES, COLOR_FLOOR))
            ranked = {
                pk: Match(pk, 100 * value, details={"method": "color"}, kind=SIMILAR) for pk, value in found.items()
            }
        else:
            found = color_scores(image_scores, query.palette)
            ranked = {
                pk: dataclasses.replace(m, score=blend(m.score, found.get(pk, 0.0))) for pk, m in image_scores.items()
            }
        results = self._image_search(query, ranked)
        hits = []
        for hit in results.hits:
            image = image_scores[hit.item.pk] if image_scores is not None else None
            hits.append(dataclasses.replace(hit, similarity=image.score if image else None, match=image,
                                            color_score=round(100 * found.get(hit.item.pk, 0.0), 1)))  # fmt: skip
        return dataclasses.replace(results, hits=hits)

    # --- facets -----------------------------------------------------------------------------

    def facets(self, matching: QuerySet) -> tuple[dict[str, list[FacetValue]], int]:
        """Counts per value over the whole filtered result set, in one scan.

        Grouped by age bucket only (a few dozen groups); every other facet is a conditional count
        inside the groups, summed here. Grouping by all facet columns at once would make a group
        per combination, and a temporary B-tree the size of the result set.
        """
        pixels = F("width") * F("height")
        age = Case(
            When(year__isnull=True, then=Value(None)),
            When(year__gte=1930, then=F("year") / 10 * 10),
            When(year__lt=0, then=(F("year") - 99) / 100 * 100),  # SQL division truncates; centuries BC floor
            default=F("year") / 100 * 100,
        )
        counts: dict[str, Aggregate] = {f"format:{f}": Count("pk", filter=Q(format=f)) for f in FORMATS}
        counts |= {f"orientation:{o}": Count("pk", filter=Q(orientation=o)) for o in ORIENTATIONS}
        counts |= {f"license:{k}": Count("pk", filter=Q(license_type=k)) for k, _ in LicenseType.choices}
        counts |= {
            f"size:{value}": Count(
                "pk", filter=Q(pixels__gte=low * 1_000_000) & (Q(pixels__lt=high * 1_000_000) if high != inf else Q())
            )
            for value, _, low, high in SIZE_BUCKETS
        }
        counts |= {f"color:{name}": Sum(F("color_mask").bitand(1 << i)) for i, name in enumerate(COLOR_NAMES)}
        rows = matching.order_by().annotate(pixels=pixels, age=age).values("age").annotate(n=Count("pk"), **counts)
        totals: Counter[str] = Counter()
        ages: Counter[int | None] = Counter()
        for row in rows:
            ages[row["age"]] += row["n"]
            for key, value in row.items():
                if ":" in key:
                    totals[key] += value or 0
        for i, name in enumerate(COLOR_NAMES):
            totals[f"color:{name}"] >>= i  # summed bit values back to counts
        return facets_from(totals, ages), sum(ages.values())


FACET_COLUMNS = ("format", "orientation", "license_type", "width", "height", "year", "color_mask")


def row_filter(filters: Filters):
    """`filtered` for one row of FACET_COLUMNS plus status, created_at and collection_id: a predicate for a few rows."""
    mask = sum(1 << COLOR_NAMES.index(color) for color in filters.colors)

    def passes(fmt, orientation, license_type, width, height, year, color_mask, status, created_at,
               collection_id=None) -> bool:  # fmt: skip
        return all((
            filters.include_drafts or status == Status.PUBLISHED,
            color_mask & mask == mask,
            not filters.min_width or width >= filters.min_width,
            not filters.min_height or height >= filters.min_height,
            not filters.min_megapixels or width * height >= filters.min_megapixels * 1_000_000,
            not filters.orientation or orientation == filters.orientation,
            not filters.formats or fmt in filters.formats,
            filters.year_from is None or (year is not None and year >= filters.year_from),
            filters.year_to is None or (year is not None and year <= filters.year_to),
            not filters.licenses or license_type in filters.licenses,
            not filters.collection or collection_id == filters.collection,
            not filters.added_since or created_at >= filters.added_since,
        ))  # fmt: skip

    return passes


FACET_KEYS = (
    [f"format:{f}" for f in FORMATS] + [f"orientation:{o}" for o in ORIENTATIONS]
    + [f"license:{k}" for k, _ in LicenseType.choices] + [f"size:{v}" for v, *_ in SIZE_BUCKETS]
    + [f"color:{name}" for name in COLOR_NAMES]
)  # fmt: skip


def age_bucket(year: int | None) -> int | None:
    """The decade from 1930, the century before (as the facet query groups them)."""
    if year is None:
        return None
    return year // 10 * 10 if year >= 1930 else year // 100 * 100


def count_facets(rows: Iterable[tuple]) -> dict[str, list[FacetValue]]:
    """The facets of a few rows of FACET_COLUMNS, counted in Python: what `facets()` counts in SQL."""
    totals: Counter[str] = Counter()
    ages: Counter[int | None] = Counter()
    masks: Counter[int] = Counter()
    for fmt, orientation, license_type, width, height, year, color_mask in rows:
        ages[age_bucket(year)] += 1
        totals[f"format:{fmt}"] += 1
        totals[f"orientation:{orientation}"] += 1
        totals[f"license:{license_type}"] += 1
        pixels = width * height
        for value, _, low, high in SIZE_BUCKETS:
            if low * 1_000_000 <= pixels < high * 1_000_000:
                totals[f"size:{value}"] += 1
                break
        masks[color_mask] += 1
    for mask, n in masks.items():
        for i, name in enumerate(COLOR_NAMES):
            if mask >> i & 1:
                totals[f"color:{name}"] += n
    return facets_from(Counter({key: totals[key] for key in FACET_KEYS}), ages)


def facets_from(totals: Counter, ages: Counter) -> dict[str, list[FacetValue]]:
    def counts(prefix: str) -> list[tuple[str, int]]:
        return [(key.split(":", 1)[1], n) for key, n in totals.items() if key.startswith(prefix + ":")]

    facets = {name: facet_values(name, counts(name)) for name in ("color", "format", "orientation", "size", "license")}
    ages_by_value = [(UNKNOWN_YEAR if start is None else century_label(start)[0], n) for start, n in ages.items()]
    facets["century"] = facet_values("century", ages_by_value)
    return facets


SearchBackend = DatabaseSearchBackend
