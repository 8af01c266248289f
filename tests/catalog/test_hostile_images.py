"""The staff surfaces that take images (admin add and change, the admin's zip import, import_catalog),
against hostile and odd files: a reason for each refused file, nothing stored for it, no file left,
and the other files of an import go on."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import CatalogImage, ImportJob
from tests.conftest import NO_SUGGESTED_TAG_FORMS, upload
from tests.hostile import media_files, odd_but_valid, refused
from tests.images import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ALL = {**refused(), **odd_but_valid()}


def admin_form(name: str, data: bytes, identifier: str) -> dict:
    return {"image": upload(f"{name}.jpg", data), "title": "Hostile", "status": "draft",
            "license_type": "royalty-free", "currency": "EUR", "identifier": identifier, "tags": "",
            **NO_SUGGESTED_TAG_FORMS}  # fmt: skip


@pytest.mark.parametrize("name", list(refused()))
def test_the_admin_shows_a_form_error_and_stores_nothing(staff_client, make_item, name):
    kept = make_item(seed=4, identifier="kept")
    before = media_files()
    added = staff_client.post(reverse("admin:catalog_catalogimage_add"), admin_form(name, refused()[name], "new"))
    changed = staff_client.post(
        reverse("admin:catalog_catalogimage_change", args=[kept.pk]), admin_form(name, refused()[name], "kept")
    )
    for response in (added, changed):
        assert response.status_code == 200 and "errornote" in response.content.decode()
    assert list(CatalogImage.objects.values_list("identifier", "sha256")) == [("kept", kept.sha256)]
    assert media_files() == before


@pytest.mark.parametrize("name", list(odd_but_valid()))
def test_the_admin_takes_odd_but_real_images(staff_client, name):
    response = staff_client.post(
        reverse("admin:catalog_catalogimage_add"), admin_form(name, odd_but_valid()[name], "odd")
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert CatalogImage.objects.get(identifier="odd").width >= 1


def hostile_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        for name, data in ALL.items():
            zipped.writestr(f"{name.replace(' ', '-')}.jpg", data)
        zipped.writestr("good.jpg", image_bytes("JPEG", 320, 240, 61))
    return out.getvalue()


def test_the_admin_zip_import_reports_every_refused_file_and_imports_the_rest(staff_client, committed):
    with committed():
        staff_client.post(reverse("admin:catalog_importjob_add"),
                          {"archive": upload("hostile.zip", hostile_zip(), "application/zip")})  # fmt: skip
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.DONE, job.summary
    assert CatalogImage.objects.count() == len(odd_but_valid()) + 1
    assert f"{len(refused())} failed" in job.summary


def test_import_catalog_reports_every_refused_file_and_imports_the_rest(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    for name, data in ALL.items():
        (folder / f"{name.replace(' ', '-')}.jpg").write_bytes(data)
    report = tmp_path / "report.csv"
    call_command("import_catalog", str(folder), "--workers", "1", "--report", str(report), stdout=io.StringIO(),
                 verbosity=0)  # fmt: skip
    rows = report.read_text()
    assert CatalogImage.objects.count() == len(odd_but_valid())
    assert rows.count("failed") == len(refused())
