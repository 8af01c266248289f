"""The generated catalog bench/admin_pages.py times the admin pages on: rows in realistic proportions, no files.

Per 100,000 items: 2,000 creators, 40 collections, 80% published; a fingerprint row each (small blobs: the
pages never read them); `tags_per_item` suggested tags each with their term totals; 1% of items not yet
checked for duplicates; about 2,000 duplicate pairs (groups of two and three) of which 50 dismissed; 1,000
licence requests; 50 import jobs of 1,000 report rows each. Rows are bulk inserted, dates spread over
three years, and the database remembers what it was built for (a marker job), so a run reuses it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.models import Model
from django.utils import timezone

from catalog.models import (
    CatalogImage,
    Collection,
    Creator,
    DismissedDuplicate,
    DuplicateCheck,
    DuplicatePair,
    ImportJob,
    JobState,
    LicenceRequest,
    LicenceStatus,
    LicenseType,
    Orientation,
    Status,
    SuggestedTag,
    SuggestedTermStats,
)
from matching.models import ImageFingerprint

TITLES = ["Harbour at Dusk", "Morning Meadow", "Portrait of a Lady", "Mountain Lake", "Street in the Rain",
          "Still Life with Apples", "The Old Mill", "Winter Forest", "Fishing Boats", "City at Night"]  # fmt: skip
WORDS = ["boat", "sea", "tree", "sky", "house", "dog", "church", "bridge", "flower", "horse", "river", "snow",
         "cloud", "road", "cat", "bird", "field", "window", "lamp", "shadow"]  # fmt: skip
FORMATS = [("JPEG", 80), ("PNG", 12), ("TIFF", 5), ("WEBP", 3)]
MARKER = "bench-admin-pages"
BATCH = 2000
NOW = timezone.now().replace(microsecond=0)
SPAN = timedelta(days=3 * 365)


def days_ago(days: int) -> str:
    """Midnight `days` ago, as the admin's date filter writes it in its links."""
    return str((NOW - timedelta(days=days)).replace(hour=0, minute=0, second=0))


def superuser():
    user, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_staff": True,
                                                                                            "is_superuser": True})  # fmt: skip
    return user


def ensure(items: int, tags_per_item: int, *, rebuild: bool = False) -> bool:
    """Build the catalog unless the database already holds this one; whether it was built."""
    call_command("migrate", verbosity=0)
    wanted = f"{MARKER}:{items}:{tags_per_item}"
    if not rebuild and ImportJob.objects.filter(summary=wanted).exists():
        return False
    for model in (ImportJob, LicenceRequest, DismissedDuplicate, DuplicatePair, DuplicateCheck, SuggestedTag,
                  SuggestedTermStats, ImageFingerprint, CatalogImage, Creator, Collection):  # fmt: skip
        model.objects.all()._raw_delete(connection.alias)
    build(items, tags_per_item, random.Random(34))
    ImportJob.objects.create(summary=wanted, state=JobState.DONE, archive="imports/marker.zip")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a live database has them
    return True


def insert(model: type[Model], rows: Iterator[Model]) -> None:
    """Bulk insert with the dates given (auto_now fields would stamp every row with the build's minute)."""
    dated = [f for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in dated]
    for f in dated:
        f.auto_now = f.auto_now_add = False
    try:
        batch: list[Model] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def build(items: int, tags_per_item: int, rng: random.Random) -> None:
    with transaction.atomic():
        Creator.objects.bulk_create(Creator(name=f"Creator {n}") for n in range(max(1, items // 50)))
        Collection.objects.bulk_create(Collection(name=f"Collection {n}", rights_holder=f"Holder {n}",
                                                  usage_options="Web\nPrint") for n in range(40))  # fmt: skip
    creators = list(Creator.objects.values_list("pk", flat=True))
    collections = list(Collection.objects.values_list("pk", flat=True))
    with transaction.atomic():
        insert(CatalogImage, (new_item(n, items, rng, creators, collections) for n in range(items)))
    ids = list(CatalogImage.objects.order_by("pk").values_list("pk", "sha256"))
    with transaction.atomic():
        insert(ImageFingerprint, (fingerprint(pk, sha, rng) for pk, sha in ids))
        checked = ids[: len(ids) - len(ids) // 100]
        insert(
            DuplicateCheck, (DuplicateCheck(image_id=pk, sha256=sha, near_at=NOW, full_at=NOW) for pk, sha in checked)
        )
    with transaction.atomic():
        insert(SuggestedTag, (SuggestedTag(image_id=pk, term=term, confidence=rng.random()) for pk, _ in ids
                              for term in rng.sample(WORDS, min(tags_per_item, len(WORDS)))))  # fmt: skip
        SuggestedTermStats.objects.bulk_create(SuggestedTermStats(term=w, total=len(ids) * tags_per_item / len(WORDS) / 2,
                                                                  prior=0.01) for w in WORDS)  # fmt: skip
    pks = [pk for pk, _ in ids]
    with transaction.atomic():
        pairs = duplicate_pairs(pks, rng, target=2000 * items // 100_000)
        insert(DuplicatePair, (DuplicatePair(first_id=a, second_id=b, score=rng.uniform(50, 100), method="hash",
                                             found_at=NOW) for a, b in pairs))  # fmt: skip
        insert(DismissedDuplicate, (DismissedDuplicate(first_id=a, second_id=b, dismissed_at=NOW)
                                    for a, b in pairs[: len(pairs) // 40]))  # fmt: skip
    staff = superuser()
    with transaction.atomic():
        insert(LicenceRequest, (licence(pks, rng, staff) for _ in range(max(10, items // 100))))
        insert(ImportJob, (import_job(n, pks, rng, staff) for n in range(50)))


def new_item(n: int, items: int, rng: random.Random, creators: list[int], collections: list[int]) -> CatalogImage:
    width, height = rng.choice([(4000, 3000), (3000, 4000), (2400, 2400), (6000, 4000), (1200, 900)])
    fmt = rng.choices([f for f, _ in FORMATS], [w for _, w in FORMATS])[0]
    added = NOW - SPAN * (1 - n / items)  # the newest last, as a growing catalog's ids are
    return CatalogImage(
        title=f"{TITLES[n % len(TITLES)]} {n}",
        identifier=uuid.UUID(int=rng.getrandbits(128)).hex,
        creator_id=rng.choice(creators) if rng.random() < 0.9 else None,
        collection_id=rng.choice(collections) if rng.random() < 0.7 else None,
        description=" ".join(rng.choices(WORDS, k=40)).capitalize() + ".",
        tags=", ".join(rng.sample(WORDS, 5)),
        year=rng.randint(1850, 2024) if rng.random() < 0.8 else None,
        license_type=rng.choice(LicenseType.values),
        price=rng.choice([None, 50, 120, 300]),
        usage_terms="Credit the creator. " * 5,
        source_metadata={"partner": "bench", "ref": n, "notes": "x" * 200},
        status=Status.PUBLISHED if rng.random() < 0.8 else Status.DRAFT,
        created_at=added,
        updated_at=added,
        image=f"catalog/{n % 256:02x}/{uuid.UUID(int=rng.getrandbits(128)).hex}.jpg",
        width=width,
        height=height,
        format=fmt,
        orientation=Orientation.of(width, height),
        file_size=rng.randint(500_000, 20_000_000),
        sha256=f"{rng.getrandbits(256):064x}",
        color_mask=rng.getrandbits(12),
    )


def fingerprint(pk: int, sha256: str, rng: random.Random) -> ImageFingerprint:
    return ImageFingerprint(image_id=pk, sha256=sha256, hashes=rng.randbytes(32 * 15), keys=rng.randbytes(8 * 15),
                            valid_windows=0b111, features=b"", thumbnail=b"", palette=[], color_shares={},
                            updated_at=NOW)  # fmt: skip


def duplicate_pairs(pks: list[int], rng: random.Random, target: int) -> list[tuple[int, int]]:
    """Groups of two (three in four) and three (the rest, three pairs each) of items near each other in time."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    while len(pairs) < target:
        size = 2 if rng.random() < 0.75 else 3
        start = rng.randrange(len(pks) - 10)
        members = sorted({pks[start], *rng.sample(pks[start + 1 : start + 10], size - 1)})
        if used.intersection(members) or len(members) < size:
            continue
        used.update(members)
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return pairs


def licence(pks: list[int], rng: random.Random, staff) -> LicenceRequest:
    status = rng.choices(LicenceStatus.values, [20, 20, 50, 10])[0]
    created = NOW - SPAN * rng.random() ** 3  # most of them recent
    acted = status != LicenceStatus.NEW
    return LicenceRequest(
        item_id=rng.choice(pks) if rng.random() < 0.98 else None,
        licence_type=rng.choice(LicenseType.values),
        usage="Web",
        size="Full resolution",
        customer_name=f"Customer {rng.randrange(10_000)}",
        customer_email=f"customer{rng.randrange(10_000)}@example.test",
        organisation=rng.choice(["", "Press Ltd", "Books & Co"]),
        intended_use="A book cover, print run of 5,000. " * 3,
        status=status,
        created_at=created,
        updated_at=created,
        acted_by=staff if acted else None,
        acted_at=created + timedelta(days=1) if acted else None,
        downloads_allowed=3 if status == LicenceStatus.GRANTED else 0,
    )


def import_job(n: int, pks: list[int], rng: random.Random, staff) -> ImportJob:
    start = rng.randrange(len(pks) - 1000)
    report = [
        {"file": f"batch-{n}/photo-{row:04d}.jpg", "outcome": outcome, "item": pks[start + row] if outcome == "imported"
         else None, "reason": "" if outcome == "imported" else "same file as another entry"}
        for row in range(1000)
        for outcome in [rng.choices(["imported", "duplicate", "failed"], [90, 7, 3])[0]]
    ]  # fmt: skip
    created: datetime = NOW - timedelta(days=7 * (50 - n))
    return ImportJob(archive=f"imports/batch-{n}.zip", state=JobState.DONE, total=1000, done=1000,
                     summary="900 imported, 70 duplicates, 30 failed", report=report, created_by=staff,
                     created_at=created, started_at=created, finished_at=created + timedelta(minutes=5))  # fmt: skip
