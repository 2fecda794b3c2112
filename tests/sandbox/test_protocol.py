"""The sandbox gateway's side of the protocol, with hand-made requests."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import Client

from o2o.payments.keys import demo_keys
from o2o.sandbox.models import SandboxNotification

BASE = "/sandbox/wechatpay"


def _auth(method: str, path: str, body: str, *, key_pem: str | None = None, ts: int | None = None) -> str:
    k = demo_keys()
    key = serialization.load_pem_private_key((key_pem or k.merchant_private_pem).encode(), password=None)
    ts = ts or int(time.time())
    msg = f"{method}\n{path}\n{ts}\nNONCE123\n{body}\n".encode()
    sig = base64.b64encode(key.sign(msg, padding.PKCS1v15(), hashes.SHA256())).decode()
    return (f'WECHATPAY2-SHA256-RSA2048 mchid="{k.mchid}",nonce_str="NONCE123",signature="{sig}",'
            f'timestamp="{ts}",serial_no="{k.cert_serial_no}"')


def _verify_response(resp) -> None:
    pub = serialization.load_pem_public_key(demo_keys().platform_public_pem.encode())
    msg = f"{resp['Wechatpay-Timestamp']}\n{resp['Wechatpay-Nonce']}\n{resp.content.decode()}\n".encode()
    pub.verify(base64.b64decode(resp["Wechatpay-Signature"]), msg, padding.PKCS1v15(), hashes.SHA256())
    assert resp["Wechatpay-Serial"] == demo_keys().public_key_id


def _prepay_body(no: str = "SANDBOX0001") -> str:
    k = demo_keys()
    return json.dumps({"appid": k.appid, "mchid": k.mchid, "description": "测试", "out_trade_no": no,
                       "notify_url": "http://127.0.0.1:9/notify", "amount": {"total": 100, "currency": "CNY"}})


@pytest.mark.django_db
def test_signed_requests_get_signed_answers():
    body = _prepay_body()
    path = "/v3/pay/transactions/native"
    resp = Client().post(BASE + path, body, content_type="application/json",
                         HTTP_AUTHORIZATION=_auth("POST", path, body))
    assert resp.status_code == 200 and resp.json()["code_url"].startswith("weixin://")
    _verify_response(resp)
    q = f"/v3/pay/transactions/out-trade-no/SANDBOX0001?mchid={demo_keys().mchid}"
    got = Client().get(BASE + q, HTTP_AUTHORIZATION=_auth("GET", q, ""))
    assert got.status_code == 200 and got.json()["trade_state"] == "NOTPAY"
    _verify_response(got)
    c = "/v3/pay/transactions/out-trade-no/SANDBOX0001/close"
    cbody = json.dumps({"mchid": demo_keys().mchid})
    closed = Client().post(BASE + c, cbody, content_type="application/json", HTTP_AUTHORIZATION=_auth("POST", c, cbody))
    assert closed.status_code == 204
    _verify_response(closed)


@pytest.mark.django_db
@pytest.mark.parametrize("spoil", ["missing", "other_key", "old_timestamp", "body_changed", "path_changed"])
def test_bad_signatures_get_sign_error(spoil):
    from tests.payments.helpers import other_private_key_pem

    body = _prepay_body()
    path = "/v3/pay/transactions/native"
    auth = {
        "missing": "",
        "other_key": _auth("POST", path, body, key_pem=other_private_key_pem()),
        "old_timestamp": _auth("POST", path, body, ts=int(time.time()) - 600),
        "body_changed": _auth("POST", path, body.replace("100", "1")),
        "path_changed": _auth("POST", "/v3/pay/transactions/jsapi", body),
    }[spoil]
    resp = Client().post(BASE + path, body, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert resp.status_code == 401 and resp.json()["code"] == "SIGN_ERROR"
    assert not SandboxNotification.objects.exists()


@pytest.mark.django_db
def test_unknown_trade_is_order_not_exist():
    q = f"/v3/pay/transactions/out-trade-no/NOPE000001?mchid={demo_keys().mchid}"
    resp = Client().get(BASE + q, HTTP_AUTHORIZATION=_auth("GET", q, ""))
    assert resp.status_code == 404 and resp.json()["code"] == "ORDER_NOT_EXIST"
