"""Import a folder or zip of images, with an optional CSV/JSON metadata file."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import importer


class Command(BaseCommand):
    help = (
        "Import every image under PATH (a folder, searched recursively, or a zip file). --metadata maps "
        "file names to title, creator, year, description, tags, license, price, currency, collection, "
        "usage_terms (the columns export_catalog writes). Files already in the catalog (same content) are "
        "skipped, so an interrupted import resumes; a bad file is reported and skipped."
    )
    # The site's checks (URLs, templates, search backends) say nothing about an import and cost a fraction of
    # a second of every start; `manage.py check` and the server run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A folder of images or a .zip file.")
        parser.add_argument("--metadata", type=Path, help="CSV (with a 'file' column) or JSON metadata.")
        parser.add_argument("--publish", action="store_true", help="Publish the imported images (default: draft).")
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1,
            help="Processes decoding and fingerprinting in parallel (default: one per core).",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="Check every file and metadata row, save nothing.")
        parser.add_argument("--report", type=Path, help="Write one CSV row per file: file, outcome, item, reason.")

    def handle(self, *args, path: Path, metadata: Path | None, publish: bool, workers: int, dry_run: bool,
               report: Path | None, verbosity: int, **options) -> None:  # fmt: skip
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        try:
            names, read = importer.list_sources(path)
            mapping = importer.read_metadata(metadata.read_bytes(), metadata.name) if metadata else {}
        except importer.ImportSourceError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from exc
        unmatched = [key for key in mapping if key not in names and key not in {Path(n).name for n in names}]
        with tqdm(total=len(names), desc="importing", unit="file", disable=verbosity < 1) as bar:
            run = importer.Importer(mapping, publish=publish, workers=workers, dry_run=dry_run,
                                    on_outcome=lambda outcome: bar.update())  # fmt: skip
            outcomes = run.run(names, read)
        if report:
            with report.open("w", newline="", encoding="utf-8") as stream:
                importer.write_report(outcomes, stream)
        failed = [o for o in outcomes if o.outcome == importer.FAILED]
        summary = importer.summarize(outcomes)
        self.stdout.write(self.style.SUCCESS(summary) if not failed else self.style.WARNING(summary))
        for outcome in failed[:50]:
            self.stdout.write(f"  {outcome.file}: {outcome.reason}")
        if len(failed) > 50:
            self.stdout.write(
                f"  … and {len(failed) - 50} more" + (f" (see {report})" if report else " (use --report)")
            )
        if unmatched:
            self.stdout.write(f"{len(unmatched)} metadata entries name no file in {path}, e.g. {unmatched[0]!r}.")
