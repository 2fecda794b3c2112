"""Privacy: numbers and OpenIDs masked wherever others see them (and in logs), never in
a URL; the customer's export; deletion after re-authentication keeps the books and
anonymises the account."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.urls import get_resolver

from o2o.accounts.masking import mask_openid, mask_phone
from o2o.accounts.models import User
from o2o.core import clock
from o2o.identity.models import PhoneIdentity
from o2o.ledger.services.check import run_checks
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.vouchers import services as vouchers
from o2o.wxauth import services as wxauth
from o2o.wxauth.client import Authorized
from o2o.wxauth.models import WechatIdentity
from tests import factories
from tests.conftest import ApiClient
from tests.identity.helpers import last_code
from tests.orders import builders as ob
from tests.shipping.helpers import gateway, pay  # noqa: F401
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


def _shop():
    """A merchant with a store, so its services are on sale."""
    shop = factories.merchant()
    factories.store(shop)
    return shop

PHONE = "+8613812345678"
ADDRESS = {"receiver": "王小明", "phone": "13812345678", "province": "广东省", "city": "深圳市",
           "district": "南山区", "detail": "科技园 1 号"}


def test_masks():
    assert mask_phone(PHONE) == "+86 138****5678"
    assert mask_phone("+447700900123") == "+447*******23"
    assert mask_phone("") == ""
    assert mask_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o") == "oUpF…eS6o"
    assert mask_openid("short") == "*****"


def test_logs_carry_the_number_masked(anon, caplog):
    with caplog.at_level(logging.INFO, logger="o2o"):
        assert anon.post("/auth/phone/code", {"phone": PHONE}).status_code == 200
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "+86 138****5678" in text and "13812345678" not in text


def test_no_url_carries_a_phone_number_or_an_openid():
    names = []

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            else:
                names.extend(p.pattern.converters)
    walk(get_resolver().url_patterns)
    assert not [n for n in names if "phone" in n or "openid" in n]


def _phone_customer() -> tuple[ApiClient, User]:
    client = ApiClient()
    client.post("/auth/phone/code", {"phone": PHONE})
    answer = client.post("/auth/phone/verify", {"phone": PHONE, "code": last_code(PHONE), "token": True})
    return ApiClient(answer.json()["token"]), User.objects.get(public_id=answer.json()["user_id"])


def test_the_export_holds_the_customers_data():
    api, person = _phone_customer()
    order = vb.buy(person, vb.service(_shop(), price_fen=3000))
    r = api.get("/me/export")
    assert r.status_code == 200
    data = r.json()
    assert data["account"]["id"] == person.public_id and data["account"]["phone"] == PHONE
    assert [o["id"] for o in data["orders"]] == [order.public_id]
    assert data["orders"][0]["total_fen"] == 3000
    assert len(data["vouchers"]) == 1 and data["vouchers"][0]["order"] == order.public_id
    assert ApiClient().get("/me/export").status_code == 401


def test_deletion_needs_the_password_or_a_code():
    person = factories.user()
    api = ApiClient(factories.token_for(person))
    r = api.post("/me/delete", {})
    assert r.status_code == 403 and r.json()["error"]["code"] == "reauthentication_failed"
    r = api.post("/me/delete", {"password": "not-it"})
    assert r.status_code == 403 and User.objects.get(pk=person.pk).is_active
    r = api.post("/me/delete/code", {})
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_phone"


def test_deletion_waits_for_open_orders():
    person = factories.user()
    api = ApiClient(factories.token_for(person))
    orders.place_orders(person, [orders.Item(ob.goods(factories.merchant()).public_id, 1)],
                        shipping_address=ADDRESS)
    r = api.post("/me/delete", {"password": factories.PASSWORD})
    assert r.status_code == 409 and r.json()["error"]["code"] == "open_orders"
    assert User.objects.get(pk=person.pk).is_active


def test_deletion_anonymises_the_account_and_keeps_the_books():
    api, person = _phone_customer()
    shop = _shop()
    placed = orders.place_orders(person, [orders.Item(ob.goods(shop).public_id, 1)],
                                 shipping_address=ADDRESS)
    orders.cancel_order(person, placed[0].public_id)  # finished: closed
    store = factories.store(shop)
    voucher_order = vb.buy(person, vb.service(shop, price_fen=2000))
    [voucher] = vb.vouchers_of(voucher_order)
    vouchers.redeem(factories.staff(shop, [store]), store.public_id, voucher.code)  # used: completed
    assert Order.objects.get(pk=voucher_order.pk).status == "completed"
    wxauth.sign_in(Authorized(appid="wx_mp_test", openid="oDeleteMe000000000000001", scope="snsapi_base"),
                   current_user=person)
    assert WechatIdentity.objects.filter(user=person).exists()
    report_before = run_checks()
    clock.advance(dt.timedelta(seconds=61))
    assert api.post("/me/delete/code", {}).status_code == 200

    r = api.post("/me/delete", {"code": last_code(PHONE)})

    assert r.status_code == 204, r.content
    gone = User.objects.get(pk=person.pk)
    assert gone.username == f"deleted_{person.public_id}" and not gone.is_active
    assert (gone.display_name, gone.phone, gone.email) == ("", "", "")
    assert not gone.has_usable_password() and not PhoneIdentity.objects.filter(user=gone).exists()
    assert not WechatIdentity.objects.filter(user=gone).exists()
    assert api.get("/me").status_code == 401
    kept = Order.objects.get(pk=placed[0].pk)
    assert kept.customer_id == person.pk and kept.total_fen == placed[0].total_fen
    assert kept.shipping_address["receiver"] == "" and kept.shipping_address["phone"] == ""
    assert kept.shipping_address["city"] == "深圳市"
    assert Order.objects.filter(customer=gone).count() == 2
    assert run_checks().problems == report_before.problems
    # The number is free again: signing in with it makes a new, empty account.
    clock.advance(dt.timedelta(seconds=61))
    _again, newcomer = _phone_customer()
    assert newcomer.pk != person.pk and not Order.objects.filter(customer=newcomer).exists()


def test_the_console_shows_the_receivers_number_masked():
    shop = _shop()
    [order] = orders.place_orders(factories.user(), [orders.Item(ob.goods(shop).public_id, 1)],
                                  shipping_address=ADDRESS)
    console = Client()
    console.force_login(shop.owner)
    page = console.get(f"/console/orders/{order.public_id}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_the_console_shows_the_number_in_full_while_the_goods_must_reach_the_receiver(gateway):  # noqa: F811
    """The merchant ships by hand and prints labels: a paid order's receiver is reachable."""
    shop = _shop()
    buyer = factories.user()
    [order] = orders.place_orders(buyer, [orders.Item(ob.goods(shop).public_id, 1)],
                                  shipping_address=ADDRESS)
    pay(buyer, order)
    console = Client()
    console.force_login(shop.owner)
    page = console.get(f"/console/orders/{order.public_id}/").content.decode()
    assert "13812345678" in page
