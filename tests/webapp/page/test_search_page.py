"""The search page without a browser: words, filters, query images kept by token, errors in the bar."""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from catalog.models import CatalogImage
from matching.providers import COPY, SIMILAR, Match
from search.query import Hit
from tests.conftest import upload
from tests.images import encode, image_bytes, picture

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<span class="title">([^<]+)</span>', response.content.decode())


def group_titles(response, key: str) -> list[str]:
    """Titles in one group of an image search: "copies" (shown first) or "similar"."""
    section = re.search(rf'id="hits-{key}".*?</ul>', response.content.decode(), re.S)
    return re.findall(r'<span class="title">([^<]+)</span>', section.group(0)) if section else []


def facet_count(response, color: str) -> int:
    found = re.search(rf'data-facet="color-{color}">(\d+)<', response.content.decode())
    return int(found.group(1))


def upload_image(client, data: bytes, **fields):
    return client.post(reverse("page:upload"), {"image": upload("query.jpg", data), **fields},
                       headers={"accept": "application/json"})  # fmt: skip


def test_words_find_matching_titles_without_javascript(client, catalog):
    response = client.get("/", {"q": "harbour"})
    assert response.status_code == 200
    assert set(titles(response)) == {"Evening Harbour", "Harbour Lights", "The Quay"}
    assert "3 results" in response.content.decode()


def test_a_colour_filter_narrows_results_and_counts(client, catalog):
    everything = client.get("/")
    assert facet_count(everything, "red") == 1 and facet_count(everything, "blue") == 1
    narrowed = client.get("/", {"color": "red"})
    assert titles(narrowed) == ["Evening Harbour"]
    assert facet_count(narrowed, "red") == 1
    # Every colour must be there: blue as well as red would find nothing, so it is not offered.
    assert 'data-facet="color-blue"' not in narrowed.content.decode()


def test_active_filters_are_chips_that_remove_themselves(client, catalog):
    html = client.get("/", {"q": "harbour", "color": ["red", "blue"], "year_to": "1900"}).content.decode()
    chips = dict((label, href) for href, label in re.findall(r'class="chip" href="([^"]+)"[^>]*>([^<]+?) <', html))
    assert set(chips) == {"Colour: red", "Colour: blue", "Until 1900"}
    remaining = client.get("/" + chips["Colour: red"].replace("&amp;", "&"))
    assert "Colour: blue" in remaining.content.decode() and "Colour: red" not in remaining.content.decode()


def test_invalid_parameters_are_shown_with_a_400(client, catalog):
    response = client.get("/", {"year_from": "abc"})
    assert response.status_code == 400
    assert "year_from" in response.content.decode() and "whole number" in response.content.decode()


def test_an_empty_result_says_what_to_relax(client, catalog):
    html = client.get("/", {"q": "harbour", "color": "green"}).content.decode()
    assert "Nothing matches" in html and "search without words" in html and "clear all filters" in html


def test_an_uploaded_image_is_kept_by_token_and_finds_its_original(client, make_item):
    make_item(seed=3, title="Other", data=encode(picture(640, 480, 3), "PNG"))
    original = make_item(seed=4, title="Original", data=encode(picture(640, 480, 4), "PNG"), width=640)
    copy = encode(picture(640, 480, 4).resize((400, 300)), "JPEG", quality=80)
    answer = upload_image(client, copy, q="").json()
    assert answer["width"] == 400 and re.fullmatch(r"[\w-]{16,}", answer["token"])
    response = client.get(answer["search_url"])
    assert group_titles(response, "copies") == ["Original"]
    html = response.content.decode()
    assert "Edited copy" in html or "Identical" in html
    assert "Higher resolution available" in html  # 640x480 against a 400x300 query
    assert client.get(answer["preview"])["Content-Type"] == "image/jpeg"
    assert CatalogImage.objects.count() == 2 and original.pk  # the query image is not kept in the catalog


def test_the_exact_file_is_called_identical(client, make_item):
    data = encode(picture(640, 480, 6), "PNG")
    make_item(seed=6, title="Exact", data=data)
    html = client.get(upload_image(client, data).json()["search_url"]).content.decode()
    assert 'class="badge badge-identical"' in html and "Higher resolution" not in html


def test_a_region_search_reuses_the_kept_image(client, make_item):
    from PIL import Image

    make_item(seed=1, title="Left", data=encode(picture(640, 480, 1), "PNG"))
    make_item(seed=2, title="Right", data=encode(picture(640, 480, 2), "PNG"))
    collage = Image.new("RGB", (1280, 480))
    collage.paste(picture(640, 480, 1), (0, 0))
    collage.paste(picture(640, 480, 2), (640, 0))
    token = upload_image(client, encode(collage, "JPEG", quality=92)).json()["token"]
    whole = client.get("/", {"image": token}).content.decode()
    right_half = re.search(r'<a href="([^"]+)">Right half</a>', whole).group(1).replace("&amp;", "&")
    response = client.get("/" + right_half)  # the keyboard way: a preset link
    assert group_titles(response, "copies") == ["Right"]
    assert "Part of the image" in response.content.decode()


@pytest.fixture
def match_count(monkeypatch):
    """How many times the page matched a query image against the catalog (a spy: the real matching runs)."""
    from search import service

    calls = []
    real = service.image_candidates
    monkeypatch.setattr(service, "image_candidates", lambda query: calls.append(query) or real(query))
    return calls


def test_filter_clicks_and_pages_reuse_the_image_candidates_until_the_catalog_changes(client, make_item, match_count):
    make_item(seed=4, title="Original", data=encode(picture(640, 480, 4), "PNG"))
    token = upload_image(client, encode(picture(640, 480, 4).resize((400, 300)), "JPEG")).json()["token"]
    assert group_titles(client.get("/", {"image": token}), "copies") == ["Original"]
    for params in ({"color": "red"}, {"page": "2"}, {"sort": "newest"}, {}):
        client.get("/", {"image": token, **params})
    assert len(match_count) == 1  # one decode and match for five pages
    make_item(seed=14, title="Second copy", data=encode(picture(640, 480, 4).resize((500, 375)), "JPEG"))
    assert sorted(group_titles(client.get("/", {"image": token}), "copies")) == ["Original", "Second copy"]
    assert len(match_count) == 2  # the catalog's images changed: matched again
    client.get("/", {"image": token, "kind": "copy"})
    client.get("/", {"image": token, "region": "0,0,0.5,0.5"})
    assert len(match_count) == 4  # another group or region is another search


def test_find_similar_filter_clicks_reuse_the_candidates(client, make_item, match_count):
    item = make_item(seed=4, title="Original", data=encode(picture(640, 480, 4), "PNG"))
    for params in ({}, {"color": "red"}, {"page": "2"}):
        assert client.get("/", {"similar_to": item.pk, **params}).status_code == 200
    assert len(match_count) == 1


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"just some text", 415, "not an image"),
        (image_bytes("JPEG", 64, 64)[:200], 400, "corrupt"),
    ],
)
def test_a_bad_file_is_a_clear_json_error(client, data, status, reason):
    response = upload_image(client, data)
    assert response.status_code == status
    assert reason in response.json()["detail"].lower()


def test_a_too_large_file_is_refused_before_decoding(client, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 1000}
    response = upload_image(client, image_bytes("PNG", 200, 200))
    assert response.status_code == 413 and "too large" in response.json()["detail"].lower()


def test_without_javascript_an_upload_redirects_to_the_search(client, make_item):
    make_item(seed=8, title="Plain form", data=encode(picture(640, 480, 8), "PNG"))
    response = client.post(reverse("page:upload"), {"image": upload("q.png", encode(picture(640, 480, 8), "PNG"))})
    assert response.status_code == 302 and "image=" in response["Location"]
    assert titles(client.get(response["Location"])) == ["Plain form"]
    error = client.post(reverse("page:upload"), {"image": upload("q.txt", b"hello", "text/plain")})
    assert error.status_code == 415 and "not an image" in error.content.decode()


def test_no_image_at_all_is_a_400(client):
    response = client.post(reverse("page:upload"), {}, headers={"accept": "application/json"})
    assert response.status_code == 400 and "Choose an image" in response.json()["detail"]


def test_an_expired_token_asks_for_the_image_again(client, catalog):
    response = client.get("/", {"image": "A" * 24, "q": "harbour"})
    assert response.status_code == 200 and "has expired" in response.content.decode()
    assert len(titles(response)) == 3  # the words still search
    assert client.get(reverse("page:query-image", args=["A" * 24])).status_code == 404


def test_kept_images_expire(client, make_item, settings):
    token = upload_image(client, encode(picture(320, 240, 2), "PNG")).json()["token"]
    caches["query-images"].delete(token)
    assert "has expired" in client.get("/", {"image": token}).content.decode()


def test_item_page_shows_palette_other_versions_and_find_similar(client, make_item):
    original = make_item(seed=9, title="Sunlit Mill", data=encode(picture(800, 600, 9), "PNG"))
    scan = encode(picture(800, 600, 9).resize((600, 450)), "JPEG")
    version = make_item(seed=9, title="Sunlit Mill (print scan)", data=scan)
    make_item(seed=10, title="Unrelated")
    html = client.get(original.get_absolute_url()).content.decode()
    versions = html.split('id="versions-heading"')[1].split('id="similar-heading"')[0]
    assert "Sunlit Mill (print scan)" in versions and "Unrelated" not in versions
    assert 'class="palette"' in html
    similar = client.get("/", {"similar_to": original.pk})
    assert group_titles(similar, "copies") == [version.title]
    assert "Looks like: Sunlit Mill" in similar.content.decode()


def test_a_detail_is_outlined_on_its_card_and_on_the_item_page(client, make_item):
    item = make_item(seed=8, title="Whole", data=encode(picture(800, 600, 8), "PNG"))
    detail = encode(picture(800, 600, 8).crop((400, 60, 800, 360)), "JPEG", quality=90)  # (0.5, 0.1)-(1, 0.6)
    response = client.get(upload_image(client, detail).json()["search_url"])
    html = response.content.decode()
    assert group_titles(response, "copies") == ["Whole"]
    rect = re.search(r'<svg class="outline" viewBox="0 0 800 600"[^>]*><rect x="([\d.]+)" y="([\d.]+)" '
                     r'width="([\d.]+)" height="([\d.]+)"', html)  # fmt: skip
    assert rect is not None
    x, y, width, height = map(float, rect.groups())
    assert abs(x - 400) < 40 and abs(y - 60) < 40 and abs(width - 400) < 40 and abs(height - 300) < 40
    link = re.search(rf'href="(/items/{item.pk}/[^"]*\?region=[^"]+)"', html)
    assert link is not None
    page = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert 'id="region-note"' in page and '<svg class="outline" viewBox="0 0 800 600"' in page


def test_a_whole_copy_has_no_outline(client, make_item):
    item = make_item(seed=9, title="Whole", data=encode(picture(640, 480, 9), "PNG"))
    html = client.get(upload_image(client, encode(picture(640, 480, 9), "JPEG")).json()["search_url"]).content.decode()
    assert f'href="/items/{item.pk}/"' in html and f"/items/{item.pk}/?region" not in html
    assert '<svg class="outline"' not in html


@pytest.mark.parametrize("region", ["", "x", "0,0,1", "0.5,0.5,0.2,0.9", "nan,0,1,1", "-1,0,1,1", "0,0,1,1,1"])
def test_the_item_page_ignores_a_region_that_is_not_a_part_of_the_picture(client, make_item, region):
    item = make_item(seed=10)
    response = client.get(item.get_absolute_url(), {"region": region})
    assert response.status_code == 200 and '<svg class="outline"' not in response.content.decode()


@pytest.mark.parametrize(("kind", "expected"), [(COPY, True), (SIMILAR, False)])
def test_higher_resolution_is_said_of_copies_only(make_item, kind, expected):
    from webapp.page.presentation import larger

    item = make_item(seed=9, width=1600, height=1200)
    hit = Hit(item=item, score=50.0, similarity=50.0, match=Match(image_id=item.pk, score=50.0, kind=kind))
    assert larger(hit, query_pixels=400 * 300) is expected
    assert larger(hit, query_pixels=1600 * 1200) is False  # not larger than the query
