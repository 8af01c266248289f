import pytest
from django.urls import reverse

from catalog.models import CatalogImage, Status
from tests.conftest import NO_SUGGESTED_TAG_FORMS, upload
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "title": "Harbour at Dusk",
        "year": "1890",
        "status": "draft",
        "license_type": "royalty-free",
        "currency": "EUR",
        "identifier": "harbour-at-dusk",
        "tags": "harbour",
        **NO_SUGGESTED_TAG_FORMS,
    }
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("admin:catalog_catalogimage_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_logged_in_non_staff_users_are_refused(client, plain_user):
    client.force_login(plain_user)
    response = client.get(reverse("admin:catalog_catalogimage_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_see_the_list_with_thumbnails_and_facts(staff_client, make_item):
    item = make_item(title="Evening Harbour", creator="Ada Holm", year=1890, width=400, height=300)
    response = staff_client.get(reverse("admin:catalog_catalogimage_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Evening Harbour" in html and "Ada Holm" in html and "400×300" in html
    assert reverse("page:thumbnail", args=[item.pk, "small"]) in html


def test_staff_search_the_list(staff_client, make_item):
    make_item(seed=1, title="Evening Harbour")
    make_item(seed=2, title="Morning Meadow")
    response = staff_client.get(reverse("admin:catalog_catalogimage_changelist"), {"q": "meadow"})
    html = response.content.decode()
    assert "Morning Meadow" in html and "Evening Harbour" not in html


def test_staff_add_an_image_and_its_facts_are_read_from_the_file(staff_client):
    data = form_data(image=upload("harbour.png", image_bytes("PNG", 500, 320), "image/png"))
    response = staff_client.post(reverse("admin:catalog_catalogimage_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = CatalogImage.objects.get(identifier="harbour-at-dusk")
    assert (item.width, item.height, item.format, item.orientation) == (500, 320, "PNG", "landscape")
    assert len(item.sha256) == 64 and item.file_size > 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.jpg", b"this is not an image at all", "not an image"),
        ("broken.jpg", image_bytes("JPEG", 400, 300)[:700], "truncated or corrupt"),
    ],
)
def test_a_file_that_is_not_an_image_is_a_form_error_not_a_crash(staff_client, name, data, message):
    response = staff_client.post(reverse("admin:catalog_catalogimage_add"), form_data(image=upload(name, data)))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CatalogImage.objects.count() == 0


def test_edit_page_shows_a_large_preview_and_read_only_facts(staff_client, make_item):
    item = make_item(width=640, height=480)
    response = staff_client.get(reverse("admin:catalog_catalogimage_change", args=[item.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("page:thumbnail", args=[item.pk, "preview"]) in html
    assert "/originals/" in html and "Download the original" in html  # a signed link, for staff
    assert item.sha256 in html
    assert 'name="width"' not in html  # read-only, not an input


def test_replacing_the_file_updates_the_facts(staff_client, make_item):
    item = make_item(seed=1, width=320, height=240)
    data = form_data(
        identifier=item.identifier, image=upload("new.webp", image_bytes("WEBP", 300, 600, 7), "image/webp")
    )
    response = staff_client.post(reverse("admin:catalog_catalogimage_change", args=[item.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.width, item.height, item.format, item.orientation) == (300, 600, "WEBP", "portrait")


def test_bulk_actions_publish_and_unpublish(staff_client, make_item):
    items = [make_item(seed=n, status=Status.DRAFT) for n in range(3)]
    url = reverse("admin:catalog_catalogimage_changelist")
    ids = [str(item.pk) for item in items[:2]]
    staff_client.post(url, {"action": "publish", "_selected_action": ids})
    assert CatalogImage.objects.published().count() == 2
    staff_client.post(url, {"action": "unpublish", "_selected_action": ids[:1]})
    assert CatalogImage.objects.published().count() == 1
