"""The behaviour suite on the Elasticsearch backend (osmem-server here, a real one with ELASTICSEARCH_URL)."""

import os

import pytest
from django.core.management import call_command

from matching.errors import BackendError
from search.backends import get_search_backend
from search.query import SearchQuery
from tests.search.backend_behaviour import BackendBehaviour
from tests.search.elastic import JsonNode
from tests.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]


class TestElasticsearchBackend(BackendBehaviour):
    @pytest.fixture
    def backend(self, elasticsearch_settings):
        return get_search_backend()

    def test_a_rebuild_swaps_the_alias_to_a_new_index(self, backend, catalog):
        before = set(backend.client.indices.get_alias(name=backend.alias))
        from catalog.models import CatalogImage

        items = CatalogImage.objects.select_related("creator").order_by("pk")
        backend.rebuild(items.iterator(), items.count())
        after = set(backend.client.indices.get_alias(name=backend.alias))
        assert after and not (before & after)
        assert backend.search(SearchQuery(text="meadow")).total == 1

    def test_every_field_searched_for_words_is_stemmed_and_folded(self, backend, catalog):
        from search.backends.elasticsearch import FIELDS, SUGGESTED_FIELDS

        for body in backend.client.indices.get_mapping(index=backend.alias).values():
            properties = body["mappings"]["properties"]
            assert {properties[field.split("^")[0]]["analyzer"] for field in FIELDS + SUGGESTED_FIELDS} == {
                "folded_english"
            }


@pytest.fixture
def restartable(settings, tmp_path):
    """A dedicated osmem-server that a test can stop and start again, empty, on the same address."""
    if os.environ.get("ELASTICSEARCH_URL"):
        pytest.skip("Restarting a real Elasticsearch is not this suite's to do; osmem-server stands in here.")
    from osmem_server import OsmemServer

    port = free_port()
    state = {"server": OsmemServer.start(japanese=False, addr=f"127.0.0.1:{port}")}

    def stop():
        state["server"].close()

    def start():
        state["server"] = OsmemServer.start(japanese=False, addr=f"127.0.0.1:{port}")

    settings.LIKENESS_SEARCH_BACKENDS = {"default": {
        "BACKEND": "search.backends.elasticsearch", "URLS": [f"http://127.0.0.1:{port}"], "INDEX": "likeness",
        "OPTIONS": {"node_class": JsonNode, "max_retries": 0, "request_timeout": 2}, "REFRESH": True,
    }}  # fmt: skip
    # The breaker (tests/search/test_frozen_elasticsearch.py) would hold the restarted node back: here it
    # opens for no time, so the first request after the restart reaches it.
    settings.LIKENESS = {**settings.LIKENESS, "ELASTICSEARCH_RETRY_SECONDS": 0}
    yield stop, start
    state["server"].close()


def test_search_recovers_by_itself_after_elasticsearch_restarts_empty(restartable, make_item, committed):
    stop, start = restartable
    backend = get_search_backend()
    first = make_item(seed=1, title="Harbour before the outage")
    assert backend.search(SearchQuery(text="harbour")).total == 1
    stop()
    with committed():  # written during the outage: saved, not indexed, and a clean 503 for searches
        during = make_item(seed=2, title="Harbour during the outage")
    with pytest.raises(BackendError):
        backend.search(SearchQuery(text="harbour"))
    start()  # empty: no alias, no index
    after = make_item(seed=3, title="Harbour after the outage")  # a write must not create an index itself
    mapping = backend.client.indices.get_mapping(index=backend.alias)
    assert all(body["mappings"]["properties"]["title"]["type"] == "text" for body in mapping.values())
    assert [hit.item.pk for hit in backend.search(SearchQuery(text="harbour")).hits] == [after.pk]
    call_command("update_index", verbosity=0)  # the documented recovery: everything is back
    assert {hit.item.pk for hit in backend.search(SearchQuery(text="harbour")).hits} == {first.pk, during.pk, after.pk}


def test_update_index_replaces_an_index_a_write_created_under_the_alias_name(elasticsearch_settings, make_item):
    backend = get_search_backend()
    item = make_item(seed=4, title="Lighthouse")
    backend.client.indices.delete(index=f"{backend.alias}-*")
    backend.client.index(index=backend.alias, id="999", document={"title": 1})  # dynamic mappings, as old clients did
    call_command("update_index", verbosity=0)
    assert backend.client.indices.exists_alias(name=backend.alias)
    assert [hit.item.pk for hit in backend.search(SearchQuery(text="lighthouse")).hits] == [item.pk]
