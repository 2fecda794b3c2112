"""Shared builders for payments tests: orders to pay, the sandbox wired to a live server,
signed notifications made the way the gateway makes them."""

from __future__ import annotations

import copy
import json
import re
import secrets

import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from o2o.core import clock
from o2o.orders import services as orders
from o2o.orders.services import Item
from o2o.payments.keys import demo_keys
from o2o.payments.providers import wechatpay
from o2o.sandbox import protocol
from tests import factories
from tests.orders import builders as b


def goods_order(price_fen: int = 3000, quantity: int = 1, customer=None):
    m = factories.merchant()
    sku = b.goods(m, price_fen=price_fen, stock=10)
    customer = customer or factories.user()
    (order,) = orders.place_orders(customer, [Item(sku.public_id, quantity)], shipping_address=b.ADDRESS)
    return order


def service_order(price_fen: int = 5000, customer=None):
    m = factories.merchant()
    factories.store(m)  # a service is sold only where a store can serve it
    sku = b.voucher_service(m, price_fen=price_fen)
    customer = customer or factories.user()
    (order,) = orders.place_orders(customer, [Item(sku.public_id, 1)])
    return order


def point_at(settings_fixture, base_url: str) -> None:
    """Payments through the sandbox at `base_url` (a live server), notifications back to it."""
    conf = copy.deepcopy(settings.PAYMENTS)
    conf["SANDBOX"] = True
    conf["WECHATPAY"]["MCHID"] = ""
    conf["WECHATPAY"]["GATEWAY_URL"] = f"{base_url}/sandbox/wechatpay"
    conf["WECHATPAY"]["NOTIFY_URL"] = f"{base_url}/payments/wechatpay/notify"
    settings_fixture.PAYMENTS = conf
    wechatpay._cached.cache_clear()


def other_private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def transaction_resource(out_trade_no: str, amount_fen: int, *, txn_id: str | None = None,
                         state: str = "SUCCESS") -> dict:
    k = demo_keys()
    return {"appid": k.appid, "mchid": k.mchid, "out_trade_no": out_trade_no,
            "transaction_id": txn_id or "4200" + "".join(secrets.choice("0123456789") for _ in range(24)),
            "trade_type": "NATIVE", "trade_state": state, "trade_state_desc": "支付成功", "bank_type": "OTHERS",
            "attach": "", "success_time": clock.now().isoformat(timespec="seconds"),
            "payer": {"openid": "o_test"}, "amount": {"total": amount_fen, "payer_total": amount_fen,
                                                      "currency": "CNY", "payer_currency": "CNY"}}


def notification(resource: dict, *, event_type: str = "TRANSACTION.SUCCESS", original_type: str = "transaction",
                 timestamp: int | None = None, tamper_ciphertext: bool = False,
                 sign_with: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A notification body and headers as the gateway sends them (optionally spoiled)."""
    enc = protocol.encrypt_resource(demo_keys().apiv3_key, resource, original_type, original_type)
    if tamper_ciphertext:
        raw = bytearray(__import__("base64").b64decode(enc["ciphertext"]))
        raw[3] ^= 0x01
        enc["ciphertext"] = __import__("base64").b64encode(bytes(raw)).decode()
    body = json.dumps({"id": secrets.token_hex(18), "create_time": clock.now().isoformat(timespec="seconds"),
                       "resource_type": "encrypt-resource", "event_type": event_type, "summary": "支付成功",
                       "resource": enc}, ensure_ascii=False)
    headers = protocol.signature_headers(body, timestamp=timestamp)
    if sign_with is not None:
        import base64

        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        key = serialization.load_pem_private_key(sign_with.encode(), password=None)
        msg = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body}\n".encode()
        headers["Wechatpay-Signature"] = base64.b64encode(
            key.sign(msg, padding.PKCS1v15(), hashes.SHA256())).decode()
    return body.encode(), headers


def as_client_headers(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}


def cashier(url: str, action: str = "pay") -> requests.Response:
    """A person at the sandbox cashier: open the page, press a button (with the CSRF token)."""
    s = requests.Session()
    page = s.get(url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return s.post(url, data={"csrfmiddlewaretoken": token, "action": action},
                  headers={"Referer": url}, timeout=10)
