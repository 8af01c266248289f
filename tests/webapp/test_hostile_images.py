"""Every HTTP surface that takes an image, against hostile and odd files.

Hostile files get a 4xx with a readable reason, store nothing and leave no file behind; odd but
real images (slivers, thousands of frames, huge metadata) simply work. The admin, the zip import
and import_catalog are covered in tests/catalog/test_hostile_images.py.
"""

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from catalog.models import CatalogImage
from tests.conftest import token_header, upload
from tests.hostile import costly_canvases, gif_screen, media_files, odd_but_valid, refused
from tests.images import encode, picture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
GOOD = encode(picture(320, 240, 77), "PNG")


def rest_add(client, staff, data):
    return client.post(
        "/rest/add/", {"image": upload("x.jpg", data), "filepath": "hostile/x.jpg"}, **token_header(staff)
    )


def rest_search(client, staff, data):
    return client.post("/rest/search/", {"image": upload("x.jpg", data)}, **token_header(staff))


def rest_compare(client, staff, data):
    files = {"image1": upload("x.jpg", data), "image2": upload("good.png", GOOD, "image/png")}
    return client.post("/rest/compare/", files, **token_header(staff))


def api_search(client, staff, data):
    return client.post("/api/v1/search/", {"image": upload("x.jpg", data)})


def api_create(client, staff, data):
    return client.post("/api/v1/items/", {"image": upload("x.jpg", data), "title": "Hostile"}, **token_header(staff))


def api_patch(client, staff, data):
    item = CatalogImage.objects.get(identifier="kept")
    body = encode_multipart(BOUNDARY, {"image": upload("x.jpg", data)})
    return client.patch(f"/api/v1/items/{item.pk}/", body, MULTIPART_CONTENT, **token_header(staff))


def page_upload(client, staff, data):
    return client.post("/search/image/", {"image": upload("x.jpg", data)}, HTTP_ACCEPT="application/json")


SURFACES = [rest_add, rest_search, rest_compare, api_search, api_create, api_patch, page_upload]


@pytest.fixture
def kept(make_item):
    return make_item(seed=5, identifier="kept", data=encode(picture(320, 240, 5), "PNG"))


def reason(response) -> str:
    body = response.json()
    return str(body.get("detail") or body.get("error") or body)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", list(refused()))
def test_hostile_files_are_refused_with_a_reason_and_leave_nothing(client, staff_user, kept, surface, name):
    before_files, before = media_files(), set(CatalogImage.objects.values_list("pk", "sha256"))
    response = surface(client, staff_user, refused()[name])
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert len(reason(response)) > 10
    assert set(CatalogImage.objects.values_list("pk", "sha256")) == before
    assert media_files() == before_files


@pytest.mark.parametrize("surface", SURFACES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", list(odd_but_valid()))
def test_odd_but_real_images_work(client, staff_user, kept, surface, name):
    response = surface(client, staff_user, odd_but_valid()[name])
    assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])


QUERY_SURFACES = [rest_search, rest_compare, api_search, page_upload]


@pytest.mark.parametrize("surface", QUERY_SURFACES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["png grey", "png 1-bit", "png rgb", "tiff 1-bit"])
def test_query_canvases_that_must_be_decoded_whole_are_refused_over_the_query_ceiling(
    client, staff_user, kept, settings, surface, name
):
    # A lowered ceiling keeps the files small; tests/matching/test_imaging.py checks the default.
    settings.LIKENESS = {**settings.LIKENESS, "MAX_QUERY_PIXELS": 2_000_000}
    response = surface(client, staff_user, costly_canvases(2000, 1500)[name])
    assert response.status_code == 413, (response.status_code, response.content[:300])
    assert "query picture" in reason(response) and "megapixels" in reason(response)


def test_a_staff_import_still_takes_a_canvas_over_the_query_ceiling(client, staff_user, kept, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_QUERY_PIXELS": 2_000_000}
    response = api_create(client, staff_user, costly_canvases(2000, 1500)["png rgb"])
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("surface", QUERY_SURFACES, ids=lambda f: f.__name__)
def test_a_gif_frame_on_a_huge_screen_is_searched_as_the_frame(client, staff_user, kept, surface):
    response = surface(client, staff_user, gif_screen(10_000, 9_999))
    assert response.status_code == 200, (response.status_code, response.content[:300])


def test_too_many_images_in_one_request_are_refused_before_any_is_read(client, settings):
    files = [upload(f"{n}.png", GOOD, "image/png") for n in range(settings.LIKENESS["MAX_QUERY_IMAGES"] + 1)]
    response = client.post("/api/v1/search/", {"image": files})
    assert response.status_code == 400 and "At most" in response.json()["detail"]


def test_the_pixels_of_one_request_are_bounded_together(client, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_REQUEST_PIXELS": 150_000}
    files = [upload(f"{n}.png", GOOD, "image/png") for n in range(2)]  # 76,800 pixels each
    response = client.post("/api/v1/search/", {"image": files})
    assert response.status_code == 413 and "together" in response.json()["detail"]


def test_files_over_the_byte_limit_are_413_everywhere(client, staff_user, kept, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 5000}
    for surface in SURFACES:
        response = surface(client, staff_user, GOOD)
        assert response.status_code == 413, (surface.__name__, response.status_code)


def test_a_search_with_a_large_file_answers(client, make_item):
    # More than Django's 2.5 MB in-memory limit: the upload is a temporary file, never copied or pickled.
    import numpy as np

    noise = np.random.default_rng(1).integers(0, 256, (1400, 1400, 3), dtype=np.uint8)
    from PIL import Image

    data = encode(Image.fromarray(noise), "PNG")
    assert len(data) > 5_000_000
    response = client.post("/api/v1/search/", {"image": upload("big.png", data, "image/png"), "q": "x"})
    assert response.status_code == 200
