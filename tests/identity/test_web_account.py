"""The storefront's account page: bind a number by code, merge another account, download
the data, delete the account; numbers never in a URL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from o2o.accounts.models import User
from o2o.core import clock
from o2o.identity.models import MergeRecord, PhoneIdentity
from o2o.orders.models import Order
from tests import factories
from tests.identity.helpers import last_code
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


def _browser(user) -> Client:
    c = Client(headers={"Accept-Language": "en"})
    c.force_login(user)
    return c


def test_bind_a_number_then_merge_another_account_by_password_and_download():
    me, old = factories.user(), factories.user()
    shop = factories.merchant()
    factories.store(shop)
    order = vb.buy(old, vb.service(shop))
    browser = _browser(me)

    sent = browser.post("/account/code/bind/", {"phone": "138 1234 5678"})
    assert sent.status_code == 302 and "138" not in sent["Location"]
    page = browser.get("/account/").content.decode()
    assert "+86 138****5678" in page and 'id="sandbox-sms"' in page
    assert browser.post("/account/phone/", {"code": last_code(PHONE)}).status_code == 302
    assert PhoneIdentity.objects.get(phone=PHONE).user == me

    merged = browser.post("/account/merge/", {"username": old.username, "password": factories.PASSWORD},
                          follow=True)
    assert "The accounts are merged" in merged.content.decode()
    assert Order.objects.get(pk=order.pk).customer == me and MergeRecord.objects.get().absorbed == old

    data = browser.get("/account/export.json")
    assert data["Content-Disposition"].startswith("attachment")
    body = json.loads(data.content)
    assert body["account"]["phone"] == PHONE and [o["id"] for o in body["orders"]] == [order.public_id]


def test_a_wrong_merge_shows_the_reason_and_moves_nothing():
    me, old = factories.user(), factories.user()
    r = _browser(me).post("/account/merge/", {"username": old.username, "password": "nope"}, follow=True)
    assert "Wrong username or password" in r.content.decode() and not MergeRecord.objects.exists()


def test_delete_by_a_code_to_the_bound_number():
    me = factories.user()
    browser = _browser(me)
    browser.post("/account/code/bind/", {"phone": PHONE})
    browser.post("/account/phone/", {"code": last_code(PHONE)})
    clock.advance(dt.timedelta(seconds=61))
    assert browser.post("/account/code/delete/").status_code == 302
    assert 'id="delete-code"' in browser.get("/account/").content.decode()

    r = browser.post("/account/delete/", {"code": last_code(PHONE)})

    assert r.status_code == 302 and r["Location"] == "/"
    gone = User.objects.get(pk=me.pk)
    assert not gone.is_active and gone.username.startswith("deleted_")
    assert browser.get("/account/").status_code == 302  # signed out


def test_the_page_needs_a_signed_in_customer():
    r = Client().get("/account/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_page_reads_in_chinese_and_the_nav_links_it():
    browser = Client(headers={"Accept-Language": "zh-hans"})
    browser.force_login(factories.user())
    page = browser.get("/account/").content.decode()
    assert "账号与隐私" in page and "注销账号" in page and 'href="/account/"' in page
