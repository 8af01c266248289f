"""`update_index` as a staff job started from the admin (catalog.models.StaffJob): the same steps as the command,
run by the worker beside the site with progress, a heartbeat and a cursor, so a job whose worker died resumes
at the phase and item where it stopped (catalog.jobs), and staff can cancel it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db.models import QuerySet
from django_tasks import task

from catalog import jobs, renditions, suggestions
from catalog.ingest import ensure_fingerprint
from catalog.models import CatalogImage, StaffJob
from matching.errors import LikenessError
from matching.index.lookalike import get_lookalike_index
from matching.providers import get_provider
from search.backends import backend_names, get_search_backend
from search.tasks import catalog_entries

logger = logging.getLogger(__name__)
CHUNK = 500
FIELDS = ("done", "total", "cursor")


class IndexJob:
    """One run of an index job: each phase picks up from the job's cursor ({"phase", "after", "failed"})."""

    def __init__(self, job: StaffJob) -> None:
        self.job, self.progress = job, jobs.Progress(job, FIELDS)
        self.items = CatalogImage.objects.select_related("creator", "collection").order_by("pk")
        self.count, self.names = self.items.count(), backend_names()
        if not job.cursor:
            job.total, job.cursor = self.count * (3 + len(self.names)), {"phase": 0, "after": 0, "failed": 0}

    def run(self) -> str:
        phases: list[Callable[[], object]] = [
            lambda: self.each_item(ensure_fingerprint),
            lambda: self.each_item(renditions.ensure_all),
            self.backends,
            self.match_index,
        ]
        for number, phase in enumerate(phases):
            if number >= self.job.cursor["phase"]:
                phase()
                self.job.cursor = {**self.job.cursor, "phase": number + 1, "after": 0}
                self.progress.save(force=True)
        self.job.done = self.job.total  # the total was an estimate (the catalog may have changed meanwhile)
        failed = self.job.cursor["failed"]
        return f"Indexed {self.count:,} items in {', '.join(self.names)}" + (f"; {failed} failures." if failed else ".")

    def each_item(self, step: Callable[[CatalogImage], object]) -> None:
        """A per-item phase from the cursor on; a bad file is counted and logged, never fatal."""
        todo: QuerySet[CatalogImage] = self.items.filter(pk__gt=self.job.cursor["after"])
        for item in todo.iterator(chunk_size=CHUNK):
            try:
                step(item)
            except (LikenessError, OSError) as exc:
                logger.warning("Item %s: %s", item.pk, exc)
                self.job.cursor["failed"] += 1
            self.job.done += 1
            self.job.cursor["after"] = item.pk
            self.progress.save()

    def advance(self, count: int, _total: int | None = None) -> None:
        self.job.done += count
        self.progress.save()

    def backends(self) -> None:
        suggestions.recount()  # exact totals before suggested words are indexed, as update_index does
        for name in self.names:  # a backend rebuild is whole: a resumed job does it again
            get_search_backend(name).rebuild(self.items.iterator(chunk_size=CHUNK), self.count, self.advance, CHUNK)

    def match_index(self) -> None:
        get_provider().rebuild(catalog_entries, self.advance)
        get_lookalike_index().reload()  # leaves its snapshot for the web workers, as update_index does


@task()
def run_index_job(job_id: int) -> None:
    claimed = jobs.claim(StaffJob, job_id)
    if claimed is None:
        return
    assert isinstance(claimed, StaffJob)
    jobs.run_claimed(claimed, lambda: IndexJob(claimed).run(), FIELDS, expected=(LikenessError,),
                     explain=lambda exc: f"The indexes were not rebuilt: {exc} Start the job again.")  # fmt: skip
