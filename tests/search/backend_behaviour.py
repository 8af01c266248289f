"""Behaviour every search backend must have. Each backend's test module subclasses BackendBehaviour
with a `backend` fixture; what a backend cannot do is an explicit skip with the reason."""

from __future__ import annotations

import functools

import pytest
from PIL import Image, ImageDraw

from catalog import suggestions
from catalog.models import CatalogImage, Collection, Status, SuggestedTag
from matching.providers import Match
from search.query import Filters, SearchQuery
from tests.images import encode, picture


@functools.lru_cache(maxsize=64)
def painted(width: int, height: int, seed: int, color: tuple[int, int, int]) -> bytes:
    """A picture mostly (95%) of one colour, so its colour classes are known (made once per test process)."""
    image = picture(width, height, seed)
    ImageDraw.Draw(image).rectangle((0, 0, width, round(height * 0.95)), fill=color)
    return encode(image, "PNG")


RED, BLUE, GREEN, GREY = (215, 25, 30), (25, 60, 210), (30, 160, 50), (128, 128, 128)


@pytest.fixture
def catalog(make_item):
    def add(key, title, width, height, color, fmt="PNG", **fields):
        data = painted(width, height, len(key), color)
        if fmt != "PNG":
            image = Image.open(__import__("io").BytesIO(data)).convert("RGB")
            data = encode(image, fmt)
        return key, make_item(title=title, data=data, **fields)

    return dict(
        [
            add("monet", "Evening Harbour", 1300, 800, RED, "JPEG", creator="Claude Monet", year=1872,
                tags="harbour, boats, sunset", license_type="royalty-free"),
            add("holm", "Harbour Lights", 600, 900, BLUE, creator="Ada Holm", year=1950, license_type="rights-managed"),
            add("degas", "Mountain Meadow", 800, 800, GREEN, "WEBP", creator="Élodie Dégas",
                license_type="editorial", tags="alps"),
            add("quay", "The Quay", 900, 600, GREY, "JPEG", creator="Pieter Rossi", year=1650, year_approximate=True,
                description="A busy harbour at dawn.", license_type="royalty-free"),
            add("draft", "Harbour Draft", 640, 480, RED, status=Status.DRAFT, year=2001),
        ]
    )  # fmt: skip


def ids(results) -> list[int]:
    return [hit.item.pk for hit in results.hits]


def facet(results, name: str) -> dict[str, int]:
    return {value.value: value.count for value in results.facets[name]}


class BackendBehaviour:
    # --- words --------------------------------------------------------------------------------

    def test_title_matches_rank_above_description_matches(self, backend, catalog):
        results = backend.search(SearchQuery(text="harbour"))
        order = ids(results)
        assert set(order) == {catalog["monet"].pk, catalog["holm"].pk, catalog["quay"].pk}
        assert order[-1] == catalog["quay"].pk
        assert results.total == 3

    def test_a_word_matches_whole_words_not_their_beginnings(self, backend, make_item):
        listing = make_item(seed=1, title="Sale listing", description="From the printed catalog, category B.")
        cat = make_item(seed=2, title="Sleeping cat")
        assert ids(backend.search(SearchQuery(text="cat"))) == [cat.pk]
        assert ids(backend.search(SearchQuery(text="catalog"))) == [listing.pk]
        assert ids(backend.search(SearchQuery(text="sleep"))) == [cat.pk]  # a stem is a word too
        assert ids(backend.search(SearchQuery(text="sleepi"))) == []

    def test_a_word_beginning_finds_nothing(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="harb"))) == []
        assert ids(backend.search(SearchQuery(text="harbour lig"))) == []

    def test_plural_and_singular_find_each_other(self, backend, make_item):
        one = make_item(seed=1, title="A cat asleep", tags="painting")
        two = make_item(seed=2, title="Two cats", description="Paintings of the Seine.")
        for text in ("cat", "cats", "painting", "paintings", "cat painting", "cats paintings"):
            assert set(ids(backend.search(SearchQuery(text=text)))) == {one.pk, two.pk}, text

    def test_harbours_finds_harbour(self, backend, catalog):
        found = set(ids(backend.search(SearchQuery(text="harbours"))))
        assert found == {catalog["monet"].pk, catalog["holm"].pk, catalog["quay"].pk}

    def test_a_misspelt_word_is_not_guessed(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="harbuor lights"))) == []

    def test_accents_are_folded(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="degas"))) == [catalog["degas"].pk]
        assert ids(backend.search(SearchQuery(text="Dégas"))) == [catalog["degas"].pk]
        assert ids(backend.search(SearchQuery(text="Élodie"))) == [catalog["degas"].pk]
        assert ids(backend.search(SearchQuery(text="elodies"))) == [catalog["degas"].pk]  # stemmed after folding

    def test_a_possessive_is_the_name(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="Monet's harbour"))) == [catalog["monet"].pk]
        assert ids(backend.search(SearchQuery(text="Monet’s"))) == [catalog["monet"].pk]

    def test_a_common_word_is_a_word_like_any_other(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="the quay"))) == [catalog["quay"].pk]

    def test_creator_and_tags_are_searched(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="holm"))) == [catalog["holm"].pk]
        assert ids(backend.search(SearchQuery(text="boats"))) == [catalog["monet"].pk]

    def test_every_word_must_match(self, backend, catalog):
        assert ids(backend.search(SearchQuery(text="harbour lights"))) == [catalog["holm"].pk]
        assert ids(backend.search(SearchQuery(text="harbour zebra"))) == []

    def test_operators_in_user_text_are_just_words(self, backend, catalog):
        for text in ['harbour"', "harbour OR", "NEAR(harbour", "harbour*", "-harbour", "harbour:*", "(!)"]:
            backend.search(SearchQuery(text=text))  # no error

    def test_suggested_tags_rank_below_curated_text_by_confidence_and_hidden_ones_are_not_found(self, backend, catalog):
        SuggestedTag.objects.bulk_create(
            [
                SuggestedTag(image=catalog["quay"], term="narwhal", confidence=0.9),
                SuggestedTag(image=catalog["degas"], term="narwhal", confidence=0.3),
            ]
        )
        CatalogImage.objects.filter(pk=catalog["holm"].pk).update(tags="narwhal")
        fresh = lambda *keys: list(CatalogImage.objects.filter(pk__in=[catalog[k].pk for k in keys]))  # noqa: E731
        backend.index(fresh("quay", "degas", "holm"))
        assert ids(backend.search(SearchQuery(text="narwhal"))) == [catalog[k].pk for k in ("holm", "quay", "degas")]
        assert ids(backend.search(SearchQuery(text="narwhals"))) == [catalog[k].pk for k in ("holm", "quay", "degas")]
        assert ids(backend.search(SearchQuery(text="narwh"))) == []  # whole words only, curated or suggested
        assert ids(backend.search(SearchQuery(text="narwhal dawn"))) == [catalog["quay"].pk]  # description + suggested
        SuggestedTag.objects.filter(term="narwhal", image=catalog["quay"]).update(hidden=True)
        backend.index(fresh("quay"))
        assert ids(backend.search(SearchQuery(text="narwhal"))) == [catalog[k].pk for k in ("holm", "degas")]

    def test_suggested_tags_match_by_stem_as_whole_words(self, backend, catalog):
        SuggestedTag.objects.bulk_create(
            [
                SuggestedTag(image=catalog["quay"], term="pony", confidence=0.9),
                SuggestedTag(image=catalog["degas"], term="ponytail", confidence=0.9),
                SuggestedTag(image=catalog["holm"], term="man-eater", confidence=0.9),
            ]
        )
        backend.index(list(CatalogImage.objects.filter(pk__in=[catalog[k].pk for k in ("quay", "degas", "holm")])))
        assert ids(backend.search(SearchQuery(text="ponies"))) == [catalog["quay"].pk]
        assert ids(backend.search(SearchQuery(text="pony"))) == [catalog["quay"].pk]
        assert ids(backend.search(SearchQuery(text="eaters"))) == [catalog["holm"].pk]  # a word of a term
        ranked = backend.search(SearchQuery(text="dawn ponies")).hits  # description + suggested, by its stem
        assert [hit.item.pk for hit in ranked] == [catalog["quay"].pk]

    def test_public_search_uses_a_suggestion_only_when_the_model_is_sure_enough(self, backend, catalog):
        SuggestedTag.objects.bulk_create(
            [
                SuggestedTag(image=catalog["quay"], term="walrus", confidence=suggestions.PUBLIC / 10),  # faint
                SuggestedTag(image=catalog["degas"], term="walrus", confidence=suggestions.PUBLIC),
                SuggestedTag(image=catalog["holm"], term="walrus", confidence=0.9),
            ]
        )
        backend.index(list(CatalogImage.objects.filter(pk__in=[catalog[k].pk for k in ("quay", "degas", "holm")])))
        assert ids(backend.search(SearchQuery(text="walrus"))) == [catalog[k].pk for k in ("holm", "degas")]

    def test_drafts_are_hidden_unless_asked_for(self, backend, catalog):
        assert catalog["draft"].pk not in ids(backend.search(SearchQuery(text="draft")))
        staff = SearchQuery(text="draft", filters=Filters(include_drafts=True))
        assert ids(backend.search(staff)) == [catalog["draft"].pk]

    # --- filters ------------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            (Filters(colors=("red",)), ["monet"]),
            (Filters(colors=("blue",)), ["holm"]),
            (Filters(colors=("red", "blue")), []),
            (Filters(min_width=1000), ["monet"]),
            (Filters(min_height=850), ["holm"]),
            (Filters(min_megapixels=1.0), ["monet"]),
            (Filters(orientation="portrait"), ["holm"]),
            (Filters(orientation="square"), ["degas"]),
            (Filters(formats=("PNG",)), ["holm"]),
            (Filters(formats=("WEBP", "JPEG")), ["monet", "degas", "quay"]),
            (Filters(year_to=1899), ["monet", "quay"]),
            (Filters(year_from=1900), ["holm"]),
            (Filters(year_from=1600, year_to=1700), ["quay"]),
            (Filters(licenses=("editorial",)), ["degas"]),
            (Filters(licenses=("editorial", "rights-managed")), ["holm", "degas"]),
        ],
    )
    def test_each_filter(self, backend, catalog, filters, expected):
        results = backend.search(SearchQuery(filters=filters, page_size=50))
        assert sorted(ids(results)) == sorted(catalog[key].pk for key in expected)
        assert results.total == len(expected)

    def test_an_age_filter_says_how_many_unknown_years_it_left_out(self, backend, catalog):
        results = backend.search(SearchQuery(filters=Filters(year_to=1899)))
        assert results.unknown_year_excluded == 1
        assert backend.search(SearchQuery()).unknown_year_excluded == 0

    # --- facets -------------------------------------------------------------------------------

    def test_facets_count_the_filtered_result_set(self, backend, catalog):
        everything = backend.search(SearchQuery(page_size=1))
        assert facet(everything, "format") == {"JPEG": 2, "PNG": 1, "WEBP": 1}
        assert facet(everything, "orientation") == {"landscape": 2, "portrait": 1, "square": 1}
        assert facet(everything, "license") == {"royalty-free": 2, "rights-managed": 1, "editorial": 1}
        assert facet(everything, "century") == {"1600-1699": 1, "1800-1899": 1, "1950-1959": 1, "unknown": 1}
        assert facet(everything, "size") == {"small": 3, "medium": 1}
        assert facet(everything, "color")["red"] == 1 and facet(everything, "color")["blue"] == 1
        narrowed = backend.search(SearchQuery(text="harbour", filters=Filters(formats=("JPEG",))))
        assert facet(narrowed, "format") == {"JPEG": 2}
        assert facet(narrowed, "license") == {"royalty-free": 2}

    # --- order and pages ----------------------------------------------------------------------

    def test_pages(self, backend, catalog):
        first = backend.search(SearchQuery(sort="oldest", page=1, page_size=2))
        second = backend.search(SearchQuery(sort="oldest", page=2, page_size=2))
        assert first.total == second.total == 4 and first.pages == 2
        assert len(first.hits) == 2 and len(second.hits) == 2
        assert not set(ids(first)) & set(ids(second))

    def test_sorts(self, backend, catalog):
        oldest = ids(backend.search(SearchQuery(sort="oldest")))
        assert oldest == [catalog[k].pk for k in ("quay", "monet", "holm", "degas")]  # unknown year last
        newest = ids(backend.search(SearchQuery(sort="newest")))
        assert newest == [catalog[k].pk for k in ("holm", "monet", "quay", "degas")]
        largest = ids(backend.search(SearchQuery(sort="largest")))
        assert largest[0] == catalog["monet"].pk

    # --- merging with image matches -----------------------------------------------------------

    def test_image_only_keeps_the_providers_order_and_scores(self, backend, catalog):
        scores = {
            catalog["quay"].pk: Match(catalog["quay"].pk, 91.0),
            catalog["holm"].pk: Match(catalog["holm"].pk, 97.0),
        }
        results = backend.search(SearchQuery(similar_to=1), scores)
        assert ids(results) == [catalog["holm"].pk, catalog["quay"].pk]
        assert [hit.similarity for hit in results.hits] == [97.0, 91.0]
        assert results.total == 2

    def test_image_matches_that_also_match_the_words_come_first(self, backend, catalog):
        scores = {catalog[k].pk: Match(catalog[k].pk, s) for k, s in (("degas", 99.0), ("monet", 60.0), ("quay", 80.0))}
        results = backend.search(SearchQuery(text="harbour", similar_to=1), scores)
        assert ids(results) == [catalog["quay"].pk, catalog["monet"].pk, catalog["degas"].pk]
        assert results.hits[0].text_score is not None and results.hits[2].text_score is None

    def test_filters_apply_to_image_matches(self, backend, catalog):
        scores = {catalog[k].pk: Match(catalog[k].pk, 90.0) for k in ("monet", "holm", "draft")}
        results = backend.search(SearchQuery(similar_to=1, filters=Filters(formats=("PNG",))), scores)
        assert ids(results) == [catalog["holm"].pk]
        assert facet(results, "format") == {"PNG": 1}

    def test_a_collection_keeps_its_own_items_for_words_and_images(self, backend, catalog):
        harbours = Collection.objects.create(name="Harbour Views")
        members = sorted([catalog["monet"].pk, catalog["quay"].pk])
        CatalogImage.objects.filter(pk__in=members).update(collection=harbours)
        backend.index(list(CatalogImage.objects.filter(pk__in=members)))
        only = Filters(collection=harbours.pk)
        assert sorted(ids(backend.search(SearchQuery(filters=only)))) == members
        assert ids(backend.search(SearchQuery(text="lights", filters=only))) == []
        scores = {catalog[k].pk: Match(catalog[k].pk, 90.0) for k in ("monet", "holm")}
        assert ids(backend.search(SearchQuery(similar_to=1, filters=only), scores)) == [catalog["monet"].pk]

    def test_no_image_matches_means_no_hits(self, backend, catalog):
        results = backend.search(SearchQuery(text="harbour", similar_to=1), {})
        assert results.hits == [] and results.total == 0

    def test_image_matches_page_after_ordering(self, backend, catalog):
        keys = ("monet", "holm", "degas", "quay")
        scores = {catalog[k].pk: Match(catalog[k].pk, 90.0 - n) for n, k in enumerate(keys)}
        second = backend.search(SearchQuery(similar_to=1, page=2, page_size=3), scores)
        assert ids(second) == [catalog["quay"].pk] and second.total == 4

    # --- keeping in step ----------------------------------------------------------------------

    def test_deleted_items_are_not_found(self, backend, catalog, committed):
        with committed():
            CatalogImage.objects.filter(pk=catalog["holm"].pk).delete()
        assert catalog["holm"].pk not in ids(backend.search(SearchQuery(text="harbour")))

    def test_edits_are_found_by_their_new_words(self, backend, catalog, committed):
        item = catalog["degas"]
        item.title = "Glacier Lake"
        with committed():
            item.save()
        assert ids(backend.search(SearchQuery(text="glacier"))) == [item.pk]
        assert ids(backend.search(SearchQuery(text="meadow"))) == []

    def test_rebuild_restores_the_index(self, backend, catalog):
        backend.clear()
        items = CatalogImage.objects.select_related("creator").order_by("pk")
        assert backend.rebuild(items.iterator(), items.count()) == 5
        assert set(ids(backend.search(SearchQuery(text="harbour")))) == {
            catalog["monet"].pk, catalog["holm"].pk, catalog["quay"].pk
        }  # fmt: skip
