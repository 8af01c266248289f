"""Each /rest/ method, MatchEngine's and MulticolorEngine's, called as TinEye's client calls it (recorded: HTTP
method, path, query parameters with their array syntax, multipart fields) and answered in the recorded shape
(the envelope, and the keys of each result row that TinEye documents)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.webapp.rest.test_tineye_clients import METADATA, SEARCH_METADATA, imagepath, request_, web  # noqa: F401
from tests.webapp.rest.tineye_wire import Picture, Wire

pytestmark = pytest.mark.django_db(transaction=True)

ENVELOPE = {"status", "error", "method", "result"}
MATCH = {"filepath", "score", "match_percent", "query_overlap_percent", "target_overlap_percent"}
COLOR = {"color", "weight", "rank", "class", "name"}
COUNTED = {"color", "name", "class", "num_images_partial_area", "num_images_full_area"}
SEARCH = {"min_score", "offset", "limit", "check_horizontal_flip"}
COLOR_SEARCH = {"ignore_background", "ignore_interior_background", "metadata", "return_metadata", "sort_metadata",
                "min_score", "offset", "limit"}  # fmt: skip
BACKGROUND = {"ignore_background", "ignore_interior_background"}
Call = Callable[[Wire, str, str], dict]


def banana(path: str) -> Picture:
    return Picture(path=f"{path}/banana.png", collection_filepath="banana.png", metadata=METADATA)


# (name, the call, HTTP method, query keys, multipart fields, API method, row keys (None: rows are not objects))
CALLS: list[tuple[str, Call, str, set[str], set[str], str, set[str] | None]] = [
    ("add_image", lambda w, p, u: w.add_image([banana(p)]), "POST", {"filepaths[0]"}, {"images[0]"}, "add", None),
    ("add_url", lambda w, p, u: w.add_url([Picture(url=f"{u}/meloncat.jpg")]), "GET", {"urls[0]", "filepaths[0]"},
     set(), "add", None),
    ("add_image_metadata", lambda w, p, u: w.add_image([banana(p)], multicolor=True), "POST",
     {"ignore_background", "filepaths[0]", "metadata[0]"}, {"images[0]"}, "add", None),
    ("delete", lambda w, p, u: w.delete(["meloncat.jpg"]), "GET", {"filepaths[0]"}, set(), "delete", None),
    ("count", lambda w, p, u: w.count(), "GET", set(), set(), "count", None),
    ("list", lambda w, p, u: w.list(), "GET", {"offset", "limit"}, set(), "list", None),
    ("ping", lambda w, p, u: w.ping(), "GET", set(), set(), "ping", None),
    ("search_image", lambda w, p, u: w.search_image(banana(p)), "POST", SEARCH, {"image"}, "search", MATCH),
    ("search_url", lambda w, p, u: w.search_url(f"{u}/meloncat.jpg"), "GET", SEARCH | {"url"}, set(), "search",
     MATCH),
    ("search_filepath", lambda w, p, u: w.search_filepath("meloncat.jpg"), "GET", SEARCH | {"filepath"}, set(),
     "search", MATCH),
    ("compare_image", lambda w, p, u: w.compare_image(banana(p), banana(p)), "POST",
     {"min_score", "check_horizontal_flip"}, {"image1", "image2"}, "compare", MATCH - {"filepath"}),
    ("compare_url", lambda w, p, u: w.compare_url(f"{u}/meloncat.jpg", f"{u}/meloncat.jpg"), "GET",
     {"url1", "url2", "min_score", "check_horizontal_flip"}, set(), "compare", MATCH - {"filepath"}),
    ("color_search_image", lambda w, p, u: w.color_search_image(banana(p)), "POST", COLOR_SEARCH, {"image"},
     "color_search", {"filepath", "score"}),
    ("color_search_url", lambda w, p, u: w.color_search_url(f"{u}/meloncat.jpg"), "GET", COLOR_SEARCH | {"url"},
     set(), "color_search", {"filepath", "score"}),
    ("color_search_filepath", lambda w, p, u: w.color_search_filepath("banana.png"), "GET",
     COLOR_SEARCH | {"filepath"}, set(), "color_search", {"filepath", "score"}),
    ("search_color", lambda w, p, u: w.search_color(["243,249,22", "ffffff"], [70, 30]), "GET",
     COLOR_SEARCH | {"colors[0]", "colors[1]", "weights[0]", "weights[1]"}, set(), "color_search",
     {"filepath", "score"}),
    ("search_color_return_metadata", lambda w, p, u: w.search_color(["243,249,22"], return_metadata='["id"]'),
     "GET", COLOR_SEARCH | {"colors[0]"}, set(), "color_search", {"filepath", "score", "metadata"}),
    ("search_metadata", lambda w, p, u: w.search_metadata(SEARCH_METADATA, return_metadata='["id", "width"]'),
     "GET", COLOR_SEARCH - BACKGROUND, set(), "color_search", {"filepath", "score", "metadata"}),
    ("extract_image_colors_image", lambda w, p, u: w.extract_image_colors_image([banana(p)]), "POST",
     BACKGROUND | {"limit", "color_format"}, {"images[0]"}, "extract_image_colors", COLOR),
    ("extract_image_colors_url", lambda w, p, u: w.extract_image_colors_url([f"{u}/meloncat.jpg"]), "GET",
     BACKGROUND | {"limit", "color_format", "urls[0]"}, set(), "extract_image_colors", COLOR),
    ("count_image_colors_image", lambda w, p, u: w.count_image_colors_image([banana(p)], ["ffffff"]), "POST",
     BACKGROUND | {"count_colors[0]"}, {"images[0]"}, "count_image_colors", COUNTED),
    ("count_image_colors_url", lambda w, p, u: w.count_image_colors_url([f"{u}/meloncat.jpg"], ["88,112,14"]),
     "GET", BACKGROUND | {"count_colors[0]", "urls[0]"}, set(), "count_image_colors", COUNTED),
    ("extract_collection_colors", lambda w, p, u: w.extract_collection_colors(), "GET", {"limit", "color_format"},
     set(), "extract_collection_colors", COLOR | {"num_images"}),
    ("extract_collection_colors_metadata", lambda w, p, u: w.extract_collection_colors_metadata(SEARCH_METADATA),
     "GET", {"limit", "color_format", "metadata"}, set(), "extract_collection_colors", COLOR | {"num_images"}),
    ("extract_collection_colors_colors",
     lambda w, p, u: w.extract_collection_colors_colors(["243,249,22", "ffffff"], [70, 30]), "GET",
     {"limit", "color_format", "colors[0]", "colors[1]", "weights[0]", "weights[1]"}, set(),
     "extract_collection_colors", COLOR | {"num_images"}),
    ("extract_collection_colors_filepath", lambda w, p, u: w.extract_collection_colors_filepath(["banana.png"]),
     "GET", {"limit", "color_format", "filepaths[0]"}, set(), "extract_collection_colors", COLOR | {"num_images"}),
    ("count_collection_colors", lambda w, p, u: w.count_collection_colors(["ffffff"]), "GET", {"count_colors[0]"},
     set(), "count_collection_colors", COUNTED),
    ("count_collection_colors_metadata",
     lambda w, p, u: w.count_collection_colors_metadata(SEARCH_METADATA, ["ffffff"]), "GET",
     {"metadata", "count_colors[0]"}, set(), "count_collection_colors", COUNTED),
    ("count_collection_colors_colors",
     lambda w, p, u: w.count_collection_colors_colors(["243,249,22", "ffffff"], [70, 30], ["ffffff"]), "GET",
     {"colors[0]", "colors[1]", "weights[0]", "weights[1]", "count_colors[0]"}, set(), "count_collection_colors",
     COUNTED),
    ("count_collection_colors_filepath",
     lambda w, p, u: w.count_collection_colors_filepath(["banana.png"], ["ffffff"]), "GET",
     {"filepaths[0]", "count_colors[0]"}, set(), "count_collection_colors", COUNTED),
    ("count_metadata", lambda w, p, u: w.count_metadata([SEARCH_METADATA]), "GET", {"count_metadata[0]"}, set(),
     "count_metadata", {"metadata", "count"}),
    ("count_metadata_colors",
     lambda w, p, u: w.count_metadata([SEARCH_METADATA], **{"colors[0]": "243,249,22"}), "GET",
     {"count_metadata[0]", "colors[0]"}, set(), "count_metadata", {"metadata", "count"}),
    ("update_metadata", lambda w, p, u: w.update_metadata(["banana.png"], [json.dumps({"keywords": ["seal"]})]),
     "GET", {"filepaths[0]", "metadata[0]"}, set(), "update_metadata", None),
    ("get_metadata", lambda w, p, u: w.get_metadata(["banana.png"]), "GET", {"filepaths[0]"}, set(),
     "get_metadata", {"filepath", "metadata"}),
    ("get_search_metadata", lambda w, p, u: w.get_search_metadata(), "GET", set(), set(), "get_search_metadata",
     {"metadata"}),
    ("get_return_metadata", lambda w, p, u: w.get_return_metadata(), "GET", set(), set(), "get_return_metadata",
     {"metadata"}),
]  # fmt: skip


@pytest.fixture
def stocked(request_, imagepath, web):  # noqa: F811 (fixtures imported above)
    """banana.png (with TinEye's example metadata) and meloncat.jpg, added as the client adds them."""
    assert request_.add_image([banana(str(imagepath))], multicolor=True)["status"] == "ok"
    assert request_.add_url([Picture(url=f"{web}/meloncat.jpg")])["status"] == "ok"
    return request_


@pytest.mark.parametrize(("name", "call", "verb", "query", "files", "method", "row"), CALLS, ids=[c[0] for c in CALLS])
def test_each_method_as_the_client_sends_it(stocked, imagepath, web, name, call, verb, query, files, method, row):  # noqa: F811
    body = call(stocked, str(imagepath), web)
    sent = stocked.sent[-1]
    assert (sent.method, sent.path) == (verb, f"/rest/{method}/")
    assert {key for key, _ in sent.query} == query and set(sent.files) == files
    assert set(body) == ENVELOPE and body["method"] == method
    assert body["status"] == "ok" and body["error"] == [], body
    if row is None:
        assert all(not isinstance(value, dict) for value in body["result"])
    else:
        assert body["result"], f"{name} found nothing to show the shape of"
        # MatchEngine's rows: the documented keys and, here, where the match is (query_box, target_box).
        wider = method in ("search", "compare")
        assert all(set(found) >= row if wider else set(found) == row for found in body["result"])


def test_the_clients_weights_quirk_reads_each_weight_from_the_repeated_list(stocked):
    """extract/count_collection_colors_colors send weights[i]=<the whole list>: weights[0]=70&weights[0]=30&..."""
    stocked.extract_collection_colors_colors(["243,249,22", "ffffff"], [70, 30])
    assert [pair for pair in stocked.sent[-1].query if pair[0].startswith("weights")] == [
        ("weights[0]", "70"), ("weights[0]", "30"), ("weights[1]", "70"), ("weights[1]", "30")
    ]  # fmt: skip
    body = stocked.count_collection_colors_colors(["243,249,22", "ffffff"], [70, 30], ["243,249,22"])
    assert body["status"] == "ok" and body["result"][0]["num_images_partial_area"] == 1
