"""What every match provider must do, as one mixin (like BackendBehaviour for the search backends).

Each provider's test class mixes this in and sets the provider up in an autouse fixture; the tests
go through the same calls the product makes (catalog items indexed by the signals, `match_image`,
`compare_images`, `rebuild` with the catalog's entries) and decode real images made in code.
"""

from __future__ import annotations

import pytest

from catalog.models import CatalogImage
from matching.providers import compare_images, get_provider, match_image
from search.tasks import catalog_entries
from tests.images import as_query, encode, picture


def png(seed: int, width: int = 640, height: int = 480) -> bytes:
    return encode(picture(width, height, seed), "PNG")


def edited(seed: int) -> bytes:
    """A copy cropped a little, made smaller and saved as a lossy JPEG."""
    return encode(picture(640, 480, seed).crop((20, 15, 620, 465)).resize((480, 360)), "JPEG", quality=80)


@pytest.mark.django_db
class ProviderBehaviour:
    def test_an_edited_copy_finds_its_item(self, make_item):
        items = [make_item(seed=seed, data=png(seed)) for seed in (31, 32)]
        matches = match_image(as_query(edited(31)))
        assert [m.image_id for m in matches] == [items[0].pk]
        assert 0 < matches[0].score <= 100

    def test_an_unrelated_picture_matches_nothing(self, make_item):
        for seed in (33, 34):
            make_item(seed=seed, data=png(seed))
        assert match_image(as_query(png(35))) == []

    def test_limit_and_min_score_narrow_the_matches(self, make_item):
        make_item(seed=36, data=png(36))
        assert match_image(as_query(edited(36)), min_score=100) == []  # an edited copy scores below 100
        assert match_image(as_query(edited(36)), limit=0) == []
        assert len(match_image(as_query(edited(36)), limit=1)) == 1

    def test_count_follows_adds_and_removes(self, make_item, committed):
        items = [make_item(seed=seed, data=png(seed)) for seed in (37, 38)]
        assert get_provider().count() == 2
        with committed():
            items[0].delete()
        assert get_provider().count() == 1
        assert match_image(as_query(edited(37))) == []

    def test_compare_says_whether_two_images_are_one_picture(self):
        same = compare_images(as_query(edited(39)), as_query(png(39)))
        assert same is not None and same.image_id == 0 and 0 < same.score <= 100
        assert compare_images(as_query(png(40)), as_query(png(39))) is None

    def test_rebuild_makes_the_index_hold_exactly_the_catalog(self, make_item):
        kept, dropped = make_item(seed=41, data=png(41)), make_item(seed=42, data=png(42))
        CatalogImage.objects.filter(pk=dropped.pk).delete()  # never committed: the index still holds it
        assert get_provider().rebuild(catalog_entries) == 1
        assert get_provider().count() == 1
        assert [m.image_id for m in match_image(as_query(edited(41)))] == [kept.pk]
