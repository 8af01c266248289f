"""Batch imports through the partner API: 202 and the job's address at once, progress and the per-file report
there, cancel, bad input refused with a reason, and only writers (or staff) may import or see imports."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import CatalogImage, ImportJob, JobState
from tests.conftest import upload
from tests.images import image_bytes
from tests.jobs import jobs_queued, queue_refusing_tasks, run_queued_jobs, stored_uploads  # noqa: F401 (the fixture)

# The worker loop commits, as a real one does; staff jobs wait in the database queue, as by default.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_queued")]


@pytest.fixture
def users(django_user_model, staff_user):
    reader = django_user_model.objects.create_user("reader", password="pw")
    writer = django_user_model.objects.create_user("writer", password="pw")
    writer.user_permissions.add(Permission.objects.get(codename="add_catalogimage"))
    other = django_user_model.objects.create_user("other-writer", password="pw")
    other.user_permissions.add(Permission.objects.get(codename="add_catalogimage"))
    return {"anonymous": None, "reader": reader, "writer": writer, "other": other, "staff": staff_user}


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def a_zip(files: dict[str, bytes]):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        for name, data in files.items():
            writer.writestr(name, data)
    return upload("batch.zip", archive.getvalue(), "application/zip")


def two_pictures():
    return a_zip({"harbour.png": image_bytes("PNG", 128, 96, 71), "meadow.png": image_bytes("PNG", 128, 96, 72)})


def test_an_import_answers_202_with_its_address_at_once_and_the_worker_runs_it(users, committed):
    writer = client_for(users["writer"])
    metadata = upload("meta.json", json.dumps([{"file": "harbour.png", "title": "Evening Harbour"}]).encode(),
                      "application/json")  # fmt: skip
    with committed():
        response = writer.post("/api/v1/imports/", {"archive": two_pictures(), "metadata": metadata,
                                                    "publish": "true"}, format="multipart")  # fmt: skip
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "queued" and response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/v1/imports/{body['id']}/")
    assert CatalogImage.objects.count() == 0  # nothing imported in the request
    run_queued_jobs()
    job = writer.get(body["url"]).json()
    assert (job["state"], job["done"], job["total"]) == ("done", 2, 2)
    assert sorted((row["file"], row["outcome"]) for row in job["report"]) == [
        ("harbour.png", "imported"), ("meadow.png", "imported")]  # fmt: skip
    assert CatalogImage.objects.get(identifier="harbour.png").title == "Evening Harbour"


def test_a_queued_import_can_be_cancelled_and_an_ended_one_cannot(users, committed):
    writer = client_for(users["writer"])
    with committed():
        url = writer.post("/api/v1/imports/", {"archive": two_pictures()}, format="multipart").json()["url"]
    cancelled = writer.post(f"{url}cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    run_queued_jobs()
    assert ImportJob.objects.get().state == JobState.CANCELLED and CatalogImage.objects.count() == 0
    again = writer.post(f"{url}cancel/")
    assert again.status_code == 409 and "already ended" in again.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({}, "archive", "No file was submitted"),
        ({"archive": upload("batch.zip", b"PK\x03\x04 not a zip at all", "application/zip")}, "archive",
         "not a zip file"),
        ({"archive": "not a file"}, "archive", "not a file"),
        ({"metadata": upload("meta.json", b"{not json", "application/json")}, "metadata", "JSON"),
        ({"metadata": upload("meta.json", b'{"a.png": 1}', "application/json")}, "metadata", "list of objects"),
        ({"metadata": upload("meta.csv", b"file,title\na.png," + b"x" * 200_000 + b"\n", "text/csv")}, "metadata",
         "not a readable CSV"),
        ({"publish": "perhaps"}, "publish", "valid boolean"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_reason_and_nothing_is_queued(users, fields, field, reason):
    if field != "archive":
        fields = {"archive": two_pictures(), **fields}
    response = client_for(users["writer"]).post("/api/v1/imports/", fields, format="multipart")
    assert response.status_code == 400
    assert reason.lower() in " ".join(response.json()[field]).lower(), response.json()
    assert ImportJob.objects.count() == 0


def test_an_archive_over_the_entry_limit_is_refused_before_anything_is_inflated(users, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_ARCHIVE_ENTRIES": 1}
    response = client_for(users["writer"]).post("/api/v1/imports/", {"archive": two_pictures()}, format="multipart")
    assert response.status_code == 400 and "at most 1 are imported at once" in response.json()["archive"][0]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("reader", 403), ("writer", 202), ("staff", 202)])
def test_only_those_who_may_create_items_may_import(users, who, status):
    response = client_for(users[who]).post("/api/v1/imports/", {"archive": two_pictures()}, format="multipart")
    assert response.status_code == status


def test_a_writer_sees_its_own_imports_and_staff_see_every_one(users, committed):
    with committed():
        mine = client_for(users["writer"]).post("/api/v1/imports/", {"archive": two_pictures()}, format="multipart")
    url = mine.json()["url"]
    assert client_for(users["other"]).get(url).status_code == 404
    assert client_for(users["other"]).post(f"{url}cancel/").status_code == 404
    assert client_for(users["reader"]).get(url).status_code == 403
    assert client_for(users["anonymous"]).get("/api/v1/imports/").status_code == 401
    assert client_for(users["staff"]).get(url).status_code == 200
    listed = client_for(users["writer"]).get("/api/v1/imports/").json()
    assert [job["id"] for job in listed["results"]] == [mine.json()["id"]] and "report" not in listed["results"][0]
    assert client_for(users["other"]).get("/api/v1/imports/").json()["results"] == []


def test_an_import_that_cannot_be_queued_answers_503_and_keeps_nothing(users):
    """The queue refusing the job's task: no job row, no uploaded zip left in storage, and a reason."""
    before = stored_uploads()
    with queue_refusing_tasks():
        response = client_for(users["writer"]).post("/api/v1/imports/", {"archive": two_pictures()}, format="multipart")
    assert response.status_code == 503
    assert "could not be queued; nothing was kept" in response.json()["detail"]
    assert ImportJob.objects.count() == 0
    assert stored_uploads() == before
