"""The admin's import report: read-only, its banner says the job's state as it is, and it links what it made."""

import io
import re
import zipfile

import pytest
from django.urls import reverse

from catalog.models import CatalogImage, ImportJob
from tests.conftest import upload
from tests.images import image_bytes
from tests.jobs import jobs_queued, run_queued_jobs  # noqa: F401 (the fixture)

# The worker loop commits, as a real one does; staff jobs wait in the database queue, as by default.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_queued")]


@pytest.fixture
def finished_job(staff_client, committed):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.jpg", image_bytes("JPEG", 640, 480, 45))
        zipped.writestr("b.jpg", b"not really a jpeg")
    zip_file = upload("batch.zip", archive.getvalue(), "application/zip")
    with committed():
        response = staff_client.post(reverse("admin:catalog_importjob_add"), {"archive": zip_file})
    run_queued_jobs()
    return response, ImportJob.objects.get()


def test_after_starting_an_import_its_report_says_the_state_it_is_in_now(staff_client, finished_job):
    response, job = finished_job
    assert response.url == reverse("admin:catalog_importjob_change", args=[job.pk])
    assert job.state == ImportJob.State.DONE  # the worker ran it before the report is shown
    page = staff_client.get(response.url).content.decode()
    banner = re.search(r'<ul class="messagelist" id="import-state">(.*?)</ul>', page, re.S).group(1)
    assert f"Import {job.pk} is done: {job.summary}" in banner
    assert "queued" not in page.lower() and "runs in the background" not in page


def test_the_report_is_read_only_with_nothing_to_save(staff_client, finished_job):
    _, job = finished_job
    page = staff_client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page and 'name="_addanother"' not in page
    refused = staff_client.post(reverse("admin:catalog_importjob_change", args=[job.pk]), {})
    assert refused.status_code == 403


def test_the_report_links_the_items_it_made(staff_client, finished_job):
    _, job = finished_job
    item = CatalogImage.objects.get()
    page = staff_client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).content.decode()
    assert f'<a href="{reverse("admin:catalog_catalogimage_change", args=[item.pk])}">#{item.pk}</a>' in page


def test_a_new_import_can_still_be_started(staff_client):
    page = staff_client.get(reverse("admin:catalog_importjob_add")).content.decode()
    assert 'name="archive"' in page and 'name="_save"' in page
