"""The partner API under /api/v1/: contracts, the permission matrix, throttling, and errors."""

import re

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import CatalogImage, Status
from tests.conftest import upload
from tests.images import encode, picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(django_user_model, staff_user):
    reader = django_user_model.objects.create_user("reader", password="pw")
    writer = django_user_model.objects.create_user("writer", password="pw")
    writer.user_permissions.add(*Permission.objects.filter(codename__in=[
        "add_catalogimage", "change_catalogimage", "delete_catalogimage"]))  # fmt: skip
    return {"anonymous": None, "reader": reader, "writer": writer, "staff": staff_user}


def client_for(user, committed=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def items(make_item):
    return {
        "harbour": make_item(seed=1, title="Evening Harbour", creator="Ada Holm", year=1890, tags="harbour, boats",
                             data=encode(picture(640, 480, 1), "PNG")),
        "meadow": make_item(seed=2, title="Meadow", year=1950, license_type="editorial", price="40.00",
                            data=encode(picture(640, 480, 2), "JPEG")),
        "draft": make_item(seed=3, title="Harbour draft", status=Status.DRAFT),
    }  # fmt: skip


def test_search_answers_with_results_facets_and_licence_details(client, items):
    response = client.get("/api/v1/search/", {"q": "harbour"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    hit = body["results"][0]
    assert hit["id"] == items["harbour"].pk and hit["title"] == "Evening Harbour" and hit["creator"] == "Ada Holm"
    assert hit["license"] == {"type": "royalty-free", "price": None, "currency": "EUR", "terms": ""}
    assert hit["tags"] == ["harbour", "boats"] and hit["year"] == 1890
    assert "/thumbnail/preview/" in hit["preview_url"] and "/thumbnail/medium/" in hit["thumbnail_url"]
    assert hit["original_url"] is None  # an anonymous visitor
    assert hit["detail_url"] == f"http://testserver/api/v1/items/{items['harbour'].pk}/"
    assert hit["similarity"] is None and hit["match"] is None
    assert {c["name"] for c in hit["colors"]} and all(c["hex"].startswith("#") for c in hit["colors"])
    assert set(body["facets"]) == {"color", "format", "orientation", "size", "century", "license"}


def test_search_by_uploaded_image_reports_similarity_and_match(client, items):
    copy = picture(640, 480, 2).resize((320, 240))
    response = client.post("/api/v1/search/", {"image": upload("q.jpg", encode(copy, "JPEG"))})
    body = response.json()
    assert response.status_code == 200 and body["results"][0]["id"] == items["meadow"].pk
    assert 0 < body["results"][0]["similarity"] <= 100
    assert body["results"][0]["match"]["method"] in ("hash", "features")
    whole = {"left": 0.0, "top": 0.0, "right": 1.0, "bottom": 1.0}
    assert body["results"][0]["match"]["query_box"] == body["results"][0]["match"]["target_box"] == whole


def test_a_detail_search_outlines_the_part_of_the_catalog_picture_it_shows(client, items):
    detail = picture(640, 480, 1).crop((32, 192, 352, 432))  # (0.05, 0.4) to (0.55, 0.9)
    body = client.post("/api/v1/search/", {"image": upload("q.jpg", encode(detail, "JPEG", quality=90))}).json()
    match = body["results"][0]["match"]
    assert body["results"][0]["id"] == items["harbour"].pk and match["kind"] == "copy"
    expected = {"left": 0.05, "top": 0.4, "right": 0.55, "bottom": 0.9}
    assert all(abs(match["target_box"][side] - value) < 0.06 for side, value in expected.items())
    assert match["target_overlap_percent"] < 40


def test_pages_link_to_each_other(client, items, make_item):
    for n in range(3):
        make_item(seed=10 + n, title=f"Harbour {n}")
    body = client.get("/api/v1/search/", {"q": "harbour", "page_size": 2}).json()
    assert body["count"] == 4 and "page=2" in body["next"]
    second = client.get(body["next"]).json()
    assert "page=1" in second["previous"] and len(second["results"]) == 2


def test_items_list_detail_and_similar(client, items, make_item):
    assert client.get("/api/v1/items/", {"license": "editorial"}).json()["count"] == 1
    detail = client.get(f"/api/v1/items/{items['meadow'].pk}/")
    assert detail.status_code == 200 and detail.json()["license"]["price"] == "40.00"
    version = make_item(seed=2, title="Meadow scan", data=encode(picture(640, 480, 2).resize((500, 375)), "JPEG"))
    similar = client.get(f"/api/v1/items/{items['meadow'].pk}/similar/", {"kind": "copy"}).json()
    assert [hit["id"] for hit in similar["results"]] == [version.pk]


def test_drafts_are_for_staff_only(client, items, users):
    assert client.get(f"/api/v1/items/{items['draft'].pk}/").status_code == 404
    staff = client_for(users["staff"])
    assert staff.get(f"/api/v1/items/{items['draft'].pk}/").status_code == 200
    assert staff.get("/api/v1/search/", {"q": "draft"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("since", "expected"),
    [("2000-01-01T03:00:31-17:14", 200), ("0380-04-20T03:00:31-17:14", 200), ("9999-12-31T23:59:00-12:00", 400)],
)
def test_added_since_takes_any_offset_python_reads(client, items, users, since, expected):
    """PostgreSQL refuses offsets beyond ±16 h; the instant is searched in UTC, and one past 9999 is a 400."""
    response = client_for(users["staff"]).get("/api/v1/search/", {"added_since": since})
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["count"] == len(items)  # staff see the draft too
    else:
        assert "added_since" in response.json()


# --- the permission matrix ---------------------------------------------------------------------

READS = [
    ("get", "/api/v1/search/", {"q": "harbour"}),
    ("post", "/api/v1/search/", {"q": "harbour"}),
    ("get", "/api/v1/items/", {}),
    ("get", "/api/v1/items/{id}/", {}),
    ("get", "/api/v1/items/{id}/similar/", {}),
    ("get", "/api/v1/schema/", {}),
]


@pytest.mark.parametrize("role", ["anonymous", "reader", "writer", "staff"])
@pytest.mark.parametrize(("verb", "path", "data"), READS)
def test_everybody_may_read(users, items, role, verb, path, data):
    response = getattr(client_for(users[role]), verb)(path.format(id=items["harbour"].pk), data)
    assert response.status_code == 200


WRITE_EXPECTED = {"anonymous": 401, "reader": 403, "writer": None, "staff": None}


@pytest.mark.parametrize("role", ["anonymous", "reader", "writer", "staff"])
def test_only_partners_with_write_access_and_staff_may_create(users, role, committed):
    client = client_for(users[role])
    with committed():
        data = {"image": upload("new.png", encode(picture(400, 300, 5), "PNG")), "title": "New Harbour",
                "year": "c. 1890", "creator": "Ada Holm", "license_type": "editorial", "price": "12.50",
                "currency": "USD"}  # fmt: skip
        response = client.post("/api/v1/items/", data)
    expected = WRITE_EXPECTED[role] or 201
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        item = CatalogImage.objects.get(pk=body["id"])
        assert (item.year, item.year_approximate, item.creator.name, item.width) == (1890, True, "Ada Holm", 400)
        assert body["license"] == {"type": "editorial", "price": "12.50", "currency": "USD", "terms": ""}
        assert body["status"] == "draft"  # partners' additions wait for staff to publish them
    else:
        assert CatalogImage.objects.count() == 0


@pytest.mark.parametrize("role", ["anonymous", "reader", "writer", "staff"])
def test_only_partners_with_write_access_and_staff_may_change_and_delete(users, items, role, committed):
    client = client_for(users[role])
    item = items["meadow"]
    with committed():
        patched = client.patch(f"/api/v1/items/{item.pk}/", {"title": "Alpine Meadow"}, format="multipart")
        deleted = client.delete(f"/api/v1/items/{items['harbour'].pk}/")
    expected = WRITE_EXPECTED[role]
    assert patched.status_code == (expected or 200)
    assert deleted.status_code == (expected or 204)
    item.refresh_from_db()
    assert (item.title == "Alpine Meadow") is (expected is None)
    assert CatalogImage.objects.filter(pk=items["harbour"].pk).exists() is (expected is not None)


def test_patching_a_new_image_reindexes_it(users, items, committed):
    client = client_for(users["writer"])
    with committed():
        new_image = upload("n.png", encode(picture(640, 480, 9), "PNG"))
        response = client.patch(f"/api/v1/items/{items['meadow'].pk}/", {"image": new_image}, format="multipart")
    assert response.status_code == 200
    found = client.post("/api/v1/search/", {"image": upload("q.png", encode(picture(640, 480, 9), "PNG")),
                                            "kind": "copy"}).json()  # fmt: skip
    assert [hit["id"] for hit in found["results"]] == [items["meadow"].pk]


# --- errors and limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"color": "chartreuse"}, "color"),
        ({"year_from": "1900", "year_to": "1800"}, "year_to"),
        ({"page": "0"}, "page"),
    ],
)
def test_invalid_search_parameters_are_400_per_field(client, params, field):
    response = client.get("/api/v1/search/", params)
    assert response.status_code == 400 and field in response.json()


def test_bad_images_are_4xx_not_500(client, users, settings):
    assert client.post("/api/v1/search/", {"image": upload("x.png", b"nope", "image/png")}).status_code == 415
    assert client.post("/api/v1/search/", {"url": "ftp://files.test/x.png"}).status_code == 400
    writer = client_for(users["writer"])
    response = writer.post("/api/v1/items/", {"image": upload("x.png", b"nope", "image/png"), "title": "X"})
    assert response.status_code == 415 and "detail" in response.json()
    assert writer.post("/api/v1/items/", {"title": "No image"}).json()["image"]
    response = writer.post("/api/v1/items/", {"image": upload("a.png", encode(picture(64, 64, 1), "PNG")),
                                              "title": "Bad year", "year": "yesterday"})  # fmt: skip
    assert response.status_code == 400 and "year" in response.json()
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 2000}
    big = upload("big.png", encode(picture(400, 300, 1), "PNG"))
    assert writer.post("/api/v1/items/", {"image": big, "title": "Big"}).status_code == 413
    assert CatalogImage.objects.count() == 0


def test_unknown_items_are_404(client):
    assert client.get("/api/v1/items/999999/").status_code == 404


def test_throttling_answers_429_with_retry_after(client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # Rates are read when DRF loads; patching the loaded table is how a test lowers them.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "search": "100/min", "writes": "1/min"})
    statuses = [client.get("/api/v1/search/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/search/")
    assert int(response["Retry-After"]) > 0 and "detail" in response.json()


def test_the_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/search/" in schema.content.decode()
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    # Served from this site, never from a CDN. (Not a search for "cdn": the page's random CSRF token may hold it.)
    assets = re.findall(r'(?:src|href)="([^"]*)"', docs.content.decode())
    assert any("swagger-ui-bundle.js" in url for url in assets)
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets
