"""The real wechatpayv3 SDK against the sandbox gateway over HTTP (a live server):
prepay, the cashier, signed and encrypted notifications, refunds, close, bills."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from wechatpayv3 import WeChatPay, WeChatPayType

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.orders import services as orders
from o2o.orders.models import Order, PaymentRecord
from o2o.payments import services
from o2o.payments.keys import demo_keys
from o2o.payments.models import NotificationLog, Payment, Refund
from o2o.payments.providers import GatewayError, PrepayRequest, get_gateway
from o2o.sandbox import services as sandbox
from o2o.sandbox.models import SandboxNotification, SandboxTransaction
from tests import factories
from tests.payments import helpers as h

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(live_server, settings):
    h.point_at(settings, live_server.url)
    return get_gateway()


def _pay_native(order) -> Payment:
    view = services.start_payment(order.customer, order.public_id, "native")
    assert view.payment.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert view.cashier_url
    return view.payment, view.cashier_url


def test_prepay_cashier_notification_order_paid(gateway, api_as):
    order = h.goods_order(price_fen=4321, quantity=2)
    resp = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"},
                                       headers={"Idempotency-Key": "pay-1"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "pending" and body["amount_fen"] == 8642 and body["out_trade_no"] != order.public_id
    page = h.cashier(body["cashier_url"], "pay")
    assert page.status_code == 200 and "Paid" in page.text
    assert sandbox.deliver_due() == 1  # the TRANSACTION.SUCCESS notification, signed and encrypted
    order.refresh_from_db()
    payment = Payment.objects.get(public_id=body["id"])
    assert order.status == "paid" and order.paid_amount_fen == 8642
    assert payment.status == "succeeded" and payment.transaction_id == order.gateway_txn_id
    assert NotificationLog.objects.get().outcome == "applied"
    # The gateway agrees when asked through the SDK.
    assert gateway.query(payment.out_trade_no)["trade_state"] == "SUCCESS"
    # The same notification again (the gateway's retry): success, nothing changes.
    n = SandboxNotification.objects.get()
    SandboxNotification.objects.filter(pk=n.pk).update(next_attempt_at=clock.now())
    assert sandbox.deliver(n.pk) is True
    assert PaymentRecord.objects.filter(order=order).count() == 1
    assert list(NotificationLog.objects.order_by("id").values_list("outcome", flat=True)) == ["applied", "duplicate"]
    assert OutboxEvent.objects.filter(event_type="order.paid", aggregate_id=order.public_id).count() == 1
    # Paying again with the same key returns the same attempt.
    again = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"},
                                        headers={"Idempotency-Key": "pay-1"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_service_order_paid_at_cashier_issues_vouchers(gateway):
    from o2o.vouchers.models import Voucher

    order = h.service_order(price_fen=5000)
    view = services.start_payment(order.customer, order.public_id, "jsapi", openid="o_buyer")
    # The JSAPI wallet parameters are signed with the merchant key over appId, timeStamp, nonceStr, package.
    inv = view.invoke
    assert inv["package"] == f"prepay_id={view.payment.prepay_id}"
    pub = serialization.load_pem_public_key(demo_keys().merchant_public_pem.encode())
    msg = f"{inv['appId']}\n{inv['timeStamp']}\n{inv['nonceStr']}\n{inv['package']}\n".encode()
    pub.verify(base64.b64decode(inv["paySign"]), msg, padding.PKCS1v15(), hashes.SHA256())
    assert h.cashier(view.cashier_url, "pay").status_code == 200
    sandbox.deliver_due()
    order.refresh_from_db()
    assert order.status == "paid"
    assert Voucher.objects.filter(order=order).count() == 1


def test_h5_prepay_and_failed_and_abandoned_payments(gateway):
    order = h.goods_order()
    view = services.start_payment(order.customer, order.public_id, "h5", client_ip="10.0.0.8")
    assert view.payment.h5_url.endswith(f"/cashier/{SandboxTransaction.objects.get().prepay_id}")
    assert "left without paying" in h.cashier(view.cashier_url, "abandon").text
    assert gateway.query(view.payment.out_trade_no)["trade_state"] == "NOTPAY"
    assert h.cashier(view.cashier_url, "fail").status_code == 200
    assert gateway.query(view.payment.out_trade_no)["trade_state"] == "PAYERROR"
    assert sandbox.deliver_due() == 0  # WeChat notifies success only
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_refund_through_the_sdk_with_notification(gateway):
    order = h.goods_order(price_fen=10000)
    payment, url = _pay_native(order)
    h.cashier(url, "pay")
    sandbox.deliver_due()
    order.refresh_from_db()
    refund = services.refund_order(order, 3000, reason="尺码不合适")
    assert refund.status == "processing" and refund.submitted_at is None
    refund = services.submit_refund(refund.public_id)  # the SDK's refund call
    assert refund.submitted_at is not None and refund.refund_id
    assert refund.status == "processing"  # accepted only; the outcome comes by notification
    assert sandbox.deliver_due() == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.succeeded_at is not None
    assert gateway.query_refund(refund.out_refund_no)["status"] == "SUCCESS"
    # Never more than paid minus already refunded.
    with pytest.raises(Exception) as err:
        services.refund_order(order, 7001)
    assert getattr(err.value, "code", "") == "refund_exceeds_paid"
    last = services.refund_order(order, 7000)
    services.submit_refund(last.public_id)
    sandbox.deliver_due()
    assert Refund.objects.filter(payment=payment, status="succeeded").count() == 2
    assert services.refundable_fen(Payment.objects.get(pk=payment.pk)) == 0
    # The day's trade bill, fetched and hash-checked through the SDK, lists both.
    bill = gateway.trade_bill(clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date())
    rows = list(csv.reader(io.StringIO(bill.content.decode())))
    assert rows[0][0] == "交易时间"
    details = [r for r in rows[1:-2]]
    assert {r[9] for r in details} == {"`SUCCESS", "`REFUND"}
    assert all(r[6] == "`" + payment.out_trade_no for r in details)
    assert rows[-1][0] == "`3" and rows[-1][1] == "`100.00" and rows[-1][2] == "`100.00"


def test_payment_for_a_closed_order_is_refunded_automatically(gateway):
    order = h.goods_order(price_fen=2500)
    payment, url = _pay_native(order)
    orders.cancel_order(order.customer, order.public_id)
    h.cashier(url, "pay")  # the wallet does not know the order closed
    sandbox.deliver_due()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == "closed" and payment.status == "succeeded"
    refund = Refund.objects.get(payment=payment)
    assert refund.source == "closed_order" and refund.amount_fen == 2500
    services.submit_refund(refund.public_id)
    sandbox.deliver_due()
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert NotificationLog.objects.filter(outcome="refunding").count() == 1


def test_unpaid_attempt_closed_at_the_gateway_when_the_order_closes(gateway):
    order = h.goods_order()
    payment, url = _pay_native(order)
    clock.advance(dt.timedelta(minutes=16))
    assert orders.close_expired_orders() == 1
    assert services.close_stale_attempts() == 1
    payment.refresh_from_db()
    assert payment.status == "closed"
    assert gateway.query(payment.out_trade_no)["trade_state"] == "CLOSED"
    clock.reset()
    page = requests.get(url, timeout=10).text
    assert "CLOSED" in page and 'value="pay"' not in page  # nothing left to pay at the cashier


def test_out_trade_no_used(gateway):
    expire = clock.now() + dt.timedelta(minutes=10)
    req = PrepayRequest(channel="native", out_trade_no="T" + "1" * 20, description="测试", amount_fen=100,
                        time_expire=expire)
    first = gateway.create_prepay(req)
    assert gateway.create_prepay(req).code_url == first.code_url  # same parameters: the current prepay
    changed = PrepayRequest(**{**req.__dict__, "amount_fen": 101})
    with pytest.raises(GatewayError) as err:
        gateway.create_prepay(changed)
    assert err.value.code == "OUT_TRADE_NO_USED"


def test_sandbox_rejects_a_badly_signed_sdk_request(gateway):
    k = demo_keys()
    config = gateway.config
    forger = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=k.mchid, private_key=h.other_private_key_pem(),
                       cert_serial_no=k.cert_serial_no, appid=k.appid, apiv3_key=k.apiv3_key,
                       notify_url=config.notify_url, public_key=k.platform_public_pem, public_key_id=k.public_key_id)
    forger._core._gate_way = config.gateway_url
    code, message = forger.pay(description="x", out_trade_no="FORGED000001", amount={"total": 1})
    assert code == 401 and '"SIGN_ERROR"' in message
    assert not SandboxTransaction.objects.exists()


def test_notifications_are_retried_with_back_off(gateway, live_server):
    order = h.goods_order()
    payment, url = _pay_native(order)
    SandboxTransaction.objects.update(notify_url=f"{live_server.url}/no-such-endpoint")
    h.cashier(url, "pay")
    n = SandboxNotification.objects.get()
    assert sandbox.deliver_due() == 0
    n.refresh_from_db()
    assert n.attempts == 1 and n.last_status == 404 and n.next_attempt_at is not None
    assert sandbox.deliver_due() == 0 and SandboxNotification.objects.get().attempts == 1  # not due yet
    SandboxNotification.objects.update(url=f"{live_server.url}/payments/wechatpay/notify")
    clock.advance(dt.timedelta(seconds=15))
    assert sandbox.deliver_due() == 1
    order.refresh_from_db()
    assert order.status == "paid"
    assert Order.objects.get(pk=order.pk).gateway_txn_id == Payment.objects.get(pk=payment.pk).transaction_id
    assert factories  # builders used through helpers
