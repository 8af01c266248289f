"""The behaviour suite on the database backend (SQLite FTS5 or PostgreSQL full text, by DATABASE_URL)."""

import pytest

from search.backends import get_search_backend
from tests.search.backend_behaviour import BackendBehaviour

pytestmark = pytest.mark.django_db


class TestDatabaseBackend(BackendBehaviour):
    @pytest.fixture
    def backend(self, settings):
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        return get_search_backend()
