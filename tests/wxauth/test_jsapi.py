"""Paying inside WeChat with JSAPI: the customer's OpenID in the payment merchant's app,
a prepay through the wechatpayv3 SDK against the sandbox gateway, the paySign the wallet
checks, and the sandbox's pay sheet (what WeixinJSBridge's getBrandWCPayRequest does)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.contrib.auth import get_user_model

from o2o.payments.keys import demo_keys
from o2o.payments.models import Payment
from o2o.sandbox import oauth
from o2o.sandbox import services as sandbox
from o2o.sandbox.models import SandboxTransaction
from o2o.wxauth import config
from o2o.wxauth.models import WechatIdentity
from tests import factories
from tests.payments import helpers as h
from tests.wxauth.flows import authorize, callback_path, desktop, to_authorize, wechat_phone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(live_server, settings):
    h.point_at(settings, live_server.url)


def _signed_in_phone(demo_user: str = "amin"):
    phone = wechat_phone(demo_user)
    assert phone.get("/orders/", follow=True).status_code == 200
    user = get_user_model().objects.get(pk=phone.session["_auth_user_id"])
    return phone, user


def _invoke(page) -> dict:
    match = re.search(r'<script id="wx-invoke" type="application/json">(.*?)</script>', page.content.decode(), re.S)
    assert match, page.content.decode()[:800]
    return json.loads(match.group(1))


def test_jsapi_payment_with_the_customers_openid(gateway):
    phone, customer = _signed_in_phone("amin")
    order = h.goods_order(price_fen=2590, customer=customer)
    pay_page = phone.get(f"/orders/{order.public_id}/pay/").content.decode()
    assert f'action="/orders/{order.public_id}/pay/wechat/"' in pay_page  # inside WeChat: JSAPI
    page = phone.post(f"/orders/{order.public_id}/pay/wechat/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "sandbox/wechat-bridge.js" in body and "web/wechat-pay.js" in body
    inv = _invoke(page)
    openid = oauth.openid("amin", config.pay_appid())
    payment = Payment.objects.get(order=order)
    txn = SandboxTransaction.objects.get(out_trade_no=payment.out_trade_no)
    assert payment.channel == "jsapi" and payment.payer_openid == openid
    assert txn.trade_type == "JSAPI" and txn.payer_openid == openid and txn.appid == inv["appId"]
    # paySign: the merchant key over appId, timeStamp, nonceStr and package, as the wallet checks it.
    assert inv["package"] == f"prepay_id={txn.prepay_id}" and inv["signType"] == "RSA"
    msg = f"{inv['appId']}\n{inv['timeStamp']}\n{inv['nonceStr']}\n{inv['package']}\n".encode()
    key = serialization.load_pem_public_key(demo_keys().merchant_public_pem.encode())
    key.verify(base64.b64decode(inv["paySign"]), msg, padding.PKCS1v15(), hashes.SHA256())
    # The pay sheet (the sandbox's WeixinJSBridge) as amin: shows the amount, pays.
    sheet = phone.post("/sandbox/wechatpay/jsapi/sheet", json.dumps(inv), content_type="application/json").json()
    assert sheet["err_msg"] == "get_brand_wcpay_request:ok" and sheet["amount"] == "25.90"
    paid = phone.post("/sandbox/wechatpay/jsapi/pay", json.dumps(inv), content_type="application/json").json()
    assert paid == {"err_msg": "get_brand_wcpay_request:ok"}
    assert sandbox.deliver_due() == 1  # TRANSACTION.SUCCESS to our notify URL
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == "paid" and payment.status == "succeeded"
    txn.refresh_from_db()
    assert txn.trade_state == "SUCCESS" and txn.payer_openid == openid


def test_the_pay_sheet_refuses_another_wechat_user_and_a_forged_sign(gateway):
    phone, customer = _signed_in_phone("amin")
    order = h.goods_order(customer=customer)
    inv = _invoke(phone.post(f"/orders/{order.public_id}/pay/wechat/"))
    stranger = wechat_phone("xiaohong")
    other = stranger.post("/sandbox/wechatpay/jsapi/pay", json.dumps(inv), content_type="application/json").json()
    assert other["err_msg"] == "get_brand_wcpay_request:fail" and "not the payer" in other["err_desc"]
    forged = {**inv, "package": inv["package"], "nonceStr": inv["nonceStr"] + "x"}
    bad = phone.post("/sandbox/wechatpay/jsapi/pay", json.dumps(forged), content_type="application/json").json()
    assert bad["err_msg"] == "get_brand_wcpay_request:fail" and "paySign" in bad["err_desc"]
    assert SandboxTransaction.objects.get().trade_state == "NOTPAY"


def test_a_password_customer_inside_wechat_binds_an_openid_before_paying(gateway):
    alice = factories.user()
    order = h.goods_order(customer=alice)
    phone = wechat_phone("laowang")
    phone.force_login(alice)
    resp = phone.post(f"/orders/{order.public_id}/pay/wechat/")
    assert resp.status_code == 302 and resp["Location"].startswith("/auth/wechat/start?")
    cb = authorize(phone, to_authorize(phone, resp["Location"]))  # silent: snsapi_base
    assert phone.get(callback_path(cb))["Location"] == f"/orders/{order.public_id}/pay/"
    assert WechatIdentity.objects.get().user == alice
    page = phone.post(f"/orders/{order.public_id}/pay/wechat/")
    assert page.status_code == 200
    assert Payment.objects.get(order=order).payer_openid == oauth.openid("laowang", config.pay_appid())


def test_outside_wechat_the_pay_page_pays_with_h5_as_before(gateway):
    customer = factories.user()
    order = h.goods_order(customer=customer)
    web_browser = desktop()
    web_browser.force_login(customer)
    page = web_browser.get(f"/orders/{order.public_id}/pay/").content.decode()
    assert 'name="channel" value="h5"' in page and "/pay/wechat/" not in page
    assert web_browser.post(f"/orders/{order.public_id}/pay/wechat/")["Location"] == f"/orders/{order.public_id}/pay/"
    assert not Payment.objects.filter(order=order).exists()
