"""The behaviour suite on the Elasticsearch backend (osmem-server here, a real one with ELASTICSEARCH_URL)."""

import pytest

from search.backends import get_search_backend
from search.query import SearchQuery
from tests.search.backend_behaviour import BackendBehaviour

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

    def test_typos_are_forgiven(self, backend, catalog):
        # Fuzziness is Elasticsearch's alone; the database backend matches words and prefixes exactly.
        assert catalog["holm"].pk in [hit.item.pk for hit in backend.search(SearchQuery(text="harbuor lights")).hits]
