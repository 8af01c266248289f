import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from catalog.models import Status
from tests.images import encode

pytestmark = pytest.mark.django_db


def test_home_page_lists_published_items_only(client, make_item):
    make_item(seed=1, title="Shown Harbour")
    make_item(seed=2, title="Hidden Draft", status=Status.DRAFT)
    html = client.get("/").content.decode()
    assert "Shown Harbour" in html and "Hidden Draft" not in html


def test_item_page_shows_licence_details(client, make_item):
    item = make_item(title="Evening Harbour", license_type="rights-managed", price="250.00", usage_terms="One use.")
    html = client.get(item.get_absolute_url()).content.decode()
    assert "Rights-managed" in html and "250.00 EUR" in html and "One use." in html


def test_drafts_are_not_found_by_the_public(client, make_item):
    item = make_item(status=Status.DRAFT)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.get(reverse("page:thumbnail", args=[item.pk, "small"])).status_code == 404


def test_thumbnails_are_made_once_and_small(client, make_item, settings):
    from PIL import Image

    from catalog import renditions

    item = make_item(width=1600, height=1200)
    response = client.get(reverse("page:thumbnail", args=[item.pk, "small"]))
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=3600"
    thumb = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert thumb.format == "JPEG" and max(thumb.size) == 240
    path = Path(settings.MEDIA_ROOT) / renditions.rendition_name(item, "small")
    first_mtime = path.stat().st_mtime_ns
    client.get(reverse("page:thumbnail", args=[item.pk, "small"]))
    assert path.stat().st_mtime_ns == first_mtime


def test_unknown_thumbnail_sizes_are_refused(client, make_item):
    item = make_item()
    assert client.get(reverse("page:thumbnail", args=[item.pk, "huge"])).status_code == 404


def test_a_missing_original_is_a_404_not_a_500(client, make_item):
    from django.core.files.storage import default_storage

    from catalog import renditions

    item = make_item(seed=48_013)
    item.image.storage.delete(item.image.name)
    default_storage.delete(renditions.rendition_name(item, "small"))  # made at ingest; gone with the original
    assert client.get(reverse("page:thumbnail", args=[item.pk, "small"])).status_code == 404


def test_the_palette_names_each_colour_once_with_its_whole_share(client, make_item):
    image = Image.new("RGB", (400, 300), (20, 40, 140))  # navy, then a lighter blue: two blues, one name
    image.paste((70, 110, 235), (200, 0, 400, 300))
    item = make_item(title="Two blues", data=encode(image, "PNG"))
    stored = [(name, share) for _, share, name in item.fingerprint.palette]
    assert len({name for name, _ in stored}) < len(stored)  # the palette itself has a name twice
    html = client.get(item.get_absolute_url()).content.decode()
    listed = re.findall(r'\?color=(\w+)">\w+</a> (\d+)%', html)
    names = [name for name, _ in listed]
    assert len(names) == len(set(names))
    blue = sum(share for name, share in stored if name == "blue")
    assert dict(listed)["blue"] == str(round(100 * blue))
