"""Colour search on both search backends: pictures ranked by how much of them is near the query's colours,
perceptually, alone or with words, an image and filters. Real pictures through real ingest."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from matching.safety.imaging import load_image
from search import service
from search.backends import get_search_backend
from search.colors import collection_colors, color_scores
from search.query import Filters, SearchQuery
from tests.colour_pictures import LEAF, NAVY, OCHRE, ROYAL, painted
from tests.images import encode

pytestmark = pytest.mark.django_db


@pytest.fixture
def colored(make_item):
    def add(key: str, seed: int, *parts: tuple[str, float], **fields):
        fields.setdefault("title", key)
        return key, make_item(data=painted(seed, *parts), **fields)

    return dict([
        add("navy", 1, (NAVY, 0.6), title="Night harbour", license_type="editorial"),
        add("royal", 2, (ROYAL, 0.6), title="Royal harbour"),
        add("ochre", 3, (OCHRE, 0.4), title="Ochre field", license_type="editorial"),
        add("speck", 4, (OCHRE, 0.02), (LEAF, 0.6), title="Green field"),
        add("pair", 5, (NAVY, 0.5), (OCHRE, 0.3), title="Harbour at dusk"),
    ])  # fmt: skip


def keys(results, items) -> list[str]:
    by_pk = {item.pk: key for key, item in items.items()}
    return [by_pk[hit.item.pk] for hit in results.hits]


class ColorBehaviour:
    def test_a_navy_query_ranks_navy_above_royal_blue(self, backend, colored):
        found = keys(backend.search(SearchQuery(palette=((NAVY, 100),))), colored)
        assert found[:2] == ["navy", "pair"]
        assert "royal" not in found
        assert keys(backend.search(SearchQuery(palette=((ROYAL, 100),))), colored)[0] == "royal"

    def test_forty_percent_ochre_ranks_above_an_ochre_speck(self, backend, colored):
        results = backend.search(SearchQuery(palette=((OCHRE, 100),)))
        found = keys(results, colored)
        assert found[0] in ("ochre", "pair")
        assert "speck" not in found or found.index("ochre") < found.index("speck")
        assert results.hits[0].color_score and results.hits[0].color_score > 20

    def test_weights_change_the_order(self, backend, colored):
        navy_first = keys(backend.search(SearchQuery(palette=((NAVY, 80), (OCHRE, 20)))), colored)
        ochre_first = keys(backend.search(SearchQuery(palette=((NAVY, 20), (OCHRE, 80)))), colored)
        assert navy_first.index("navy") < navy_first.index("ochre")
        assert ochre_first.index("ochre") < ochre_first.index("navy")
        assert keys(backend.search(SearchQuery(palette=((NAVY, 60), (OCHRE, 40)))), colored)[0] == "pair"

    def test_a_pair_of_colours_prefers_pictures_holding_both(self, backend, colored, make_item):
        """Navy 70 / ochre 30: some of each beats all navy and no ochre (and the scores are the signatures')."""
        all_navy = make_item(data=painted(11, (NAVY, 0.9)), title="All navy")
        both = make_item(data=painted(12, (NAVY, 0.45), (OCHRE, 0.2)), title="Navy and a little ochre")
        results = backend.search(SearchQuery(palette=((NAVY, 70), (OCHRE, 30))))
        ranked = [hit.item.pk for hit in results.hits]
        assert ranked.index(both.pk) < ranked.index(all_navy.pk)
        expected = color_scores(ranked, ((NAVY, 70), (OCHRE, 30)))
        for hit in results.hits:
            assert hit.color_score == pytest.approx(100 * expected[hit.item.pk], abs=1.0)

    def test_colours_reorder_an_image_search(self, backend, make_item):
        """Two pictures of one photo, its top half painted navy in one and ochre in the other: the query
        image (the photo's unpainted bottom half) finds both, and the colours say which comes first."""
        navy = make_item(data=painted(21, (NAVY, 0.5)), title="Quay in navy")
        ochre = make_item(data=painted(21, (OCHRE, 0.5)), title="Quay in ochre")
        other = make_item(data=painted(22), title="Another quay")
        photo = Image.open(io.BytesIO(painted(21))).crop((0, 120, 320, 240))
        image = load_image(encode(photo, "JPEG"))
        for color, first, second in ((NAVY, navy, ochre), (OCHRE, ochre, navy)):
            found = [hit.item.pk for hit in service.search(SearchQuery(images=(image,), palette=((color, 100),))).hits]
            assert found[0] == first.pk
            assert found.index(second.pk) < found.index(other.pk) if other.pk in found else second.pk in found

    def test_words_narrow_a_colour_search(self, backend, colored):
        found = keys(backend.search(SearchQuery(text="harbour", palette=((NAVY, 100),))), colored)
        assert found[0] in ("navy", "pair")
        assert "ochre" not in found and "speck" not in found

    def test_filters_narrow_a_colour_search(self, backend, colored):
        query = SearchQuery(palette=((OCHRE, 100),), filters=Filters(licenses=("editorial",)))
        results = backend.search(query)
        assert keys(results, colored)[0] == "ochre"
        assert set(keys(results, colored)) <= {"navy", "ochre"}
        assert results.total == len(results.hits)

    def test_a_colour_nothing_holds_finds_nothing(self, backend, colored):
        assert backend.search(SearchQuery(palette=(("ff00ff", 100),))).total == 0


class TestDatabaseColorSearch(ColorBehaviour):
    @pytest.fixture
    def backend(self, settings):
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        return get_search_backend()

    def test_pictures_added_after_the_first_colour_query_are_found(self, backend, colored, make_item):
        backend.search(SearchQuery(palette=((NAVY, 100),)))
        later = make_item(data=painted(9, (NAVY, 0.9)), title="Deep navy")
        assert backend.search(SearchQuery(palette=((NAVY, 100),))).hits[0].item.pk == later.pk
        later.delete()
        assert later.pk not in [hit.item.pk for hit in backend.search(SearchQuery(palette=((NAVY, 100),))).hits]


@pytest.mark.elasticsearch
class TestElasticsearchColorSearch(ColorBehaviour):
    @pytest.fixture
    def backend(self, elasticsearch_settings):
        return get_search_backend()


def test_a_result_sets_colours_say_how_many_pictures_hold_each(colored):
    found = collection_colors([item.pk for item in colored.values()], limit=12)
    assert found and all(0 < color.count <= len(colored) for color in found)
    navy = [c for c in found if c.hex[:2] < "30" and c.hex[4:] > "60"]
    assert navy and max(c.count for c in navy) >= 2


class SurfacesBehaviour:
    """The page, the partner API and /rest/color_search/ rank by colour through the configured backend."""

    def test_every_surface_ranks_navy_first(self, backend, colored, client, staff_user):
        navy = colored["navy"]
        page = client.get("/", {"colors": NAVY})
        assert page.status_code == 200
        assert navy.title.encode() in page.content and colored["royal"].title.encode() not in page.content
        api = client.get("/api/v1/search/", {"colors": NAVY}).json()
        assert api["results"][0]["id"] == navy.pk
        assert colored["royal"].pk not in [row["id"] for row in api["results"]]
        rest = client.get("/rest/color_search/", {"colors[0]": NAVY}, HTTP_AUTHORIZATION="Basic c3RhZmY6cHc=")
        assert rest.json()["status"] == "ok"
        assert rest.json()["result"][0]["filepath"] == navy.identifier  # staff:pw above

    def test_every_surface_refuses_a_bad_colour_with_a_reason(self, backend, colored, client, staff_user):
        assert client.get("/", {"colors": "navy"}).status_code == 400
        assert "colors" in client.get("/api/v1/search/", {"colors": "navy"}).json()
        rest = client.get("/rest/color_search/", {"colors[0]": "navy"}, HTTP_AUTHORIZATION="Basic c3RhZmY6cHc=")
        assert rest.status_code == 400 and rest.json()["status"] == "fail" and rest.json()["error"]


class TestDatabaseSurfaces(SurfacesBehaviour):
    @pytest.fixture
    def backend(self, settings):
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        return get_search_backend()


@pytest.mark.elasticsearch
class TestElasticsearchSurfaces(SurfacesBehaviour):
    @pytest.fixture
    def backend(self, elasticsearch_settings):
        return get_search_backend()
