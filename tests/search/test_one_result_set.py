"""One result set, one count: for any words, filters and image candidates, the count, the pages and the facet
counts describe the same hits, on every backend; and the page and the partner API find the same for one file.

The property runs over random combinations (hypothesis) on a small catalog, on the database backend (SQLite
or PostgreSQL, as the run's DATABASE_URL says) and on the Elasticsearch backend (osmem-server here). Image
candidates are drawn at random too (copies and look-alikes of random items, as the match provider hands them
over), so every mix of kinds, words and filters is reached whatever the matching finds for real pictures.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from catalog.models import CatalogImage, LicenseType, Status
from matching.providers import COPY, SIMILAR, Match
from search.backends import get_search_backend
from search.backends.database import filtered
from search.query import Filters, SearchQuery
from tests.conftest import upload
from tests.images import encode, picture

pytestmark = pytest.mark.django_db

WORDS = ["", "harbour", "sunset", "mountain", "harbours sunset", "portrait", "zebra"]
TITLES = ["Evening harbour", "Mountain sunset", "Portrait of a girl", "Harbour at sunset", "Mountains",
          "Sunset portrait", "Still life", "Old harbour"]  # fmt: skip
FORMATS = ["JPEG", "PNG", "WEBP", "TIFF"]
LICENSES = [value for value, _ in LicenseType.choices]
SIZES = [(640, 480), (480, 640), (500, 500), (800, 450)]


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request):
    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch_settings")
    return get_search_backend()


@pytest.fixture
def small_catalog(backend, make_item):
    """Sixteen items (one a draft) across formats, shapes, licences, years and words."""
    items = []
    for n in range(16):
        width, height = SIZES[n % len(SIZES)]
        items.append(make_item(
            seed=100 + n, title=TITLES[n % len(TITLES)], data=encode(picture(width, height, 100 + n),
                                                                     FORMATS[n % len(FORMATS)]),
            license_type=LICENSES[n % len(LICENSES)], year=None if n % 5 == 0 else 1800 + 15 * n,
            status=Status.DRAFT if n == 7 else Status.PUBLISHED,
        ))  # fmt: skip
    return items


filters = st.builds(
    Filters,
    formats=st.lists(st.sampled_from(FORMATS), max_size=2, unique=True).map(tuple),
    licenses=st.lists(st.sampled_from(LICENSES), max_size=2, unique=True).map(tuple),
    orientation=st.sampled_from([None, "landscape", "portrait", "square"]),
    year_from=st.sampled_from([None, 1850, 1900]),
    year_to=st.sampled_from([None, 1950, 2000]),
)


def all_hits(backend, query: SearchQuery, scores) -> tuple[list, object]:
    """Every hit, page by page (pages of 4), and the first page's results."""
    first = backend.search(query, scores)
    hits = list(first.hits)
    for page in range(2, first.pages + 1):
        hits += backend.search(SearchQuery(**{**query.__dict__, "page": page}), scores).hits
    return hits, first


def counts(results, name: str) -> dict[str, int]:
    return {value.value: value.count for value in results.facets[name] if value.count}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.sampled_from(WORDS), chosen=filters, picks=st.lists(
    st.tuples(st.integers(0, 15), st.sampled_from([COPY, SIMILAR]), st.floats(1, 99)), max_size=12),
    image=st.booleans())  # fmt: skip
def test_the_count_the_pages_and_the_facets_describe_the_same_hits(backend, small_catalog, words, chosen, picks,
                                                                   image):  # fmt: skip
    scores = None
    if image:
        scores = {}
        for index, kind, score in picks:
            pk = small_catalog[index].pk
            scores[pk] = Match(pk, score, 0.0, 0.0, {}, kind=kind)
    query = SearchQuery(text=words, filters=chosen, page_size=4)
    hits, first = all_hits(backend, query, scores)
    found = [hit.item.pk for hit in hits]

    passing = set(filtered(chosen).values_list("pk", flat=True))
    by_words = passing
    if words:
        text_only, _ = all_hits(backend, SearchQuery(text=words, filters=chosen, page_size=50), None)
        by_words = {hit.item.pk for hit in text_only}
        assert by_words <= passing
    if scores is None:
        expected = by_words
    else:  # words narrow the look-alikes; copies stay whatever the words
        expected = {pk for pk, m in scores.items() if pk in passing and (m.kind == COPY or pk in by_words)}
        kinds = [scores[pk].kind for pk in found]
        assert kinds == sorted(kinds, key=lambda kind: kind != COPY)  # copies first
    assert len(found) == len(set(found)) == first.total
    assert set(found) == expected

    items = CatalogImage.objects.in_bulk(found)
    assert counts(first, "format") == dict(Counter(items[pk].format for pk in found))
    assert counts(first, "license") == dict(Counter(items[pk].license_type for pk in found))
    assert counts(first, "orientation") == dict(Counter(items[pk].orientation for pk in found))
    for ticked in chosen.formats:  # a ticked filter counts what the page shows
        assert counts(first, "format").get(ticked, 0) <= first.total
    if chosen.licenses:
        assert sum(counts(first, "license").get(value, 0) for value in chosen.licenses) == first.total


def test_the_page_and_the_api_find_the_same_for_one_file(client, make_item):
    originals = [make_item(seed=200 + n, title=TITLES[n % len(TITLES)], tags="harbour" if n % 2 else "",
                           data=encode(picture(640, 480, 200 + n), FORMATS[n % len(FORMATS)]),
                           license_type=LICENSES[n % len(LICENSES)]) for n in range(8)]  # fmt: skip
    query = encode(picture(640, 480, 203).resize((500, 375)), "JPEG", quality=85)  # a copy of the fourth
    for params in ({}, {"q": "harbour"}, {"license": "royalty-free"}, {"q": "harbour", "license": "royalty-free"}):
        api = APIClient().post("/api/v1/search/", {"image": upload("q.jpg", query), **params, "page_size": 50})
        assert api.status_code == 200, api.content
        token = client.post("/search/image/", {"image": upload("q.jpg", query)}, headers={"accept": "application/json"})
        page = client.get("/", {"image": token.json()["token"], **params})
        results = page.context["results"]
        assert results.total == api.json()["count"], params
        assert [hit.item.pk for hit in results.hits] == [row["id"] for row in api.json()["results"]][:24], params
    assert originals[3].pk in [row["id"] for row in api.json()["results"]]
