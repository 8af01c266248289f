"""Rebuild the search indexes from the catalog database, the source of truth."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import renditions, suggestions
from catalog.ingest import ensure_fingerprint
from catalog.models import CatalogImage
from matching.errors import LikenessError
from matching.index.lookalike import get_lookalike_index
from matching.providers import get_provider
from search.backends import backend_names, get_search_backend
from search.tasks import catalog_entries

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Rebuild the search indexes from the catalog: make missing or stale fingerprints, rebuild the "
        "search backend(s) in pk order, then rebuild the match provider's index. Repairs whatever "
        "an outage left behind; safe to run at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backend", help="Only this search backend (default: all configured).")
        parser.add_argument("--chunk-size", type=int, default=500, help="Items per batch (default 500).")
        parser.add_argument("--skip-matching", action="store_true", help="Leave the match provider's index alone.")
        parser.add_argument(
            "--skip-renditions", action="store_true",
            help="Do not make missing thumbnails and watermarked previews (items made before they existed).",
        )  # fmt: skip
        parser.add_argument(
            "--reconcile", action="store_true",
            help="Remote provider: send only what the remote lacks or holds an old version of (by its list), "
                 "instead of sending every image again; what the catalog no longer has is deleted either way.",
        )  # fmt: skip

    def handle(self, *args, backend: str | None, chunk_size: int, skip_matching: bool, skip_renditions: bool,
               reconcile: bool, verbosity: int, **options):  # fmt: skip
        if chunk_size < 1:
            raise CommandError("--chunk-size must be 1 or more.")
        names = backend_names()
        if backend is not None:
            if backend not in names:
                raise CommandError(f"No search backend {backend!r}; configured: {', '.join(names)}.")
            names = [backend]
        items = CatalogImage.objects.select_related("creator").order_by("pk")
        total = items.count()
        failed = self.fingerprints(items, total, chunk_size, quiet=verbosity < 1)
        suggestions.recount()  # the totals that calibrate suggested words, exact again before they are indexed
        unrendered = [] if skip_renditions else self.renditions(items.select_related("collection"), total,
                                                                 chunk_size, quiet=verbosity < 1)  # fmt: skip
        for name in names:
            with tqdm(total=total, desc=f"search backend {name}", unit="item", disable=verbosity < 1) as bar:
                get_search_backend(name).rebuild(items.iterator(chunk_size=chunk_size), total, bar.update, chunk_size)
        indexed = None if skip_matching else self.match_index(reconcile, quiet=verbosity < 1)
        summary = f"Indexed {total} items in {', '.join(names)}"
        summary += "" if indexed is None else f"; match index holds {indexed}"
        summary += f"; {len(failed)} fingerprint failures" if failed else ""
        summary += f"; {len(unrendered)} rendition failures" if unrendered else ""
        summary += "."
        failed += unrendered
        self.stdout.write(self.style.SUCCESS(summary) if not failed else self.style.WARNING(summary))
        for pk, reason in failed[:50]:
            self.stdout.write(f"  item {pk}: {reason}")

    def match_index(self, reconcile: bool, quiet: bool) -> int:
        with tqdm(desc="match index", unit="item", disable=quiet) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done)

            try:
                count = get_provider().rebuild(catalog_entries, progress, reconcile=reconcile)
            except LikenessError as exc:
                raise CommandError(
                    f"The match index was not rebuilt: {exc} What was sent so far is kept; run "
                    "`update_index --reconcile` again to send only the rest."
                ) from exc
        # The look-alike index too, here: this leaves its snapshot (matching.index.snapshot) for the web workers,
        # which would otherwise each rebuild it on their next answer after the reload the rebuild logged
        # (or, with LOOKALIKE_INDEX=elasticsearch, rewrites its documents from the stored embeddings).
        try:
            get_lookalike_index().reload()
        except LikenessError as exc:
            raise CommandError(f"The look-alike index was not rebuilt: {exc} Run `update_index` again.") from exc
        return count

    def fingerprints(self, items, total: int, chunk_size: int, quiet: bool) -> list[tuple[int, str]]:
        """Make every missing or stale fingerprint; a bad file is reported, never fatal."""
        failed = []
        for item in tqdm(items.iterator(chunk_size=chunk_size), total=total, desc="fingerprints", unit="item",
                         disable=quiet):  # fmt: skip
            try:
                ensure_fingerprint(item)
            except (LikenessError, OSError) as exc:
                logger.warning("No fingerprint for item %s: %s", item.pk, exc)
                failed.append((item.pk, str(exc)))
        return failed

    def renditions(self, items, total: int, chunk_size: int, quiet: bool) -> list[tuple[int, str]]:
        """Make the thumbnails and watermarked preview an item lacks (those made before renditions existed)."""
        failed = []
        for item in tqdm(items.iterator(chunk_size=chunk_size), total=total, desc="renditions", unit="item",
                         disable=quiet):  # fmt: skip
            try:
                renditions.ensure_all(item)
            except (LikenessError, OSError) as exc:
                logger.warning("No renditions for item %s: %s", item.pk, exc)
                failed.append((item.pk, f"renditions: {exc}"))
        return failed
