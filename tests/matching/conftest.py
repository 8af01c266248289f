"""Fixtures of the matching tests."""

import functools

import numpy as np
import pytest

from matching.index import store
from tests.images import picture
from tests.lookalike_photos import photo
from tests.matching.remote import remote, second_likeness  # noqa: F401


@functools.cache
def embedded_pictures() -> np.ndarray:
    """The unit embeddings of 160 real pictures (generated and packaged photos), made once per test process."""
    from PIL import ImageOps

    from matching.embeddings.model import embedder, preprocess

    pictures = [picture(224, 224, seed) for seed in range(100)]
    for name in ("chelsea", "coffee", "rocket", "astronaut"):
        whole = photo(name)
        for step in range(15):  # crops and mirrors of one photo: many near neighbours, the hard case
            w, h = whole.size
            box = (step * w // 60, step * h // 80, w - step * w // 50, h - step * h // 70)
            crop = whole.crop(box)
            pictures.append(ImageOps.mirror(crop) if step % 2 else crop)
    vectors = np.stack([e.vector for e in embedder().embed_batch(np.stack([preprocess(p) for p in pictures]))])
    vectors.flags.writeable = False  # shared by every test of the process
    return vectors


@pytest.fixture
def embedded_catalog(db):
    """160 catalog rows whose stored embeddings come from real pictures (generated and packaged photos)."""
    from catalog.models import CatalogImage
    from matching.models import ImageEmbedding

    vectors = embedded_pictures()
    items = CatalogImage.objects.bulk_create(
        CatalogImage(title=f"row {n}", image=f"x{n}.png") for n in range(len(vectors))
    )
    for item, vector in zip(items, vectors, strict=True):
        store.save_embedding(item.pk, vector, ())
    assert ImageEmbedding.objects.count() == len(vectors)
    return np.array([item.pk for item in items]), vectors
