"""Fetch an image by http(s) URL without letting the URL reach anything but a public web server.

Three rules close server-side request forgery:

1. The URL must mean one thing. Refused: anything but http(s), user-info (`user@host`),
   backslashes, white space and control characters, and any URL whose scheme, host or port
   Python's `urlsplit` and urllib3's `parse_url` (what requests uses) read differently.
2. Every address the host resolves to must be public; an IPv6 address that embeds an IPv4 one
   (mapped, 6to4, Teredo, NAT64, IPv4-compatible) is judged by the IPv4 address it carries.
3. The connection goes to the address that was checked (the host name only goes into the `Host`
   header and TLS), so DNS cannot answer differently between the check and the connection.

Every redirect is checked the same way, and the whole exchange (connecting, the status line and
headers, redirects and the body) has one deadline (`LIKENESS["FETCH_SECONDS"]`): a read timeout
restarts with every byte, so at the deadline the fetch's connections are shut down (`Cutoff`), and a
server that drips its headers or its body cannot hold a worker.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings
from requests.utils import requote_uri
from urllib3.exceptions import HTTPError, LocationParseError

from matching.errors import ImageFetchError, ImageTooLarge, ImageUnreachable

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

CONNECT_TIMEOUT = 3.05
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class Target:
    """Where a checked URL leads: the address to connect to, and what to say once connected."""

    scheme: str
    host: str  # the host name as sent in Host and TLS (IDNA, lower case)
    port: int
    path: str  # path and query, percent-encoded
    address: str  # the checked IP address the connection goes to

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def fetch_url(url: str, max_bytes: int) -> bytes:
    """Download an image over http(s), checking every hop; raises ImageFetchError or ImageTooLarge."""
    seconds = settings.LIKENESS.get("FETCH_SECONDS", 8)
    deadline = time.monotonic() + seconds
    late = ImageFetchError(f"Fetching the image took longer than {seconds:g} s.")
    with Cutoff(deadline) as cutoff:
        try:
            data = _fetch(url, max_bytes, deadline, seconds, cutoff)
        except ImageFetchError as exc:
            if cutoff.fired:  # whatever the shut-down connection made of it, the reason is the deadline
                raise late from exc
            raise
    if cutoff.fired:  # a body cut off at the deadline reads as a short one: it is not the image
        raise late
    return data


class Cutoff:
    """Shuts down every connection of one fetch at its deadline, whatever it is waiting for then."""

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._cut)
        self._timer.daemon = True

    def __enter__(self) -> Cutoff:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shut(sock)

    def connection_class(self, base: type[BaseHTTPConnection]) -> type[BaseHTTPConnection]:
        """`base` (urllib3's connection class of a pool) with each new socket watched by this cut-off."""
        cutoff = self

        class Watched(base):  # type: ignore[valid-type, misc]  # a class made from a variable
            def connect(self) -> None:
                super().connect()
                cutoff.watch(self.sock)

        return Watched

    def _cut(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once; the pool closes the socket


def _fetch(url: str, max_bytes: int, deadline: float, seconds: float, cutoff: Cutoff) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        target = check_url(url)
        response = _open(target, deadline, seconds, cutoff)
        try:
            if response.status in (301, 302, 303, 307, 308):
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status != 200:
                raise ImageUnreachable(f"Fetching {url} failed: the server answered {response.status}.")
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type and not (
                content_type.startswith("image/") or content_type in ("application/pdf", "application/octet-stream")
            ):
                raise ImageUnreachable(f"{url} is not an image (the server says {content_type}).")
            return _read(response, max_bytes, deadline, seconds)
        finally:
            response.release_conn()
    raise ImageFetchError(f"Fetching {url} was redirected more than {MAX_REDIRECTS} times.")


def check_url(url: str) -> Target:
    """Where `url` leads, or ImageFetchError when it is malformed, ambiguous or not public."""
    scheme, host, port, path = parse(url)
    return Target(scheme, host, port, path, resolve(host, port))


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of an unambiguous http(s) URL."""
    if not isinstance(url, str) or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url) or "\\" in url:
        raise ImageFetchError("The image URL has spaces, backslashes or control characters; refused.")
    try:
        parts = urlsplit(url)
        other = urllib3.util.parse_url(url)
        port = parts.port
    except (ValueError, LocationParseError):
        raise ImageFetchError("The image URL cannot be read.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ImageFetchError("Only http:// and https:// image URLs are accepted.")
    if "@" in parts.netloc or other.auth:
        raise ImageFetchError("Image URLs with a user name or password (user@host) are refused.")
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ImageFetchError(f"The host name {parts.hostname!r} is not valid.") from None
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    other_port = other.port or (443 if (other.scheme or "").lower() == "https" else 80)
    if ((other.scheme or "").lower(), (other.host or "").strip("[]").lower(), other_port) != (scheme, host, port):
        raise ImageFetchError("The image URL can be read in more than one way; refused.")
    path = requote_uri(parts.path or "/") + (f"?{requote_uri(parts.query)}" if parts.query else "")
    return scheme, host, port, path


def resolve(host: str, port: int) -> str:
    """The address to connect to; every address the name has must be public (unless tests allow loopback)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ImageUnreachable(f"The host {host} cannot be resolved.") from exc
    # str(): a stream socket's address is a host string (only other families, such as CAN, give numbers).
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise ImageUnreachable(f"The host {host} cannot be resolved.")
    if not settings.LIKENESS.get("ALLOW_PRIVATE_URLS") and not all(map(is_public, addresses)):
        raise ImageFetchError(f"The host {host} is on a private or reserved network; refused.")
    return str(addresses[0])


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet, judging an IPv6 address by any IPv4 one inside it."""
    if address.version == 6:
        embedded = embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64, IPv4-compatible), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _open(target: Target, deadline: float, seconds: float, cutoff: Cutoff) -> urllib3.BaseHTTPResponse:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ImageFetchError(f"Fetching the image took longer than {seconds:g} s.")
    timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT, remaining), read=remaining)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)
    pool.ConnectionCls = cutoff.connection_class(pool.ConnectionCls)
    headers = {"Host": target.host_header, "Accept": "image/*", "User-Agent": "Likeness"}
    try:
        return pool.urlopen("GET", target.path, headers=headers, redirect=False, retries=False, preload_content=False)
    except urllib3.exceptions.NewConnectionError as exc:  # refused, unreachable (a subclass of the timeout)
        raise ImageUnreachable(f"Could not connect to {target.host}.") from exc
    except urllib3.exceptions.TimeoutError as exc:
        raise ImageFetchError(f"Fetching the image from {target.host} timed out.") from exc
    except HTTPError as exc:
        raise ImageUnreachable(f"Could not connect to {target.host}.") from exc


def _read(response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float, seconds: float) -> bytes:
    """The body, refused past `max_bytes` and cut off at the deadline however slowly it arrives."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImageTooLarge.over(max_bytes)
    body = bytearray()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ImageFetchError(f"Fetching the image took longer than {seconds:g} s.")
            sock = getattr(response.connection, "sock", None)
            if sock is not None:
                sock.settimeout(remaining)  # each read may wait only for what is left of the deadline
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                break
            body.extend(chunk)
            if len(body) > max_bytes:
                raise ImageTooLarge.over(max_bytes)
    except (HTTPError, OSError) as exc:
        raise ImageFetchError("The image download was interrupted or timed out.") from exc
    if not body:
        raise ImageUnreachable("The URL returned no data.")
    return bytes(body)
