"""Load the in-memory indexes the way a web worker does, leaving current snapshots for the workers."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from matching.index import snapshot
from matching.index.lookalike import get_lookalike_index
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
        for label, index in (("match index", get_provider()), ("look-alike index", get_lookalike_index())):
            started = time.monotonic()
            if not index.load(rebuild=rebuild):
                continue  # held by no process here (a remote's, Elasticsearch's): nothing to load
            count = index.count()
            seconds = time.monotonic() - started
            self.stdout.write(f"{label}: {count} images from the {index.loaded_from} in {seconds:.1f} s")
