"""Background work: a zip import (progress, a per-file report and a heartbeat on its job row, resumed after a
dead worker from that report), the duplicates rebuild started from the admin, and the search for a new
picture's edited copies (catalog.duplicate_checks). catalog.jobs queues them and resumes the stale ones."""

from __future__ import annotations

import logging
import os

from django_tasks import task

from catalog import duplicate_checks, importer, jobs
from catalog.models import CatalogImage, ImportJob, JobState, StaffJob

log = logging.getLogger(__name__)
REPORT_FIELDS = ("done", "total", "report")


@task()
def run_import_job(job_id: int) -> None:
    """Import a job's zip, skipping the files its report already settled (a resumed job imports none twice)."""
    job = jobs.claim(ImportJob, job_id)
    if job is None:
        return  # deleted, cancelled, or already taken
    assert isinstance(job, ImportJob)
    progress = jobs.Progress(job, REPORT_FIELDS)

    def work() -> str:
        with job.archive.open("rb") as archive:
            names, read = importer.zip_sources(archive)
            mapping = read_mapping(job)
            settled = {row["file"] for row in job.report}
            job.total, job.done = len(names), len(settled)
            progress.save(force=True)
            todo = [name for name in names if name not in settled]
            importer.Importer(mapping, publish=job.publish, on_outcome=lambda o: record(job, o, progress)).run(
                todo, read
            )
        return importer.summarize(outcomes(job))

    def cancelled() -> None:  # what was imported stays, and the report says so
        ImportJob.objects.filter(pk=job.pk, state=JobState.CANCELLED, worker=job.worker).update(
            done=job.done, report=job.report
        )

    jobs.run_claimed(job, work, REPORT_FIELDS, expected=(importer.ImportSourceError, OSError),
                     explain=lambda exc: f"The import could not run: {exc}", stopped=cancelled)  # fmt: skip


def read_mapping(job: ImportJob) -> dict[str, dict]:
    if not job.metadata:
        return {}
    assert job.metadata.name is not None  # a file field is true only when it names a file
    with job.metadata.open("rb") as handle:
        return importer.read_metadata(handle.read(), job.metadata.name)


def record(job: ImportJob, outcome: importer.Outcome, progress: jobs.Progress) -> None:
    """One file settled: a row in the report, saved with the heartbeat now and then."""
    present = outcome.item if outcome.outcome == importer.PRESENT else None
    if job.attempts > 1 and present is not None and imported_before(job, outcome.file, present):
        outcome = importer.Outcome(outcome.file, importer.IMPORTED, item=present)
    job.done += 1
    job.report.append(
        {"file": outcome.file, "outcome": outcome.outcome, "item": outcome.item, "reason": outcome.reason}
    )
    progress.save()


def imported_before(job: ImportJob, name: str, item: int) -> bool:
    """Whether a file "already in the catalog" is one this job itself imported before its worker died (saved,
    not yet reported): it counts as imported, once."""
    return CatalogImage.objects.filter(pk=item, identifier=name, created_at__gte=job.started_at).exists()


def outcomes(job: ImportJob) -> list[importer.Outcome]:
    return [importer.Outcome(row["file"], row["outcome"], row["item"], row["reason"]) for row in job.report]


@task()
def run_duplicates_job(job_id: int) -> None:
    """The full duplicates pass started from the admin; it resumes an unfinished pass by itself."""
    job = jobs.claim(StaffJob, job_id)
    if job is None:
        return
    progress = jobs.Progress(job)

    def started(todo: int) -> None:
        resumed = job.attempts > 1 and job.total >= todo
        job.total, job.done = (job.total, job.total - todo) if resumed else (todo, 0)
        progress.save(force=True)

    def advanced(count: int) -> None:
        job.done += count
        progress.save()

    def work() -> str:
        report = duplicate_checks.run_pass(workers=os.cpu_count() or 1, restart=job.attempts == 1, progress=advanced,
                                           on_start=started)  # fmt: skip
        unreadable = f"; {len(report.unreadable)} files could not be read" if report.unreadable else ""
        return f"Checked {report.checked:,} pictures{unreadable}."

    jobs.run_claimed(job, work)


@task()
def check_duplicates(image_ids: list[int]) -> None:
    """Look for the edited copies of newly indexed pictures (their near-exact ones were stored as they were
    indexed); a picture whose file changed since is left to the check its new file gets."""
    report = duplicate_checks.check_fully(image_ids)
    if report.unreadable:
        log.warning("Duplicates of items %s stay unchecked: their files cannot be read.", report.unreadable)
