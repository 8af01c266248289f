"""The batch index task (a bulk import's): current fingerprints are read in bulk, the others made first."""

import pytest

from matching.index import store
from matching.models import ImageEmbedding, ImageFingerprint
from matching.providers import get_provider
from matching.query import QueryImage
from matching.safety.imaging import load_image
from search.tasks import index_images

pytestmark = pytest.mark.django_db


def test_a_batch_remakes_what_is_missing_or_stale_and_indexes_every_item(make_item):
    current, no_embedding, stale = (make_item(seed=s, fmt="PNG") for s in (81, 82, 83))
    provider = get_provider()
    for item in (current, no_embedding, stale):
        provider.remove(item.pk)  # out of the match index, so the task must put each back
    ImageEmbedding.objects.filter(image_id=no_embedding.pk).delete()  # fingerprinted before look-alikes
    ImageFingerprint.objects.filter(image_id=stale.pk).update(version=store.VERSION - 1)  # an older algorithm
    kept = ImageFingerprint.objects.get(image_id=current.pk).updated_at
    index_images.call([current.pk, no_embedding.pk, stale.pk])
    assert store.has_embedding(no_embedding.pk)
    assert store.load_current(stale.pk, stale.sha256) is not None
    assert ImageFingerprint.objects.get(image_id=current.pk).updated_at == kept  # read, not made again
    for item in (current, no_embedding, stale):
        with item.image.open("rb") as handle:
            assert [match.image_id for match in provider.match(QueryImage(load_image(handle.read())))][:1] == [item.pk]
