"""Load the generated demo catalog (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import demo, ingest
from catalog.models import CatalogImage, Collection, Creator, Status


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
        created = 0
        for number in tqdm(range(1, count + 1), desc="demo catalog", unit="img", disable=verbosity < 1):
            if f"demo-{number:04d}" in existing:
                continue
            self.create(demo.artwork(number))
            created += 1
        self.stdout.write(self.style.SUCCESS(f"Demo catalog: {created} created, {count - created} already present."))

    def create(self, art: demo.DemoArtwork) -> CatalogImage:
        creator, _ = Creator.objects.get_or_create(name=art.creator)
        collection, _ = Collection.objects.get_or_create(
            name=art.collection[0], defaults={"rights_holder": art.collection[1]}
        )
        return ingest.create_item(
            ingest.load_image(art.data),
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
