"""A frozen Elasticsearch node (SIGSTOP: connections are accepted, nothing is answered) must not stall the site.

Searches wait at most one request timeout for their 503, then answer at once while the breaker is
open; pages that need no search stay up; writes made meanwhile are queued and reach the index once
the node answers again. Runs against a dedicated osmem-server that the test stops and continues.
"""

import os
import signal
import time

import pytest
from django.utils import timezone

from catalog.models import CatalogImage
from search.backends import get_search_backend
from search.query import SearchQuery
from search.tasks import index_image
from tests.conftest import token_header, upload
from tests.images import encode, picture
from tests.search.elastic import JsonNode
from tests.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]
TIMEOUT = 1


@pytest.fixture
def node(settings):
    """A dedicated osmem-server the test can freeze and thaw; the search backend points at it."""
    if os.environ.get("ELASTICSEARCH_URL"):
        pytest.skip("Freezing a real Elasticsearch is not this suite's to do; osmem-server stands in here.")
    from osmem_server import OsmemServer

    port = free_port()
    server = OsmemServer.start(japanese=False, addr=f"127.0.0.1:{port}")
    settings.LIKENESS = {**settings.LIKENESS, "ELASTICSEARCH_SECONDS": TIMEOUT, "ELASTICSEARCH_RETRY_SECONDS": 60}
    settings.LIKENESS_SEARCH_BACKENDS = {"default": {
        "BACKEND": "search.backends.elasticsearch", "URLS": [f"http://127.0.0.1:{port}"], "INDEX": "likeness",
        "OPTIONS": {"node_class": JsonNode}, "REFRESH": True,
    }}  # fmt: skip

    class Node:
        def freeze(self):
            os.kill(server.pid, signal.SIGSTOP)

        def thaw(self):
            os.kill(server.pid, signal.SIGCONT)

    try:
        yield Node()
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.close()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_searches_answer_503_within_the_timeout_then_at_once_and_the_site_stays_up(node, client, make_item):
    item = make_item(seed=1, title="Harbour in fog")
    assert client.get("/api/v1/search/", {"q": "harbour"}).json()["count"] == 1
    node.freeze()

    first, took = timed(lambda: client.get("/api/v1/search/", {"q": "harbour"}))
    assert first.status_code == 503 and "Elasticsearch" in first.json()["detail"]
    assert took < TIMEOUT + 1  # one request timeout, no retry of a request that timed out

    page, took = timed(lambda: client.get("/", {"q": "harbour"}))
    assert page.status_code == 503 and b"Elasticsearch" in page.content
    assert took < TIMEOUT / 2  # the breaker is open: no second wait on the frozen node

    again, took = timed(lambda: client.get("/api/v1/search/", {"q": "fog"}))
    assert again.status_code == 503 and took < TIMEOUT / 2
    assert client.get(f"/items/{item.pk}/").status_code == 200  # pages that need no search stay up


def test_the_breaker_lets_one_request_through_after_its_wait_and_closes_on_success(node, client, make_item, settings):
    make_item(seed=1, title="Harbour in fog")
    node.freeze()
    assert client.get("/api/v1/search/", {"q": "harbour"}).status_code == 503
    node.thaw()
    assert client.get("/api/v1/search/", {"q": "harbour"}).status_code == 503  # still open: not asked yet
    settings.LIKENESS = {**settings.LIKENESS, "ELASTICSEARCH_RETRY_SECONDS": 0.2}
    get_search_backend().client.transport.breaker.trip(TimeoutError("frozen"))  # reopen with the short wait
    time.sleep(0.3)
    assert client.get("/api/v1/search/", {"q": "harbour"}).json()["count"] == 1
    assert client.get("/api/v1/search/", {"q": "fog"}).json()["count"] == 1


def test_writes_made_while_the_node_is_frozen_reach_the_index_once_it_returns(
    node, client, staff_user, settings, committed
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS = {**settings.JOBS, "BACKEND": "default"}  # one queue for both, as with TASKS_BACKEND=database
    node.freeze()
    image = upload("lighthouse.png", encode(picture(320, 240, 9), "PNG"), "image/png")
    with committed():
        created, took = timed(
            lambda: client.post(
                "/api/v1/items/",
                {"image": image, "title": "Lighthouse at dusk", "status": "published"},
                **token_header(staff_user),
            )
        )
    assert created.status_code == 201 and took < TIMEOUT  # queued: the request does not wait on the node
    item = CatalogImage.objects.get(title="Lighthouse at dusk")

    queued = DBTaskResult.objects.get(status="READY")
    assert queued.args_kwargs["args"] == [item.pk]
    # Run as the worker would (its command closes the test's database connection on PostgreSQL).
    started = time.monotonic()
    index_image.call(*queued.args_kwargs["args"])  # the worker meets the frozen node
    assert time.monotonic() - started < TIMEOUT + 1
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get(task_path="search.tasks.index_image")
    assert retry.args_kwargs["args"] == [item.pk, 1] and retry.run_after > timezone.now()

    node.thaw()
    get_search_backend().client.transport.breaker.close()  # the retry's wait has passed
    index_image.call(*retry.args_kwargs["args"])
    assert [hit.item.pk for hit in get_search_backend().search(SearchQuery(text="lighthouse")).hits] == [item.pk]
