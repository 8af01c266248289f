"""List, and remove, stored files that no catalog item references."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.files import orphans


class Command(BaseCommand):
    help = (
        "Find stored originals that no catalog item references, and renditions of pictures no item has "
        "(what a crashed process can leave behind), and remove them. Files younger than --older-than "
        "minutes are left alone: their transaction may still commit. --dry-run only lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; remove nothing.")
        parser.add_argument(
            "--older-than", type=int, default=60, metavar="MINUTES",
            help="Only files last written this many minutes ago or earlier (default 60).",
        )  # fmt: skip

    def handle(self, *args, dry_run: bool, older_than: int, verbosity: int, **options) -> None:
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more minutes.")
        found = orphans(timedelta(minutes=older_than))
        for _, name in found:
            self.stdout.write(name)
        if dry_run:
            self.stderr.write(f"{len(found)} files no item references; nothing removed (--dry-run).")
            return
        for storage, name in tqdm(found, desc="removing", unit="file", disable=verbosity < 1 or not found):
            storage.delete(name)
        self.stderr.write(self.style.SUCCESS(f"Removed {len(found)} files no item references."))
