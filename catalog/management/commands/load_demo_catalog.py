"""Load the demo catalog: paintings, sculpture and photographs with credits and licences (idempotent)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import demo, demo_catalog, ingest
from catalog.models import CatalogImage, Collection, Creator, Status
from matching.safety import imaging

# What a customer may ask to license a demo picture for, and at which size (the licence request form offers them).
USAGE_OPTIONS = "Web\nPrint\nBroadcast\nAdvertising"
SIZE_OPTIONS = "Up to 1,024 px\nFull resolution"


def prepare(number: int):
    """In a worker process: paint entry `number`, decode it as ingest does, fingerprint it."""
    art = demo_catalog.entry(number)
    loaded = imaging.load_image(art.data)
    return art, loaded, ingest.describe(loaded)


class Command(BaseCommand):
    help = (
        "Load a demo catalog: paintings and sculpture painted in code, scikit-image's sample photographs with "
        "their credits, a few deliberate copies (a detail, a frame, a gallery view, web copies), with titles, "
        "creators, years, collections, licences and prices. Nothing is downloaded. Idempotent: items that "
        "already exist are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count", type=int, default=demo_catalog.DEFAULT_COUNT,
            help=f"How many demo images (default {demo_catalog.DEFAULT_COUNT}, the whole listing; more are further "
            "paintings).",
        )  # fmt: skip
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalog already has any image."
        )

    def handle(self, *args, count: int, if_empty: bool, verbosity: int, **options) -> None:
        if count < 0:
            raise CommandError("--count must be 0 or more.")
        if if_empty and CatalogImage.objects.exists():
            self.stdout.write("The catalog is not empty; demo catalog not loaded.")
            return
        existing = set(CatalogImage.objects.filter(identifier__startswith="demo-").values_list("identifier", flat=True))
        missing = [number for number in range(1, count + 1) if f"demo-{number:04d}" not in existing]
        created = 0
        # Painting and fingerprinting run in worker processes; the database writes stay here.
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            prepared = pool.map(prepare, missing, chunksize=4)
            for art, loaded, fingerprinted in tqdm(prepared, total=len(missing), desc="demo catalog", unit="img",
                                                   disable=verbosity < 1):  # fmt: skip
                self.create(art, loaded, fingerprinted)
                created += 1
        self.stdout.write(self.style.SUCCESS(f"Demo catalog: {created} created, {count - created} already present."))

    def create(self, art: demo.DemoArtwork, loaded, fingerprinted) -> CatalogImage:
        creator, _ = Creator.objects.get_or_create(name=art.creator)
        collection, _ = Collection.objects.get_or_create(name=art.collection[0], defaults={
            "rights_holder": art.collection[1], "usage_options": USAGE_OPTIONS, "size_options": SIZE_OPTIONS,
        })  # fmt: skip
        return ingest.create_item(
            loaded,
            fingerprinted=fingerprinted,
            filename=art.filename,
            identifier=art.identifier,
            title=art.title,
            creator=creator,
            description=art.description,
            tags=art.tags,
            year=art.year,
            year_approximate=art.year_approximate,
            collection=collection,
            license_type=art.license_type,
            price=art.price,
            currency="EUR",
            usage_terms=art.usage_terms,
            status=Status.PUBLISHED,
        )
