"""Fixtures shared by the tests of the HTTP surfaces."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tests.search.backend_behaviour import catalog  # noqa: F401


@pytest.fixture
def site_defaults(db):
    """The identity and footer pages a new site starts with, as migration 0002 writes them (a test that flushed
    the database, as browser tests do, leaves none behind)."""
    importlib.import_module("webapp.identity.migrations.0002_default_identity").create(apps, None)
