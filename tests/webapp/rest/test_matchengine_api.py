"""The MatchEngine-compatible /rest/ API, endpoint by endpoint, with real images and real auth."""

import base64
import json

import pytest
from django.contrib.auth.models import Permission
from PIL import Image
from rest_framework.authtoken.models import Token

from catalog.models import CatalogImage, Status
from tests.conftest import upload
from tests.images import encode, picture
from tests.servers import LoopbackServer

pytestmark = pytest.mark.django_db


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def api(client, staff_user, committed):
    """POST/GET/DELETE to /rest/<method>/ as staff over HTTP Basic, running on-commit indexing."""

    def call(verb: str, method: str, data=None, auth=None, **extra):
        with committed():
            response = getattr(client, verb)(
                f"/rest/{method}/", data or {}, **(auth if auth is not None else basic("staff", "pw")), **extra
            )
        assert response["Content-Type"] == "application/json"
        return response

    return call


def assert_shape(body: dict, method: str, status: str) -> None:
    assert set(body) == {"status", "error", "method", "result"}
    assert body["method"] == method and body["status"] == status
    assert isinstance(body["error"], list) and isinstance(body["result"], list)


def png(seed: int, width: int = 640, height: int = 480) -> bytes:
    return encode(picture(width, height, seed), "PNG")


def add(api, filepath: str, seed: int, **extra):
    return api(
        "post", "add", {"image": upload(f"{filepath}.png", png(seed), "image/png"), "filepath": filepath, **extra}
    )


# --- authentication ------------------------------------------------------------------------------


def test_anonymous_requests_get_401_in_the_matchengine_shape(api):
    response = api("get", "ping", auth={})
    assert response.status_code == 401
    assert_shape(response.json(), "ping", "fail")
    assert response["WWW-Authenticate"].startswith("Basic")


def test_wrong_password_is_401(api, staff_user):
    response = api("get", "count", auth=basic("staff", "wrong"))
    assert response.status_code == 401 and response.json()["error"]


def test_users_without_the_permission_are_refused_and_granted_users_allowed(api, plain_user):
    assert api("get", "ping", auth=basic("visitor", "pw")).status_code == 403
    plain_user.user_permissions.add(Permission.objects.get(codename="use_matchengine_api"))
    assert api("get", "ping", auth=basic("visitor", "pw")).status_code == 200


def test_inactive_staff_are_refused(api, staff_user):
    staff_user.is_active = False
    staff_user.save()
    assert api("get", "ping", auth=basic("staff", "pw")).status_code == 401


def test_a_remembered_password_check_ends_when_the_password_changes_or_the_account_closes(api, staff_user):
    assert api("get", "ping").status_code == 200  # checked once, then remembered
    staff_user.set_password("new-password")
    staff_user.save()
    assert api("get", "ping").status_code == 401
    assert api("get", "ping", auth=basic("staff", "new-password")).status_code == 200
    staff_user.is_active = False
    staff_user.save()
    assert api("get", "ping", auth=basic("staff", "new-password")).status_code == 401


def test_drf_tokens_work_too(api, staff_user):
    token = Token.objects.create(user=staff_user)
    response = api("get", "ping", auth={"HTTP_AUTHORIZATION": f"Token {token.key}"})
    assert response.status_code == 200 and response.json()["status"] == "ok"


# --- add, list, count, delete ------------------------------------------------------------------


def test_add_creates_a_draft_catalog_item_named_by_filepath(api):
    response = add(api, "paintings/harbour.jpg", 1, metadata=json.dumps({"title": "Harbour", "room": 4}))
    assert response.status_code == 200
    assert_shape(response.json(), "add", "ok")
    item = CatalogImage.objects.get(identifier="paintings/harbour.jpg")
    assert item.status == Status.DRAFT and item.title == "Harbour"
    assert item.source_metadata == {"room": 4}  # title is the catalog's own field, not kept twice
    assert (item.width, item.height, item.format) == (640, 480, "PNG")


def test_add_without_filepath_uses_the_file_name(api):
    api("post", "add", {"image": upload("loose.png", png(2), "image/png")})
    assert CatalogImage.objects.filter(identifier="loose.png").exists()


def test_re_adding_a_filepath_replaces_its_image(api):
    add(api, "a.png", 1)
    add(api, "a.png", 2)
    assert CatalogImage.objects.filter(identifier="a.png").count() == 1
    body = api("post", "search", {"image": upload("q.png", png(2), "image/png")}).json()
    assert [r["filepath"] for r in body["result"]] == ["a.png"]
    assert api("post", "search", {"image": upload("q.png", png(1), "image/png")}).json()["result"] == []


def test_batch_add_by_upload_and_url(api):
    with LoopbackServer() as server:
        url = server.serve("/c.png", png(3), "image/png")
        response = api(
            "post",
            "add",
            {"images[0]": upload("x.png", png(1), "image/png"), "filepaths[0]": "one.png"},
        )
        assert response.json()["status"] == "ok"
        response = api("post", "add", {"urls[0]": url, "filepaths[0]": "three.png"})
        assert response.json()["status"] == "ok"
    assert set(CatalogImage.objects.values_list("identifier", flat=True)) == {"one.png", "three.png"}


def test_a_batch_with_a_bad_image_adds_the_rest_and_warns(api):
    response = api(
        "post",
        "add",
        {
            "images[0]": upload("good.png", png(1), "image/png"),
            "filepaths[0]": "good.png",
            "images[1]": upload("bad.png", b"not an image", "image/png"),
            "filepaths[1]": "bad.png",
        },
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "warn"
    assert "bad.png" in body["error"][0]
    assert list(CatalogImage.objects.values_list("identifier", flat=True)) == ["good.png"]


def test_list_and_count_follow_adds_and_deletes(api):
    for number in range(3):
        add(api, f"img{number}.png", number)
    assert api("get", "count").json()["result"] == [3]
    assert api("get", "list", {"offset": 1, "limit": 5}).json()["result"] == ["img1.png", "img2.png"]
    response = api("post", "delete", {"filepath": "img1.png"})
    assert_shape(response.json(), "delete", "ok")
    assert api("get", "list").json()["result"] == ["img0.png", "img2.png"]
    assert api("get", "count").json()["result"] == [2]


def test_delete_by_http_delete_with_a_form_body(api, client):
    add(api, "gone.png", 5)
    response = client.delete(
        "/rest/delete/", "filepath=gone.png", content_type="application/x-www-form-urlencoded", **basic("staff", "pw")
    )
    assert response.status_code == 200
    assert not CatalogImage.objects.filter(identifier="gone.png").exists()


def test_deleting_an_unknown_filepath_is_404(api):
    response = api("post", "delete", {"filepath": "never-added.png"})
    assert response.status_code == 404
    assert_shape(response.json(), "delete", "fail")


def test_ping(api):
    response = api("get", "ping")
    assert response.status_code == 200 and response.json() == {
        "status": "ok", "error": [], "method": "ping", "result": []
    }  # fmt: skip


# --- search and compare ------------------------------------------------------------------------


@pytest.fixture
def collection(api):
    for seed in range(4):
        add(api, f"art/{seed}.png", seed)


def test_search_by_upload_finds_the_edited_copy(api, collection):
    copy = picture(640, 480, 2).crop((40, 30, 600, 450)).resize((400, 300))
    body = api("post", "search", {"image": upload("copy.jpg", encode(copy, "JPEG", quality=60))}).json()
    assert_shape(body, "search", "ok")
    assert body["result"][0]["filepath"] == "art/2.png"
    result = body["result"][0]
    assert set(result) == {"filepath", "score", "match_percent", "query_overlap_percent", "target_overlap_percent",
                           "query_box", "target_box"}  # fmt: skip
    assert 0 < result["score"] <= 100 and 0 < result["target_overlap_percent"] <= 100


def test_search_results_say_where_in_the_picture_a_detail_matched(api, collection):
    detail = picture(640, 480, 1).crop((320, 48, 640, 288))  # the right half, top half-ish: (0.5, 0.1, 1, 0.6)
    body = api("post", "search", {"image": upload("detail.jpg", encode(detail, "JPEG", quality=90))}).json()
    result = body["result"][0]
    assert result["filepath"] == "art/1.png" and result["target_overlap_percent"] < 40
    box = result["target_box"]
    assert set(box) == {"left", "top", "right", "bottom"}
    assert abs(box["left"] - 0.5) < 0.06 and abs(box["top"] - 0.1) < 0.06
    assert abs(box["right"] - 1) < 0.06 and abs(box["bottom"] - 0.6) < 0.06
    # The whole query is the detail; where its edge meets the picture's, the fit's error clips a few percent.
    assert result["query_box"]["left"] < 0.08 and result["query_box"]["right"] > 0.92


def test_search_by_filepath_and_by_url(api, collection):
    body = api("post", "search", {"filepath": "art/1.png"}).json()
    assert body["result"][0]["filepath"] == "art/1.png" and body["result"][0]["score"] == 100
    with LoopbackServer() as server:
        url = server.serve("/q.png", png(3), "image/png")
        assert api("post", "search", {"url": url}).json()["result"][0]["filepath"] == "art/3.png"


def test_mirrored_copies_are_found_only_with_check_horizontal_flip(api, collection):
    mirrored = upload("m.png", encode(picture(640, 480, 0).transpose(Image.Transpose.FLIP_LEFT_RIGHT), "PNG"))
    assert api("post", "search", {"image": mirrored}).json()["result"] == []
    mirrored.seek(0)
    body = api("post", "search", {"image": mirrored, "check_horizontal_flip": "true"}).json()
    assert body["result"][0]["filepath"] == "art/0.png"


def test_search_pages_with_offset_and_limit_and_filters_with_min_score(api, collection):
    query = {"filepath": "art/1.png"}
    assert api("post", "search", {**query, "offset": 1}).json()["result"] == []
    assert api("post", "search", {**query, "limit": 0}).json()["result"] == []
    assert api("post", "search", {**query, "min_score": 100}).json()["result"][0]["score"] == 100


def test_unrelated_images_find_nothing(api, collection):
    assert api("post", "search", {"image": upload("u.png", png(99), "image/png")}).json()["result"] == []


def test_compare_two_uploads(api):
    original = picture(640, 480, 7)
    same = api(
        "post",
        "compare",
        {"image1": upload("a.png", encode(original, "PNG")), "image2": upload("b.jpg", encode(original, "JPEG"))},
    ).json()
    assert_shape(same, "compare", "ok")
    assert len(same["result"]) == 1 and 90 <= same["result"][0]["score"] <= 100
    different = api(
        "post",
        "compare",
        {"image1": upload("a.png", encode(original, "PNG")), "image2": upload("c.png", png(8), "image/png")},
    ).json()
    assert different["result"] == []


def test_compare_an_upload_with_an_indexed_filepath(api, collection):
    body = api("post", "compare", {"image1": upload("q.png", png(1), "image/png"), "filepath2": "art/1.png"}).json()
    assert body["result"] and body["result"][0]["score"] == 100


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "data", "status", "message"),
    [
        ("search", {}, 400, "exactly one of image"),
        ("search", {"filepath": "nope.png"}, 404, "No image with filepath"),
        ("search", {"url": "ftp://files.test/x.png"}, 400, "http"),  # refused, not a download that failed
        ("search", {"filepath": "x", "min_score": "high"}, 400, "min_score must be a number"),
        ("search", {"filepath": "x", "check_horizontal_flip": "maybe"}, 400, "true or false"),
        ("add", {}, 400, "Give image"),
        ("add", {"url": "http://127.0.0.1:9/x.png"}, 400, "filepath is required"),
        ("add", {"filepath": "x.png", "metadata": "{not json"}, 400, "metadata must be JSON"),
        ("list", {"limit": "-1"}, 400, "limit must be from 0"),
        ("compare", {"filepath1": "a"}, 400, "exactly one of image2"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_readable_error(api, method, data, status, message):
    verb = "get" if method == "list" else "post"
    response = api(verb, method, data)
    assert response.status_code == status, response.json()
    body = response.json()
    assert_shape(body, method, "fail")
    assert message in body["error"][0]


@pytest.mark.parametrize("path", ["/missing.png", "/page.html", "closed port"])
def test_a_url_that_cannot_be_fetched_is_a_fail_in_a_200_as_matchengine_answers(api, path):
    with LoopbackServer() as server:
        server.serve("/page.html", b"<html></html>", "text/html")
        url = "http://127.0.0.1:9/x.png" if path == "closed port" else server.url(path)
        body = api("get", "search", {"url": url}).json()
    assert body == {"status": "fail", "error": [f"{url}: Failed to download file."], "method": "search", "result": []}


def test_unreadable_and_oversized_images_are_refused_without_storing_anything(api, settings):
    response = api("post", "add", {"image": upload("x.png", b"GIF89a broken", "image/gif"), "filepath": "x.png"})
    assert response.status_code in (400, 415) and "x.png" in response.json()["error"][0]
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 5000}
    response = api("post", "add", {"image": upload("big.png", png(1), "image/png"), "filepath": "big.png"})
    assert response.status_code == 413
    response = api("post", "search", {"image": upload("big.png", png(1), "image/png")})
    assert response.status_code == 413
    assert CatalogImage.objects.count() == 0


def test_wrong_http_verbs_are_405_in_the_same_shape(api):
    response = api("put", "add")
    assert response.status_code == 405
    assert_shape(response.json(), "add", "fail")


def test_json_bodies_are_refused_with_415(api, client):
    response = client.post("/rest/search/", {"filepath": "x"}, content_type="application/json", **basic("staff", "pw"))
    assert response.status_code == 415 and response.json()["status"] == "fail"
