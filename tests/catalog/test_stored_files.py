"""Stored originals are named by the format their content decoded as, on every ingest path, and a
replaced original leaves storage once the replacement commits (stored XSS through a file name)."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from catalog import ingest, originals
from catalog.models import CatalogImage
from matching.safety import imaging
from tests.conftest import NO_SUGGESTED_TAG_FORMS, upload
from tests.images import image_bytes

pytestmark = pytest.mark.django_db
SCRIPT = b"<script>document.title='pwned'</script>"


def jpeg_with_script() -> bytes:
    """A valid JPEG whose comment segment holds a script: harmless as an image, dangerous as HTML."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 90, 160)).save(out, "JPEG", comment=SCRIPT)
    return out.getvalue()


def admin_form(**overrides) -> dict:
    data = {"title": "Harbour", "status": "draft", "license_type": "royalty-free", "currency": "EUR", "tags": ""}
    data.update(NO_SUGGESTED_TAG_FORMS)
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["x.html", "x.svg", "x.js", "x.xhtml", "x", "x.jpg.html"])
def test_an_admin_upload_is_stored_with_the_extension_of_its_format(staff_client, name):
    data = admin_form(image=upload(name, jpeg_with_script(), "text/html"), identifier=f"id-{name}")
    response = staff_client.post(reverse("admin:catalog_catalogimage_add"), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    item = CatalogImage.objects.get(identifier=f"id-{name}")
    assert item.image.name.endswith(".jpg") and item.format == "JPEG"


@pytest.mark.parametrize("name", ["x.html", "page.svg"])
def test_every_ingest_path_names_files_by_format(name):
    item = ingest.create_item(imaging.load_image(jpeg_with_script()), filename=name, title="t")
    assert Path(item.image.name).suffix == ".jpg"
    ingest.replace_image(item, imaging.load_image(image_bytes("PNG")), "again.html")
    assert Path(item.image.name).suffix == ".png"


def test_stored_files_are_served_so_that_none_can_run_as_a_page(client, staff_client, make_item):
    item = make_item(data=jpeg_with_script())
    rendition = client.get(reverse("page:thumbnail", args=[item.pk, "small"]))
    original = staff_client.get(originals.signed_url(item))
    for response in (rendition, original):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "sandbox" in response["Content-Security-Policy"] and response["X-Content-Type-Options"] == "nosniff"


def test_replacing_the_image_in_the_admin_removes_the_old_original(staff_client, make_item, committed):
    item = make_item(seed=3, identifier="harbour-3")
    old = Path(item.image.path)
    assert old.exists()
    data = admin_form(image=upload("new.png", image_bytes("PNG", 200, 100, 9), "image/png"), identifier="harbour-3")
    with committed():
        response = staff_client.post(reverse("admin:catalog_catalogimage_change", args=[item.pk]), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    item.refresh_from_db()
    assert (item.width, item.format) == (200, "PNG") and (Path(item.image.path)).exists()
    assert not old.exists()
