"""How the SDK reaches the gateway: the sandbox of this same server in-process (no request
thread, no socket), signed and verified as on the wire; any other gateway over HTTP with a
short timeout that answers 503 gateway_unavailable instead of holding the thread."""

from __future__ import annotations

import copy
import datetime as dt
import socket
import threading
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import connection
from django.utils import translation

from o2o.core import clock
from o2o.payments import services
from o2o.payments.models import Payment
from o2o.payments.providers import GatewayError, PrepayRequest, get_gateway, wechatpay
from o2o.sandbox.models import SandboxTransaction
from tests.payments import helpers as h

pytestmark = pytest.mark.django_db

# Nothing listens here: any call that went over the network to the public URL would fail.
PUBLIC = "http://127.0.0.1:9"


def _configure(settings_fixture, *, gateway_url: str, timeout: int = 5) -> None:
    settings_fixture.PUBLIC_URL = PUBLIC
    conf = copy.deepcopy(settings.PAYMENTS)
    conf["SANDBOX"] = True
    conf["WECHATPAY"].update(MCHID="", GATEWAY_URL=gateway_url, TIMEOUT_SECONDS=timeout,
                             NOTIFY_URL=f"{PUBLIC}/payments/wechatpay/notify")
    settings_fixture.PAYMENTS = conf
    wechatpay._cached.cache_clear()


@pytest.fixture
def own_sandbox(settings):
    _configure(settings, gateway_url=f"{PUBLIC}/sandbox/wechatpay")
    yield get_gateway()
    wechatpay._cached.cache_clear()


def test_the_own_sandbox_is_called_in_process(own_sandbox, api_as):
    assert own_sandbox.config.in_process
    order = h.goods_order(price_fen=1234)
    with translation.override("en"):
        services.start_payment(order.customer, order.public_id, "native")
        # The sandbox's handling left the caller's language alone (no middleware ran).
        assert translation.get_language() == "en"
    resp = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "pending"
    assert body["cashier_url"].startswith(f"{PUBLIC}/sandbox/wechatpay/cashier/")
    txn = SandboxTransaction.objects.get()
    assert txn.out_trade_no == body["out_trade_no"] and txn.amount_fen == 1234
    assert connection.connection is not None  # the caller's database connection is still open
    # Query, close and the trade bill go the same way, through the SDK's signed calls.
    assert own_sandbox.query(txn.out_trade_no)["trade_state"] == "NOTPAY"
    own_sandbox.close(txn.out_trade_no)
    assert own_sandbox.query(txn.out_trade_no)["trade_state"] == "CLOSED"
    bill = own_sandbox.trade_bill(clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date())
    assert bill.content.decode().startswith("交易时间")


def test_in_process_answers_are_still_verified(settings):
    """The SDK checks the sandbox's signature in-process too: a client that trusts another
    platform key refuses the sandbox's (correctly signed) answer."""
    _configure(settings, gateway_url=f"{PUBLIC}/sandbox/wechatpay")
    config = wechatpay.config_from_settings()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    other_pem = other.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    provider = wechatpay.WeChatPayV3Provider(wechatpay.WeChatPayConfig(
        **{**config.__dict__, "public_key_pem": other_pem}))
    assert provider.config.in_process
    order = h.goods_order()
    request = PrepayRequest(channel="native", out_trade_no="T" + order.public_id[-20:], description="x",
                            amount_fen=order.total_fen, time_expire=order.payment_deadline)
    with pytest.raises(GatewayError) as err:
        provider.create_prepay(request)
    assert err.value.code == "BAD_SIGNATURE"
    assert SandboxTransaction.objects.filter(out_trade_no=request.out_trade_no).exists()  # it did get there


@pytest.fixture
def silent_gateway():
    """A gateway that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for c in held:
        c.close()
    server.close()


def test_a_silent_gateway_answers_503_with_retry_after_in_time(settings, silent_gateway, api_as):
    _configure(settings, gateway_url=silent_gateway, timeout=1)
    assert not get_gateway().config.in_process
    order = h.goods_order()
    started = time.monotonic()
    resp = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    elapsed = time.monotonic() - started
    assert resp.status_code == 503, resp.content
    assert resp.json()["error"]["code"] == "gateway_unavailable"
    assert resp["Retry-After"] == "5"
    assert elapsed < 3, elapsed  # the read timeout, not a hung thread
    # The attempt stands (a retry asks again with the same out_trade_no), with the reason.
    payment = Payment.objects.get(order=order)
    assert payment.status == "created" and payment.last_error.startswith("NETWORK")
    wechatpay._cached.cache_clear()


def test_an_unreachable_gateway_is_503_too(settings, api_as):
    _configure(settings, gateway_url="http://127.0.0.1:9/v3-gateway")
    order = h.goods_order()
    resp = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "gateway_unavailable"
    wechatpay._cached.cache_clear()


def test_a_refusing_gateway_is_still_502(settings, api_as):
    """A gateway that answers with a refusal: 502 gateway_error, no retry hint."""
    _configure(settings, gateway_url=f"{PUBLIC}/sandbox/wechatpay")
    order = h.goods_order()
    first = services.start_payment(order.customer, order.public_id, "native")
    # The gateway now holds other parameters for this out_trade_no: OUT_TRADE_NO_USED.
    SandboxTransaction.objects.filter(out_trade_no=first.payment.out_trade_no).update(params_digest="other")
    resp = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    assert resp.status_code == 502 and resp.json()["error"]["code"] == "gateway_error"
    assert "Retry-After" not in resp
    wechatpay._cached.cache_clear()
