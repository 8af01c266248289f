"""Suggested tags: the look-alike model's words for an image, kept apart from the curated tags.

Ingest stores them (`replace`); staff accept them into the curated tags or hide them (`accept`,
`hide`, `show`). Saving or deleting a suggestion one by one sends the usual signal, so the search
indexes follow; `replace` and `add_new` write in bulk without signals, as they run inside ingest and
indexing, which index the item afterwards anyway.

Calibration. The classifier knows a thousand photo classes; on paintings and drawings it spreads its
belief over whatever looks closest ("device", "instrument", "clothing"), the same few words on picture
after picture. A word is therefore judged against the catalog: its `expected` confidence is the mean
over every item (SuggestedTermStats, smoothed towards the word's share of the classes while the
catalog is small), and public search uses it only where the picture holds at least LIFT times that,
and at least PUBLIC of the model's belief. Both were chosen on bench/suggested_tags.py
(docs/benchmarks.md): the fewest hits of absent subjects with at least 95% of machine-word hits right.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, FloatField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog.models import CatalogImage, SuggestedTag, SuggestedTermStats
from matching.embeddings import terms as model_terms
from matching.index import store

PUBLIC = 0.08  # at least this share of the model's belief...
LIFT = 10.0  # ...and this many times the word's mean over the catalog
PSEUDO_ITEMS = 20  # a young catalog's means lean on the word's share of the classes, as if it had this many items
# Staff see this many of an item's words on its page (hidden ones besides), likeliest for this picture
# first; the rest are a link away.
ABOVE_THE_FOLD = 5


def _wanted(item: CatalogImage, terms: Iterable[tuple[str, float]]) -> dict[str, float]:
    """The terms worth suggesting for the item: not one of its curated tags."""
    curated = {tag.lower() for tag in item.tag_list}
    return {term: confidence for term, confidence in terms if term.lower() not in curated}


def replace(item: CatalogImage, terms: Iterable[tuple[str, float]]) -> None:
    """Make `terms` the item's suggestions; a hidden word stays hidden, a curated one is not suggested."""
    wanted = _wanted(item, terms)
    with transaction.atomic():
        existing = {row.term: row for row in SuggestedTag.objects.filter(image=item)}
        SuggestedTag.objects.filter(image=item, hidden=False).exclude(term__in=list(wanted)).delete()
        change: dict[str, float] = defaultdict(float)
        for row in existing.values():
            if row.term in wanted and row.confidence != wanted[row.term]:
                SuggestedTag.objects.filter(pk=row.pk).update(confidence=wanted[row.term])
                change[row.term] += wanted[row.term] - row.confidence
            elif row.term not in wanted and not row.hidden:
                change[row.term] -= row.confidence
        SuggestedTag.objects.bulk_create(
            SuggestedTag(image=item, term=term, confidence=confidence)
            for term, confidence in wanted.items()
            if term not in existing
        )
        for term, confidence in wanted.items():
            if term not in existing:
                change[term] += confidence
        _count(change)


def add_new(suggested: Iterable[tuple[CatalogImage, Iterable[tuple[str, float]]]]) -> None:
    """`replace` for items that have no suggestions yet (a bulk import's batch): one prepared insert for all
    (some sixty rows an item: made as model instances, they took most of an import's saving time)."""
    rows = [
        (item.pk, term, confidence, False)
        for item, terms in suggested
        for term, confidence in _wanted(item, terms).items()
    ]
    table = connection.ops.quote_name(SuggestedTag._meta.db_table)
    insert = f"INSERT INTO {table} (image_id, term, confidence, hidden) VALUES (%s, %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(insert, rows)
    change: dict[str, float] = defaultdict(float)
    for _, term, confidence, _ in rows:
        change[term] += confidence
    _count(change)


def _count(change: dict[str, float]) -> None:
    """Add each word's change of confidence to its catalog total (a word seen first is added): one prepared
    upsert run per word (a single statement over the words compares every row with every word: a bulk
    import's batch brings some 300)."""
    change = {term: delta for term, delta in change.items() if delta}
    if not change:
        return
    table = connection.ops.quote_name(SuggestedTermStats._meta.db_table)
    upsert = (
        f"INSERT INTO {table} (term, total, prior) VALUES (%s, %s, %s) "  # noqa: S608 (the model's table)
        f"ON CONFLICT (term) DO UPDATE SET total = {table}.total + excluded.total"
    )
    with connection.cursor() as cursor:
        # In word order: two imports updating the same words lock their rows in one order, never crosswise.
        cursor.executemany(upsert, [(term, change[term], model_terms.prior(term)) for term in sorted(change)])


def forget(items: Iterable[CatalogImage]) -> None:
    """Take deleted items' words out of the catalog totals (called before the delete)."""
    sums = SuggestedTag.objects.filter(image__in=list(items)).values("term").annotate(total=Sum("confidence"))
    _count({row["term"]: -row["total"] for row in sums})


def recount() -> int:
    """Make every word's catalog total again from the suggestions themselves; returns how many words."""
    sums = SuggestedTag.objects.values("term").annotate(total=Sum("confidence")).order_by()
    with transaction.atomic():
        SuggestedTermStats.objects.all().delete()
        made = SuggestedTermStats.objects.bulk_create(
            (SuggestedTermStats(term=row["term"], total=row["total"], prior=model_terms.prior(row["term"]))
             for row in sums), batch_size=1000,
        )  # fmt: skip
    return len(made)


_size: tuple[tuple[int, int], int] = ((-1, -1), 0)


def catalog_size() -> int:
    """How many items the catalog holds, counted again only after the indexes' change log or the newest item
    changed (two index lookups where a count reads the whole table: indexing asks for every item)."""
    global _size
    key = (store.latest_change(), CatalogImage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    if _size[0] != key:
        _size = (key, CatalogImage.objects.count())
    return _size[1]


def expected(terms: Iterable[str]) -> dict[str, float]:
    """Each word's mean confidence over the catalog, smoothed towards its share of the classes."""
    terms = list(terms)
    items = catalog_size()
    totals = dict(SuggestedTermStats.objects.filter(term__in=terms).values_list("term", "total"))
    return {
        term: (max(0.0, totals.get(term, 0.0)) + PSEUDO_ITEMS * model_terms.prior(term)) / (items + PSEUDO_ITEMS)
        for term in terms
    }


def is_public(confidence: float, mean: float) -> bool:
    return confidence >= PUBLIC and confidence >= LIFT * mean


def calibrated(confidence: float, mean: float) -> float:
    """The confidence, discounted by how ordinary the word is in this catalog: what staff see words ranked by."""
    return confidence * min(1.0, confidence / (LIFT * mean)) if mean > 0 else confidence


def visible_terms(item: CatalogImage) -> list[tuple[str, float]]:
    """The item's suggestions staff have not hidden, most confident first (uses a prefetch when there is one)."""
    rows = sorted(item.suggested_tags.all(), key=lambda row: (-row.confidence, row.term))
    return [(row.term, row.confidence) for row in rows if not row.hidden]


def public_rows() -> QuerySet[SuggestedTag]:
    """Every suggestion public search may use (the rule of `public_terms`, as a query)."""
    evidence = SuggestedTermStats.objects.filter(term=OuterRef("term")).values(
        evidence=F("total") + PSEUDO_ITEMS * F("prior")
    )[:1]
    least = PSEUDO_ITEMS * model_terms.prior("")  # a word without stats yet: the smallest share of the classes
    scale = LIFT / (catalog_size() + PSEUDO_ITEMS)
    return (
        SuggestedTag.objects.filter(hidden=False, confidence__gte=PUBLIC)
        .alias(evidence=Coalesce(Subquery(evidence, output_field=FloatField()), Value(least)))
        .filter(confidence__gte=Value(scale) * F("evidence"))
    )


def public_terms(item: CatalogImage) -> list[tuple[str, float]]:
    """The suggestions public search may use: visible ones the model is sure of, for this catalog."""
    likely = [(term, confidence) for term, confidence in visible_terms(item) if confidence >= PUBLIC]
    means = expected(term for term, _ in likely)
    return [(term, confidence) for term, confidence in likely if is_public(confidence, means[term])]


def above_the_fold(item: CatalogImage) -> list[SuggestedTag]:
    """What staff see of an item's suggestions on its page: the hidden ones, those public search uses, and
    the ABOVE_THE_FOLD words most likely for this picture (by `calibrated` confidence: a word the whole
    catalog gets counts for less)."""
    rows = list(SuggestedTag.objects.filter(image=item))
    means = expected(row.term for row in rows if not row.hidden)
    visible = sorted((row for row in rows if not row.hidden),
                     key=lambda row: (-calibrated(row.confidence, means[row.term]), row.term))  # fmt: skip
    shown = [row for place, row in enumerate(visible)
             if place < ABOVE_THE_FOLD or is_public(row.confidence, means[row.term])]  # fmt: skip
    return [row for row in rows if row.hidden] + shown


def accept(suggestions: Iterable[SuggestedTag]) -> tuple[int, int]:
    """Move suggestions into their items' curated tags: (how many moved, how many did not fit the tags field)."""
    moved = too_long = 0
    limit = CatalogImage._meta.get_field("tags").max_length
    assert limit is not None  # tags is a CharField: it has a max_length
    with transaction.atomic():
        for suggestion in suggestions:
            item = CatalogImage.objects.select_for_update().get(pk=suggestion.image_id)
            tags = item.tag_list
            if suggestion.term.lower() not in {tag.lower() for tag in tags}:
                joined = ", ".join([*tags, suggestion.term])
                if len(joined) > limit:
                    too_long += 1
                    continue
                item.tags = joined
                item.save()
            suggestion.delete()
            _count({suggestion.term: -suggestion.confidence})
            moved += 1
    return moved, too_long


def hide(suggestions: Iterable[SuggestedTag], hidden: bool = True) -> int:
    """Hide suggestions (or show them again); returns how many changed."""
    changed = 0
    for suggestion in suggestions:
        if suggestion.hidden != hidden:
            suggestion.hidden = hidden
            suggestion.save(update_fields=["hidden"])
            changed += 1
    return changed
