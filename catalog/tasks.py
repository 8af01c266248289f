"""Background work: a zip import started from the admin (progress and a report on its job row), and the
search for a new picture's edited copies (catalog.duplicate_checks)."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from catalog import duplicate_checks, importer
from catalog.models import ImportJob

log = logging.getLogger(__name__)
SAVE_EVERY = 5  # files between progress saves


@task()
def run_import_job(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).first()
    if job is None:
        return  # deleted, or already run
    job.state = ImportJob.State.RUNNING
    job.save(update_fields=["state"])
    try:
        with job.archive.open("rb") as archive:
            names, read = importer.zip_sources(archive)
            mapping = {}
            if job.metadata:
                assert job.metadata.name is not None  # a file field is true only when it names a file
                with job.metadata.open("rb") as handle:
                    mapping = importer.read_metadata(handle.read(), job.metadata.name)
            job.total = len(names)
            job.save(update_fields=["total"])
            outcomes = importer.Importer(mapping, publish=job.publish, on_outcome=lambda o: progress(job, o)).run(
                names, read
            )
    except (importer.ImportSourceError, OSError) as exc:
        finish(job, ImportJob.State.FAILED, f"The import could not run: {exc}")
        return
    except Exception:
        log.exception("import job %s failed", job.pk)
        finish(job, ImportJob.State.FAILED, "The import stopped on an unexpected error; the log has the details.")
        raise
    finish(job, ImportJob.State.DONE, importer.summarize(outcomes))


def progress(job: ImportJob, outcome: importer.Outcome) -> None:
    job.done += 1
    job.report.append(
        {"file": outcome.file, "outcome": outcome.outcome, "item": outcome.item, "reason": outcome.reason}
    )
    if job.done % SAVE_EVERY == 0:
        job.save(update_fields=["done", "report"])


def finish(job: ImportJob, state: str, summary: str) -> None:
    job.state, job.summary, job.finished_at = state, summary[:500], timezone.now()
    job.save(update_fields=["state", "summary", "finished_at", "done", "report"])


@task()
def check_duplicates(image_ids: list[int]) -> None:
    """Look for the edited copies of newly indexed pictures (their near-exact ones were stored as they were
    indexed); a picture whose file changed since is left to the check its new file gets."""
    report = duplicate_checks.check_fully(image_ids)
    if report.unreadable:
        log.warning("Duplicates of items %s stay unchecked: their files cannot be read.", report.unreadable)
