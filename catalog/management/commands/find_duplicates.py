"""List groups of catalog images that are the same picture."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.duplicates import VERIFY_LIMIT, DuplicateGroup, find_groups
from matching.duplicates import DEFAULT_THRESHOLD
from matching.models import ImageFingerprint

COLUMNS = ["group", "keeper", "id", "identifier", "title", "width", "height", "format", "file_size", "status"]


class Command(BaseCommand):
    help = (
        "Find groups of catalog images that are the same picture (resized, recompressed, recoloured or "
        "cropped copies) through the hash index, without comparing every pair. The largest, best-quality "
        "member of each group comes first as the suggested keeper. Pairs marked 'not duplicates' in the "
        "admin are left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                            help=f"Lowest match score (0-100) that counts (default {DEFAULT_THRESHOLD:g}; "
                                 "100 is an identical picture).")  # fmt: skip
        parser.add_argument("--verify-limit", type=int, default=VERIFY_LIMIT,
                            help="Images whose doubtful pairs (crops between the hash windows, heavy edits) get a "
                                 f"full match, closest first (default {VERIFY_LIMIT}; 0: hashes only).")  # fmt: skip
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table", help="Output format.")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, threshold: float, verify_limit: int, format: str, output: str | None, verbosity: int,
               **options) -> None:  # fmt: skip
        if not 0 <= threshold <= 100:
            raise CommandError("--threshold must be from 0 to 100.")
        if verify_limit < 0:
            raise CommandError("--verify-limit must be 0 or more.")
        total = ImageFingerprint.objects.count()
        with tqdm(total=total, desc="looking up", unit="img", disable=verbosity < 1, file=sys.stderr) as bar:
            groups = find_groups(threshold, progress=bar.update, verify_limit=verify_limit)
        text = io.StringIO(newline="")
        {"table": self.table, "csv": self.csv, "json": self.json}[format](groups, text)
        if output:
            try:
                Path(output).write_text(text.getvalue(), encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}.") from exc
        else:
            self.stdout.write(text.getvalue(), ending="")
        copies = sum(len(group.members) - 1 for group in groups)
        summary = f"{len(groups)} groups of duplicates among {total} images; {copies} could go."
        self.stderr.write(self.style.SUCCESS(summary) if not groups else self.style.WARNING(summary))

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
                 "pairs": [{"first": p.first, "second": p.second, "score": p.score} for p in group.pairs]}
                for number, group in enumerate(groups, start=1)]  # fmt: skip
        json.dump(data, stream, indent=2)
        stream.write("\n")


def row(member) -> list:
    return [member.pk, member.identifier, member.title, member.width, member.height, member.format,
            member.file_size, member.status]  # fmt: skip
