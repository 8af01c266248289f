"""A NUL character anywhere a client can put text: a 4xx or a right answer, never a 500.

PostgreSQL refuses text holding NUL (psycopg raises before the query is sent), so any request text
that reaches a query or a text column unchecked fails the request there; SQLite lets it through.
The suite runs on both (CI runs it on PostgreSQL too): these requests matter on PostgreSQL.
Credentials are covered by tests/webapp/test_nul_credentials.py, zip imports below.
"""

import io
import json
import zipfile

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from catalog.models import CatalogImage, ImportJob
from tests.conftest import token_header, upload
from tests.images import encode, picture

pytestmark = pytest.mark.django_db
NUL = "a\x00b"
PNG = encode(picture(200, 150, 3), "PNG")

PAGE_PARAMETERS = ["q", "format", "color", "size", "orientation", "license", "century", "kind", "similar_to",
                   "region", "image", "page", "sort", "min_width", "added_since"]  # fmt: skip
API_PARAMETERS = ["q", "format", "color", "size", "license", "similar_to", "page", "page_size", "ordering", "search",
                  "status", "collection", "creator", "url"]  # fmt: skip
ADMIN_LISTS = ["catalog/catalogimage", "catalog/creator", "catalog/collection", "catalog/suggestedtag",
               "catalog/importjob", "auth/user"]  # fmt: skip


@pytest.fixture
def item(make_item):
    return make_item(seed=1, identifier="kept", title="Harbour")


def no_nul_stored() -> bool:
    """Checked in Python: PostgreSQL would refuse the question itself."""
    rows = CatalogImage.objects.values_list("title", "identifier", "tags", "description")
    return all("\x00" not in str(value) for row in rows for value in row)


def assert_refused_or_answered(response):
    assert response.status_code < 500, (response.status_code, response.content[:300])


@pytest.mark.parametrize("name", PAGE_PARAMETERS)
def test_the_search_page(client, item, name):
    assert_refused_or_answered(client.get("/", {name: NUL}))


@pytest.mark.parametrize("name", API_PARAMETERS)
@pytest.mark.parametrize("path", ["/api/v1/search/", "/api/v1/items/"])
def test_the_partner_api_query_strings(client, staff_user, item, path, name):
    assert_refused_or_answered(client.get(path, {name: NUL}, **token_header(staff_user)))


@pytest.mark.parametrize("name", API_PARAMETERS)
def test_the_partner_api_search_form_fields(client, item, name):
    assert_refused_or_answered(client.post("/api/v1/search/", {name: NUL, "q": "harbour"}))


@pytest.mark.parametrize(
    "body",
    [{"title": NUL}, {"identifier": NUL}, {"tags": [NUL]}, {"metadata": {NUL: "x"}}, {"metadata": {"k": NUL}},
     {"metadata": {"k": [{"deep": NUL}]}}, {"creator": NUL}, {"collection": NUL}],
    ids=lambda body: json.dumps(body)[:40],
)  # fmt: skip
def test_the_partner_api_json_bodies(client, staff_user, item, body):
    response = client.patch(f"/api/v1/items/{item.pk}/", body, "application/json", **token_header(staff_user))
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert CatalogImage.objects.get(pk=item.pk).title == "Harbour"


def test_the_partner_api_upload_file_name_and_fields(client, staff_user):
    response = client.post(
        "/api/v1/items/", {"image": upload(f"{NUL}.png", PNG, "image/png"), "title": NUL}, **token_header(staff_user)
    )
    assert 400 <= response.status_code < 500
    response = client.post("/api/v1/items/", {"image": upload(f"{NUL}.png", PNG, "image/png"), "title": "Named"},
                           **token_header(staff_user))  # fmt: skip
    assert_refused_or_answered(response)
    assert no_nul_stored()


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/rest/add/", {"filepath": NUL}),
        ("/rest/add/", {"filepath": "ok.png", "metadata": json.dumps({NUL: 1})}),
        ("/rest/add/", {"filepath": "ok.png", "metadata": json.dumps({"k": NUL})}),
        ("/rest/search/", {"filepath": NUL}),
        ("/rest/delete/", {"filepath": NUL}),
        ("/rest/compare/", {"filepath1": NUL, "filepath2": NUL}),
        ("/rest/list/", {"offset": NUL}),
    ],
)
def test_the_matchengine_api(client, staff_user, item, path, fields):
    data = dict(fields)
    if path == "/rest/add/" and data.get("filepath") == "ok.png":
        data["image"] = upload("ok.png", PNG, "image/png")
    response = client.post(path, data, **token_header(staff_user))
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])


def test_the_page_upload_and_pasted_address(client, item):
    assert_refused_or_answered(client.post("/search/image/", {"url": NUL}, HTTP_ACCEPT="application/json"))
    response = client.post("/search/image/", {"image": upload(f"{NUL}.png", PNG, "image/png")},
                           HTTP_ACCEPT="application/json")  # fmt: skip
    assert_refused_or_answered(response)


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken"])
def test_cookies(client, item, cookie):
    client.cookies[cookie] = "abcdefgh\x00ijklmnop"
    assert client.get("/", {"q": "harbour"}).status_code == 200  # ignored, as a missing cookie
    assert client.get("/admin/").status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("path", "shape"),
    [("/rest/list/?offset=a%00b", "status"), ("/api/v1/search/?q=a%00b", "detail"), ("/?q=a%00b", None),
     ("/items/a%00b/", None), ("/admin/catalog/catalogimage/?status__exact=%00", None)],
)  # fmt: skip
def test_a_nul_in_the_address_is_a_400_in_the_surface_s_shape(client, admin_user, item, path, shape):
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 400
    if shape:
        assert "NUL" in str(response.json()[shape] if shape == "detail" else response.json()["error"])


@pytest.mark.parametrize("model", ADMIN_LISTS)
@pytest.mark.parametrize("name", ["q", "o", "status__exact", "p", "e", "_to_field", "created_at__gte"])
def test_the_admin_lists(client, admin_user, item, model, name):
    client.force_login(admin_user)
    assert_refused_or_answered(client.get(f"/admin/{model}/", {name: NUL}))


def test_the_admin_login(client, admin_user):
    response = client.post("/admin/login/", {"username": NUL, "password": NUL})
    assert response.status_code == 200 and b"errornote" in response.content


def test_the_admin_change_form(client, admin_user, item):
    client.force_login(admin_user)
    response = client.post(f"/admin/catalog/catalogimage/{item.pk}/change/", {"title": NUL, "identifier": "kept"})
    assert response.status_code == 200  # the form again, with its errors
    assert CatalogImage.objects.get(pk=item.pk).title == "Harbour"


def test_zip_entry_names_and_sidecar_metadata(client, admin_user, committed):
    client.force_login(admin_user)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"{NUL}.png", PNG)
        zipped.writestr("fine.png", encode(picture(200, 150, 4), "PNG"))
        zipped.writestr("metadata.csv", f"file,title,tags\nfine.png,{NUL},{NUL}\n")
    with committed():
        response = client.post("/admin/catalog/importjob/add/", {"archive": upload("import.zip", archive.getvalue(),
                                                                                   "application/zip")})  # fmt: skip
    assert_refused_or_answered(response)
    assert no_nul_stored()
    assert all(job.state != "running" for job in ImportJob.objects.all())


def test_a_patch_with_a_nul_file_name(client, staff_user, item):
    body = encode_multipart(BOUNDARY, {"image": upload(f"{NUL}.png", PNG, "image/png")})
    response = client.patch(f"/api/v1/items/{item.pk}/", body, MULTIPART_CONTENT, **token_header(staff_user))
    assert_refused_or_answered(response)
