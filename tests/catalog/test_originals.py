"""Who gets which pixels: renditions for whoever may see an item, the original only through a signed link
to staff and accounts allowed to download it; the preview is watermarked and still finds its item."""

import hashlib
import importlib
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from catalog import ingest, originals, renditions
from catalog.models import CatalogImage, Collection
from matching.safety import imaging
from tests.conftest import token_header, upload
from tests.corpus import artwork
from tests.images import encode

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def painting(make_item):
    collection = Collection.objects.create(name="Harbour Museum", rights_holder="Harbour Museum Trust")
    data = encode(artwork(3, max_side=None).resize((1600, 1200), Image.Resampling.BICUBIC), "JPEG", quality=92)
    return make_item(data=data, title="Harbour at dusk", creator="Ada Holm", collection=collection)


@pytest.fixture
def partner(django_user_model):
    return django_user_model.objects.create_user("partner", password="pw")


def test_the_preview_is_small_watermarked_in_a_tiled_pattern_and_carries_only_credit(client, painting):
    response = client.get(reverse("page:thumbnail", args=[painting.pk, "preview"]))
    assert response.status_code == 200
    preview = Image.open(io.BytesIO(body(response)))
    assert max(preview.size) == settings.LIKENESS["PREVIEW_SIZE"] < max(painting.width, painting.height)
    plain = imaging.load(Path(painting.image.path), draft_size=max(preview.size)).image
    plain.thumbnail(preview.size, Image.Resampling.LANCZOS)
    difference = np.abs(np.asarray(preview, dtype=int) - np.asarray(plain.resize(preview.size), dtype=int)).max(axis=2)
    marked = difference > 40
    rows, cols = 4, 4
    height, width = marked.shape
    cells = [marked[r * height // rows : (r + 1) * height // rows, c * width // cols : (c + 1) * width // cols].mean()
             for r in range(rows) for c in range(cols)]  # fmt: skip
    assert sum(share > 0.01 for share in cells) >= 14  # the mark is everywhere: any large crop carries it
    assert marked.mean() < 0.35  # and the picture is still there under it
    exif = preview.getexif()
    assert dict(exif) == {renditions.EXIF_ARTIST: "Ada Holm", renditions.EXIF_COPYRIGHT: "Harbour Museum Trust"}
    assert "icc_profile" not in preview.info


def test_a_search_with_the_preview_finds_the_item_first(client, make_item, painting):
    for seed in range(4, 9):
        make_item(data=encode(artwork(seed, max_side=1200), "JPEG"), title=f"Other {seed}")
    preview = body(client.get(reverse("page:thumbnail", args=[painting.pk, "preview"])))
    response = client.post("/api/v1/search/", {"image": upload("preview.jpg", preview)})
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == painting.pk


def test_renditions_are_made_at_ingest(painting):
    assert all(default_storage.exists(renditions.rendition_name(painting, kind)) for kind in renditions.KINDS)


def test_update_index_makes_the_renditions_older_items_lack(painting):
    names = [renditions.rendition_name(painting, kind) for kind in renditions.KINDS]
    for name in names:
        default_storage.delete(name)
    call_command("update_index", "--skip-matching", verbosity=0)
    assert all(default_storage.exists(name) for name in names)


def test_staff_get_the_original_through_a_signed_link(staff_client, painting):
    html = staff_client.get(reverse("admin:catalog_catalogimage_change", args=[painting.pk])).content.decode()
    link = html.split('<a href="/originals/', 1)[1].split('"', 1)[0]
    response = staff_client.get(f"/originals/{link}")
    assert response.status_code == 200 and sha256(body(response)) == painting.sha256
    assert response["Content-Disposition"].startswith("attachment") and response["Cache-Control"] == "private, no-store"


def test_a_partner_gets_an_original_url_only_with_the_permission(client, partner, painting):
    url = f"/api/v1/items/{painting.pk}/"
    assert client.get(url, **token_header(partner)).json()["original_url"] is None
    partner.user_permissions.add(Permission.objects.get(codename="download_original"))
    original_url = client.get(url, **token_header(partner)).json()["original_url"]
    assert original_url.startswith("http://testserver/originals/")
    response = client.get(original_url.removeprefix("http://testserver"))  # the link itself is the key
    assert response.status_code == 200 and sha256(body(response)) == painting.sha256


def test_a_link_cannot_be_edited_forged_or_kept(client, make_item, painting, settings):
    link = originals.signed_url(painting)
    token = link.removeprefix("/originals/").rstrip("/")
    edited = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/originals/{edited}/").status_code == 403
    other = make_item(seed=2)
    _, _, signature = originals.signed_url(other).removeprefix("/originals/").rstrip("/").partition(":")
    assert client.get(f"/originals/{token.split(':')[0]}:{signature}/").status_code == 403  # another item's mark
    settings.ORIGINAL_URL_SECONDS = -1  # every link is older than that
    expired = client.get(link)
    assert expired.status_code == 410 and b"expired" in expired.content


def test_a_link_dies_with_the_file_it_was_made_for(client, painting):
    link = originals.signed_url(painting)
    ingest.replace_image(painting, imaging.load_image(encode(artwork(9, max_side=800), "JPEG")), "new.jpg")
    response = client.get(link)
    assert response.status_code == 410 and b"replaced" in response.content


def test_nothing_maps_a_url_to_stored_files(client, painting):
    name = painting.image.name
    for path in (f"/media/{name}", f"/media/{renditions.rendition_name(painting, 'small')}", f"/originals/{name}"):
        assert client.get(path).status_code in (403, 404), path
    with pytest.raises(ValueError, match="no public URL"):
        painting.image.url  # noqa: B018


def test_the_migration_moves_every_original_to_the_private_storage(make_item):
    items = [make_item(seed=seed) for seed in range(1, 5)]
    media, private = Path(settings.MEDIA_ROOT), Path(settings.ORIGINALS_ROOT)
    for item in items:  # as before this change: every original under MEDIA_ROOT
        (media / item.image.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(private / item.image.name, media / item.image.name)
    migration = importlib.import_module("catalog.migrations.0006_originals_kept_private")
    migration.to_private(apps, None)
    for item in CatalogImage.objects.all():
        assert not (media / item.image.name).exists()
        assert sha256((private / item.image.name).read_bytes()) == item.sha256
    assert CatalogImage.objects.count() == len(items)


def test_the_migration_stops_on_a_copy_that_does_not_match_and_keeps_the_file(make_item):
    item = make_item(seed=7)
    media, private = Path(settings.MEDIA_ROOT), Path(settings.ORIGINALS_ROOT)
    (media / item.image.name).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(private / item.image.name, media / item.image.name)
    CatalogImage.objects.filter(pk=item.pk).update(sha256="0" * 64)  # the file is not what the row says
    migration = importlib.import_module("catalog.migrations.0006_originals_kept_private")
    with pytest.raises(RuntimeError, match="does not match"):
        migration.to_private(apps, None)
    assert (media / item.image.name).exists() and not (private / item.image.name).exists()


@pytest.mark.parametrize(
    ("sendfile", "header"), [("nginx", "X-Accel-Redirect"), ("apache", "X-Sendfile")]
)  # fmt: skip
def test_the_web_server_in_front_can_send_the_original(client, painting, settings, sendfile, header):
    settings.ORIGINALS_SENDFILE = sendfile
    response = client.get(originals.signed_url(painting))
    assert response.status_code == 200 and response.content == b""  # the web server sends the file
    expected = (f"{settings.ORIGINALS_INTERNAL_URL.rstrip('/')}/{painting.image.name}" if sendfile == "nginx"
                else painting.image.path)  # fmt: skip
    assert response[header] == expected
    assert response["Content-Disposition"].startswith("attachment") and response["Cache-Control"] == "private, no-store"
