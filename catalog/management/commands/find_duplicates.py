"""List the stored groups of catalog images that are the same picture; recompute them with --rebuild."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import duplicate_checks
from catalog.duplicates import DuplicateGroup, find_groups
from catalog.models import CatalogImage
from matching.duplicates import DEFAULT_THRESHOLD

COLUMNS = ["group", "keeper", "id", "identifier", "title", "width", "height", "format", "file_size", "status"]


class Command(BaseCommand):
    help = (
        "List the groups of catalog images that are the same picture (resized, recompressed, recoloured, "
        "cropped, turned or mirrored copies, details and framed copies), as they are kept: each picture is "
        "checked as it is indexed. The largest, best-quality member of each group comes first as the suggested "
        "keeper. Pairs marked 'not duplicates' in the admin are left out. --rebuild checks every picture again "
        "(resuming a rebuild that was interrupted); --unchecked checks those not checked yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                            help=f"Lowest match score (0-100) that counts (default {DEFAULT_THRESHOLD:g}; "
                                 "100 is an identical picture).")  # fmt: skip
        parser.add_argument("--rebuild", action="store_true",
                            help="Check every picture against the catalog again and replace the stored pairs; an "
                                 "interrupted rebuild resumes where it stopped.")  # fmt: skip
        parser.add_argument(
            "--restart",
            action="store_true",
            help="With --rebuild: start over rather than resume an interrupted rebuild.",
        )
        parser.add_argument("--unchecked", action="store_true",
                            help="Check only the pictures not checked yet (waiting for the background task, or "
                                 "stored before duplicates were kept).")  # fmt: skip
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes checking pictures in parallel (default: one per core).",
        )
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table", help="Output format.")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, threshold: float, rebuild: bool, restart: bool, unchecked: bool, workers: int,
               format: str, output: str | None, verbosity: int, **options) -> None:  # fmt: skip
        if not 0 <= threshold <= 100:
            raise CommandError("--threshold must be from 0 to 100.")
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        if restart and not rebuild:
            raise CommandError("--restart goes with --rebuild.")
        if rebuild or unchecked:
            self.run_checks(workers, restart, unchecked_only=not rebuild, verbosity=verbosity)
        groups = find_groups(threshold)
        text = io.StringIO(newline="")
        {"table": self.table, "csv": self.csv, "json": self.json}[format](groups, text)
        if output:
            try:
                Path(output).write_text(text.getvalue(), encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}.") from exc
        else:
            self.stdout.write(text.getvalue(), ending="")
        self.summarize(groups)

    def run_checks(self, workers: int, restart: bool, *, unchecked_only: bool, verbosity: int) -> None:
        with tqdm(desc="checking", unit="img", disable=verbosity < 1, file=sys.stderr) as bar:
            report = duplicate_checks.run_pass(workers=workers, restart=restart, unchecked_only=unchecked_only,
                                               progress=bar.update, on_start=bar.reset)  # fmt: skip
        rate = report.checked / report.seconds if report.seconds else 0.0
        resumed = "Resumed the interrupted rebuild: " if report.resumed else ""
        self.stderr.write(
            f"{resumed}checked {report.checked} images in {report.seconds:.1f} s ({rate:.1f} a second): "
            f"{len(report.doubtful)} doubtful pairs settled, {report.decoded} files read to settle them."
        )
        if report.unreadable:
            shown = ", ".join(f"#{i}" for i in report.unreadable[:20])
            more = f" and {len(report.unreadable) - 20} more" if len(report.unreadable) > 20 else ""
            self.stderr.write(self.style.WARNING(
                f"{len(report.unreadable)} images could not be read, so their duplicates were not all checked: "
                f"{shown}{more}."))  # fmt: skip

    def summarize(self, groups: list[DuplicateGroup]) -> None:
        total = CatalogImage.objects.count()
        copies = sum(len(group.members) - 1 for group in groups)
        summary = f"{len(groups)} groups of duplicates among {total} images; {copies} could go."
        self.stderr.write(self.style.SUCCESS(summary) if not groups else self.style.WARNING(summary))
        if waiting := duplicate_checks.unchecked().count():
            self.stderr.write(self.style.WARNING(
                f"{waiting} images are not checked for duplicates yet (new ones are checked in the background); "
                "`find_duplicates --unchecked` checks them now."))  # fmt: skip

    def table(self, groups: list[DuplicateGroup], stream) -> None:
        for number, group in enumerate(groups, start=1):
            stream.write(f"Group {number}: {len(group.members)} images\n")
            for member in group.members:
                mark = "keep" if member is group.keeper else "    "
                stream.write(f"  {mark} #{member.pk:<7} {member.width}x{member.height} {member.format:<5} "
                             f"{member.file_size:>10} B  {member.title}\n")  # fmt: skip
            scores = ", ".join(f"#{p.first}~#{p.second} {p.score:g}" for p in group.pairs)
            stream.write(f"  scores: {scores}\n")

    def csv(self, groups: list[DuplicateGroup], stream) -> None:
        writer = csv.writer(stream)
        writer.writerow([*COLUMNS, "scores"])
        for number, group in enumerate(groups, start=1):
            for member in group.members:
                scores = " ".join(f"{p.second if p.first == member.pk else p.first}:{p.score:g}" for p in group.pairs
                                  if member.pk in (p.first, p.second))  # fmt: skip
                writer.writerow([number, int(member is group.keeper), *row(member), scores])

    def json(self, groups: list[DuplicateGroup], stream) -> None:
        data = [{"group": number, "keeper": group.keeper.pk,
                 "members": [dict(zip(COLUMNS[2:], row(member), strict=True)) for member in group.members],
                 "pairs": [{"first": p.first, "second": p.second, "score": p.score, "method": p.method}
                           for p in group.pairs]}
                for number, group in enumerate(groups, start=1)]  # fmt: skip
        json.dump(data, stream, indent=2)
        stream.write("\n")


def row(member) -> list:
    return [member.pk, member.identifier, member.title, member.width, member.height, member.format,
            member.file_size, member.status]  # fmt: skip
