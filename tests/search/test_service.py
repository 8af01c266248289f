"""The one entry point: real query images through the provider, merged with words and filters."""

import pytest
from django.http import QueryDict
from PIL import Image

from matching.safety.imaging import load_image
from search import service
from search.forms import SearchForm
from search.query import Filters, SearchQuery
from tests.images import encode, picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(make_item):
    return [
        make_item(seed=s, title=t, data=encode(picture(640, 480, s), "PNG"), year=y)
        for s, t, y in ((1, "Harbour at Dusk", 1890), (2, "Harbour at Noon", 1950), (3, "Still Life", 1700))
    ]


def query_image(image: Image.Image):
    return load_image(encode(image, "JPEG"))


def test_an_edited_copy_finds_its_original_first(items):
    copy = picture(640, 480, 2).crop((60, 40, 600, 440)).resize((320, 240))
    results = service.search(SearchQuery(images=(query_image(copy),), kind="copy"))
    assert [hit.item.pk for hit in results.hits] == [items[1].pk]
    assert 0 < results.hits[0].similarity <= 100 and results.hits[0].match.target_overlap < 100


def test_several_query_images_find_items_that_look_like_any(items):
    images = (query_image(picture(640, 480, 1)), query_image(picture(640, 480, 3)))
    results = service.search(SearchQuery(images=images, kind="copy"))
    assert {hit.item.pk for hit in results.hits} == {items[0].pk, items[2].pk}


def test_words_and_filters_narrow_image_matches(items):
    both = (query_image(picture(640, 480, 1)), query_image(picture(640, 480, 3)))
    assert next(h.item.pk for h in service.search(SearchQuery(text="harbour", images=both)).hits) == items[0].pk
    filtered = service.search(SearchQuery(images=both, filters=Filters(year_to=1800)))
    assert [hit.item.pk for hit in filtered.hits] == [items[2].pk]


def test_a_region_of_the_query_image_is_searched(items):
    # A collage: item 1 on the left, item 3 on the right; the region picks the right half.
    collage = Image.new("RGB", (1280, 480))
    collage.paste(picture(640, 480, 1), (0, 0))
    collage.paste(picture(640, 480, 3), (640, 0))
    results = service.search(SearchQuery(images=(query_image(collage),), region=(0.5, 0.0, 0.5, 1.0), kind="copy"))
    assert [hit.item.pk for hit in results.hits] == [items[2].pk]


def test_similar_to_finds_other_versions_but_not_the_item_itself(items, make_item):
    version = make_item(
        seed=1, title="Harbour at Dusk (scan)", data=encode(picture(640, 480, 1).resize((500, 375)), "JPEG")
    )
    results = service.search(SearchQuery(similar_to=items[0].pk, kind="copy"))
    assert [hit.item.pk for hit in results.hits] == [version.pk]


def test_the_canonical_parameters_become_a_query():
    params = QueryDict(
        "q=harbour&color=red&color=blue&min_width=800&min_height=600&min_megapixels=1.5&orientation=landscape"
        "&format=jpeg&format=PNG&year_to=1899&license=editorial&sort=oldest&page=2&page_size=12"
    )
    form = SearchForm(params)
    assert form.is_valid(), form.errors
    query = form.to_query()
    assert query.text == "harbour" and query.sort == "oldest" and (query.page, query.page_size) == (2, 12)
    assert query.filters == Filters(
        colors=("red", "blue"), min_width=800, min_height=600, min_megapixels=1.5, orientation="landscape",
        formats=("JPEG", "PNG"), year_to=1899, licenses=("editorial",),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ("color=chartreuse", "color"),
        ("min_width=wide", "min_width"),
        ("orientation=diagonal", "orientation"),
        ("format=EXE", "format"),
        ("year_from=1900&year_to=1800", "year_to"),
        ("sort=random", "sort"),
        ("page=0", "page"),
        ("page_size=5000", "page_size"),
        ("similar_to=999999", "similar_to"),
        ("region=0.5,0.5,0.9,0.2", "region"),
        ("license=free-for-all", "license"),
    ],
)
def test_invalid_parameters_are_errors_not_ignored(params, field):
    form = SearchForm(QueryDict(params))
    assert not form.is_valid()
    assert field in form.errors


def test_a_query_picture_is_embedded_once_for_copies_and_look_alikes(items, monkeypatch):
    from matching.embeddings.model import Embedder

    embedded = []
    real = Embedder.embed
    monkeypatch.setattr(Embedder, "embed", lambda self, image: embedded.append(image.size) or real(self, image))
    # Not in the catalog: no hash leads to a copy, so the copy search's embedding stage runs, then look-alikes.
    service.search(SearchQuery(images=(query_image(picture(640, 480, 99)),)))
    assert len(embedded) == 1
    embedded.clear()
    service.search(SearchQuery(images=(query_image(picture(640, 480, 1)),)))  # a copy: look-alikes only embed it
    assert len(embedded) == 1
