"""The ProviderBehaviour suite on each provider: the hash provider over both of its candidate sources (the
hash table in memory, the default; Elasticsearch's chunk terms, on osmem-server), and remote against a
second Likeness."""

import pytest

from tests.matching.provider_behaviour import ProviderBehaviour
from tests.matching.test_chunked_provider import chunked  # noqa: F401 - a fixture
from tests.search.elastic import elasticsearch_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow


class TestLocalProvider(ProviderBehaviour):
    """The default settings: the hash table in memory."""


class TestChunkTermProvider(ProviderBehaviour):
    @pytest.fixture(autouse=True)
    def provider(self, chunked):  # noqa: F811 - the fixture imported above
        """The same hash provider, finding its candidates among Elasticsearch's chunk terms."""
        return chunked


class TestRemoteProvider(ProviderBehaviour):
    @pytest.fixture(autouse=True)
    def provider(self, remote):
        """The remote provider, talking to a second, emptied Likeness on loopback."""
        return remote
