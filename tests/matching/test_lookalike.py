"""The look-alike index: nearest by cosine above a floor, and in step across processes."""

import numpy as np
import pytest

from matching import store
from matching.lookalike import LookalikeIndex
from tests.images import encode, picture
from tests.lookalike_photos import cat_detail, jpeg, photo

pytestmark = pytest.mark.django_db


def test_nearest_is_most_similar_first_and_above_the_floor(make_item):
    cat = make_item(data=jpeg(photo("chelsea")))
    coffee = make_item(data=jpeg(photo("coffee")))
    index = LookalikeIndex()
    vector = store.load_embedding(cat.pk)
    found = index.nearest(vector, floor=0.0)
    assert [pk for pk, _ in found] == [cat.pk, coffee.pk] and found[0][1] > 0.99 > found[1][1]
    assert [pk for pk, _ in index.nearest(vector, floor=0.9)] == [cat.pk]
    assert index.nearest(vector, limit=0) == []


def test_another_process_sees_adds_and_removes(make_item, committed):
    other_process = LookalikeIndex()  # shares nothing but the database, as two gunicorn workers do
    assert other_process.count() == 0
    item = make_item(data=jpeg(cat_detail()))
    assert other_process.count() == 1
    with committed():
        item.delete()
    assert other_process.count() == 0
    make_item(data=encode(picture(200, 150, 4), "PNG"))
    assert len(other_process.nearest(np.ones(1280, np.float32) / np.sqrt(1280), floor=-1)) == 1
