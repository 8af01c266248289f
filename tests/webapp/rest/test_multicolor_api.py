"""The MulticolorEngine-compatible colour methods at /rest/, sent as TinEye's client sends them (GET with
colors[0]/weights[0]/count_colors[0]/filepaths[0], POST with images[0] files), with MatchEngine's auth."""

from __future__ import annotations

import pytest

from tests.conftest import upload
from tests.search.test_color_search import NAVY, OCHRE, ROYAL, painted
from tests.webapp.rest.test_matchengine_api import api, assert_shape, basic  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def rest(api):  # noqa: F811 (the fixture imported above)
    """The MatchEngine tests' caller: /rest/<method>/ as staff over HTTP Basic, on-commit indexing run."""
    return api


@pytest.fixture
def catalog(make_item):
    return {
        "navy": make_item(data=painted(1, (NAVY, 0.6)), identifier="navy.png"),
        "royal": make_item(data=painted(2, (ROYAL, 0.6)), identifier="royal.png"),
        "ochre": make_item(data=painted(3, (OCHRE, 0.4)), identifier="ochre.png"),
    }


def test_color_search_by_hex_ranks_navy_first(rest, catalog):
    body = rest("get", "color_search", {"colors[0]": NAVY.upper(), "weights[0]": "100"}).json()
    assert_shape(body, "color_search", "ok")
    assert body["result"][0]["filepath"] == "navy.png"
    assert float(body["result"][0]["score"]) > 20
    assert "royal.png" not in [row["filepath"] for row in body["result"]]


def test_color_search_by_rgb_with_weights_and_min_score(rest, catalog):
    query = {"colors[0]": "0,0,128", "colors[1]": "204,119,34", "weights[0]": "20", "weights[1]": "80",
             "min_score": "5", "limit": "1"}  # fmt: skip
    body = rest("get", "color_search", query).json()
    assert [row["filepath"] for row in body["result"]] == ["ochre.png"]


def test_color_search_by_a_catalog_filepath_finds_its_own_colours(rest, catalog):
    body = rest("get", "color_search", {"filepath": "navy.png"}).json()
    assert body["result"][0]["filepath"] == "navy.png"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"colors[0]": "zzzzzz"}, "not a colour"),
        ({"colors[0]": "300,0,0"}, "not a colour"),
        ({"colors[0]": NAVY, "colors[1]": OCHRE, "weights[0]": "50", "weights[1]": "10"}, "add up to 100"),
        ({"colors[0]": NAVY, "limit": "-1"}, "limit"),
        ({}, "Give colors"),
    ],
)
def test_bad_colour_searches_are_400_fails_with_the_reason(rest, catalog, query, reason):
    response = rest("get", "color_search", query)
    assert response.status_code == 400
    body = response.json()
    assert_shape(body, "color_search", "fail")
    assert reason in " ".join(body["error"])


def test_extract_image_colors_from_an_upload_in_rgb_and_hex(rest, catalog):
    data = {"images[0]": upload("q.png", painted(1, (NAVY, 0.6)), "image/png"), "limit": "3"}
    body = rest("post", "extract_image_colors", data).json()
    assert_shape(body, "extract_image_colors", "ok")
    first = body["result"][0]
    assert first["rank"] == 1 and len(first["color"]) == 3 and first["class"] == "Blue" and first["weight"] > 40
    assert len(body["result"]) <= 3
    hexed = rest("get", "extract_image_colors", {"filepaths[0]": "ochre.png", "color_format": "hex"}).json()
    assert all(isinstance(row["color"], str) and len(row["color"]) == 6 for row in hexed["result"])


def test_count_image_colors_and_collection_colors(rest, catalog):
    data = {"images[0]": upload("q.png", painted(1, (NAVY, 0.6)), "image/png"), "count_colors[0]": NAVY,
            "count_colors[1]": "204,119,34"}  # fmt: skip
    body = rest("post", "count_image_colors", data).json()
    assert body["result"][0] == {"color": NAVY, "name": "Blue", "class": "Blue", "num_images_partial_area": 1,
                                 "num_images_full_area": 1}  # fmt: skip
    assert body["result"][1]["color"] == [204, 119, 34]  # echoed as given: r,g,b as a list, hex as a string
    assert body["result"][1]["num_images_partial_area"] == 0
    counted = rest("get", "count_collection_colors", {"count_colors[0]": OCHRE}).json()
    assert counted["result"][0]["num_images_partial_area"] == 1
    only = rest("get", "count_collection_colors", {"count_colors[0]": OCHRE, "filepaths[0]": "navy.png"}).json()
    assert only["result"][0]["num_images_partial_area"] == 0
    extracted = rest("get", "extract_collection_colors", {"limit": "4", "color_format": "hex"}).json()
    assert_shape(extracted, "extract_collection_colors", "ok")
    assert 0 < len(extracted["result"]) <= 4 and extracted["result"][0]["rank"] == 1


def test_colour_methods_need_the_matchengine_permission(rest, catalog, plain_user):
    response = rest("get", "color_search", {"colors[0]": NAVY}, auth=basic("visitor", "pw"))
    assert response.status_code == 403
    assert_shape(response.json(), "color_search", "fail")
    assert rest("get", "extract_collection_colors", auth={}).status_code == 401
