"""The SSRF guard and the one HTTP POST of a delivery. Writes nothing.

A receiver URL must be https to a public address. With the loopback setting on (the
demo and tests) http and https to 127.0.0.1 / ::1 / localhost are also accepted.
Private, loopback, link-local (cloud metadata at 169.254.169.254), shared (100.64/10,
Alibaba Cloud's metadata at 100.100.100.200), multicast and reserved addresses are
refused. The host is resolved again at delivery time, every address it resolves to is
checked, and the connection goes to the address that was checked, so a DNS answer that
changes between check and connect cannot reach an internal host.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from o2o.webhooks import conf


class UrlRefused(Exception):
    """The URL may not be called: `code` is invalid_url or url_not_allowed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP to connect to


def _parse(url: str) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or len(url) > 2000 or any(c.isspace() for c in url):
        raise UrlRefused("invalid_url", "The URL is not valid")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise UrlRefused("invalid_url", "The URL's port is not valid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlRefused("invalid_url", "The URL must be http(s)://host/...")
    if parts.username or parts.password:
        raise UrlRefused("invalid_url", "The URL must not carry a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused("url_not_allowed", "The URL's host does not resolve") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_address(address: str, *, loopback_ok: bool) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and loopback_ok:
        return
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_link_local:
        raise UrlRefused("url_not_allowed", "The URL points at a private or internal address")


def resolve(url: str) -> Target:
    """The checked target of `url`, or UrlRefused. Called at registration and before each POST."""
    scheme, host, port, path = _parse(url)
    loopback_ok = conf.allow_loopback()
    addresses = _addresses(host, port)
    if not addresses:
        raise UrlRefused("url_not_allowed", "The URL's host does not resolve")
    for address in addresses:
        check_address(address, loopback_ok=loopback_ok)
    if scheme == "http" and not all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback
                                    for a in addresses):
        raise UrlRefused("url_not_allowed", "The URL must use https")
    return Target(scheme, host, port, path, addresses[0])


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, timed out, address refused)
    body: str
    error: str
    duration_ms: int


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST `body` to the checked address of `url`; never raises for the receiver's faults."""
    started = time.monotonic()

    def done(status: int | None, text: str = "", error: str = "") -> Answer:
        return Answer(status, text, error, int((time.monotonic() - started) * 1000))

    try:
        target = resolve(url)
    except UrlRefused as exc:
        return done(None, error=f"{exc.code}: {exc.message}")
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    # Connect to the address that was checked; TLS still verifies the host name (SNI).
    conn._create_connection = (  # type: ignore[attr-defined]
        lambda addr, timeout=timeout, source=None: socket.create_connection(
            (target.address, addr[1]), timeout, source))
    try:
        conn.request("POST", target.path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": "o2o-webhooks/1"})
        response = conn.getresponse()
        text = response.read(conf.RESPONSE_BODY_KEPT).decode("utf-8", "replace")
        return done(response.status, text)
    except TimeoutError:
        return done(None, error="timeout")
    except (OSError, http.client.HTTPException) as exc:
        return done(None, error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        conn.close()
