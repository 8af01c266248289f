"""Staff jobs in tests: queued in the database as by default, and run as the worker beside the site runs them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_tasks_db.management.commands.db_worker import Worker


def queue_jobs(settings) -> None:
    """Staff jobs wait in the database queue for a worker, as by default (whatever the suite's settings say)."""
    settings.TASKS = {**settings.TASKS, "jobs": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS = {**settings.JOBS, "BACKEND": "jobs"}


@pytest.fixture
def jobs_queued(settings):
    queue_jobs(settings)


def run_queued_jobs() -> None:
    """What the worker beside the site does: run every queued job, then stop."""
    Worker(queue_names=["default"], interval=0, batch=True, backend_name=settings.JOBS["BACKEND"],
           startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()  # fmt: skip
