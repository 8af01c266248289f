"""The scaled-out match provider: window keys as chunk terms in Elasticsearch, no index in any process.

Runs against osmem-server (an in-memory OpenSearch-compatible test server from PyPI), or against a
real Elasticsearch when ELASTICSEARCH_URL is set (tests/search/elastic.py).
"""

import base64
import uuid

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from matching.algorithms.hashindex import HashIndex
from matching.index.hashes_elastic import ElasticsearchHashCandidates, document
from matching.providers import get_provider, reset_providers
from matching.providers.chunked import ChunkTermProvider
from tests.conftest import upload
from tests.images import encode, picture
from tests.matching.test_local_provider import query
from tests.search.elastic import elasticsearch_server  # noqa: F401 - a fixture
from tests.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
STAFF = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"staff:pw").decode()}  # the staff_user fixture's login


def use_chunked(settings, url: str, options: dict, index: str) -> None:
    settings.LIKENESS_MATCH_PROVIDERS = {"default": {
        "BACKEND": "matching.providers.chunked", "URLS": [url], "INDEX": index, "OPTIONS": options, "REFRESH": True,
    }}  # fmt: skip
    reset_providers()


@pytest.fixture
def chunked(settings, elasticsearch_server):  # noqa: F811 - the fixture imported above
    url, options = elasticsearch_server
    index = f"likeness-keys-test-{uuid.uuid4().hex[:12]}"
    use_chunked(settings, url, options, index)
    yield get_provider()
    from elasticsearch import Elasticsearch

    with Elasticsearch(url, **options) as client:
        client.options(ignore_status=404).indices.delete(index=index)


@pytest.fixture
def catalog(chunked, make_item):
    items = [make_item(seed=s, width=640, height=480, data=encode(picture(640, 480, s), "PNG")) for s in range(6)]
    return chunked, items


def ids(matches) -> list[int]:
    return [match.image_id for match in matches]


def test_copies_are_found_through_elasticsearch_with_no_index_in_memory(catalog):
    provider, items = catalog
    assert isinstance(provider, ChunkTermProvider) and isinstance(provider.source, ElasticsearchHashCandidates)
    assert not any(isinstance(value, HashIndex) for value in vars(provider).values())
    assert provider.count() == 6
    original = picture(640, 480, 2)
    assert ids(provider.match(query(original)))[:1] == [items[2].pk]
    assert provider.match(query(original))[0].score == 100
    smaller = original.resize((320, 240), Image.Resampling.LANCZOS)
    assert ids(provider.match(query(smaller, quality=60)))[:1] == [items[2].pk]
    turned = original.transpose(Image.Transpose.ROTATE_90)
    assert ids(provider.match(query(turned)))[:1] == [items[2].pk]
    cropped = original.crop((32, 24, 608, 456))  # 5% off every side
    assert ids(provider.match(query(cropped)))[:1] == [items[2].pk]
    assert provider.match(query(picture(640, 480, 99))) == []


def test_another_process_sees_adds_and_removes_at_once(catalog, make_item, committed, settings, elasticsearch_server):  # noqa: F811
    provider, items = catalog
    url, options = elasticsearch_server
    other = ChunkTermProvider(URLS=[url], INDEX=provider.source.name, OPTIONS=options, REFRESH=True)
    added = make_item(seed=42, width=640, height=480, data=encode(picture(640, 480, 42), "PNG"))
    assert ids(other.match(query(picture(640, 480, 42)))) == [added.pk]
    with committed():
        items[0].delete()
    assert other.match(query(picture(640, 480, 0))) == [] and other.count() == 6


def test_update_index_rebuilds_the_documents_from_the_stored_fingerprints(catalog):
    provider, items = catalog
    provider.source.client.indices.delete(index=provider.source.name)
    assert provider.count() == 0 and provider.match(query(picture(640, 480, 4))) == []
    call_command("update_index", verbosity=0)
    assert provider.count() == 6
    assert ids(provider.match(query(picture(640, 480, 4)))) == [items[4].pk]


def test_rest_search_answers_with_the_elasticsearch_provider(catalog, staff_user, client):
    _provider, items = catalog
    response = client.post("/rest/search/", {"image": upload("q.jpg", encode(picture(640, 480, 3), "JPEG"))},
                           **STAFF)  # fmt: skip
    assert response.status_code == 200
    assert [row["filepath"] for row in response.json()["result"]] == [items[3].identifier]


def test_an_unreachable_elasticsearch_is_a_503_with_a_reason(db, settings, staff_user, client):
    use_chunked(settings, f"http://127.0.0.1:{free_port()}", {"max_retries": 0, "request_timeout": 2}, "nowhere")
    response = client.post("/rest/search/", {"image": upload("q.jpg", encode(picture(640, 480, 3), "JPEG"))},
                           **STAFF)  # fmt: skip
    assert response.status_code == 503
    assert "Elasticsearch" in " ".join(response.json()["error"])


def test_a_document_keeps_what_verification_needs():
    keys = np.array([2**64 - 1, 12345, 2**63], dtype=np.uint64)
    hashes = np.arange(12, dtype=np.uint64).reshape(3, 4) * np.uint64(2**61)
    made = document(keys, hashes, np.array([True, False, True]), fine=True)
    assert made["valid"] == 0b101 and made["fine"] is True
    assert len(made["c0"]) == 2  # the unusable window gives no terms
    from matching.index.hashes_elastic import _parse

    back_keys, back_hashes, back_valid, fine = _parse(made)
    assert (back_keys == keys).all() and (back_hashes == hashes).all() and back_valid.tolist() == [True, False, True]
    assert fine


def test_load_indexes_leaves_the_elasticsearch_provider_without_an_index_in_memory(catalog, settings, tmp_path):
    from io import StringIO

    provider, _items = catalog
    settings.LIKENESS = {**settings.LIKENESS, "INDEX_DIR": str(tmp_path / "index")}
    output = StringIO()
    call_command("load_indexes", stdout=output)
    assert "match index" not in output.getvalue() and "look-alike index" in output.getvalue()
    assert not provider.load() and provider.loaded_from == ""  # nothing to load: the documents are the index
    assert isinstance(get_provider().source, ElasticsearchHashCandidates)
