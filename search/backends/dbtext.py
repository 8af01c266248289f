"""Full-text search inside the catalog database: SQLite FTS5, PostgreSQL full text, or a plain fallback.

Weighted title > creator > tags > description > suggested tags, prefix matching ("harb" finds
"harbour"), accents folded ("Degas" finds "Dégas"). The embedded default picks its strategy from
the database vendor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery as PgQuery
from django.contrib.postgres.search import SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import CombinedExpression, RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

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


def fold(text: str) -> str:
    """Lower case without accents: "Dégas" -> "degas"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def terms(text: str) -> list[str]:
    """The words of a user's query, folded; punctuation and operators are never passed through."""
    return re.findall(r"\w+", fold(text))[:MAX_TERMS]


def suggested_text(item: CatalogImage) -> str:
    """The item's suggested tags public search may use, as indexed text."""
    return " ".join(term for term, _ in suggestions.public_terms(item))


def word_forms(word: str) -> list[str]:
    """A query word and its singular: suggested tags are whole words ("bird" is not "birdhouse"), singular."""
    forms = [word]
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 3 and word.endswith("s"):
        forms.append(word[:-1])
    return forms


def suggested_confidence(words: list[str]) -> Coalesce:
    """The summed confidence of an item's public suggested tags that are any of `words` (or their singular)."""
    match = Q(term__in=[form for word in words for form in word_forms(word)])
    rows = (
        suggestions.public_rows()
        .filter(match, image=OuterRef("pk"))
        .values("image")
        .annotate(total=Sum("confidence"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=FloatField()), Value(0.0))


def tiered_rank(curated, text: str) -> CombinedExpression:
    """`curated` (the curated text's rank, above 0 when a curated word matched) in a tier above every
    picture found by suggested words alone, plus the confidence of the suggested words that match."""
    tier = Case(When(GreaterThan(curated, 0), then=Value(CURATED_TIER) + curated), default=Value(0.0))
    return tier + Value(SUGGESTED_RANK) * suggested_confidence(terms(text))


def document(item: CatalogImage) -> dict[str, str]:
    return {
        "title": item.title,
        "creator": item.creator.name if item.creator is not None else "",
        "tags": item.tags.replace(",", " "),
        "description": item.description,
        "suggested": suggested_text(item),
    }


class TextSearch:
    """Plain fallback: every word must occur (as a prefix-free substring) in some field."""

    def index(self, items: Iterable[CatalogImage]) -> None:
        """Nothing to keep: the fallback reads the catalog columns directly."""

    def remove(self, ids: Iterable[int]) -> None:
        """Nothing to remove."""

    def clear(self) -> None:
        """Nothing to clear."""

    def filter(self, queryset: QuerySet, text: str) -> QuerySet:
        words = terms(text)
        if not words:
            return queryset
        fields = {"title": "title", "creator": "creator__name", "tags": "tags", "description": "description"}

        def suggested(word: str) -> Exists:  # whole words, as in the other strategies
            return Exists(suggestions.public_rows().filter(image=OuterRef("pk"), term__in=word_forms(word)))

        for word in words:
            queryset = queryset.filter(
                Q(*(Q(**{f"{path}__icontains": word}) for path in fields.values()), suggested(word), _connector=Q.OR)
            )
        rank = sum(
            (Case(When(**{f"{path}__icontains": words[0]}, then=Value(WEIGHTS[name])), default=Value(0.0)))
            for name, path in fields.items()
        ) + Case(When(suggested(words[0]), then=Value(WEIGHTS["suggested"])), default=Value(0.0))
        return queryset.annotate(text_rank=Coalesce(rank, Value(0.0), output_field=FloatField()))

    def ranked(self, queryset: QuerySet, text: str) -> QuerySet:
        """The items matching every word, with their `text_rank` (here the one `filter` gives)."""
        return self.filter(queryset, text)


class SQLiteFTS5(TextSearch):
    """An FTS5 table beside the catalog (created by migration search.0003 on SQLite)."""

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

    @staticmethod
    def expression(text: str) -> str:
        """Each word by prefix in the curated columns, or whole in the suggested one (quoted: no user operators)."""
        clauses = []
        for word in terms(text):
            prefix = " OR ".join(f'"{form}"*' for form in word_forms(word))  # "harbours" finds "harbour" too
            whole = " OR ".join(f'"{form}"' for form in word_forms(word))
            clauses.append(f"({{title creator tags description}} : ({prefix}) OR suggested : ({whole}))")
        return " AND ".join(clauses)

    def filter(self, queryset: QuerySet, text: str) -> QuerySet:
        # A subquery SQLite runs once, where a join would run the MATCH per row when counting.
        matches = RawSQL(f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s", [self.expression(text)])  # noqa: S608, S611
        return queryset.filter(pk__in=matches)

    def ranked(self, queryset: QuerySet, text: str) -> QuerySet:
        weights = ", ".join(str(weight if name != "suggested" else 0) for name, weight in WEIGHTS.items())
        # The suggested column's weight is 0 here: bm25 ranks the curated words only.
        curated = RawSQL(f"-bm25({self.table}, {weights})", [], output_field=FloatField())  # noqa: S611
        return queryset.extra(  # noqa: S610 (FTS5's MATCH and bm25 have no ORM expression)
            tables=[self.table],
            where=[f"{self.table}.rowid = catalog_catalogimage.id", f"{self.table} MATCH %s"],
            params=[self.expression(text)],
        ).annotate(text_rank=tiered_rank(curated, text))


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
        """Each word by prefix in the curated text, or whole in the suggested tags (GIN indexes on both)."""
        return queryset.filter(*(
            Q(text_document__vector=self.query([f"{word}:*"]))
            | Q(text_document__suggested=self.query(word_forms(word), " | "))
            for word in terms(text)
        ))  # fmt: skip

    def ranked(self, queryset: QuerySet, text: str) -> QuerySet:
        any_word = self.query([f"{word}:*" for word in terms(text)], " | ")  # ranks above 0 when any word is curated
        curated = SearchRank(F("text_document__vector"), any_word, weights=[0.1, 0.3, 0.6, 1.0])
        return self.filter(queryset, text).annotate(text_rank=tiered_rank(Coalesce(curated, Value(0.0)), text))


def text_search_for_vendor() -> TextSearch:
    if connection.vendor == "postgresql":
        return PostgresFullText()
    if connection.vendor == "sqlite" and has_fts5_table():
        return SQLiteFTS5()
    return TextSearch()


def has_fts5_table() -> bool:
    """Whether migrations could create the FTS5 table (SQLite built without FTS5 cannot)."""
    return SQLiteFTS5.table in connection.introspection.table_names()
