"""Fetch an image by http(s) URL for `imaging.load`, refusing private addresses and oversize bodies."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from matching.errors import ImageFetchError, ImageTooLarge

FETCH_TIMEOUT = (3.05, 10)  # connect, read (seconds)
FETCH_MAX_REDIRECTS = 5
FETCH_CHUNK = 64 * 1024


def fetch_url(url: str, max_bytes: int) -> bytes:
    """Download an image over http(s), refusing private addresses at every redirect."""
    with requests.Session() as session:
        for _ in range(FETCH_MAX_REDIRECTS + 1):
            check_url(url)
            try:
                response = session.get(
                    url, stream=True, timeout=FETCH_TIMEOUT, allow_redirects=False, headers={"Accept": "image/*"}
                )
            except requests.Timeout as exc:
                raise ImageFetchError(f"Fetching {url} timed out.") from exc
            except requests.RequestException as exc:
                raise ImageFetchError(f"Could not connect to {urlsplit(url).hostname}.") from exc
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code != 200:
                    raise ImageFetchError(f"Fetching {url} failed: the server answered {response.status_code}.")
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if content_type and not (
                    content_type.startswith("image/") or content_type in ("application/pdf", "application/octet-stream")
                ):
                    raise ImageFetchError(f"{url} is not an image (the server says {content_type}).")
                return _read_capped(response, max_bytes)
    raise ImageFetchError(f"Fetching {url} was redirected more than {FETCH_MAX_REDIRECTS} times.")


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImageTooLarge.over(max_bytes)
    body = bytearray()
    try:
        for chunk in response.iter_content(FETCH_CHUNK):
            body.extend(chunk)
            if len(body) > max_bytes:
                raise ImageTooLarge.over(max_bytes)
    except requests.RequestException as exc:
        raise ImageFetchError("The image download was interrupted or timed out.") from exc
    if not body:
        raise ImageFetchError("The URL returned no data.")
    return bytes(body)


def check_url(url: str) -> None:
    """Refuse anything but http(s) to a public address (no SSRF into the private network)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImageFetchError("Only http:// and https:// image URLs are accepted.")
    if settings.LIKENESS.get("ALLOW_PRIVATE_URLS"):
        return  # set only by the test settings, to fetch from a loopback server
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ImageFetchError(f"The host {parts.hostname} cannot be resolved.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if not address.is_global or address.is_multicast:
            raise ImageFetchError(f"The host {parts.hostname} is on a private or reserved network; refused.")
