"""Duplicates in the catalog, as staff see them: stored groups with a suggested keeper, and copies of one item.

The pairs are kept by catalog.duplicate_checks as pictures come and go (and by `find_duplicates
--rebuild`); reading them decides nothing again: the groups are their connected parts at a score
threshold, without the pairs staff dismissed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from catalog import ingest
from catalog.models import CatalogImage, DismissedDuplicate, DuplicatePair, Status
from matching import duplicates
from matching.errors import LikenessError
from matching.providers import match_image
from matching.query import QueryImage

log = logging.getLogger(__name__)

LOSSLESS = {"PNG", "TIFF", "BMP", "WEBP", "HEIF"}  # WebP and HEIF may be lossless; given the benefit of the doubt
COPIES_SECONDS = 600


@dataclass
class DuplicateGroup:
    members: list[CatalogImage]  # the suggested keeper first: largest, then lossless, then largest file
    pairs: list[duplicates.Pair]

    @property
    def keeper(self) -> CatalogImage:
        return self.members[0]

    @property
    def key(self) -> str:
        return "-".join(str(member.pk) for member in sorted(self.members, key=lambda m: m.pk))


def quality(item: CatalogImage) -> tuple:
    return (-item.width * item.height, item.format not in LOSSLESS, -item.file_size, item.pk)


def stored_entries(threshold: float, item: int | None = None) -> list[duplicates.Group]:
    """The stored groups as ids and pairs (matching.duplicates.group), from pairs scoring at least `threshold`,
    except pairs staff dismissed; largest groups first. `item`: only the group it belongs to."""
    rows = DuplicatePair.objects.filter(score__gte=threshold).order_by("first_id", "second_id")
    pairs = [
        duplicates.Pair(first, second, score, duplicates.UNHASHED, method=method)
        for first, second, score, method in rows.values_list("first_id", "second_id", "score", "method")
    ]
    dismissed = set(DismissedDuplicate.objects.values_list("first_id", "second_id"))
    return [entry for entry in duplicates.group(pairs, dismissed) if item is None or item in entry.ids]


def find_groups(threshold: float = duplicates.DEFAULT_THRESHOLD, item: int | None = None) -> list[DuplicateGroup]:
    """The stored groups of catalog images that are one picture (`stored_entries`), with their images."""
    groups = stored_entries(threshold, item)
    items = CatalogImage.objects.select_related("creator").in_bulk([i for g in groups for i in g.ids])
    found = []
    for entry in groups:
        members = sorted((items[i] for i in entry.ids if i in items), key=quality)
        if len(members) > 1:
            found.append(DuplicateGroup(members, entry.pairs))
    return found


def partners(image_ids: list[int], threshold: float = duplicates.DEFAULT_THRESHOLD) -> dict[int, list[int]]:
    """For each of these images that has stored duplicates (not dismissed), the other images of those pairs."""
    touching = Q(first__in=image_ids) | Q(second__in=image_ids)
    rows = DuplicatePair.objects.filter(touching, score__gte=threshold)
    dismissed = set(DismissedDuplicate.objects.filter(touching).values_list("first_id", "second_id"))
    wanted = set(image_ids)
    found: dict[int, list[int]] = {}
    for first, second in rows.values_list("first_id", "second_id"):
        if (first, second) in dismissed:
            continue
        for one, other in ((first, second), (second, first)):
            if one in wanted:
                found.setdefault(one, []).append(other)
    return {image_id: sorted(others) for image_id, others in found.items()}


@transaction.atomic
def keep_one(keeper: CatalogImage, others: list[CatalogImage]) -> int:
    """Unpublish every other member of a group; returns how many changed."""
    changed = 0
    for item in others:
        if item.pk != keeper.pk and item.status != Status.DRAFT:
            item.status = Status.DRAFT
            item.save(update_fields=["status", "updated_at"])  # signals keep the search index in step
            changed += 1
    return changed


def dismiss(members: list[CatalogImage], user=None, *, resolved: bool = False) -> None:
    """Stop grouping these images: "not duplicates", or `resolved` once staff kept one of them."""
    ids = sorted(member.pk for member in members)
    pairs = [(a, b) for n, a in enumerate(ids) for b in ids[n + 1 :]]
    DismissedDuplicate.objects.bulk_create(
        [DismissedDuplicate(first_id=a, second_id=b, dismissed_by=user, resolved=resolved) for a, b in pairs],
        ignore_conflicts=True,
    )


def copies_of(item: CatalogImage, limit: int = 12, among=None) -> tuple[list[tuple[CatalogImage, float]], str]:
    """Other catalog items (of the queryset `among`, default all) that are copies of this picture, best first.

    Returns (items with scores, error message); looked up through the match provider from the
    item's own file and remembered for a few minutes.
    """
    key = f"copies:{item.pk}:{item.sha256}"
    scores = cache.get(key)
    if scores is None:
        try:
            matches = match_image(QueryImage(ingest.load_file(item)), limit=limit + 1, thorough=True)  # it finds itself
        except (LikenessError, OSError) as exc:
            log.warning("copies of item %s not looked up: %s", item.pk, exc)
            return [], "Other versions cannot be looked up right now."
        scores = [(m.image_id, m.score) for m in matches if m.image_id != item.pk][:limit]
        cache.set(key, scores, COPIES_SECONDS)
    among = among if among is not None else CatalogImage.objects.select_related("creator")
    found = among.in_bulk([image_id for image_id, _ in scores])
    return [(found[image_id], score) for image_id, score in scores if image_id in found], ""
