"""Driving sign-in with WeChat through Django's test client and the sandbox OAuth server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN")


def wechat_phone(demo_user: str | None = "amin") -> Client:
    """A client that is the WeChat browser, its WeChat signed in as `demo_user`."""
    client = Client(HTTP_USER_AGENT=WECHAT_UA, HTTP_ACCEPT_LANGUAGE="en")
    if demo_user:
        assert client.post("/sandbox/wechat/", {"user": demo_user}).status_code == 302
    return client


def desktop() -> Client:
    """A browser outside WeChat, in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def to_authorize(client: Client, start: str) -> str:
    """GET a start URL; the authorize URL it redirects to (not followed)."""
    resp = client.get(start)
    assert resp.status_code == 302, resp.content
    assert "/sandbox/wechat/connect/" in resp["Location"]
    return resp["Location"]


def authorize(client: Client, authorize_url: str, pick: str | None = None) -> str:
    """The sandbox's answer to the authorize URL: the callback URL it redirects to.
    `pick` answers the picker page (POST), else the authorization must be silent."""
    path = authorize_url.split("#", 1)[0]
    resp = client.post(path, {"user": pick, "action": "allow"}) if pick else client.get(path)
    assert resp.status_code == 302, resp.content.decode()[:500]
    return resp["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
