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
    assert f"Could not index item {item.pk} in search backend default" in caplog.text
    assert "until `manage.py update_index` runs" in caplog.text
    settings.LIKENESS_SEARCH_BACKENDS = {"default": live}  # Elasticsearch is back
    assert search(SearchQuery(text="fog")).total == 0
    call_command("update_index", verbosity=0, stdout=io.StringIO())
    assert [hit.item.pk for hit in search(SearchQuery(text="fog")).hits] == [item.pk]


def test_with_the_database_queue_a_failed_index_is_retried_later(make_item, settings, elasticsearch_settings):
    from django_tasks_db.models import DBTaskResult

    live = dict(settings.LIKENESS_SEARCH_BACKENDS["default"])
    settings.LIKENESS_SEARCH_BACKENDS = {"default": {**live, "URLS": [f"http://127.0.0.1:{closed_port()}"]}}
    item = make_item(title="Harbour in Rain")  # indexed at once (immediate backend), and fails
    from search.tasks import index_image

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    index_image.using(backend="default").call(item.pk)  # run as the worker would, with a deferring queue
    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["args"] == [item.pk, 1]
    assert retry.run_after is not None


def test_a_batch_that_cannot_be_indexed_falls_back_to_each_item_and_loses_nothing(
    tmp_path, settings, caplog, committed, elasticsearch_settings
):
    """A bulk import indexes its batch in one write; when that fails, every item gets its own task."""
    from tests.images import image_bytes

    for n in range(3):
        (tmp_path / f"fog-{n}.png").write_bytes(image_bytes("PNG", 320, 240, 70 + n))
    live = dict(settings.LIKENESS_SEARCH_BACKENDS["default"])
    settings.LIKENESS_SEARCH_BACKENDS = {"default": {**live, "URLS": [f"http://127.0.0.1:{closed_port()}"]}}
    with caplog.at_level(logging.ERROR, logger="search.tasks"), committed():
        call_command("import_catalog", str(tmp_path), "--workers", "1", "--publish", verbosity=0, stdout=io.StringIO())
    ids = sorted(CatalogImage.objects.values_list("pk", flat=True))
    assert len(ids) == 3
    assert f"Could not index items {ids[0]}-{ids[-1]} in search backend default" in caplog.text
    for pk in ids:  # then one by one, each with index_image's own retries and its final word
        assert f"Could not index item {pk} in search backend default" in caplog.text
    settings.LIKENESS_SEARCH_BACKENDS = {"default": live}
    call_command("update_index", verbosity=0, stdout=io.StringIO())
    assert sorted(hit.item.pk for hit in search(SearchQuery(text="fog")).hits) == ids
