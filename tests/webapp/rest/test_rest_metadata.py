"""MulticolorEngine metadata on /rest/, mapped onto the catalog: a picture's metadata is its catalog fields
with the keys a partner set beside them; queries, returned keys and sorting on color_search and search; and
every bad input a 400 with the reason, sent as TinEye's clients send it (GET with query parameters)."""

from __future__ import annotations

import json

import pytest

from catalog.models import CatalogImage
from tests.conftest import upload
from tests.search.test_color_search import NAVY, OCHRE, ROYAL, painted
from tests.webapp.rest.test_matchengine_api import api, assert_shape  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def rest(api):  # noqa: F811 (the fixture imported above)
    return api


def tineye_id(value: str) -> dict:
    return {"action": "return", "type": "uint", "": value}


@pytest.fixture
def catalog(make_item):
    return {
        "navy": make_item(data=painted(1, (NAVY, 0.6)), identifier="navy.png", title="Night harbour",
                          creator="Anna Ancher", year=1885, tags="harbour, night",
                          source_metadata={"keywords": ["whale"], "id": tineye_id("7")}),
        "royal": make_item(data=painted(2, (ROYAL, 0.6)), identifier="royal.png", title="Royal harbour",
                           creator="Peder Krøyer", year=1899, tags="harbour",
                           source_metadata={"keywords": ["shark"], "id": tineye_id("3")}),
        "ochre": make_item(data=painted(3, (OCHRE, 0.4)), identifier="ochre.png", title="Ochre field", year=1932,
                           source_metadata={"keywords": ["whale", "octopus"]}),
    }  # fmt: skip


def filepaths(body: dict) -> list[str]:
    return [row["filepath"] for row in body["result"]]


def test_get_metadata_shows_the_catalog_fields_with_the_partner_keys_beside_them(rest, catalog):
    body = rest("get", "get_metadata", {"filepaths[0]": "navy.png", "filepaths[1]": "gone.png"}).json()
    assert body["status"] == "warn" and body["error"] == ["gone.png: not in the collection."]
    found = body["result"][0]
    assert found["filepath"] == "navy.png"
    tree = found["metadata"]
    assert tree["title"] == {"action": "search", "type": "string", "": "Night harbour"}
    assert tree["creator"][""] == "Anna Ancher" and tree["year"] == {"action": "search", "type": "int", "": 1885}
    assert tree["tags"][""] == ["harbour", "night"] and tree["width"]["type"] == "uint"
    assert tree["keywords"] == {"action": "search", "type": "string", "": ["whale"]}
    assert tree["id"] == {"action": "return", "type": "uint", "": "7"}


def test_add_and_update_metadata_write_the_catalog_fields_and_keep_the_partner_keys(rest):
    metadata = {"title": "Dunes", "tags": ["sand", "sea"], "year": "1901", "keywords": ["dune"], "room": 4}
    data = {"images[0]": upload("x.png", painted(4, (OCHRE, 0.5)), "image/png"), "filepaths[0]": "dunes.png",
            "metadata[0]": json.dumps(metadata)}  # fmt: skip
    assert rest("post", "add", data).json()["status"] == "ok"
    item = CatalogImage.objects.get(identifier="dunes.png")
    assert (item.title, item.tags, item.year) == ("Dunes", "sand, sea", 1901)
    assert item.source_metadata == {"keywords": ["dune"], "room": 4}
    update = {"filepaths[0]": "dunes.png", "metadata[0]": json.dumps({"year": 1902, "keywords": ["sea"]})}
    body = rest("get", "update_metadata", update).json()
    assert_shape(body, "update_metadata", "ok")
    item.refresh_from_db()
    assert item.year == 1902 and item.title == "Dunes" and item.source_metadata == {"keywords": ["sea"]}


def test_color_search_with_a_metadata_query_keeps_only_the_pictures_it_leaves(rest, catalog):
    query = {"colors[0]": NAVY, "colors[1]": OCHRE, "metadata": json.dumps({"keywords": "whale"})}
    assert set(filepaths(rest("get", "color_search", query).json())) == {"navy.png", "ochre.png"}
    query["metadata"] = json.dumps({"year": {"min": 1880, "max": 1890}})
    assert filepaths(rest("get", "color_search", query).json()) == ["navy.png"]
    query["metadata"] = json.dumps({"OR": [{"creator": "peder krøyer"}, {"NOT": {"tags": "harbour"}}]})
    assert set(filepaths(rest("get", "color_search", query).json())) == {"ochre.png"}  # royal holds no navy/ochre
    alone = {"metadata": json.dumps({"tags": "harbour"})}
    assert filepaths(rest("get", "color_search", alone).json()) == ["navy.png", "royal.png"]


def test_return_and_sort_metadata(rest, catalog):
    query = {"metadata": json.dumps({"tags": "harbour"}), "return_metadata": json.dumps(["id", "year"]),
             "sort_metadata": "true"}  # fmt: skip
    body = rest("get", "color_search", query).json()
    assert [(row["filepath"], row["metadata"]) for row in body["result"]] == [
        ("royal.png", {"id": "3", "year": 1899}), ("navy.png", {"id": "7", "year": 1885})
    ]  # fmt: skip
    query["sort_metadata"] = json.dumps(["year"])
    assert filepaths(rest("get", "color_search", query).json()) == ["navy.png", "royal.png"]


def test_matchengine_search_takes_a_metadata_query_and_returns_metadata(rest, catalog):
    query = {"filepath": "navy.png", "return_metadata": json.dumps(["title"])}
    body = rest("get", "search", query).json()
    assert body["result"][0]["filepath"] == "navy.png" and body["result"][0]["metadata"] == {"title": "Night harbour"}
    query["metadata"] = json.dumps({"keywords": "shark"})
    assert rest("get", "search", query).json()["result"] == []


def test_search_and_return_metadata_summaries_and_count_metadata(rest, catalog):
    searchable = rest("get", "get_search_metadata").json()["result"][0]["metadata"]
    assert searchable["keywords"] == {"count": "3", "type": "string", "": {"whale": "2", "shark": "1", "octopus": "1"}}
    assert searchable["year"]["count"] == "3" and "id" not in searchable
    returnable = rest("get", "get_return_metadata").json()["result"][0]["metadata"]
    assert returnable["id"] == {"count": "2", "": None, "type": "uint"} and "title" in returnable
    asked = {"count_metadata[0]": json.dumps({"keywords": "whale"}), "count_metadata[1]": '{"year": {"min": 1890}}'}
    counts = rest("get", "count_metadata", asked).json()
    assert [row["count"] for row in counts["result"]] == [2, 2]


@pytest.mark.parametrize(
    ("method", "query", "reason"),
    [
        ("color_search", {"colors[0]": "12345g"}, "not a colour"),
        ("color_search", {"colors[0]": "#12"}, "not a colour"),
        ("color_search", {f"colors[{n}]": f"{n}{n}0000" for n in range(6)}, "At most 5 colors"),
        ("color_search", {"colors[0]": NAVY, "colors[1]": OCHRE, "weights[0]": "30", "weights[1]": "3"}, "add up"),
        ("color_search", {"colors[0]": NAVY, "colors[1]": OCHRE, "weights[0]": "100"}, "same number of weights"),
        ("color_search", {"colors[0]": NAVY, "weights[0]": "-5"}, "more than 0"),
        ("color_search", {"colors[0]": NAVY, "limit": "-1"}, "limit must be from 0"),
        ("color_search", {"colors[0]": NAVY, "limit": str(10**12)}, "limit must be from 0"),
        ("color_search", {"colors[0]": NAVY, "offset": "-3"}, "offset must be from 0"),
        ("color_search", {"colors[0]": NAVY, "min_score": "101"}, "min_score must be from 0"),
        ("color_search", {"colors[0]": NAVY, "metadata": "{oops"}, "metadata must be JSON"),
        ("color_search", {"colors[0]": NAVY, "metadata": "[1]"}, "metadata must be a JSON object"),
        ("color_search", {"metadata": json.dumps({"year": {"above": 3}})}, '{"min": x, "max": y}'),
        ("color_search", {"colors[0]": NAVY, "return_metadata": '"id"'}, "return_metadata must be a JSON list"),
        ("color_search", {"colors[0]": NAVY, "sort_metadata": "true"}, "give return_metadata too"),
        ("search", {"filepath": "navy.png", "limit": str(10**9)}, "limit must be from 0"),
        ("search", {"filepath": "navy.png", "metadata": "{oops"}, "metadata must be JSON"),
        ("extract_image_colors", {"filepaths[0]": "navy.png", "limit": "1000"}, "limit must be from 1"),
        ("extract_image_colors", {"filepaths[0]": "navy.png", "color_format": "cmyk"}, "rgb or hex"),
        ("extract_collection_colors", {"limit": "-2"}, "limit must be from 1"),
        ("count_collection_colors", {"count_colors[0]": "256,0,0"}, "not a colour"),
        ("count_collection_colors", {}, "count_colors[0]"),
        ("count_metadata", {}, "count_metadata[0]"),
        ("update_metadata", {"filepaths[0]": "navy.png"}, "same number of metadata"),
        ("update_metadata", {"filepaths[0]": "navy.png", "metadata[0]": '{"creator": "X"}'}, "set by the catalog"),
        ("update_metadata", {"filepaths[0]": "navy.png", "metadata[0]": json.dumps({"year": "soon"})}, "year must be"),
        ("update_metadata", {"filepaths[0]": "navy.png", "metadata[0]": '{"year": 12000}'}, "year must be from"),
        ("get_metadata", {}, "filepaths[0]"),
        ("update_metadata", {"filepaths[0]": "navy.png", "metadata[0]": '{"year": Infinity}'}, "without Infinity"),
        ("update_metadata", {"filepaths[0]": "navy.png", "metadata[0]": '{"score": NaN}'}, "without NaN"),
        ("update_metadata", {"filepaths[0]": "navy.png", "metadata[0]": "[" * 100_000 + "]" * 100_000},
         "nested too deeply"),
        ("extract_image_colors", {"images[0]": "hello"}, "images[0] must be a file upload"),
        ("get_metadata", {"filepaths[²]": "navy.png"}, "filepaths[0]"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_with_the_reason(rest, catalog, method, query, reason):
    response = rest("get", method, query)
    body = response.json()
    assert response.status_code == 400, body
    assert_shape(body, method, "fail")
    assert reason in " ".join(body["error"])


def test_unknown_filepaths_in_update_metadata_are_a_404(rest, catalog):
    response = rest("get", "update_metadata", {"filepaths[0]": "gone.png", "metadata[0]": "{}"})
    assert response.status_code == 404 and response.json()["error"] == ["gone.png: not in the collection."]


def test_the_node_clients_multipart_posts_reach_the_metadata_methods(rest, catalog):
    """TinEye's Node.js client posts a multipart form for every MulticolorEngine call, metadata ones too."""
    update = {"filepaths[0]": "navy.png", "metadata[0]": json.dumps({"keywords": ["seal"]})}
    assert rest("post", "update_metadata", update).json()["status"] == "ok"
    body = rest("post", "get_metadata", {"filepaths[0]": "navy.png"}).json()
    assert body["result"][0]["metadata"]["keywords"][""] == ["seal"]
    assert "seal" in rest("post", "get_search_metadata").json()["result"][0]["metadata"]["keywords"][""]
    assert "id" in rest("post", "get_return_metadata").json()["result"][0]["metadata"]
    counted = rest("post", "count_metadata", {"count_metadata[0]": '{"keywords": "seal"}'}).json()
    assert counted["result"] == [{"metadata": {"keywords": "seal"}, "count": 1}]
