"""The language switch: zh-Hans by default, English on request, remembered for the
session (cookie) across the storefront, sign-in and operator pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def _switch(client: Client, language: str, next_url: str = "/login/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def test_default_language_is_simplified_chinese(client):
    assert settings.LANGUAGE_CODE == "zh-hans"
    page = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page and "Log in" not in page


def test_switch_to_english_and_back(client):
    r = _switch(client, "en")
    assert r.status_code == 302 and r["Location"] == "/login/"
    page = client.get("/login/").content.decode()
    assert '<html lang="en">' in page and "Log in" in page and "登录" not in page
    home = client.get("/").content.decode()
    assert '<html lang="en">' in home
    _switch(client, "zh-hans")
    page = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page


def test_operator_pages_follow_the_switch():
    c = Client()
    c.force_login(factories.operator())
    page = c.get("/ops/ledger/").content.decode()
    assert "账本检查" in page and "Ledger check" not in page
    assert "平台运营" in page  # the header's link for operators
    _switch(c, "en", "/ops/ledger/")
    page = c.get("/ops/ledger/").content.decode()
    assert "Ledger check" in page and "账本检查" not in page and "The books check out." in page
    assert '<option value="en" selected>' in page


def test_an_unknown_language_is_ignored(client):
    _switch(client, "xx")
    assert '<html lang="zh-hans">' in client.get("/login/").content.decode()


def test_the_switch_only_redirects_to_this_site(client):
    r = _switch(client, "en", "https://evil.example/")
    assert r.status_code == 302 and not r["Location"].startswith("https://evil.example")
