"""Keeping the duplicate pairs: each picture checked as it is indexed, and the whole catalog on demand.

At ingest (`check_indexed`, from search's indexing task): a new or re-filed picture loses the pairs of
its old file; its near-exact copies, found by its window hashes in the match provider's hash source and
accepted on them, are stored at once, with any identical file. Its edited copies are left to the
background task (catalog.tasks.check_duplicates: `check_fully`): the doubtful pairs of its hashes and
its nearest look-alikes, each settled as matching.duplicates.settle decides (from the stored
fingerprints, reading a file only where stored features fit). A removed picture's pairs go with it
(the foreign keys cascade). `DuplicateCheck` says how far each picture (its current file) got.

The full pass (`run_pass`, `find_duplicates --rebuild`): candidates for the whole catalog at once
(one hash index of every stored fingerprint, every picture's nearest look-alikes), each pair given to
the chunk of its lower picture still to check and settled there, chunks in worker processes; the main
process records a chunk's pairs and marks its pictures checked in one transaction, so a pass that stops
resumes with the chunks not recorded. Nothing is left out: a picture that could not be checked (its
file unreadable, or no fingerprint yet) is counted and named in the report.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from catalog import ingest
from catalog.models import CatalogImage, DismissedDuplicate, DuplicateCheck, DuplicatePair, DuplicatePass
from matching import duplicates
from matching.duplicates import Pair, Side
from matching.errors import LikenessError
from matching.index.hashes import HashCandidates
from matching.models import ImageFingerprint
from matching.providers import get_provider
from matching.providers.thresholds import Thresholds
from matching.query import QueryImage

log = logging.getLogger(__name__)

CHUNK = 128  # pictures settled and recorded together: what an interrupted pass loses at most
# A picture checked on its own looks at more of its look-alikes than a full pass gives each: the pass
# also has the pairs in which it is among another's nearest.
OWN_NEIGHBOURS = 2 * duplicates.LOOKALIKE_NEIGHBOURS


@dataclass(frozen=True)
class Work:
    """Some pictures to check, their pairs accepted as they are, and the doubtful pairs to decide from them: a
    chunk of a pass, or new pictures checked on their own."""

    pictures: tuple[int, ...]
    accepted: tuple[Pair, ...]  # near enough on their hashes (or the same file): stored as they are
    sides: tuple[Side, ...]  # doubtful pairs seen from these pictures (or from partners no other Work checks)
    limits: Thresholds


@dataclass(frozen=True)
class Settled:
    """What checking a Work found: the pairs to store, and the pictures whose file could not be read."""

    pictures: tuple[int, ...]
    pairs: tuple[Pair, ...]
    unreadable: tuple[int, ...]
    doubtful: frozenset[tuple[int, int]]  # the doubtful pairs looked at (from one side or both)
    decoded: int  # files read to decide them


@dataclass
class Report:
    """What a check or a pass did, for the command's summary and the log."""

    checked: int = 0
    decoded: int = 0
    doubtful: set[tuple[int, int]] = field(default_factory=set)
    pairs: set[tuple[int, int]] = field(default_factory=set)
    unreadable: list[int] = field(default_factory=list)
    seconds: float = 0.0
    resumed: bool = False

    def add(self, settled: Settled) -> None:
        self.doubtful |= settled.doubtful
        self.decoded += settled.decoded
        self.pairs |= {pair.key for pair in settled.pairs}
        self.unreadable += settled.unreadable


# The image's stored fingerprint is of its current file (a check of anything else would check nothing).
fingerprint_of_file = ImageFingerprint.objects.filter(image_id=OuterRef("image_id"), sha256=OuterRef("sha256"))


def limits() -> Thresholds:
    """The configured match provider's thresholds: duplicates are decided as its matches are."""
    return get_provider().thresholds


def hash_source() -> HashCandidates | None:
    """The match provider's own hash index (in this process, or Elasticsearch's chunk terms); None for a provider
    that keeps none here (a remote one): its near copies are then found among the look-alikes."""
    return getattr(get_provider(), "source", None)


# --- as pictures are indexed ----------------------------------------------------------------------


def check_indexed(items: Iterable[CatalogImage]) -> list[int]:
    """Store the near-exact copies of newly indexed pictures (new files only: a metadata edit changes nothing).

    Returns the ids whose edited copies are still to be looked for (`check_fully`, in the background).
    """
    items = list(items)
    rows = DuplicateCheck.objects.filter(image__in=items).values_list("image_id", "sha256", "near_at")
    checked = {image_id: (sha256, near_at is not None) for image_id, sha256, near_at in rows}
    fingerprinted = set(ImageFingerprint.objects.filter(image__in=items).values_list("image_id", "sha256"))
    fresh = {item.pk: item.sha256 for item in items
             if (item.pk, item.sha256) in fingerprinted and checked.get(item.pk) != (item.sha256, True)}  # fmt: skip
    refiled = [pk for pk, sha256 in fresh.items() if pk in checked and checked[pk][0] != sha256]
    if not fresh:
        return []
    ids = sorted(fresh)
    accepted = duplicates.identical_pairs(ids)
    if (source := hash_source()) is not None:
        accepted += duplicates.near_pairs(ids, source, limits())[0]
    now = timezone.now()
    with transaction.atomic():
        forget(refiled)  # the pairs of the files they had
        store_pairs(accepted)
        mark(fresh, near_at=now, full_at=None)
    return ids


def check_fully(image_ids: Iterable[int]) -> Report:
    """Look for the edited copies of some pictures (their doubtful hash pairs and nearest look-alikes) and store
    the pairs found, near-exact ones included; pictures whose file changed since are left to their own check."""
    start, since = time.perf_counter(), timezone.now()
    current = DuplicateCheck.objects.filter(image_id__in=list(image_ids), sha256=F("image__sha256"))
    ids = sorted(current.filter(Exists(fingerprint_of_file)).values_list("image_id", flat=True))
    report = Report()
    if not ids:
        return report
    accepted = duplicates.identical_pairs(ids)
    hashed: list[Pair] = []
    if (source := hash_source()) is not None:
        near, hashed = duplicates.near_pairs(ids, source, limits())
        accepted += near
    lookalikes = duplicates.lookalike_pairs(neighbours=OWN_NEIGHBOURS, ids=ids)
    doubtful = undismissed(duplicates.doubtful_pairs(hashed, lookalikes))
    work = Work(tuple(ids), tuple(accepted), tuple(duplicates.sides(doubtful, limits())), limits())
    settled = settle_work(work)
    record(settled, since, replace=False)  # what other pictures' checks found stays: their look-alikes differ
    report.add(settled)
    report.checked = len(set(ids) - set(settled.unreadable))
    report.seconds = time.perf_counter() - start
    return report


# --- the full pass --------------------------------------------------------------------------------


def run_pass(
    *,
    workers: int = 1,
    restart: bool = False,
    unchecked_only: bool = False,
    progress: Callable[[int], object] | None = None,
    on_start: Callable[[int], object] | None = None,
    chunk: int = CHUNK,
) -> Report:
    """Check every picture (resuming an unfinished pass unless `restart`), or those not checked yet
    (`unchecked_only`); `on_start(n)` hears how many pictures are to check, `progress(k)` each chunk done."""
    start = time.perf_counter()
    report = Report()
    if unchecked_only:
        since, record_pass = timezone.now(), None
        todo = pictures_to_check(unchecked())
    else:
        record_pass, report.resumed = current_pass(restart)
        since = record_pass.started_at
        done = DuplicateCheck.objects.filter(image=OuterRef("pk"), sha256=OuterRef("sha256"), full_at__gte=since)
        todo = pictures_to_check(CatalogImage.objects.exclude(Exists(done)))
    if on_start is not None:
        on_start(len(todo))
    for settled in settle_all(plan(todo, limits(), chunk), workers):
        record(settled, since)
        report.add(settled)
        if progress is not None:
            progress(len(settled.pictures))
    # A file that could not be read left some of its pairs undecided, wherever it was needed: it stays unchecked.
    report.unreadable = sorted(set(report.unreadable))
    DuplicateCheck.objects.filter(image_id__in=report.unreadable).update(full_at=None)
    report.checked = len(set(todo) - set(report.unreadable))
    if record_pass is not None:
        record_pass.finished_at = timezone.now()
        record_pass.save(update_fields=["finished_at"])
    report.seconds = time.perf_counter() - start
    return report


def pictures_to_check(images) -> list[int]:
    """The ids of these catalog images that can be checked (their current file is fingerprinted), in order."""
    fingerprinted = ImageFingerprint.objects.filter(image_id=OuterRef("pk"), sha256=OuterRef("sha256"))
    return sorted(images.filter(Exists(fingerprinted)).values_list("pk", flat=True))


def current_pass(restart: bool) -> tuple[DuplicatePass, bool]:
    """The unfinished pass to resume (and True), or a new one."""
    unfinished = DuplicatePass.objects.filter(finished_at__isnull=True).order_by("-started_at").first()
    if unfinished is not None and not restart:
        return unfinished, True
    DuplicatePass.objects.filter(finished_at__isnull=True).update(finished_at=timezone.now())
    return DuplicatePass.objects.create(), False


def plan(todo: list[int], limits: Thresholds, size: int = CHUNK) -> list[Work]:
    """The pass's candidates (for the whole catalog at once) in chunks of the pictures to check: an accepted pair
    goes to the chunk of its lower picture still to check, a doubtful one to the chunk of each picture it is
    decided from (a partner not to check goes with the other), so each picture's file is read at most once."""
    if not todo:
        return []
    chunk_of = {image_id: n // size for n, image_id in enumerate(todo)}
    accepted, hashed = duplicates.search_pairs(threshold=0, limits=limits)
    accepted += duplicates.identical_pairs()
    doubtful = undismissed(duplicates.doubtful_pairs(hashed, duplicates.lookalike_pairs()))
    near: list[list[Pair]] = [[] for _ in range(1 + (len(todo) - 1) // size)]
    seen: list[list[Side]] = [[] for _ in near]
    for pair in accepted:
        if owners := [chunk_of[i] for i in pair.key if i in chunk_of]:
            near[min(owners)].append(pair)
    for side in duplicates.sides(doubtful, limits):
        owner = chunk_of.get(side.image_id, chunk_of.get(side.other))
        if owner is not None:
            seen[owner].append(side)
    return [Work(tuple(todo[n * size : (n + 1) * size]), tuple(near[n]), tuple(seen[n]), limits)
            for n in range(len(near))]  # fmt: skip


def settle_all(works: list[Work], workers: int) -> Iterator[Settled]:
    """`settle_work` for each, in this process or in `workers` processes (each reads the database itself)."""
    if workers <= 1 or len(works) <= 1:
        yield from map(settle_work, works)
        return
    connections.close_all()  # forked workers must not share this process's database connections
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(settle_work, works)


def settle_work(work: Work) -> Settled:
    """Decide a Work's doubtful pairs from their sides (in a worker process, or here): the pairs to store and
    what it took. Most sides are settled on the stored fingerprints; a picture's file is read once at most."""
    known = {pair.key for pair in work.accepted}
    todo = sorted((side for side in work.sides if side.pair.key not in known), key=lambda side: side.image_id)
    targets, fine = duplicates.load_targets(i for side in todo for i in side.pair.key)
    queries = Queries()
    confirmed: dict[tuple[int, int], Pair] = {}
    for side in todo:
        if side.pair.key in confirmed or not duplicates.worth_deciding(side, targets, work.limits):
            continue
        if (query := queries(side.image_id)) is None:
            continue
        found = duplicates.decide_side(side, query, targets[side.other], side.other in fine, work.limits)
        if found is not None:
            method = found.details.get("method", "features")
            confirmed[side.pair.key] = dataclasses.replace(side.pair, score=found.score, method=method)
    return Settled(work.pictures, work.accepted + tuple(confirmed.values()), tuple(sorted(queries.unreadable)),
                   frozenset(side.pair.key for side in todo), queries.decoded)  # fmt: skip


class Queries:
    """Catalog pictures as queries, each decoded from its file at most once (None: unreadable)."""

    def __init__(self) -> None:
        self.found: dict[int, duplicates.Query | None] = {}
        self.unreadable: set[int] = set()

    @property
    def decoded(self) -> int:
        return len(self.found)

    def __call__(self, image_id: int) -> duplicates.Query | None:
        if image_id not in self.found:
            self.found[image_id] = self.load(image_id)
        return self.found[image_id]

    def load(self, image_id: int) -> duplicates.Query | None:
        item = CatalogImage.objects.filter(pk=image_id).only("pk", "image").first()
        if item is None:
            return None  # removed meanwhile: its pairs go with it
        try:
            return duplicates.Query(QueryImage(ingest.load_file(item)).fingerprint)
        except (LikenessError, OSError) as exc:
            log.warning("Duplicates of item %s not checked: its file cannot be read (%s).", image_id, exc)
            self.unreadable.add(image_id)
            return None


# --- what is stored -------------------------------------------------------------------------------


def record(settled: Settled, since: datetime, *, replace: bool = True) -> None:
    """Store a Work's pairs (`replace`: in place of those its pictures had before `since`), and mark its pictures
    checked (those whose file could not be read stay unchecked)."""
    pictures = list(settled.pictures)
    current = dict(CatalogImage.objects.filter(pk__in=pictures).values_list("pk", "sha256"))
    now = timezone.now()
    with transaction.atomic():
        if replace:
            touching = Q(first__in=pictures) | Q(second__in=pictures)
            DuplicatePair.objects.filter(touching, found_at__lt=since).delete()
        store_pairs(pair for pair in settled.pairs if pair.first in current or pair.second in current)
        checked = {i: sha for i, sha in current.items() if i not in settled.unreadable}
        mark(checked, near_at=now, full_at=now)


def store_pairs(pairs: Iterable[Pair]) -> None:
    """Store pairs (each once; a pair already stored stays as it is)."""
    rows = {pair.key: DuplicatePair(first_id=pair.first, second_id=pair.second, score=pair.score,
                                    method=pair.method or "features") for pair in pairs}  # fmt: skip
    existing = set(CatalogImage.objects.filter(pk__in={i for key in rows for i in key}).values_list("pk", flat=True))
    DuplicatePair.objects.bulk_create(
        [row for key, row in rows.items() if set(key) <= existing], ignore_conflicts=True, batch_size=500
    )


def mark(files: dict[int, str], **moments: datetime | None) -> None:
    """Record how far these pictures (these files of them) have been checked."""
    DuplicateCheck.objects.bulk_create(
        [DuplicateCheck(image_id=image_id, sha256=sha256, **moments) for image_id, sha256 in files.items()],
        update_conflicts=True, unique_fields=["image"], update_fields=["sha256", *moments], batch_size=500,
    )  # fmt: skip


def forget(image_ids: list[int]) -> None:
    """Drop the pairs of these pictures (their files changed)."""
    DuplicatePair.objects.filter(Q(first__in=image_ids) | Q(second__in=image_ids)).delete()


def undismissed(pairs: list[Pair]) -> list[Pair]:
    """The pairs staff have not dismissed (no work is spent on those)."""
    dismissed = set(DismissedDuplicate.objects.values_list("first_id", "second_id"))
    return [pair for pair in pairs if pair.key not in dismissed]


def unchecked():
    """Catalog images whose current file has not been checked for edited copies (new ones wait for the
    background task; `find_duplicates --rebuild` checks all)."""
    done = DuplicateCheck.objects.filter(image=OuterRef("pk"), sha256=OuterRef("sha256"), full_at__isnull=False)
    return CatalogImage.objects.exclude(Exists(done))
