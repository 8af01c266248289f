"""Test fixtures for the Elasticsearch backend.

Without ELASTICSEARCH_URL the backend runs against osmem-server (an in-memory OpenSearch-compatible
server from PyPI). Our client reaches it through JsonNode, which sends plain application/json
instead of the client's versioned media type and marks answers as Elasticsearch's (the client
refuses other products). Nothing in the product changes for it; with ELASTICSEARCH_URL set, the
same tests run against a real Elasticsearch with the ordinary node.
"""

from __future__ import annotations

import os
import uuid

import pytest
from elastic_transport import HttpHeaders, Urllib3HttpNode


class JsonNode(Urllib3HttpNode):
    def perform_request(self, method, target, body=None, headers=None, request_timeout=None, **kwargs):
        headers = HttpHeaders(headers or {})
        for name in ("accept", "content-type"):
            if name in headers:
                headers[name] = "application/json"
        response = super().perform_request(method, target, body=body, headers=headers,
                                           request_timeout=request_timeout, **kwargs)  # fmt: skip
        response.meta.headers["x-elastic-product"] = "Elasticsearch"
        return response


@pytest.fixture(scope="session")
def elasticsearch_server():
    """(url, client options) of a real Elasticsearch, or of a session-wide osmem-server."""
    if os.environ.get("ELASTICSEARCH_URL"):
        yield os.environ["ELASTICSEARCH_URL"], {}
        return
    from osmem_server import OsmemError, OsmemServer

    try:
        server = OsmemServer.start(japanese=False)
    except OsmemError as exc:
        pytest.skip(f"osmem-server cannot start here: {exc}")
    with server:
        yield server.url, {"node_class": JsonNode}


@pytest.fixture
def elasticsearch_settings(elasticsearch_server, settings):
    """Point the default search backend at a fresh index of its own, deleted afterwards."""
    url, options = elasticsearch_server
    index = f"likeness-test-{uuid.uuid4().hex[:12]}"
    settings.LIKENESS_SEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.elasticsearch", "URLS": [url], "INDEX": index,
                    "OPTIONS": options, "REFRESH": True},
    }  # fmt: skip
    yield settings.LIKENESS_SEARCH_BACKENDS["default"]
    from elasticsearch import Elasticsearch

    with Elasticsearch(url, **options) as client:  # not the backend's: a test may have pointed it elsewhere
        client.indices.delete(index=f"{index}-*", ignore_unavailable=True, allow_no_indices=True)
