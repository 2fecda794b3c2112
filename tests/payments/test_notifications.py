"""The notify endpoint: signature, replay window, decryption, exactly-once, held amounts."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.orders.models import PaymentRecord
from o2o.payments.models import HeldPayment, NotificationLog, Payment
from o2o.payments.services.attempts import new_out_trade_no
from tests.payments import helpers as h

URL = "/payments/wechatpay/notify"


def _attempt(order) -> Payment:
    now = clock.now()
    return Payment.objects.create(order=order, customer=order.customer, out_trade_no=new_out_trade_no(),
                                  channel="native", amount_fen=order.total_fen, status="pending",
                                  description="test", time_expire=order.payment_deadline,
                                  created_at=now, updated_at=now)


def _post(body: bytes, headers: dict, client: Client | None = None):
    return (client or Client()).post(URL, body, content_type="application/json", **h.as_client_headers(headers))


def _nothing_recorded(order, payment) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == "pending_payment" and payment.status == "pending"
    assert not PaymentRecord.objects.filter(order=order).exists()
    assert not OutboxEvent.objects.filter(event_type="payment.succeeded").exists()


@pytest.mark.django_db
def test_valid_notification_pays_once_and_duplicates_change_nothing():
    order = h.goods_order(price_fen=1999)
    payment = _attempt(order)
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, 1999))
    first = _post(body, headers)
    assert first.status_code == 204
    again = _post(body, headers)
    assert again.status_code == 204
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == "paid" and payment.status == "succeeded"
    assert PaymentRecord.objects.filter(order=order).count() == 1
    assert list(NotificationLog.objects.order_by("id").values_list("outcome", flat=True)) == ["applied", "duplicate"]


@pytest.mark.django_db
def test_forged_signature_is_rejected():
    order = h.goods_order()
    payment = _attempt(order)
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, order.total_fen),
                                   sign_with=h.other_private_key_pem())
    resp = _post(body, headers)
    assert resp.status_code == 401 and resp.json()["code"] == "FAIL"
    _nothing_recorded(order, payment)
    log = NotificationLog.objects.get()
    assert not log.verified and log.outcome == "rejected" and log.reason.startswith("bad_signature")


@pytest.mark.django_db
def test_tampered_ciphertext_is_rejected():
    order = h.goods_order()
    payment = _attempt(order)
    # Validly signed after the tampering, so only the AEAD tag catches it.
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, order.total_fen),
                                   tamper_ciphertext=True)
    resp = _post(body, headers)
    assert resp.status_code == 400 and resp.json()["code"] == "FAIL"
    _nothing_recorded(order, payment)
    assert NotificationLog.objects.get().reason.startswith("decrypt_failed")
    # A body changed after signing fails the signature.
    good_body, good_headers = h.notification(h.transaction_resource(payment.out_trade_no, order.total_fen))
    assert _post(good_body.replace(b'"summary": "', b'"summary": "x'), good_headers).status_code == 401
    _nothing_recorded(order, payment)


@pytest.mark.django_db
def test_replayed_old_timestamp_is_rejected():
    order = h.goods_order()
    payment = _attempt(order)
    old = int((clock.now() - dt.timedelta(minutes=5)).timestamp())
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, order.total_fen), timestamp=old)
    resp = _post(body, headers)
    assert resp.status_code == 401
    _nothing_recorded(order, payment)
    assert NotificationLog.objects.get().reason.startswith("stale_timestamp")
    # Just inside the window it is accepted.
    recent = int((clock.now() - dt.timedelta(minutes=4, seconds=50)).timestamp())
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, order.total_fen), timestamp=recent)
    assert _post(body, headers).status_code == 204


@pytest.mark.django_db
def test_amount_mismatch_is_held_for_an_operator(api_as):
    from tests import factories

    order = h.goods_order(price_fen=5000)
    payment = _attempt(order)
    resource = h.transaction_resource(payment.out_trade_no, 1)
    body, headers = h.notification(resource)
    assert _post(body, headers).status_code == 204
    assert _post(body, headers).status_code == 204
    held = HeldPayment.objects.get()
    assert (held.expected_fen, held.received_fen, held.transaction_id) == (5000, 1, resource["transaction_id"])
    _nothing_recorded(order, payment)
    listed = api_as(factories.operator()).get("/operator/held-payments").json()["results"]
    assert [x["id"] for x in listed] == [held.public_id] and listed[0]["order_id"] == order.public_id


@pytest.mark.django_db
def test_unknown_trade_and_garbage_are_rejected():
    body, headers = h.notification(h.transaction_resource("PNOSUCHTRADE0001", 100))
    assert _post(body, headers).status_code == 400
    assert Client().post(URL, b"not json", content_type="application/json").status_code == 401
    assert set(NotificationLog.objects.values_list("outcome", flat=True)) == {"rejected"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_notification_twenty_times_concurrently_credits_once():
    order = h.goods_order(price_fen=8800)
    payment = _attempt(order)
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, 8800))
    gate = threading.Barrier(20)

    def deliver(_):
        gate.wait()
        try:
            return _post(body, headers).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(deliver, range(20)))
    assert statuses == [204] * 20
    order.refresh_from_db()
    assert order.status == "paid"
    assert PaymentRecord.objects.filter(order=order).count() == 1
    assert OutboxEvent.objects.filter(event_type="order.paid", aggregate_id=order.public_id).count() == 1
    assert OutboxEvent.objects.filter(event_type="payment.succeeded", aggregate_id=payment.public_id).count() == 1
    outcomes = sorted(NotificationLog.objects.values_list("outcome", flat=True))
    assert outcomes == ["applied"] + ["duplicate"] * 19
