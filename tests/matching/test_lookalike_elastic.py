"""The scaled-out look-alike index: embeddings as `dense_vector` fields in Elasticsearch, found by kNN search.

osmem-server, the suite's stand-in for Elasticsearch, has neither `dense_vector` nor `knn` and refuses
both. Against it these tests check what a user and staff get from a server that cannot hold the
vectors: a clear reason, and nothing lost. The searching itself runs only when ELASTICSEARCH_URL points
at a real Elasticsearch, and is skipped with that reason otherwise.
"""

import logging
import os
import uuid

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from catalog.models import CatalogImage
from matching.embeddings.model import projection
from matching.index import store
from matching.index.lookalike import get_lookalike_index, reset_lookalike_indexes
from matching.index.lookalike_elastic import ElasticsearchLookalikeIndex, document, knn
from matching.index.lookalike_memory import MemoryLookalikeIndex
from tests.conftest import upload
from tests.corpus import sample_photo
from tests.images import encode
from tests.matching.lookalike_behaviour import LookalikeBehaviour
from tests.search.elastic import elasticsearch_server  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
REAL = bool(os.environ.get("ELASTICSEARCH_URL"))
needs_knn = pytest.mark.skipif(
    not REAL,
    reason="osmem-server has no dense_vector or kNN search: these need ELASTICSEARCH_URL (a real Elasticsearch)",
)
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera")


@pytest.fixture
def looks(settings, elasticsearch_server):  # noqa: F811 - the fixture imported above
    url, options = elasticsearch_server
    name = f"likeness-looks-test-{uuid.uuid4().hex[:12]}"
    settings.LIKENESS_LOOKALIKE_INDEXES = {"default": {
        "BACKEND": "matching.index.lookalike_elastic", "URLS": [url], "INDEX": name, "OPTIONS": options,
        "REFRESH": True,
    }}  # fmt: skip
    reset_lookalike_indexes()
    yield get_lookalike_index()
    reset_lookalike_indexes()
    from elasticsearch import Elasticsearch

    with Elasticsearch(url, **options) as client:
        client.options(ignore_status=404).indices.delete(index=name)


def photo_item(make_item, name: str) -> CatalogImage:
    return make_item(title=f"Photo {name}", data=encode(sample_photo(name), "PNG"))


def test_the_setting_chooses_elasticsearch_and_nothing_is_held_in_memory(looks):
    assert isinstance(looks, ElasticsearchLookalikeIndex)
    assert looks.memory_bytes() == 0 and not looks.load()


def test_the_knn_search_asks_for_the_projected_vector_and_enough_candidates():
    vector = np.random.default_rng(1).normal(size=1280).astype(np.float32)
    vector /= np.linalg.norm(vector)
    asked = knn(vector, 200)
    assert asked["field"] == "embedding" and asked["k"] == 200 and asked["num_candidates"] >= 200
    sent = np.array(asked["query_vector"])
    assert sent.shape == (256,) and np.allclose(sent, projection() @ vector, atol=1e-5)  # the in-memory codes' axes
    assert document(vector)["embedding"] == asked["query_vector"]


@pytest.mark.skipif(REAL, reason="checks how a server without kNN is met: osmem-server refuses dense_vector")
def test_a_server_without_knn_loses_no_picture_and_says_why(looks, make_item, client, caplog):
    with caplog.at_level(logging.ERROR, logger="search.tasks"):
        item = photo_item(make_item, "chelsea")
    assert CatalogImage.objects.filter(pk=item.pk).exists() and store.load_embedding(item.pk) is not None
    assert "look-alike index in Elasticsearch cannot answer" in caplog.text
    assert client.get("/api/v1/search/", {"q": "chelsea"}).json()["results"][0]["id"] == item.pk  # words still work
    response = client.post("/api/v1/search/", {"image": upload("q.jpg", encode(sample_photo("cat"), "JPEG")),
                                               "kind": "similar"})  # fmt: skip
    assert response.status_code == 503
    assert "look-alike index in Elasticsearch" in response.json()["detail"]
    with pytest.raises(CommandError, match="look-alike index was not rebuilt"):
        call_command("update_index", verbosity=0)


@needs_knn
def test_look_alikes_come_from_elasticsearch_as_the_memory_index_ranks_them(looks, make_item):
    items = {name: photo_item(make_item, name) for name in PHOTOS}
    assert looks.count() == len(PHOTOS)
    query = store.load_embedding(items["chelsea"].pk)
    found = looks.nearest(query, limit=5, floor=0.0)
    assert found[0] == (items["chelsea"].pk, pytest.approx(1.0, abs=1e-3))
    assert found == MemoryLookalikeIndex().nearest(query, limit=5, floor=0.0)
    assert all(similarity >= 0.5 for _, similarity in looks.nearest(query, limit=5, floor=0.5))
    assert looks.nearest(query) == MemoryLookalikeIndex().nearest(query)  # the calibrated choice too


@needs_knn
class TestElasticsearchLookalikeIndex(LookalikeBehaviour):
    @pytest.fixture(autouse=True)
    def index(self, looks):
        self.name = looks.name

    def another_process(self):
        return ElasticsearchLookalikeIndex(URLS=[os.environ["ELASTICSEARCH_URL"]], INDEX=self.name, REFRESH=True)
