"""Did you mean: a words search that found nothing, with each word replaced by the closest catalog word.

The catalog's own vocabulary: the words of published items' titles, tags, creators and collections,
read from the database whatever the search backend. PostgreSQL ranks them by trigram similarity
(pg_trgm) in one query; elsewhere the vocabulary is read once per catalog version (kept in the cache)
and ranked by difflib's ratio. A suggestion only advises: searches never guess (a misspelt word finds
nothing), and the page offers a suggestion only when it finds something.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from catalog.models import CatalogImage
from search.backends.dbtext import terms, words
from search.service import candidates_version

MIN_LENGTH = 3  # shorter words are left as they are: too many words are one letter away


@dataclass(frozen=True)
class Thresholds:
    """How alike a catalog word must be to a query word to be suggested for it."""

    ratio: float = 0.75  # difflib's ratio: "harbuor" and "harbour" are 0.86, "cat" and "car" 0.67
    trigrams: float = 0.3  # pg_trgm's similarity (its own default threshold)


def suggestion(text: str, thresholds: Thresholds = Thresholds()) -> str:
    """`text`'s words, each replaced by the closest catalog word; "" when no word would change."""
    query = terms(text)
    closest = trigram_closest if connection.vendor == "postgresql" else vocabulary_closest
    replaced = [closest(word, thresholds) or word if len(word) >= MIN_LENGTH else word for word in query]
    return " ".join(replaced) if replaced != query else ""


def vocabulary() -> Counter[str]:
    """Each catalog word with the number of published items using it, kept while the catalog is unchanged."""
    key = f"spelling:vocabulary:{candidates_version()}"
    found = cache.get(key)
    if found is None:
        found = Counter()
        rows = CatalogImage.objects.published().values_list("title", "tags", "creator__name", "collection__name")
        for row in rows.iterator(chunk_size=2000):
            found.update({word for field in row if field for word in words(field) if len(word) >= MIN_LENGTH})
        cache.set(key, found, 3600)
    return found


def vocabulary_closest(word: str, thresholds: Thresholds) -> str | None:
    """The catalog word most like `word` (itself when the catalog has it), the more common one on a tie."""
    known = vocabulary()
    if word in known:
        return word
    close = difflib.get_close_matches(word, known, n=5, cutoff=thresholds.ratio)
    score = lambda other: (difflib.SequenceMatcher(None, word, other).ratio(), known[other])  # noqa: E731
    return max(close, key=score, default=None)


# Words of the same fields as `vocabulary`, by ts_stat over a constant query (nothing of the user's in it).
PUBLISHED_WORDS = (
    "SELECT to_tsvector('simple', concat_ws(' ', i.title, replace(i.tags, ',', ' '), c.name, k.name)) "
    "FROM catalog_catalogimage i LEFT JOIN catalog_creator c ON c.id = i.creator_id "
    "LEFT JOIN catalog_collection k ON k.id = i.collection_id WHERE i.status = 'published'"
)


def trigram_closest(word: str, thresholds: Thresholds) -> str | None:
    """PostgreSQL: the catalog word of highest trigram similarity to `word`, the more common one on a tie."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat(%s) WHERE length(word) >= %s AND similarity(word, %s) >= %s "
            "ORDER BY similarity(word, %s) DESC, ndoc DESC, word LIMIT 1",
            [PUBLISHED_WORDS, MIN_LENGTH, word, thresholds.trigrams, word],
        )
        row = cursor.fetchone()
    return row[0] if row else None
