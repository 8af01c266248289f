"""Full-text search inside the catalog database: SQLite FTS5, PostgreSQL full text, or a plain fallback.

Words match whole words by their stem ("cats" finds "cat", "painting" finds "paintings", "cat" does
not find "catalog"), accents folded ("Degas" finds "Dégas"), weighted title > creator > tags >
description > suggested tags. SQLite's FTS5 and the fallback stem with Porter's algorithm (FTS5's
`porter` tokenizer, and `stem` here, which agree word for word), as Elasticsearch's english stemmer
does; PostgreSQL with its english configuration (Snowball English, Porter's later revision: a few
words differ, "skies" is "sky" there and "ski" here). The embedded default picks its strategy from
the database vendor.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

import snowballstemmer
from django.contrib.postgres.search import SearchQuery as PgQuery
from django.contrib.postgres.search import SearchRank, SearchVector, SearchVectorExact
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import CombinedExpression, Func, RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan

from catalog import suggestions
from catalog.models import CatalogImage
from search.models import TextDocument

MAX_TERMS = 12
# Suggested tags (catalog.SuggestedTag) count least. They are a column of their own, so every word must
# match somewhere, curated or suggested. A picture whose curated text matches ranks in a tier above every
# picture found by suggested words alone; the confidence of the matching suggested words (summed, times
# SUGGESTED_RANK) orders the pictures nobody tagged, surest first, and breaks ties within the tier.
WEIGHTS = {"title": 10.0, "creator": 5.0, "tags": 3.0, "description": 1.0, "suggested": 0.2}
CURATED_TIER = 100.0
SUGGESTED_RANK = 0.1
WORD = re.compile(r"[^\W_]+")  # runs of letters and digits: how FTS5's unicode61 tokenizer splits text
POSSESSIVE = re.compile(r"['’]s\b")


def fold(text: str) -> str:
    """Lower case without accents: "Dégas" -> "degas"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """A text's words, folded."""
    return WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    """The words of a user's query, folded, possessives dropped ("Monet's" is "monet"); punctuation and
    operators are never passed through."""
    return words(POSSESSIVE.sub("", text))[:MAX_TERMS]


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A folded word's stem as FTS5's porter tokenizer makes it: "paintings" -> "paint", "harbours" ->
    "harbour". Like that tokenizer it leaves words under 3 or over 64 letters, and words with a letter
    outside ASCII, as they are. (A stemmer keeps state while it works: one per word, so threads may share
    this. Stemming is slow in pure Python, about 25 µs a word: the words seen most are remembered.)"""
    if not 3 <= len(word) <= 64 or not word.isascii():
        return word
    return snowballstemmer.stemmer("porter").stemWord(word)


def stems(text: str) -> set[str]:
    return {stem(word) for word in words(text)}


def suggested_text(item: CatalogImage) -> str:
    """The item's suggested tags public search may use, as indexed text."""
    return " ".join(term for term, _ in suggestions.public_terms(item))


def suggested_confidence(match) -> Coalesce:
    """The summed confidence of an item's public suggested tags that `match` (a filter on their rows) keeps."""
    rows = (
        suggestions.public_rows()
        .filter(match, image=OuterRef("pk"))
        .values("image")
        .annotate(total=Sum("confidence"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=FloatField()), Value(0.0))


def tiered_rank(curated, suggested_match) -> CombinedExpression:
    """`curated` (the curated text's rank, above 0 when a curated word matched) in a tier above every
    picture found by suggested words alone, plus the confidence of the suggested words that match."""
    tier = Case(When(GreaterThan(curated, 0), then=Value(CURATED_TIER) + curated), default=Value(0.0))
    return tier + Value(SUGGESTED_RANK) * suggested_confidence(suggested_match)


def matching_terms(rows: QuerySet, wanted: set[str]) -> list[str]:
    """The distinct suggested terms of `rows` (SuggestedTag rows) with a word whose stem is `wanted`."""
    found = rows.order_by().values_list("term", flat=True).distinct()
    return sorted(term for term in found if stems(term) & wanted)


def listed(ids: Iterable[int]) -> RawSQL:
    """`ids` for an `__in` filter, written into the SQL: a search may find more than SQLite takes as parameters."""
    return RawSQL("VALUES " + ",".join(f"({int(pk)})" for pk in ids), [])  # noqa: S611 (integers only)


def document(item: CatalogImage) -> dict[str, str]:
    return {
        "title": item.title,
        "creator": item.creator.name if item.creator is not None else "",
        "tags": item.tags.replace(",", " "),
        "description": item.description,
        "suggested": suggested_text(item),
    }


class TextSearch:
    """Plain fallback (SQLite without FTS5; a system check warns): every word's stem must be in some field.

    It reads the text of every item the filters leave and compares stems in Python, as FTS5 would:
    the same answers as the other strategies, in time that grows with the catalog.
    """

    columns = {"title": "title", "creator": "creator__name", "tags": "tags", "description": "description"}

    def index(self, items: Iterable[CatalogImage]) -> None:
        """Nothing to keep: the fallback reads the catalog columns directly."""

    def remove(self, ids: Iterable[int]) -> None:
        """Nothing to remove."""

    def clear(self) -> None:
        """Nothing to clear."""

    def matches(self, queryset: QuerySet, text: str) -> tuple[dict[int, float], list[str]]:
        """The items of `queryset` with every word somewhere, each with the summed weights of the curated
        fields its words are in; and the suggested terms that have a word."""
        wanted = {stem(word) for word in terms(text)}
        public = suggestions.public_rows().filter(image__in=queryset.values("pk"))
        having = matching_terms(public, wanted)
        machine: dict[int, set[str]] = defaultdict(set)  # item -> the wanted stems in its suggested terms
        for pk, term in public.filter(term__in=having).values_list("image_id", "term"):
            machine[pk] |= stems(term) & wanted
        found = {}
        for pk, *texts in queryset.values_list("pk", *self.columns.values()):
            fields = {name: stems(value or "") & wanted for name, value in zip(self.columns, texts, strict=True)}
            if wanted <= machine[pk].union(*fields.values()):
                found[pk] = sum(WEIGHTS[name] * len(field) for name, field in fields.items())
        return found, having

    def filter(self, queryset: QuerySet, text: str) -> QuerySet:
        found, _ = self.matches(queryset, text)
        return queryset.filter(pk__in=listed(found)) if found else queryset.none()

    def ranked(self, queryset: QuerySet, text: str) -> QuerySet:
        """The items matching every word, with their `text_rank`."""
        found, machine_terms = self.matches(queryset, text)
        if not found:
            return queryset.none().annotate(text_rank=Value(0.0, output_field=FloatField()))
        by_weight = defaultdict(list)
        for pk, weight in found.items():
            by_weight[weight].append(pk)
        weights = [When(pk__in=listed(pks), then=Value(weight)) for weight, pks in by_weight.items()]
        curated = Case(*weights, default=Value(0.0), output_field=FloatField())
        rank = tiered_rank(curated, Q(term__in=machine_terms))
        return queryset.filter(pk__in=listed(found)).annotate(text_rank=rank)


class SQLiteFTS5(TextSearch):
    """An FTS5 table beside the catalog, with the porter tokenizer (migration search.0007 on SQLite)."""

    table = "search_fts"

    def index(self, items: Iterable[CatalogImage]) -> None:
        items = list(items)
        if not items:
            return
        with connection.cursor() as cursor:
            self._delete(cursor, [item.pk for item in items])
            cursor.executemany(
                f"INSERT INTO {self.table} (rowid, title, creator, tags, description, suggested) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(item.pk, *document(item).values()) for item in items],
            )

    def remove(self, ids: Iterable[int]) -> None:
        with connection.cursor() as cursor:
            self._delete(cursor, list(ids))

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")  # noqa: S608

    def _delete(self, cursor, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(f"DELETE FROM {self.table} WHERE rowid IN ({','.join(['%s'] * len(chunk))})", chunk)  # noqa: S608

    def _matching(self, expression: str) -> RawSQL:
        # A subquery SQLite runs once, where a join would run the MATCH per row when counting.
        return RawSQL(f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s", [expression])  # noqa: S608, S611

    @staticmethod
    def expression(text: str) -> str:
        """Every word, in any column (quoted: no user operators; the tokenizer stems it as it stemmed the text)."""
        return " AND ".join(f'"{word}"' for word in terms(text))

    def filter(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(pk__in=self._matching(self.expression(text)))

    def ranked(self, queryset: QuerySet, text: str) -> QuerySet:
        query_words = terms(text)
        weights = ", ".join(str(weight if name != "suggested" else 0) for name, weight in WEIGHTS.items())
        # The suggested column's weight is 0 here: bm25 ranks the curated words only.
        curated = RawSQL(f"-bm25({self.table}, {weights})", [], output_field=FloatField())  # noqa: S611
        # The suggested terms that match, found among those of the items whose suggested column has a word.
        having = self._matching("suggested : (" + " OR ".join(f'"{word}"' for word in query_words) + ")")
        public = suggestions.public_rows().filter(image__in=having)
        machine_terms = matching_terms(public, {stem(word) for word in query_words})
        return queryset.extra(  # noqa: S610 (FTS5's MATCH and bm25 have no ORM expression)
            tables=[self.table],
            where=[f"{self.table}.rowid = catalog_catalogimage.id", f"{self.table} MATCH %s"],
            params=[self.expression(text)],
        ).annotate(text_rank=tiered_rank(curated, Q(term__in=machine_terms)))


class PostgresFullText(TextSearch):
    """A weighted tsvector per item in search.TextDocument, with a GIN index (migration search.0003)."""

    config = "english"

    def index(self, items: Iterable[CatalogImage]) -> None:
        for item in items:
            fields = {name: fold(value) for name, value in document(item).items()}
            vector = (
                SearchVector(Value(fields["title"]), weight="A", config=self.config)
                + SearchVector(Value(fields["creator"]), weight="B", config=self.config)
                + SearchVector(Value(fields["tags"]), weight="C", config=self.config)
                + SearchVector(Value(fields["description"]), weight="D", config=self.config)
            )
            suggested = SearchVector(Value(fields["suggested"]), weight="D", config=self.config)
            TextDocument.objects.update_or_create(image_id=item.pk, defaults={"vector": vector, "suggested": suggested})

    def remove(self, ids: Iterable[int]) -> None:
        TextDocument.objects.filter(image_id__in=list(ids)).delete()

    def clear(self) -> None:
        TextDocument.objects.all().delete()

    def query(self, words: list[str], operator: str = " & ") -> PgQuery:
        return PgQuery(operator.join(words), search_type="raw", config=self.config)

    def filter(self, queryset: QuerySet, text: str) -> QuerySet:
        """Each word, by its stem, in the curated text or the suggested tags (GIN indexes on both). A word the
        english dictionary leaves out as too common ("the", "of") is no condition: it is in no vector."""
        return queryset.filter(*(
            Q(text_document__vector=self.query([word])) | Q(text_document__suggested=self.query([word]))
            | Q(Exact(Func(self.query([word]), function="numnode", output_field=IntegerField()), 0))
            for word in terms(text)
        ))  # fmt: skip

    def ranked(self, queryset: QuerySet, text: str) -> QuerySet:
        any_word = self.query(terms(text), " | ")  # ranks above 0 when any word is curated
        curated = SearchRank(F("text_document__vector"), any_word, weights=[0.1, 0.3, 0.6, 1.0])
        machine = SearchVectorExact(SearchVector("term", config=self.config), any_word)  # the database's stems
        return self.filter(queryset, text).annotate(text_rank=tiered_rank(Coalesce(curated, Value(0.0)), machine))


def text_search_for_vendor() -> TextSearch:
    if connection.vendor == "postgresql":
        return PostgresFullText()
    if connection.vendor == "sqlite" and has_fts5_table():
        return SQLiteFTS5()
    return TextSearch()


def has_fts5_table() -> bool:
    """Whether migrations could create the FTS5 table (SQLite built without FTS5 cannot)."""
    return SQLiteFTS5.table in connection.introspection.table_names()
