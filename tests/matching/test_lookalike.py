"""The in-memory look-alike index: the behaviour every index has, then its compressed codes and inverted lists."""

import numpy as np
import pytest

from matching.index import store
from matching.index.lookalike_memory import MemoryLookalikeIndex as LookalikeIndex
from tests.matching.lookalike_behaviour import LookalikeBehaviour

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class TestMemoryLookalikeIndex(LookalikeBehaviour):
    @pytest.fixture(autouse=True)
    def memory(self, settings):
        settings.LIKENESS_LOOKALIKE_INDEXES = {"default": {"BACKEND": "matching.index.lookalike_memory"}}

    def another_process(self):
        return LookalikeIndex()


def test_adds_load_nothing_the_first_answer_loads_everything(embedded_catalog):
    ids, vectors = embedded_catalog
    index = LookalikeIndex()
    index.add(int(ids[0]), vectors[0])  # what the indexing tasks call: the change log does the work
    assert index.memory_bytes() == 0
    assert index.count() == len(ids)  # the first answer loads everything


def test_the_compressed_scan_with_an_exact_rerank_agrees_with_exact_search(embedded_catalog):
    ids, vectors = embedded_catalog
    index = LookalikeIndex()
    exact = vectors @ vectors.T
    agreement = []
    for row in range(len(vectors)):
        # Rerank only 2x the answer, out of 160: the scan must be good.
        found = [pk for pk, _ in index.nearest(vectors[row], limit=10, floor=-1, rerank=20)]
        truth = ids[np.argsort(-exact[row], kind="stable")[:10]]
        agreement.append(len(set(found) & set(truth.tolist())) / 10)
    assert np.mean(agreement) >= 0.95
    assert index.memory_bytes() / index.count() <= 264  # 256 code bytes and an 8-byte id per image


def test_a_changed_image_is_replaced_not_duplicated(embedded_catalog):
    ids, vectors = embedded_catalog
    index = LookalikeIndex()
    assert index.count() == len(ids)
    store.save_embedding(int(ids[0]), vectors[1], ())  # the first image now looks like the second
    index.load_ids([int(ids[0])])
    assert index.count() == len(ids)
    assert {pk for pk, _ in index.nearest(vectors[1], limit=2, floor=0.99)} == {int(ids[0]), int(ids[1])}
    index.drop_id(int(ids[0]))
    assert index.count() == len(ids) - 1


def test_a_large_catalog_is_searched_through_inverted_lists_that_still_find_near_copies(embedded_catalog, monkeypatch):
    import faiss

    import matching.index.lookalike_memory as lookalike

    ids, vectors = embedded_catalog
    monkeypatch.setattr(lookalike, "IVF_FROM", 100)  # 160 images count as large here
    monkeypatch.setattr(lookalike, "TRAIN_PER_LIST", 4)  # 25 lists, trained on the first 100 codes
    index = LookalikeIndex()
    index.load_all()
    assert isinstance(index.index, faiss.IndexIVF) and index.count() == len(ids)
    rng = np.random.default_rng(3)
    for row in range(0, len(vectors), 8):  # a near copy of a catalog picture finds it first
        near = vectors[row] + rng.normal(0, 0.01, vectors.shape[1]).astype(np.float32)
        assert index.nearest(near / np.linalg.norm(near), limit=1, floor=0.9)[0][0] == ids[row]
    index.drop_id(int(ids[0]))  # and it follows removals and changes like the flat one
    assert index.count() == len(ids) - 1 and int(ids[0]) not in [pk for pk, _ in index.nearest(vectors[0], floor=0.9)]
    store.save_embedding(int(ids[2]), vectors[3], ())
    index.load_ids([int(ids[2])])
    assert {pk for pk, _ in index.nearest(vectors[3], limit=2, floor=0.99)} == {int(ids[2]), int(ids[3])}


def test_an_index_of_images_without_stored_embeddings_finds_nothing_rather_than_failing(embedded_catalog):
    from matching.models import ImageEmbedding

    ids, vectors = embedded_catalog
    index = LookalikeIndex()
    index.load_all()  # loaded while the embeddings were there ...
    ImageEmbedding.objects.filter(image_id__in=[int(i) for i in ids]).update(version=0)  # ... now stale
    assert index.nearest_many(vectors[:3], limit=5, floor=-1) == [[], [], []]
