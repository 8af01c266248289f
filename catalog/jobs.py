"""Staff jobs run by a worker beside the site: queueing, taking one, its heartbeat, cancelling, and resuming
one whose worker died.

A job row (catalog.models.BackgroundJob) is the truth, not the task queue: a worker killed mid-job leaves
its task "running" in the queue forever, so the job itself says who runs it (`worker`, host:pid) and when it
last beat. `recover_stale` finds a running job whose beat stopped (or whose process on this host is gone),
puts it back to queued and enqueues its task again; the task resumes from the job's recorded progress.
`watch_jobs` runs that check in the queue while any job is active, and pages showing jobs run it too.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task, task_backends
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from catalog.models import BackgroundJob, ImportJob, JobState, StaffJob

IMPORT_TASK = "catalog.tasks.run_import_job"
# By name, as settings name backends: the index rebuild is search's work, and catalog imports nothing of search.
STAFF_TASKS: dict[str, str] = {
    StaffJob.Kind.UPDATE_INDEX: "search.jobs.run_index_job",
    StaffJob.Kind.DUPLICATES: "catalog.tasks.run_duplicates_job",
}
JOB_MODELS: tuple[type[BackgroundJob], ...] = (ImportJob, StaffJob)
log = logging.getLogger(__name__)


class Stopped(Exception):
    """The job is no longer this worker's to run: staff cancelled it, or it was handed to another worker."""


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def task_path(job: BackgroundJob) -> str:
    return job.task if isinstance(job, StaffJob) else IMPORT_TASK


def queued_in_background() -> bool:
    """Whether jobs wait for a worker (the database backend) rather than run in the request that queues them."""
    return task_backends[settings.JOBS["BACKEND"]].supports_defer


def enqueue(job: BackgroundJob) -> None:
    """Queue the job's task. Where jobs wait for a worker, its row is written in the transaction that made (or
    queued again) the job, so both are saved or neither: a job is never left queued with nothing to run it.
    Where jobs run at once, it runs once that transaction commits."""
    run: Task = import_string(task_path(job)).using(backend=settings.JOBS["BACKEND"])
    if queued_in_background():
        run.enqueue(job.pk)
        transaction.on_commit(schedule_watch)
    else:
        job_id = job.pk
        transaction.on_commit(lambda: run.enqueue(job_id))


def claim(model: type[BackgroundJob], job_id: int) -> BackgroundJob | None:
    """Take a queued job for this process (None when it is gone, cancelled, done, or another worker took it)."""
    now = timezone.now()
    taken = model.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, worker=this_worker(), heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    model.objects.filter(pk=job_id, started_at=None).update(started_at=now)
    return model.objects.get(pk=job_id)


class Progress:
    """A running job's progress writer: saves the given fields with a heartbeat, at most every
    HEARTBEAT_SECONDS unless forced, and raises Stopped once the job is no longer this worker's."""

    def __init__(self, job: BackgroundJob, fields: tuple[str, ...] = ("done", "total")) -> None:
        self.job, self.fields = job, fields
        self.interval = settings.JOBS["HEARTBEAT_SECONDS"]
        self.last = time.monotonic()

    def save(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.last < self.interval:
            return
        self.last = time.monotonic()
        values = {name: getattr(self.job, name) for name in self.fields}
        self.job.heartbeat_at = timezone.now()
        mine = type(self.job).objects.filter(pk=self.job.pk, state=JobState.RUNNING, worker=self.job.worker)
        if not mine.update(heartbeat_at=self.job.heartbeat_at, **values):
            raise Stopped(f"{self.job} is no longer run by {self.job.worker}")


def finish(job: BackgroundJob, state: str, summary: str, fields: tuple[str, ...] = ("done", "total")) -> bool:
    """Record how the job ended, unless it was cancelled or handed on meanwhile (then False)."""
    job.state, job.summary, job.finished_at = state, summary[:500], timezone.now()
    values = {name: getattr(job, name) for name in fields}
    mine = type(job).objects.filter(pk=job.pk, state=JobState.RUNNING, worker=job.worker)
    return bool(mine.update(state=state, summary=job.summary, finished_at=job.finished_at, **values))


def run_claimed(job: BackgroundJob, work: Callable[[], str], fields: tuple[str, ...] = ("done", "total"), *,
                expected: tuple[type[Exception], ...] = (), explain: Callable[[Exception], str] = str,
                stopped: Callable[[], object] = lambda: None) -> None:  # fmt: skip
    """Run a claimed job's `work` to the summary it returns, and record how it ended: cancelled or handed on
    (Stopped: `stopped` tidies up), failed on an `expected` error (the reason `explain` gives staff), or failed
    on any other error (logged, and raised again for the task queue to record)."""
    try:
        summary = work()
    except Stopped:
        stopped()
        return
    except expected as exc:
        finish(job, JobState.FAILED, explain(exc), fields)
        return
    except Exception:
        log.exception("%s failed", job)
        finish(job, JobState.FAILED, "The job stopped on an unexpected error; the log has the details.", fields)
        raise
    finish(job, JobState.DONE, summary, fields)


def cancel(job: BackgroundJob, who: str) -> bool:
    """Cancel a queued or running job (False when it had already ended); a running one stops at its next save."""
    summary = f"Cancelled by {who} after {job.done:,} of {job.total:,}."
    return bool(
        type(job)
        .objects.filter(pk=job.pk, state__in=BackgroundJob.ACTIVE)
        .update(state=JobState.CANCELLED, summary=summary, finished_at=timezone.now())
    )


def gone(worker: str) -> bool:
    """Whether a worker named host:pid is certainly dead: its process on this host no longer exists."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def stale(model: type[BackgroundJob]) -> list[BackgroundJob]:
    """Running jobs whose worker stopped beating, or whose process on this host is gone."""
    cutoff = timezone.now() - timedelta(seconds=settings.JOBS["STALE_SECONDS"])
    running = model.objects.filter(state=JobState.RUNNING).defer(*deferred(model))
    return [job for job in running if job.heartbeat_at is None or job.heartbeat_at < cutoff or gone(job.worker)]


def deferred(model: type[BackgroundJob]) -> tuple[str, ...]:
    """The large fields a list of jobs never needs (an import's per-file report)."""
    return ("report",) if model is ImportJob else ("cursor",)


def recover_stale() -> int:
    """Queue again every running job whose worker died, to resume where it stopped; how many were."""
    recovered = 0
    for model in JOB_MODELS:
        for job in stale(model):
            with transaction.atomic():
                # A beat since it was read means its worker is alive after all (unless its process is gone).
                beat = {} if gone(job.worker) else {"heartbeat_at": job.heartbeat_at}
                again = model.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=job.worker, **beat)
                if again.update(state=JobState.QUEUED, worker="", heartbeat_at=None):
                    enqueue(job)
                    recovered += 1
    return recovered


def recover_if_queued() -> int:
    """`recover_stale` for a page that shows jobs: only when jobs run in a worker (never run one in a request)."""
    return recover_stale() if queued_in_background() else 0


def any_active() -> bool:
    return any(model.objects.filter(state__in=BackgroundJob.ACTIVE).exists() for model in JOB_MODELS)


def schedule_watch() -> None:
    """Have a worker look for dead jobs every half STALE_SECONDS while jobs are active (one watch queued at once)."""
    pending = DBTaskResult.objects.filter(task_path=f"{__name__}.watch_jobs", status="READY")
    if pending.exists():
        return
    later = timezone.now() + timedelta(seconds=settings.JOBS["STALE_SECONDS"] / 2)
    watch_jobs.using(backend=settings.JOBS["BACKEND"], run_after=later).enqueue()


@task()
def watch_jobs() -> None:
    """Resume the jobs whose worker died; keep watching while any job is queued or running."""
    recover_stale()
    if any_active():
        schedule_watch()
