"""Staff jobs run by the worker beside the site: an admin import answers at once and completes in the background,
a job whose worker died is queued again and resumes without importing a file twice, staff can cancel one, and the
index and duplicates rebuilds are jobs of the same kind. The worker is django_tasks_db's own loop, run in-process
(tests/catalog/test_import_jobs_worker.py kills real worker processes)."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from catalog import importer, jobs
from catalog.models import CatalogImage, ImportJob, JobState, StaffJob
from tests.conftest import upload
from tests.images import encode, image_bytes
from tests.jobs import jobs_queued, queue_refusing_tasks, run_queued_jobs, stored_uploads  # noqa: F401 (the fixture)

# The worker loop commits, as a real one does; staff jobs wait in the database queue, as by default.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_queued")]


def zipped(files: dict[str, bytes]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        for name, data in files.items():
            writer.writestr(name, data)
    return archive.getvalue()


def pictures(count: int) -> dict[str, bytes]:
    return {f"p{n:02}.png": image_bytes("PNG", 128, 96, 300 + n) for n in range(count)}


@pytest.fixture
def start_import(staff_client, committed):
    def start(files: dict[str, bytes]) -> tuple:
        archive = upload("batch.zip", zipped(files), "application/zip")
        with committed():
            response = staff_client.post(reverse("admin:catalog_importjob_add"), {"archive": archive})
        return response, ImportJob.objects.get()

    return start


def dead_worker() -> str:
    """host:pid of a process of this host that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


def as_if_killed(job: ImportJob, worker: str, report: list[dict]) -> None:
    """The job as a worker killed mid-way leaves it: running, its report as last saved."""
    job.refresh_from_db()
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker=worker, report=report,
                                               done=len(report), finished_at=None)  # fmt: skip


def test_an_admin_import_of_20000_entries_answers_at_once_and_completes_in_the_background(start_import):
    few = [encode(Image.new("RGB", (128, 96), colour), "PNG") for colour in ("red", "green", "blue", "white")]
    response, job = start_import({f"f/{n:05}.png": few[n % 4] for n in range(20_000)})
    assert response.status_code == 302
    assert (job.state, job.done, CatalogImage.objects.count()) == (JobState.QUEUED, 0, 0)  # nothing ran in it
    assert DBTaskResult.objects.filter(task_path="catalog.tasks.run_import_job", status="READY").count() == 1
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.summary
    assert (job.done, job.total, len(job.report)) == (20_000, 20_000, 20_000)
    assert CatalogImage.objects.count() == 4
    assert sum(row["outcome"] == importer.DUPLICATE for row in job.report) == 19_996


def test_the_job_list_never_loads_the_reports(staff_client, start_import):
    start_import(pictures(2))
    run_queued_jobs()
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(reverse("admin:catalog_importjob_changelist"))
    assert page.status_code == 200 and "2 of 2" in page.content.decode()
    assert not [q["sql"] for q in queries if '"report"' in q["sql"]]


def test_a_job_whose_worker_died_is_queued_again_and_skips_what_its_report_settled(start_import, committed):
    _, job = start_import(pictures(3))
    run_queued_jobs()  # p00..p02 imported; now as if the worker had died after settling only p00
    first = CatalogImage.objects.get(identifier="p00.png")
    CatalogImage.objects.exclude(pk=first.pk).delete()
    as_if_killed(job, dead_worker(), [{"file": "p00.png", "outcome": "imported", "item": first.pk, "reason": ""}])
    with committed():
        assert jobs.recover_stale() == 1
    assert ImportJob.objects.get().state == JobState.QUEUED
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2
    assert sorted(CatalogImage.objects.values_list("identifier", flat=True)) == ["p00.png", "p01.png", "p02.png"]
    assert sorted(row["file"] for row in job.report) == ["p00.png", "p01.png", "p02.png"]
    assert all(row["outcome"] == importer.IMPORTED for row in job.report), job.report


def test_a_file_saved_but_not_yet_reported_when_the_worker_died_counts_as_imported_once(start_import, committed):
    _, job = start_import(pictures(2))
    run_queued_jobs()
    as_if_killed(job, dead_worker(), [])  # both saved, neither reported
    with committed():
        jobs.recover_stale()
    run_queued_jobs()
    job.refresh_from_db()
    assert CatalogImage.objects.count() == 2
    assert [row["outcome"] for row in job.report] == [importer.IMPORTED, importer.IMPORTED]
    assert job.summary.startswith("Imported 2,")


def test_a_job_that_beats_while_it_is_judged_stale_keeps_running(start_import, monkeypatch):
    _, job = start_import(pictures(1))
    silent = timezone.now() - timedelta(seconds=settings.JOBS["STALE_SECONDS"] + 1)
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker="elsewhere.invalid:1",
                                               heartbeat_at=silent)  # fmt: skip
    judged = jobs.stale(ImportJob)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())  # its worker beats meanwhile
    monkeypatch.setattr(jobs, "stale", lambda model: judged if model is ImportJob else [])
    assert jobs.recover_stale() == 0
    assert ImportJob.objects.get().state == JobState.RUNNING


def test_a_job_beating_on_another_host_is_left_alone_until_its_beat_stops(start_import, committed):
    _, job = start_import(pictures(1))
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker="elsewhere.invalid:1",
                                               heartbeat_at=timezone.now())  # fmt: skip
    assert jobs.recover_stale() == 0
    silent = timezone.now() - timedelta(seconds=settings.JOBS["STALE_SECONDS"] + 1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    with committed():
        assert jobs.recover_stale() == 1
    run_queued_jobs()
    assert ImportJob.objects.get().state == JobState.DONE


def test_opening_the_job_list_notices_a_dead_worker(staff_client, start_import):
    _, job = start_import(pictures(1))
    as_if_killed(job, dead_worker(), [])
    staff_client.get(reverse("admin:catalog_importjob_changelist"))
    assert ImportJob.objects.get().state == JobState.QUEUED


def test_a_queued_import_cancelled_from_its_page_never_runs(staff_client, start_import):
    _, job = start_import(pictures(2))
    page = staff_client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).content.decode()
    cancel_url = reverse("admin:catalog_importjob_cancel", args=[job.pk])
    assert f'action="{cancel_url}"' in page
    assert staff_client.post(cancel_url).status_code == 302
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and "Cancelled by staff" in job.summary
    assert CatalogImage.objects.count() == 0
    page = staff_client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).content.decode()
    assert "was cancelled" in page and f'action="{cancel_url}"' not in page


def test_staff_who_may_only_view_jobs_cannot_cancel_one(client, django_user_model, start_import):
    from django.contrib.auth.models import Permission

    _, job = start_import(pictures(1))
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_importjob"))
    client.force_login(viewer)
    assert client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).status_code == 200
    assert client.post(reverse("admin:catalog_importjob_cancel", args=[job.pk])).status_code == 403
    assert ImportJob.objects.get().state == JobState.QUEUED


def test_a_running_job_cancelled_stops_at_its_next_save(start_import):
    _, job = start_import(pictures(1))
    claimed = jobs.claim(ImportJob, job.pk)
    assert claimed is not None and jobs.cancel(claimed, "staff")
    with pytest.raises(jobs.Stopped):
        jobs.Progress(claimed).save(force=True)
    assert not jobs.finish(claimed, JobState.DONE, "never said")
    assert ImportJob.objects.get().state == JobState.CANCELLED


def test_cancelling_needs_a_post_and_an_ended_job_stays_as_it_ended(staff_client, start_import):
    _, job = start_import(pictures(1))
    run_queued_jobs()
    url = reverse("admin:catalog_importjob_cancel", args=[job.pk])
    assert staff_client.get(url).status_code == 405
    staff_client.post(url)
    assert ImportJob.objects.get().state == JobState.DONE


@pytest.mark.parametrize("kind", [StaffJob.Kind.UPDATE_INDEX, StaffJob.Kind.DUPLICATES])
def test_a_rebuild_started_from_the_admin_is_queued_and_the_worker_runs_it(staff_client, committed, make_item, kind):
    make_item(seed=1)
    make_item(seed=2)
    list_page = staff_client.get(reverse("admin:catalog_staffjob_changelist")).content.decode()
    start = reverse("admin:catalog_staffjob_start", args=[kind])
    assert f'action="{start}"' in list_page
    with committed():
        response = staff_client.post(start)
    job = StaffJob.objects.get()
    assert response.url == reverse("admin:catalog_staffjob_change", args=[job.pk])
    assert job.state == JobState.QUEUED
    page = staff_client.get(response.url).content.decode()
    assert "is waiting for the worker" in page
    assert f'action="{reverse("admin:catalog_staffjob_cancel", args=[job.pk])}"' in page
    with committed():
        again = staff_client.post(start)  # one at a time: the running one is shown
    assert again.url == response.url and StaffJob.objects.count() == 1
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.summary
    assert job.done == job.total > 0


def test_an_index_job_resumes_at_the_phase_where_its_worker_died(staff_client, committed, make_item):
    items = [make_item(seed=seed) for seed in (1, 2)]
    with committed():
        staff_client.post(reverse("admin:catalog_staffjob_start", args=[StaffJob.Kind.UPDATE_INDEX]))
    job = StaffJob.objects.get()
    StaffJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker=dead_worker(), done=3, total=10,
                                              cursor={"phase": 1, "after": items[0].pk, "failed": 0})  # fmt: skip
    with committed():
        jobs.recover_stale()
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.summary
    assert job.cursor["phase"] == 4 and job.done == job.total == 10


def test_a_rebuild_can_be_cancelled_and_only_staff_start_one(client, plain_user, staff_client, committed):
    with committed():
        staff_client.post(reverse("admin:catalog_staffjob_start", args=[StaffJob.Kind.DUPLICATES]))
    job = StaffJob.objects.get()
    staff_client.post(reverse("admin:catalog_staffjob_cancel", args=[job.pk]))
    run_queued_jobs()
    assert StaffJob.objects.get().state == JobState.CANCELLED
    assert staff_client.post(reverse("admin:catalog_staffjob_start", args=["everything"])).status_code == 404
    client.force_login(plain_user)
    client.post(reverse("admin:catalog_staffjob_start", args=[StaffJob.Kind.DUPLICATES]))
    assert StaffJob.objects.count() == 1


def test_the_database_keeps_one_rebuild_of_a_kind_under_way_however_close_the_clicks():
    """The check is the database's (a unique constraint over the jobs under way), so two requests at the same
    moment cannot both start one: the second's insert fails, and the admin shows it the first."""
    task = jobs.STAFF_TASKS[StaffJob.Kind.DUPLICATES]
    StaffJob.objects.create(kind=StaffJob.Kind.DUPLICATES, task=task, state=JobState.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffJob.objects.create(kind=StaffJob.Kind.DUPLICATES, task=task, state=JobState.QUEUED)
    StaffJob.objects.create(kind=StaffJob.Kind.UPDATE_INDEX, task=jobs.STAFF_TASKS[StaffJob.Kind.UPDATE_INDEX])
    StaffJob.objects.create(kind=StaffJob.Kind.DUPLICATES, task=task, state=JobState.DONE)  # ended ones: any number
    assert StaffJob.objects.filter(kind=StaffJob.Kind.DUPLICATES).count() == 2


def test_a_rebuild_whose_task_cannot_be_queued_is_not_left_waiting(staff_client, committed):
    """The job's row and its task's row are written in one transaction: when the queue refuses the task, no job
    is left "queued" with nothing to run it, and staff are told."""
    with queue_refusing_tasks():
        response = staff_client.post(reverse("admin:catalog_staffjob_start", args=[StaffJob.Kind.DUPLICATES]),
                                     follow=True)  # fmt: skip
    assert StaffJob.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert "could not be queued; nothing was started" in response.content.decode()
    with committed():
        staff_client.post(reverse("admin:catalog_staffjob_start", args=[StaffJob.Kind.DUPLICATES]))
    assert StaffJob.objects.get().state == JobState.QUEUED  # once the queue works again, a click starts one


def test_an_admin_import_whose_task_cannot_be_queued_keeps_nothing_and_says_so(staff_client):
    before = stored_uploads()
    archive = upload("batch.zip", zipped(pictures(2)), "application/zip")
    with queue_refusing_tasks():
        response = staff_client.post(reverse("admin:catalog_importjob_add"), {"archive": archive}, follow=True)
    assert response.status_code == 200
    assert "could not be queued; nothing was kept" in response.content.decode()
    assert ImportJob.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert stored_uploads() == before
