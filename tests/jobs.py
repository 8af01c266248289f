"""Staff jobs in tests: queued in the database as by default, and run as the worker beside the site runs them."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from catalog.models import ImportJob


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


@contextlib.contextmanager
def queue_refusing_tasks():
    """The task queue's table refuses every new task (a trigger raises), as a failing database would."""
    table = DBTaskResult._meta.db_table
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("CREATE FUNCTION refuse_tasks() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'the queue is down'; END $$ LANGUAGE plpgsql")  # fmt: skip
            cursor.execute(f"CREATE TRIGGER refuse_tasks BEFORE INSERT ON {table} FOR EACH ROW "
                           "EXECUTE FUNCTION refuse_tasks()")  # fmt: skip
        else:
            cursor.execute(f"CREATE TRIGGER refuse_tasks BEFORE INSERT ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'the queue is down'); END")  # fmt: skip
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER refuse_tasks ON {table}" if postgres else "DROP TRIGGER refuse_tasks")
            if postgres:
                cursor.execute("DROP FUNCTION refuse_tasks()")


def stored_uploads() -> set[str]:
    """The import uploads (zips, metadata files) in storage now."""
    storage = ImportJob._meta.get_field("archive").storage
    return set(storage.listdir("imports")[1]) if storage.exists("imports") else set()
