"""What every look-alike index must do, as one mixin (like ProviderBehaviour and BackendBehaviour).

Each index's test class mixes this in and configures its index in an autouse fixture, and gives
`another_process()`: an index of the same kind built anew, sharing nothing with the first but the
database and the index's own store, as two gunicorn workers do. The tests go through the calls the
product makes: items saved through ingest and indexed by the signals, `get_lookalike_index()`,
`update_index`.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from matching.index import store
from matching.index.background import draw
from matching.index.calibration import lookalikes
from matching.index.lookalike import BaseLookalikeIndex, get_lookalike_index
from matching.query import QueryImage
from matching.safety.imaging import load_image
from tests.lookalike_photos import cat_detail, jpeg, photo


@pytest.mark.django_db
class LookalikeBehaviour:
    def another_process(self) -> BaseLookalikeIndex:
        raise NotImplementedError

    def photos(self, make_item, *names: str) -> dict:
        return {name: make_item(title=name, data=jpeg(photo(name))) for name in names}

    def test_nearest_is_most_similar_first_and_above_the_floor(self, make_item):
        items = self.photos(make_item, "chelsea", "coffee")
        index = get_lookalike_index()
        vector = store.load_embedding(items["chelsea"].pk)
        found = index.nearest(vector, floor=0.0)
        assert [pk for pk, _ in found] == [items["chelsea"].pk, items["coffee"].pk]
        assert found[0][1] > 0.99 > found[1][1]
        assert [pk for pk, _ in index.nearest(vector, floor=0.9)] == [items["chelsea"].pk]
        assert index.nearest(vector, limit=0) == []

    def test_look_alikes_are_the_calibrated_choice_among_every_stored_picture(self, make_item):
        items = self.photos(make_item, "chelsea", "coffee", "rocket", "astronaut")
        vector = QueryImage(load_image(jpeg(cat_detail()))).embedding
        ids, vectors = next(store.iter_embeddings())
        found = get_lookalike_index().nearest(vector)
        assert found == lookalikes(vector, ids, vectors, draw(), limit=50)  # whichever index found the candidates
        assert [pk for pk, _ in found] == [items["chelsea"].pk]  # the others do not stand out

    def test_a_catalog_of_one_picture_finds_it_and_nothing_unlike_it(self, make_item):
        rocket = self.photos(make_item, "rocket")["rocket"]
        index = get_lookalike_index()
        assert [pk for pk, _ in index.nearest(store.load_embedding(rocket.pk))] == [rocket.pk]
        assert index.nearest(QueryImage(load_image(jpeg(photo("coffee")))).embedding) == []

    def test_candidates_come_from_the_index_own_search(self, make_item):
        items = self.photos(make_item, "chelsea", "coffee", "rocket")
        found = get_lookalike_index().candidates(store.load_embedding(items["rocket"].pk), 2)
        assert len(found) == 2 and found[0] == items["rocket"].pk

    def test_another_process_sees_adds_and_removes(self, make_item, committed):
        first = self.photos(make_item, "astronaut")["astronaut"]
        other = self.another_process()
        added = self.photos(make_item, "rocket")["rocket"]
        vector = store.load_embedding(added.pk)
        assert other.nearest(vector, limit=1, floor=0.9)[0][0] == added.pk
        assert other.count() == 2
        with committed():
            added.delete()
        assert [pk for pk, _ in other.nearest(vector, limit=5, floor=0.0)] == [first.pk]
        assert other.count() == 1

    def test_removing_an_unknown_picture_changes_nothing(self, make_item):
        self.photos(make_item, "coffee")
        index = get_lookalike_index()
        index.remove(10**9)
        assert index.count() == 1

    def test_update_index_rebuilds_it_from_the_stored_embeddings(self, make_item):
        items = self.photos(make_item, "chelsea", "coffee", "rocket")
        call_command("update_index", verbosity=0)
        index = get_lookalike_index()
        assert index.count() == 3
        assert index.nearest(store.load_embedding(items["coffee"].pk), limit=1)[0][0] == items["coffee"].pk
