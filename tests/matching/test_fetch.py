"""Images by URL, against real HTTP servers on loopback: fetching, limits, and the address policy.

The whole suite runs under pytest-socket with loopback as the only allowed host, so none of these
tests can send a packet off this machine whatever a parser makes of a URL. Names that must resolve
use the reserved `.test` domain and a resolver stub; no real public host appears here.
"""

import ipaddress
import socket
import time

import pytest
from pytest_socket import SocketConnectBlockedError

from matching.errors import ImageFetchError, ImageTooLarge
from matching.safety import fetch, imaging
from tests.images import image_bytes
from tests.servers import LoopbackServer


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def production_url_policy(settings):
    settings.LIKENESS = {**settings.LIKENESS, "ALLOW_PRIVATE_URLS": False}


@pytest.fixture
def resolver(monkeypatch):
    """A DNS stub: names map to lists of addresses; every lookup is recorded."""
    names: dict[str, list[str]] = {}
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
            return real(host, port, *args, **kwargs)  # a literal address needs no name service
        except ValueError:
            pass
        lookups.append(host)
        if host not in names:
            raise socket.gaierror(f"{host} is not in the test resolver")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in
                names[host]]  # fmt: skip

    monkeypatch.setattr(fetch.socket, "getaddrinfo", getaddrinfo)
    return names, lookups


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Let the loopback server stand in for a public web server (only 127.0.0.1 passes as public)."""
    real = fetch.is_public
    monkeypatch.setattr(fetch, "is_public", lambda address: str(address) == "127.0.0.1" or real(address))


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
        (lambda s: s.stall("/slow", 15), "timed out|took longer"),
        (lambda s: s.drip("/drip", 0.1), "took longer|timed out|interrupted"),
        (lambda s: s.drip("/drip-headers", 0.1, headers=True), "took longer than 0.5 s"),
    ],
    ids=["404", "html", "no-answer", "slow-drip", "dripping-headers"],
)
def test_fetch_failures_are_clear_and_bounded_in_time(server, settings, setup, message):
    settings.LIKENESS = {**settings.LIKENESS, "FETCH_SECONDS": 0.5}
    started = time.monotonic()
    with pytest.raises(ImageFetchError, match=message):
        imaging.load(setup(server))
    assert time.monotonic() - started < 2.5  # one deadline for the whole download, however it drips


def test_downloads_over_the_limit_are_cut_off(server, settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 2000}
    with pytest.raises(ImageTooLarge):
        imaging.load(server.serve("/big.png", image_bytes("PNG", 300, 300), "image/png"))
    with pytest.raises(ImageTooLarge):
        imaging.load(server.endless("/endless"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}\\@public.test/img.jpg",
        "http://public.test\\@127.0.0.1:{port}/img.jpg",
        "http://user@127.0.0.1:{port}/img.jpg",
        "http://127.0.0.1:{port}@public.test/img.jpg",
        "http://public.test:80@127.0.0.1:{port}/img.jpg",
        "http:\\\\127.0.0.1:{port}/img.jpg",
        "http://127.0.0.1:{port}/img .jpg",
        "http://127.0.0.1:{port}/img.jpg\r\nX-Injected: 1",
        "http://127.0.0.1:{port}\t/img.jpg",
        " http://127.0.0.1:{port}/img.jpg",
        "http://[::1]:{port}@public.test/img.jpg",
    ],
)
@pytest.mark.parametrize("policy", ["tests", "production"])
def test_urls_that_parsers_could_read_differently_are_refused_before_any_connection(server, settings, url, policy):
    if policy == "production":
        settings.LIKENESS = {**settings.LIKENESS, "ALLOW_PRIVATE_URLS": False}
    server.serve("/img.jpg", image_bytes("JPEG"))
    with pytest.raises(ImageFetchError, match="refused|cannot be read|Only http"):
        imaging.load(url.format(port=server.httpd.server_address[1]))
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://127.1/x.jpg",
        "http://2130706433/x.jpg",
        "http://localhost:8000/x.jpg",
        "http://10.1.2.3/x.jpg",
        "http://192.168.0.10/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/x.jpg",
        "http://[::1]/x.jpg",
        "http://[::ffff:127.0.0.1]/x.jpg",
        "http://[::127.0.0.1]/x.jpg",
        "http://[64:ff9b::7f00:1]/x.jpg",
        "http://[64:ff9b::a00:5]/x.jpg",
        "http://[2002:7f00:1::]/x.jpg",
        "http://[2002:a00:1::1]/x.jpg",
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x.jpg",
        "http://[fe80::1]/x.jpg",
        "http://[fc00::1]/x.jpg",
        "http://0.0.0.0/x.jpg",
        "http://224.0.0.1/x.jpg",
        "ftp://files.test/x.jpg",
        "gopher://files.test/",
        "file:///etc/passwd",
    ],
)
def test_private_reserved_and_embedded_addresses_are_refused(production_url_policy, url):
    with pytest.raises(ImageFetchError, match="private or reserved|Only http"):
        fetch.check_url(url)


def test_a_name_is_refused_when_any_of_its_addresses_is_private(production_url_policy, resolver, loopback_is_public):
    names, _ = resolver
    names["mixed.test"] = ["127.0.0.1", "10.0.0.5"]
    with pytest.raises(ImageFetchError, match="private or reserved"):
        fetch.check_url("http://mixed.test/x.jpg")


def test_the_connection_goes_to_the_address_that_was_checked(
    server, production_url_policy, resolver, loopback_is_public, monkeypatch
):
    # DNS rebinding: the name is looked up once per hop; a second answer (a private address) is never used.
    names, lookups = resolver
    answers = iter([["127.0.0.1"], ["10.0.0.5"]])
    names.clear()
    monkeypatch.setattr(
        fetch, "resolve", lambda host, port, real=fetch.resolve: _rebinding(real, names, answers, host, port)
    )
    port = server.httpd.server_address[1]
    server.serve("/pic.png", image_bytes("PNG", 64, 48), "image/png")
    loaded = imaging.load(f"http://rebind.test:{port}/pic.png")
    assert loaded.width == 64
    assert lookups == ["rebind.test"]
    assert server.requests == [("/pic.png", f"rebind.test:{port}")]  # the name went into Host, not into DNS again


def _rebinding(real, names, answers, host, port):
    names[host] = next(answers)
    return real(host, port)


def test_every_redirect_is_checked_and_a_private_one_refused(server, production_url_policy, loopback_is_public):
    start = server.redirect("/hop", "http://10.0.0.5/secret.jpg")
    with pytest.raises(ImageFetchError, match="private or reserved"):
        imaging.load(start)
    assert server.requests == [("/hop", f"127.0.0.1:{server.httpd.server_address[1]}")]


def test_a_redirect_with_a_backslash_trick_is_refused(server, production_url_policy, loopback_is_public):
    start = server.redirect("/hop", f"http://127.0.0.1:{server.httpd.server_address[1]}\\@public.test/x.jpg")
    with pytest.raises(ImageFetchError, match="refused"):
        imaging.load(start)


def test_embedded_ipv4_is_found_in_every_ipv6_form():
    cases = {
        "::ffff:10.0.0.1": "10.0.0.1",
        "64:ff9b::7f00:1": "127.0.0.1",
        "2002:7f00:1::": "127.0.0.1",
        "::127.0.0.1": "127.0.0.1",
        "2001:db8::1": None,
    }
    for address, expected in cases.items():
        found = fetch.embedded_ipv4(ipaddress.IPv6Address(address))
        assert (str(found) if found else None) == expected


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_suite_cannot_reach_beyond_loopback():
    # pytest-socket (--allow-hosts in pyproject.toml) refuses every other destination before a packet leaves.
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
