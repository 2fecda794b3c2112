"""Merging two accounts of one person: after proving the other account (password, or a
code sent to its number) its orders, vouchers, payments, coupons and phone move to the
signed-in account in one transaction; the absorbed account can no longer sign in and the
books are untouched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from o2o.accounts.models import User
from o2o.core import clock
from o2o.identity import services
from o2o.identity.models import MergeRecord, PhoneIdentity
from o2o.ledger.models import JournalLine
from o2o.ledger.services.check import run_checks
from o2o.marketing import services as marketing
from o2o.marketing.models import Coupon
from o2o.merchants import services as merchants
from o2o.orders.models import Order
from o2o.vouchers.models import Voucher
from o2o.wxauth import services as wxauth
from o2o.wxauth.client import Authorized
from o2o.wxauth.models import WechatIdentity
from tests import factories
from tests.conftest import ApiClient
from tests.identity.helpers import last_code
from tests.marketing import builders as mb
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


def _shop():
    """A merchant with a store, so its services are on sale."""
    shop = factories.merchant()
    factories.store(shop)
    return shop


def _phone_account(phone: str) -> tuple[ApiClient, str]:
    """A customer that signed up by phone code, with an app token."""
    client = ApiClient()
    client.post("/auth/phone/code", {"phone": phone})
    answer = client.post("/auth/phone/verify", {"phone": phone, "code": last_code(phone), "token": True})
    assert answer.status_code == 200
    return ApiClient(answer.json()["token"]), answer.json()["user_id"]


def _ids(rows) -> set[str]:
    return {row["id"] for row in rows}


def test_merging_a_password_account_into_a_phone_account_moves_orders_and_vouchers(api_as):
    shop = _shop()
    cut = vb.service(shop, price_fen=5000, uses=2)
    old = factories.user()  # bought as a password user
    old_orders = [vb.buy(old, cut, quantity=2), vb.buy(old, cut)]
    phone_api, new_id = _phone_account("+8613812345678")
    new = User.objects.get(public_id=new_id)
    new_order = vb.buy(new, cut)
    lines_before = list(JournalLine.objects.order_by("id").values_list("id", "entry_id", "account_id", "amount_fen"))
    report_before = run_checks()

    r = phone_api.post("/me/merge", {"username": old.username, "password": factories.PASSWORD})

    assert r.status_code == 200, r.content
    assert r.json()["absorbed"] == old.public_id and r.json()["survivor"] == new_id
    assert r.json()["moved"]["orders"] == 2 and r.json()["moved"]["vouchers"] == 3
    seen_orders = _ids(phone_api.get("/orders").json()["results"])
    assert seen_orders == {o.public_id for o in [*old_orders, new_order]}
    seen_vouchers = _ids(phone_api.get("/vouchers").json()["results"])
    assert seen_vouchers == set(Voucher.objects.filter(order__in=[*old_orders, new_order])
                                .values_list("public_id", flat=True))
    assert not Order.objects.filter(customer=old).exists() and not Voucher.objects.filter(customer=old).exists()
    # The absorbed account cannot sign in, by password or by its tokens.
    assert Client().login(username=old.username, password=factories.PASSWORD) is False
    assert api_as(old).get("/me").status_code == 401
    # The books are untouched and still check; the old id resolves to the survivor.
    assert list(JournalLine.objects.order_by("id").values_list("id", "entry_id", "account_id",
                                                                "amount_fen")) == lines_before
    assert run_checks().problems == report_before.problems
    assert services.survivor_of(old.pk) == new.pk
    assert MergeRecord.objects.get(absorbed=old).survivor == new


def test_merging_by_a_code_sent_to_the_other_accounts_number(api_as):
    wechat_like = factories.user()  # the account signed in now
    other_api, other_id = _phone_account("+8613900000001")
    order = vb.buy(User.objects.get(public_id=other_id),
                   vb.service(_shop()))
    me = api_as(wechat_like)
    clock.advance(dt.timedelta(seconds=61))
    assert me.post("/me/merge/code", {"phone": "+8613900000001"}).status_code == 200
    r = me.post("/me/merge", {"phone": "+8613900000001", "code": last_code("+8613900000001")})

    assert r.status_code == 200, r.content
    assert r.json()["moved"]["phone"] == 1
    assert _ids(me.get("/orders").json()["results"]) == {order.public_id}
    assert PhoneIdentity.objects.get(phone="+8613900000001").user == wechat_like
    assert other_api.get("/me").status_code == 401
    # Signing in with the number now reaches the surviving account.
    clock.advance(dt.timedelta(seconds=61))
    signed_in = ApiClient()
    signed_in.post("/auth/phone/code", {"phone": "+8613900000001"})
    answer = signed_in.post("/auth/phone/verify", {"phone": "+8613900000001",
                                                    "code": last_code("+8613900000001")})
    assert answer.json()["user_id"] == wechat_like.public_id


def test_coupons_of_one_template_held_by_both_accounts_are_all_kept(api_as):
    template = mb.template(factories.merchant())
    a, b = factories.user(), factories.user()
    marketing.claim(a, template.public_id)
    marketing.claim(b, template.public_id)

    assert api_as(b).post("/me/merge", {"username": a.username, "password": factories.PASSWORD}).status_code == 200

    assert sorted(Coupon.objects.filter(customer=b).values_list("seq", flat=True)) == [1, 2]


def test_a_wrong_password_moves_nothing(api_as):
    old, me = factories.user(), factories.user()
    order = vb.buy(old, vb.service(_shop()))
    r = api_as(me).post("/me/merge", {"username": old.username, "password": "wrong-password"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_credentials"
    assert Order.objects.get(pk=order.pk).customer == old and not MergeRecord.objects.exists()


def test_refusals(api_as):
    me = factories.user()
    same = api_as(me).post("/me/merge", {"username": me.username, "password": factories.PASSWORD})
    assert same.status_code == 409 and same.json()["error"]["code"] == "merge_same_account"
    staff = factories.staff(factories.merchant())
    worker = api_as(me).post("/me/merge", {"username": staff.username, "password": factories.PASSWORD})
    assert worker.status_code == 409 and worker.json()["error"]["code"] == "merge_not_customer"
    nothing = api_as(me).post("/me/merge", {})
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "proof_required"
    unknown = api_as(me).post("/me/merge", {"phone": "+8613700000000", "code": "123456"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_code"
    assert ApiClient().post("/me/merge", {"username": "x", "password": "y"}).status_code == 401
    assert not MergeRecord.objects.exists()


def test_a_wechat_account_with_a_bound_number_merged_into_a_password_account_signs_in_there(api_as):
    auth = Authorized(appid="wx_mp_test", openid="oWeChatPerson0000000001", scope="snsapi_base")
    wechat_account = wxauth.sign_in(auth).user
    order = vb.buy(wechat_account, vb.service(_shop()))
    wechat_api = api_as(wechat_account)
    wechat_api.post("/me/phone", {"phone": "+8613600000001"})
    assert wechat_api.post("/me/phone/verify", {"phone": "+8613600000001",
                                                "code": last_code("+8613600000001")}).status_code == 200
    me = api_as(password_account := factories.user())
    clock.advance(dt.timedelta(seconds=61))
    me.post("/me/merge/code", {"phone": "+8613600000001"})

    r = me.post("/me/merge", {"phone": "+8613600000001", "code": last_code("+8613600000001")})

    assert r.status_code == 200, r.content
    assert r.json()["moved"]["wechat_identities"] == 1
    assert Order.objects.get(pk=order.pk).customer == password_account
    assert WechatIdentity.objects.get(openid=auth.openid).user == password_account
    assert wxauth.sign_in(auth).user == password_account  # WeChat now reaches the survivor
    assert wechat_api.get("/me").status_code == 401


def test_an_account_that_works_for_a_merchant_is_not_absorbed(api_as):
    shop = factories.merchant()
    worker, me = factories.user(), factories.user()
    _invitation, code = merchants.create_invitation(shop, shop.owner)
    merchants.accept_invitation(worker, code)  # a customer who also works for the shop
    r = api_as(me).post("/me/merge", {"username": worker.username, "password": factories.PASSWORD})
    assert r.status_code == 409 and r.json()["error"]["code"] == "merge_staff_account"
    assert User.objects.get(pk=worker.pk).is_active and not MergeRecord.objects.exists()
