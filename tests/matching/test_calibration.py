"""The look-alike choice calibrated per query (matching.index.calibration) and the catalog background it
compares with (matching.index.background): the rules on vectors built for each, then the background
drawn from the stored embeddings and kept in step with the change log."""

import numpy as np
import pytest

from matching.index import background as catalog_background
from matching.index import store
from matching.index.calibration import Background, Calibration, lookalikes, unit
from matching.index.lookalike_memory import MemoryLookalikeIndex
from matching.models import ImageEmbedding, IndexEvent

DIMENSIONS = 256


def axis(n: int) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, np.float32)
    vector[n] = 1.0
    return vector


def around(query: np.ndarray, cosines: list[float]) -> np.ndarray:
    """Pictures at exactly these cosines from `query` (an axis), each otherwise along an axis of its own."""
    return np.stack([c * query + np.sqrt(1 - c * c) * axis(10 + n) for n, c in enumerate(cosines)])


def test_a_query_as_like_every_picture_as_any_other_is_shown_nothing():
    query = axis(0)
    catalog = around(query, [0.6] * 200)
    found = lookalikes(query, np.arange(200), catalog, Background.of(catalog), limit=10)
    assert found == []  # nothing stands out, however high the cosine


def test_what_stands_out_from_the_catalog_is_shown_and_the_rest_is_not():
    query = axis(0)
    catalog = around(query, [0.2] * 20 + [0.55, 0.5])  # two look-alikes under today's 0.5 and 0.5 itself
    found = lookalikes(query, np.arange(22), catalog, Background.of(catalog), limit=10)
    assert [image_id for image_id, _ in found] == [20, 21]
    assert found[0][1] > found[1][1]


def test_a_catalog_of_one_picture_shows_it_for_itself_and_nothing_for_an_unrelated_query():
    picture = unit(np.arange(DIMENSIONS, dtype=np.float32))
    one = Background.of(picture[None])
    assert lookalikes(picture, np.array([7]), picture[None], one, limit=5) == [(7, pytest.approx(1.0, abs=1e-3))]
    unrelated = around(axis(0), [0.1])[0]
    assert lookalikes(axis(0), np.array([7]), unrelated[None], Background.of(unrelated[None]), limit=5) == []


def test_an_empty_catalog_or_background_answers_without_error():
    empty = Background.of(np.zeros((0, DIMENSIONS), np.float32))
    assert empty.pictures == 0 and empty.similarity(axis(0)) == pytest.approx(Calibration().prior_similarity)
    assert lookalikes(axis(0), np.array([], np.int64), np.zeros((0, DIMENSIONS)), empty, limit=5) == []
    # Candidates found before the background saw them (a catalog that just grew): the prior decides.
    assert [i for i, _ in lookalikes(axis(0), np.array([3]), axis(0)[None], empty, limit=5)] == [3]
    assert lookalikes(axis(0), np.array([3]), axis(0)[None], empty, limit=0) == []


def test_equal_scores_come_in_id_order_and_the_limit_holds():
    query = axis(0)
    catalog = np.concatenate([around(query, [0.2] * 20), np.stack([query] * 4)])
    ids = np.array([*range(100, 120), 9, 5, 7, 6])
    found = lookalikes(query, ids, catalog, Background.of(catalog), limit=3)
    assert [image_id for image_id, _ in found] == [5, 6, 7]


def test_the_values_are_fields_a_caller_may_pass():
    query = axis(0)
    catalog = around(query, [0.2] * 20 + [0.55, 0.5])
    strict = Calibration(gate=0.9)
    assert lookalikes(query, np.arange(22), catalog, Background.of(catalog, calibration=strict), limit=10,
                      calibration=strict) == []  # fmt: skip


# --- the background of the stored catalog -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_empty_catalog_has_no_look_alikes():
    assert MemoryLookalikeIndex().nearest(np.full(1280, 1 / np.sqrt(1280), np.float32)) == []
    assert catalog_background.draw().pictures == 0


@pytest.mark.django_db
def test_a_catalog_larger_than_the_sample_is_sampled_the_same_way_every_time(embedded_catalog):
    ids, vectors = embedded_catalog
    first, second = catalog_background.draw(size=40), catalog_background.draw(size=40)
    assert first.pictures == len(ids) and 20 <= len(first.sample) <= 40
    assert np.array_equal(first.sample, second.sample)  # every process draws the same sample
    assert np.allclose((first.sample @ vectors.T).max(axis=1), 1.0, atol=1e-3)  # each one a stored picture


@pytest.mark.django_db
def test_the_background_follows_the_change_log(embedded_catalog):
    ids, _ = embedded_catalog
    whole = catalog_background.CatalogBackground()
    assert whole.current().pictures == len(ids)  # a small catalog is read whole
    store.save_embedding(int(ids[0]), np.ones(1280, np.float32) / np.sqrt(1280), ())
    assert whole.current().pictures == len(ids)  # nothing logged: the same sample
    removed = [int(i) for i in ids[:3]]
    ImageEmbedding.objects.filter(image_id__in=removed).delete()
    for image_id in removed:
        store.record_change(image_id, IndexEvent.REMOVE)
    assert whole.current().pictures == len(ids) - 3  # logged: read again

    sampled = catalog_background.CatalogBackground(size=40)
    before = sampled.current()
    store.record_change(int(ids[5]), IndexEvent.ADD)
    assert sampled.current() is before  # one change in a sampled catalog of 157 moves nothing
    for image_id in ids[6:20]:
        store.record_change(int(image_id), IndexEvent.ADD)
    assert sampled.current() is not before  # 5% of it may have changed: sampled again
