"""Fixtures shared by the search tests."""

from tests.search.backend_behaviour import catalog  # noqa: F401
from tests.search.elastic import elasticsearch_server, elasticsearch_settings  # noqa: F401
