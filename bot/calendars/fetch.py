"""Fetching a calendar feed: conditional, bounded in time and size, and never to a private
address unless allowed.

Every hop (the address and each redirect's) is resolved here and checked: only ``http``/
``https``, and no loopback, private, link-local, multicast, reserved or unspecified address unless
``BATON_CALENDAR_ALLOW_PRIVATE=1``. The connection is then made to the address that was checked
(a second resolution could answer differently), with the host name kept for TLS and ``Host``.
The address is a secret: nothing here logs it or puts it in an error.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 5
USER_AGENT = "Baton-calendar/1 (+https://github.com/)"


class FetchFailed(Exception):
    """Why a feed could not be fetched, in words safe to show (never the address)."""


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True)
class Fetched:
    """A 200 (``body``) or a 304 (``body`` None), with the validators for the next fetch."""

    body: bytes | None
    etag: str | None
    last_modified: str | None


def fetch(url: str, etag: str | None, last_modified: str | None, policy: FetchPolicy) -> Fetched:
    """GET ``url`` with ``If-None-Match``/``If-Modified-Since``, following at most
    :data:`MAX_REDIRECTS` redirects, each checked as the first address was."""
    deadline = time.monotonic() + policy.timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    headers["Accept-Encoding"] = "identity"
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(MAX_REDIRECTS + 1):
        status, response, conn = _get(url, headers, policy, deadline)
        try:
            if status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchFailed(f"HTTP {status} without a Location")
                url = urljoin(url, location)
                continue
            if status == 304:
                return Fetched(
                    None, response.getheader("ETag"), response.getheader("Last-Modified")
                )
            if status != 200:
                raise FetchFailed(f"HTTP {status}")
            body = _decoded(_body(response, policy, deadline), response, policy)
            return Fetched(body, response.getheader("ETag"), response.getheader("Last-Modified"))
        finally:
            conn.close()
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


def _get(
    url: str, headers: dict[str, str], policy: FetchPolicy, deadline: float
) -> tuple[int, http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise FetchFailed("only http and https addresses are read")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as err:
        raise FetchFailed("the address has a bad port") from err
    address = resolve(parts.hostname, port, policy.allow_private)
    remaining = max(0.5, deadline - time.monotonic())
    conn = _connection(scheme, parts.hostname, address, port, remaining)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
    except TimeoutError as err:
        conn.close()
        raise FetchFailed("timed out") from err
    except ssl.SSLError as err:
        conn.close()
        raise FetchFailed(f"TLS failed ({err.reason or 'certificate'})") from err
    except (OSError, http.client.HTTPException) as err:
        conn.close()
        raise FetchFailed(f"connection failed ({type(err).__name__})") from err
    return response.status, response, conn


def resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to; refused when any answer is not a public address."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        raise FetchFailed("the host name does not resolve") from err
    addresses = [str(info[4][0]) for info in answers]
    if not addresses:
        raise FetchFailed("the host name does not resolve")
    if not allow_private:
        for found in addresses:
            if not is_public(found):
                raise FetchFailed(
                    "the address is private, loopback or link-local "
                    "(allowed only with BATON_CALENDAR_ALLOW_PRIVATE=1)"
                )
    return addresses[0]


def is_public(address: str) -> bool:
    """Globally reachable and not multicast. ``is_private`` alone misses the shared address
    space 100.64.0.0/10 (carrier-grade NAT, Tailscale, and Alibaba Cloud's metadata service at
    100.100.100.200), which is neither private nor global; an IPv6 address that carries an IPv4
    one (mapped, or 6to4) is judged by that IPv4 address too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None and not is_public(str(ip.sixtofour)):
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name would resolve to now."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, address, port, timeout)
        self._context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def _connection(
    scheme: str, host: str, address: str, port: int, timeout: float
) -> http.client.HTTPConnection:
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return kind(host, address, port, timeout)


def _body(response: http.client.HTTPResponse, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchFailed(f"larger than {policy.max_bytes // (1024 * 1024)} MB")
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchFailed(f"larger than {policy.max_bytes // (1024 * 1024)} MB")
            if time.monotonic() > deadline:
                raise FetchFailed("timed out")
            chunks.append(chunk)
    except TimeoutError as err:
        raise FetchFailed("timed out") from err
    except (OSError, http.client.HTTPException) as err:
        raise FetchFailed(f"connection failed ({type(err).__name__})") from err
    return b"".join(chunks)


def _decoded(body: bytes, response: http.client.HTTPResponse, policy: FetchPolicy) -> bytes:
    """The body as the server meant it. Baton asks for ``identity``, but some servers and
    proxies gzip anyway (RFC 9110 lets a server ignore ``Accept-Encoding``); the unpacked size
    is held to the same limit, so a small bomb cannot grow past it."""
    coding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if coding in ("identity", ""):
        return body
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise FetchFailed(f"sent in an encoding Baton does not read ({coding[:20]})")
    wbits = zlib.MAX_WBITS | 16 if coding != "deflate" else zlib.MAX_WBITS
    unpacker = zlib.decompressobj(wbits)
    try:
        unpacked = unpacker.decompress(body, policy.max_bytes + 1)
    except zlib.error as err:
        raise FetchFailed(f"its {coding} body is broken") from err
    if len(unpacked) > policy.max_bytes or unpacker.unconsumed_tail:
        raise FetchFailed(f"larger than {policy.max_bytes // (1024 * 1024)} MB unpacked")
    return unpacked
