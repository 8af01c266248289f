"""Parameters a careless or hostile client sends: every one is a 4xx with a reason or a right answer, never a 500."""

import pytest
from django.contrib.auth.models import Permission

from catalog.models import CatalogImage
from tests.conftest import token_header, upload
from tests.images import encode, picture

pytestmark = pytest.mark.django_db
HUGE = "9999999999999999999999999"


@pytest.fixture
def items(make_item):
    return [make_item(seed=1, fmt="JPEG"), make_item(seed=2, fmt="PNG")]


@pytest.mark.parametrize("path", ["/api/v1/search/", "/api/v1/items/"])
def test_format_is_the_file_format_filter_on_the_partner_api(client, items, path):
    response = client.get(path, {"format": "JPEG"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [items[0].pk]
    facet = {f["value"] for f in client.get(path).json()["facets"]["format"]}
    assert facet == {"JPEG", "PNG"}  # the values it offers are usable as filters
    assert client.get(path, {"format": "png"}).json()["count"] == 1


def test_a_partner_who_may_only_add_gets_201_once(client, plain_user):
    plain_user.user_permissions.add(Permission.objects.get(codename="add_catalogimage"))
    data = {"image": upload("a.png", encode(picture(200, 150, 3), "PNG"), "image/png"), "title": "Added"}
    response = client.post("/api/v1/items/", data, **token_header(plain_user))
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Added" and response.json()["status"] == "draft"
    assert CatalogImage.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        f"/rest/list/?offset={HUGE}",
        f"/rest/list/?limit={HUGE}",
        "/rest/list/?offset=-1",
        "/rest/list/?offset=" + "9" * 5000,
    ],
)
def test_rest_integers_are_bounded(client, staff_user, path):
    response = client.get(path, **token_header(staff_user))
    assert response.status_code == 400 and response.json()["status"] == "fail"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/search/?similar_to={HUGE}",
        f"/api/v1/search/?page={HUGE}",
        f"/api/v1/search/?min_width={HUGE}",
        f"/api/v1/items/{HUGE}/",
        f"/api/v1/items/{HUGE}/similar/",
        f"/items/{HUGE}/",
        f"/items/{HUGE}/thumbnail/small/",
        f"/?similar_to={HUGE}",
    ],
)
def test_huge_ids_and_numbers_are_4xx(client, items, path):
    assert client.get(path).status_code in (400, 404)


def test_nul_characters_are_refused_with_a_reason(client, staff_user, items):
    png = encode(picture(120, 90, 4), "PNG")
    add = client.post("/rest/add/", {"image": upload("a.png", png, "image/png"), "filepath": "a\x00b.png"},
                      **token_header(staff_user))  # fmt: skip
    assert add.status_code == 400 and "NUL" in add.json()["error"][0]
    fields = {"image": upload("a.png", png, "image/png"), "filepath": "a.png", "metadata": '{"title": "a\\u0000b"}'}
    metadata = client.post("/rest/add/", fields, **token_header(staff_user))
    assert metadata.status_code == 400 and "NUL" in metadata.json()["error"][0]
    created = client.post("/api/v1/items/", {"image": upload("a.png", png, "image/png"), "title": "a\x00b"},
                          **token_header(staff_user))  # fmt: skip
    assert created.status_code == 400 and "title" in created.json()
    assert client.get("/api/v1/search/", {"q": "a\x00b"}).status_code == 400
    assert CatalogImage.objects.count() == 2


def test_filters_in_a_post_s_query_string_are_applied(client, items):
    query = upload("q.png", encode(picture(320, 240, 1), "PNG"), "image/png")  # item 0's picture, as a PNG
    response = client.post("/api/v1/search/?format=png", {"image": query})
    assert response.status_code == 200
    assert {row["format"] for row in response.json()["results"]} == {"PNG"}


def test_a_parameter_given_differently_in_a_post_s_address_and_form_is_a_400(client, items):
    response = client.post("/api/v1/search/?format=png", {"format": "jpeg", "q": "x"})
    assert response.status_code == 400 and "format" in response.json()["detail"]
    same = client.post("/api/v1/search/?format=png", {"format": "png", "q": "image"})
    assert same.status_code == 200
