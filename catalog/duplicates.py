"""Duplicates in the catalog, as staff see them: groups with a suggested keeper, and copies of one item."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from catalog import ingest
from catalog.models import CatalogImage, DismissedDuplicate, Status
from matching import duplicates
from matching.errors import LikenessError
from matching.providers import get_provider, match_image
from matching.query import QueryImage

log = logging.getLogger(__name__)

LOSSLESS = {"PNG", "TIFF", "BMP", "WEBP", "HEIF"}  # WebP and HEIF may be lossless; given the benefit of the doubt
COPIES_SECONDS = 600
VERIFY_LIMIT = 2000  # images whose doubtful pairs get a full match (about 0.1 s each)


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


def find_groups(
    threshold: float = duplicates.DEFAULT_THRESHOLD, progress=None, verify_limit: int = VERIFY_LIMIT
) -> list[DuplicateGroup]:
    """Every group of catalog images that are one picture, except pairs staff dismissed.

    Pairs close on their hashes count at once; doubtful ones (crops between the hash windows,
    heavier edits) are settled by a full match of one image, for at most `verify_limit` images.
    """
    near, doubtful = duplicates.search_pairs(threshold=0, progress=progress, limits=get_provider().thresholds)
    pairs = [pair for pair in near if pair.score >= threshold]
    known = {(pair.first, pair.second) for pair in near + doubtful}  # the hashes have settled these
    # Details and framed copies share no centred window: their look-alikes are checked too.
    doubtful += [pair for pair in duplicates.lookalike_pairs() if (pair.first, pair.second) not in known]
    pairs += confirmed(doubtful, threshold, verify_limit)
    dismissed = set(DismissedDuplicate.objects.values_list("first_id", "second_id"))
    groups = duplicates.group(pairs, dismissed)
    items = CatalogImage.objects.select_related("creator").in_bulk([i for g in groups for i in g.ids])
    found = []
    for entry in groups:
        members = sorted((items[i] for i in entry.ids if i in items), key=quality)
        if len(members) > 1:
            found.append(DuplicateGroup(members, entry.pairs))
    return found


def confirmed(doubtful: list[duplicates.Pair], threshold: float, limit: int) -> list[duplicates.Pair]:
    """The doubtful pairs a full match of one of their images confirms, scored as that match scores them.

    The first image of each pair is matched; look-alike pairs it does not confirm are tried from
    their second image (a detail finds its whole picture more surely than the whole finds its
    detail), for at most `limit` full matches in all, closest pairs first.
    """
    left: dict[tuple[int, int], duplicates.Pair] = {(pair.first, pair.second): pair for pair in doubtful}
    found: list[duplicates.Pair] = []
    budget = limit
    for side in (0, 1):
        targets: dict[int, dict[int, duplicates.Pair]] = defaultdict(dict)
        for pair in left.values():
            if side == 1 and pair.distance < duplicates.UNHASHED:
                continue  # near on their hashes: scored from the first image, as always
            source, other = (pair.first, pair.second) if side == 0 else (pair.second, pair.first)
            targets[source][other] = pair
        sources = sorted(targets, key=lambda source: min(p.distance for p in targets[source].values()))
        if len(sources) > budget:
            log.warning("%d images have doubtful duplicates; only the %d closest were checked.", len(sources), budget)
        sources = sources[:budget]
        budget -= len(sources)
        items = CatalogImage.objects.in_bulk(sources)
        for source in sources:
            try:
                matches = match_image(
                    QueryImage(ingest.load_file(items[source])), limit=len(targets[source]) + 20, thorough=True
                )
            except (LikenessError, OSError, KeyError) as exc:
                log.warning("doubtful duplicates of item %s not checked: %s", source, exc)
                continue
            for match in matches:
                target = targets[source].get(match.image_id)
                if target is not None and match.score >= threshold and (target.first, target.second) in left:
                    found.append(duplicates.Pair(target.first, target.second, match.score, target.distance))
                    del left[(target.first, target.second)]
    return found


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
