"""Suggested tags: the look-alike model's words for an image, kept apart from the curated tags.

Ingest stores them (`replace`); staff accept them into the curated tags or hide them (`accept`,
`hide`, `show`). Saving or deleting a suggestion one by one sends the usual signal, so the search
indexes follow; `replace` and `add_new` write in bulk without signals, as they run inside ingest and
indexing, which index the item afterwards anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from catalog.models import CatalogImage, SuggestedTag

# A suggestion under this share of the model's belief is faint: listed apart from the item's likelier
# suggestions in the admin (a picture may have dozens of them).
FAINT = 0.02
# Public search uses a suggested word only from this share of the model's belief: chosen on
# bench/suggested_tags.py so that public machine-word hits are right at least 95% of the time
# (docs/benchmarks.md). Fainter words stay with staff, in the admin, who may accept them.
PUBLIC = 0.15


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
        for row in existing.values():
            if row.term in wanted and row.confidence != wanted[row.term]:
                SuggestedTag.objects.filter(pk=row.pk).update(confidence=wanted[row.term])
        SuggestedTag.objects.bulk_create(
            SuggestedTag(image=item, term=term, confidence=confidence)
            for term, confidence in wanted.items()
            if term not in existing
        )


def add_new(suggested: Iterable[tuple[CatalogImage, Iterable[tuple[str, float]]]]) -> None:
    """`replace` for items that have no suggestions yet (a bulk import's batch): one insert for all."""
    SuggestedTag.objects.bulk_create(
        SuggestedTag(image=item, term=term, confidence=confidence)
        for item, terms in suggested
        for term, confidence in _wanted(item, terms).items()
    )


def visible_terms(item: CatalogImage) -> list[tuple[str, float]]:
    """The item's suggestions staff have not hidden, most confident first (uses a prefetch when there is one)."""
    rows = sorted(item.suggested_tags.all(), key=lambda row: (-row.confidence, row.term))
    return [(row.term, row.confidence) for row in rows if not row.hidden]


def public_rows() -> QuerySet[SuggestedTag]:
    """Every suggestion public search may use (the rule of `public_terms`, as a query)."""
    return SuggestedTag.objects.filter(hidden=False, confidence__gte=PUBLIC)


def public_terms(item: CatalogImage) -> list[tuple[str, float]]:
    """The suggestions public search may use: visible ones the model is sure enough of (PUBLIC)."""
    return [(term, confidence) for term, confidence in visible_terms(item) if confidence >= PUBLIC]


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
