"""Every surface that takes an image URL, against URLs built to reach what they must not.

Under the production address policy, parser-confusion forms, private and embedded-IPv4 addresses
and redirects into the private network are refused with a 4xx before the loopback server hears
anything from the second hop. Slow-drip and endless bodies end at the fetch deadline or the byte
limit. pytest-socket keeps every test on loopback whatever a URL says.
"""

import time

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from catalog.models import CatalogImage
from matching.safety import fetch
from tests.conftest import token_header, upload
from tests.hostile import media_files
from tests.images import encode, picture
from tests.servers import LoopbackServer

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
GOOD = encode(picture(320, 240, 77), "PNG")


SURFACES = {
    "rest add url": lambda c, u, url: c.post("/rest/add/", {"url": url, "filepath": "h.jpg"}, **token_header(u)),
    "rest add urls[n]": lambda c, u, url: c.post(
        "/rest/add/", {"urls[0]": url, "filepaths[0]": "h.jpg"}, **token_header(u)
    ),
    "rest search url": lambda c, u, url: c.post("/rest/search/", {"url": url}, **token_header(u)),
    "rest compare url1": lambda c, u, url: c.post(
        "/rest/compare/", {"url1": url, "image2": upload("g.png", GOOD, "image/png")}, **token_header(u)
    ),
    "api search url": lambda c, u, url: c.post("/api/v1/search/", {"url": url}),
    "api create image_url": lambda c, u, url: c.post(
        "/api/v1/items/", {"image_url": url, "title": "H"}, **token_header(u)
    ),
    "api patch image_url": lambda c, u, url: c.patch(
        f"/api/v1/items/{CatalogImage.objects.get(identifier='kept').pk}/",
        encode_multipart(BOUNDARY, {"image_url": url}),
        MULTIPART_CONTENT,
        **token_header(u),
    ),
    "page pasted address": lambda c, u, url: c.post("/search/image/", {"url": url}, HTTP_ACCEPT="application/json"),
}


@pytest.fixture
def server():
    with LoopbackServer() as running:
        running.serve("/img.png", GOOD, "image/png")
        yield running


@pytest.fixture
def kept(make_item):
    return make_item(seed=5, identifier="kept", data=encode(picture(320, 240, 5), "PNG"))


@pytest.fixture
def production_url_policy(settings):
    settings.LIKENESS = {**settings.LIKENESS, "ALLOW_PRIVATE_URLS": False}


def hostile(port: int) -> dict[str, str]:
    return {
        "backslash before @": f"http://127.0.0.1:{port}\\@public.test/img.png",
        "user-info": f"http://user@127.0.0.1:{port}/img.png",
        "loopback": f"http://127.0.0.1:{port}/img.png",
        "mapped IPv6": f"http://[::ffff:127.0.0.1]:{port}/img.png",
        "NAT64": f"http://[64:ff9b::7f00:1]:{port}/img.png",
        "6to4": f"http://[2002:7f00:1::]:{port}/img.png",
        "IPv4-compatible": f"http://[::127.0.0.1]:{port}/img.png",
        "private": "http://10.0.0.5/img.png",
        "not http": "file:///etc/passwd",
    }


def assert_refused_and_nothing_stored(response, before_rows, before_files, label):
    assert 400 <= response.status_code < 500, (label, response.status_code, response.content[:200])
    assert set(CatalogImage.objects.values_list("pk", "sha256")) == before_rows, label
    assert media_files() == before_files, label


@pytest.mark.parametrize("surface", list(SURFACES))
def test_urls_that_reach_for_private_addresses_are_refused_everywhere(
    client, staff_user, kept, server, production_url_policy, surface
):
    rows, files = set(CatalogImage.objects.values_list("pk", "sha256")), media_files()
    for label, url in hostile(server.httpd.server_address[1]).items():
        response = SURFACES[surface](client, staff_user, url)
        assert_refused_and_nothing_stored(response, rows, files, label)
    assert server.requests == []  # nothing reached the loopback server


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_redirect_into_the_private_network_is_refused_everywhere(
    client, staff_user, kept, server, production_url_policy, surface, monkeypatch
):
    real = fetch.is_public
    monkeypatch.setattr(fetch, "is_public", lambda address: str(address) == "127.0.0.1" or real(address))
    hop = server.redirect("/hop", "http://10.0.0.5/secret.png")
    rows, files = set(CatalogImage.objects.values_list("pk", "sha256")), media_files()
    assert_refused_and_nothing_stored(SURFACES[surface](client, staff_user, hop), rows, files, "redirect")
    assert [path for path, _ in server.requests] == ["/hop"]


@pytest.mark.parametrize("surface", list(SURFACES))
def test_slow_and_endless_bodies_end_with_a_4xx_in_bounded_time(client, staff_user, kept, server, settings, surface):
    settings.LIKENESS = {**settings.LIKENESS, "FETCH_SECONDS": 0.5, "MAX_UPLOAD_BYTES": 1_000_000}
    rows, files = set(CatalogImage.objects.values_list("pk", "sha256")), media_files()
    for url in (server.drip("/drip", 0.1), server.drip("/drip-headers", 0.1, headers=True), server.endless("/endless")):
        started = time.monotonic()
        response = SURFACES[surface](client, staff_user, url)
        assert time.monotonic() - started < 3
        assert_refused_and_nothing_stored(response, rows, files, url)
