"""Load the generated demo catalog (idempotent)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import demo, ingest
from catalog.models import CatalogImage, Collection, Creator, Status
from matching.safety import imaging


def prepare(number: int):
    """In a worker process: paint artwork `number`, decode it as ingest does, fingerprint it."""
    art = demo.artwork(number)
    loaded = imaging.load_image(art.data)
    return art, loaded, ingest.describe(loaded)


class Command(BaseCommand):
    help = (
        "Generate a demo catalog of procedural artworks with licensing metadata, made in code "
        "(no download). Idempotent: items that already exist are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=200, help="How many demo images (default 200).")
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
        collection, _ = Collection.objects.get_or_create(
            name=art.collection[0], defaults={"rights_holder": art.collection[1]}
        )
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
