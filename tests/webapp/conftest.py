"""Fixtures shared by the tests of the HTTP surfaces."""

from tests.search.backend_behaviour import catalog  # noqa: F401
