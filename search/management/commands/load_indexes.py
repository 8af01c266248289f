"""Load the in-memory indexes the way a web worker does, leaving current snapshots for the workers."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from matching.index import snapshot
from matching.index.lookalike_memory import get_index
from matching.providers import get_provider


class Command(BaseCommand):
    help = (
        "Load the match index and the look-alike index as a web worker would: map the host's current "
        "snapshots (LIKENESS['INDEX_DIR']) or, when there are none, build from the database and write "
        "them. gunicorn (webapp/gunicorn.conf.py) runs this before its workers start, so they only map "
        "the snapshots. Prints how each index was loaded and how long it took."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true",
            help="Build from the database and write new snapshots even when current ones exist.",
        )  # fmt: skip

    def handle(self, *args, rebuild: bool, **options) -> None:
        if snapshot.directory() is None:
            self.stderr.write("Index snapshots are off (LIKENESS_INDEX_DIR=off): each worker builds its own index.")
            return
        provider = get_provider()
        # The match index only when it is held in memory (not a remote's, not Elasticsearch's chunk terms).
        indexes = [("match index", provider)] if getattr(provider, "snapshot_name", None) else []
        if getattr(get_index(), "snapshot_name", None):  # not Elasticsearch's look-alike index either
            indexes.append(("look-alike index", get_index()))
        for label, index in indexes:
            started = time.monotonic()
            if rebuild:
                index.reload_from_database()
            else:
                index.reload()
            count = index.count()
            seconds = time.monotonic() - started
            self.stdout.write(f"{label}: {count} images from the {index.loaded_from} in {seconds:.1f} s")
