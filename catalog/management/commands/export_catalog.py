"""Export the metadata of every catalog item, in the columns import_catalog --metadata reads."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.metadata import COLUMNS, export_row
from catalog.models import CatalogImage


class Command(BaseCommand):
    help = (
        "Write the metadata of every catalog item as CSV or JSON: file (the item's identifier), title, "
        "creator, year, description, tags, license, price, currency, collection, rights_holder, "
        "usage_terms, status. `import_catalog --metadata` reads it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "json"], default="csv", help="Output format (default csv).")
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args, format: str, output: Path | None, verbosity: int, **options) -> None:
        items = CatalogImage.objects.select_related("creator", "collection").order_by("pk")
        quiet = verbosity < 1 or output is None  # standard output carries the data itself
        progress = tqdm(
            items.iterator(chunk_size=1000), total=items.count(), desc="exporting", unit="item", disable=quiet
        )
        rows = [export_row(item) for item in progress]
        text = io.StringIO(newline="")
        if format == "json":
            json.dump(rows, text, indent=2, ensure_ascii=False)
            text.write("\n")
        else:
            writer = csv.DictWriter(text, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        if output is None:
            self.stdout.write(text.getvalue(), ending="")
            return
        try:
            output.write_text(text.getvalue(), encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from exc
        self.stderr.write(self.style.SUCCESS(f"Exported {len(rows)} items to {output}."))
