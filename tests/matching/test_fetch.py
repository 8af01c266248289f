"""Images by URL, against a real HTTP server on loopback: fetching, limits, and the address policy."""

import pytest

from matching import fetch, imaging
from matching.errors import ImageFetchError, ImageTooLarge
from tests.images import image_bytes
from tests.servers import LoopbackServer


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def test_an_image_url_is_fetched(server):
    url = server.serve("/a.png", image_bytes("PNG", 120, 90), "image/png")
    loaded = imaging.load(url)
    assert (loaded.format, loaded.width) == ("PNG", 120)


def test_redirects_are_followed(server):
    target = server.serve("/b.jpg", image_bytes("JPEG"))
    assert imaging.load(server.redirect("/old", target)).format == "JPEG"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda s: s.url("/missing.jpg"), "answered 404"),
        (lambda s: s.serve("/page", b"<html></html>", "text/html"), "not an image"),
        (lambda s: s.stall("/slow", 15), "timed out"),
    ],
    ids=["404", "html", "timeout"],
)
def test_fetch_failures_are_clear(server, setup, message, monkeypatch):
    monkeypatch.setattr(fetch, "FETCH_TIMEOUT", (1, 1))  # keep the timeout case short
    with pytest.raises(ImageFetchError, match=message):
        imaging.load(setup(server))


def test_downloads_over_the_limit_are_cut_off(server, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 2000}
    with pytest.raises(ImageTooLarge):
        imaging.load(server.serve("/big.png", image_bytes("PNG", 300, 300), "image/png"))


@pytest.fixture
def production_url_policy(settings):
    settings.LIKENESS = {**settings.LIKENESS, "ALLOW_PRIVATE_URLS": False}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://localhost:8000/x.jpg",
        "http://10.1.2.3/x.jpg",
        "http://192.168.0.10/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.jpg",
        "http://[::ffff:127.0.0.1]/x.jpg",
        "http://0.0.0.0/x.jpg",
        "http://224.0.0.1/x.jpg",
        "ftp://example.org/x.jpg",
        "gopher://example.org/",
    ],
)
def test_private_and_odd_addresses_are_refused(production_url_policy, url):
    with pytest.raises(ImageFetchError, match="private or reserved|Only http"):
        fetch.check_url(url)


def test_a_redirect_into_the_private_network_is_refused(server, production_url_policy, monkeypatch):
    # The loopback server stands in for a public host here: the first hop is let through,
    # the redirect target (a private address) must be refused.
    checked = []
    real_check = fetch.check_url

    def check(url):
        checked.append(url)
        if url.startswith(server.base_url):
            return None
        return real_check(url)

    monkeypatch.setattr(fetch, "check_url", check)
    start = server.redirect("/hop", "http://10.0.0.5/secret.jpg")
    with pytest.raises(ImageFetchError, match="private or reserved"):
        imaging.load(start)
    assert checked == [start, "http://10.0.0.5/secret.jpg"]
