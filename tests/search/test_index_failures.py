"""When the search backend is down, items are still saved, the failure is logged, and update_index repairs."""

import io
import logging
import socket

import pytest
from django.core.management import call_command

from catalog.models import CatalogImage
from search.query import SearchQuery
from search.service import search

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the socket closes


def test_an_unreachable_elasticsearch_loses_nothing(make_item, settings, caplog, elasticsearch_settings):
    live = dict(settings.LIKENESS_SEARCH_BACKENDS["default"])
    settings.LIKENESS_SEARCH_BACKENDS = {"default": {**live, "URLS": [f"http://127.0.0.1:{closed_port()}"]}}
    with caplog.at_level(logging.ERROR, logger="search.tasks"):
        item = make_item(title="Harbour in Fog")
    assert CatalogImage.objects.filter(pk=item.pk).exists()
    assert "Could not index item" in caplog.text and "update_index" in caplog.text
    settings.LIKENESS_SEARCH_BACKENDS = {"default": live}  # Elasticsearch is back
    assert search(SearchQuery(text="fog")).total == 0
    call_command("update_index", verbosity=0, stdout=io.StringIO())
    assert [hit.item.pk for hit in search(SearchQuery(text="fog")).hits] == [item.pk]
