"""Import jobs run by real `manage.py db_worker` processes on a file-based SQLite database: a worker killed with
SIGKILL mid-import leaves its job running, the next worker notices (its process is gone) and resumes it, and every
file ends imported exactly once; a job cancelled while it runs stops there."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.images import image_bytes
from tests.servers import PROJECT, LikenessInstance, migrated_database

pytestmark = pytest.mark.slow
FILES = 64  # four of the importer's batches


class Site:
    """A Likeness database and media folder, with worker processes started and killed on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**LikenessInstance(root).env, "JOBS_BACKEND": "database", "LIKENESS_JOB_HEARTBEAT_SECONDS": "0",
                    "LIKENESS_JOB_STALE_SECONDS": "4"}  # fmt: skip
        (root / "db.sqlite3").write_bytes(migrated_database().read_bytes())
        self.workers: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], env=self.env, cwd=PROJECT, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout

    def start_import(self, files: dict[str, bytes]) -> int:
        archive = self.root / "batch.zip"
        with zipfile.ZipFile(archive, "w") as writer:
            for name, data in files.items():
                writer.writestr(name, data)
        script = (
            "from django.core.files import File; from django.db import transaction; from catalog import jobs; "
            "from catalog.models import ImportJob\n"
            f"with open({str(archive)!r}, 'rb') as f, transaction.atomic():\n"
            "    job = ImportJob(); job.archive.save('batch.zip', File(f), save=False); job.save(); jobs.enqueue(job)\n"
            "print(job.pk)"
        )
        return int(self.manage("shell", "-c", script).split()[-1])

    def worker(self) -> subprocess.Popen:
        log = (self.root / "worker.log").open("ab")
        process = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--backend", "jobs", "--no-reload",
                                    "--no-startup-delay", "--interval", "0.1"],
                                   env=self.env, cwd=PROJECT, stdout=log, stderr=log)  # fmt: skip
        self.workers.append(process)
        return process

    def query(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.root / "db.sqlite3", timeout=30) as db:
            return db.execute(sql, args).fetchall()

    def job(self, job_id: int) -> tuple[str, int, int, int]:
        return self.query("SELECT state, done, total, attempts FROM catalog_importjob WHERE id = ?", job_id)[0]

    def wait_for(self, condition, what: str, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen; see {self.root / 'worker.log'}")
            if any(w.poll() not in (None, -signal.SIGKILL) for w in self.workers):
                raise AssertionError(f"A worker exited; see {self.root / 'worker.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def site(tmp_path):
    made = Site(tmp_path)
    yield made
    made.stop()


def pictures() -> dict[str, bytes]:
    return {f"p{n:03}.png": image_bytes("PNG", 128, 96, 500 + n) for n in range(FILES)}


def test_an_import_whose_worker_is_killed_resumes_and_imports_every_file_once(site):
    job_id = site.start_import(pictures())
    first = site.worker()
    site.wait_for(lambda: site.job(job_id)[1] >= 16, "a first batch reported")
    first.kill()  # SIGKILL: no handler, no clean-up, the job row says running
    first.wait()
    state, done, total, _ = site.job(job_id)
    assert state == "running" and 16 <= done < total == FILES
    site.worker()
    site.wait_for(lambda: site.job(job_id)[0] == "done", "the resumed import")
    assert site.job(job_id)[3] == 2  # taken twice: once by each worker
    names = [row[0] for row in site.query("SELECT identifier FROM catalog_catalogimage")]
    assert sorted(names) == sorted(pictures())  # each file once
    report = site.query("SELECT value ->> '$.file', value ->> '$.outcome' FROM catalog_importjob, "
                        "json_each(catalog_importjob.report) WHERE catalog_importjob.id = ?", job_id)  # fmt: skip
    assert sorted(file for file, _ in report) == sorted(pictures())
    assert {outcome for _, outcome in report} == {"imported"}


def test_an_import_cancelled_while_it_runs_stops_there(site):
    job_id = site.start_import(pictures())
    site.worker()
    site.wait_for(lambda: site.job(job_id)[1] >= 16, "a first batch reported")
    # What the cancel button writes (catalog.jobs.cancel): the worker finds it at its next save.
    site.query("UPDATE catalog_importjob SET state = 'cancelled' WHERE id = ? AND state IN ('queued', 'running')",
               job_id)  # fmt: skip
    ran = "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path = 'catalog.tasks.run_import_job'"
    site.wait_for(lambda: site.query(ran) == [("SUCCESSFUL",)], "the import task's end")
    state, done, total, _ = site.job(job_id)
    imported = site.query("SELECT count(*) FROM catalog_catalogimage")[0][0]
    assert state == "cancelled" and done < total and imported < FILES
