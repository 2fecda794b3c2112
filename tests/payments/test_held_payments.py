"""Held payments (the gateway took another amount than the attempt's): an operator refunds
them through the gateway or dismisses them with a note; only operators may."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.payments import reconciliation as rec
from o2o.payments import services
from o2o.payments.models import HeldPayment, HeldResolution, Payment, Refund
from o2o.payments.providers import get_gateway
from o2o.payments.services.attempts import new_out_trade_no
from o2o.sandbox import services as sandbox
from o2o.sandbox.models import SandboxRefund, SandboxTransaction
from tests import factories
from tests.payments import helpers as h


def _held_by_notification(expected_fen: int = 5000, received_fen: int = 1) -> HeldPayment:
    order = h.goods_order(price_fen=expected_fen)
    now = clock.now()
    payment = Payment.objects.create(order=order, customer=order.customer, out_trade_no=new_out_trade_no(),
                                     channel="native", amount_fen=expected_fen, status="pending",
                                     description="test", time_expire=order.payment_deadline,
                                     created_at=now, updated_at=now)
    body, headers = h.notification(h.transaction_resource(payment.out_trade_no, received_fen))
    resp = Client().post("/payments/wechatpay/notify", body, content_type="application/json",
                         **h.as_client_headers(headers))
    assert resp.status_code == 204
    return HeldPayment.objects.get(payment=payment)


@pytest.mark.django_db
def test_dismiss_needs_an_operator_and_a_note(api_as):
    held = _held_by_notification()
    url = f"/operator/held-payments/{held.public_id}/dismiss"
    m = factories.merchant()
    for outsider in (held.payment.customer, m.owner, factories.staff(m)):
        resp = api_as(outsider).post(url, {"note": "not mine"})
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "operator_role_required"
    assert api_as().post(url, {"note": "x"}).status_code == 401
    op = api_as(factories.operator())
    assert op.post(url, {"note": ""}).status_code == 422
    assert op.post(url, {}).status_code == 422
    assert op.post(url, {"note": "x" * 301}).status_code == 422
    held.refresh_from_db()
    assert held.status == "open" and not HeldResolution.objects.exists()
    resp = op.post(url, {"note": "payer topped up by bank transfer; order settled offline"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "resolved" and body["action"] == "dismiss" and body["refund"] is None
    assert body["note"].startswith("payer topped up") and body["resolved_at"]
    resolution = HeldResolution.objects.get()
    assert resolution.operator == factories.operator() and resolution.refund is None
    event = OutboxEvent.objects.get(event_type="held_payment.dismissed")
    assert event.aggregate_id == held.public_id and event.payload["received_fen"] == 1
    again = op.post(url, {"note": "twice"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_resolved"
    refund = op.post(f"/operator/held-payments/{held.public_id}/refund", {})
    assert refund.status_code == 409 and not Refund.objects.exists()
    assert op.post("/operator/held-payments/hld_nonsense/dismiss", {"note": "x"}).status_code == 404
    assert op.post("/operator/held-payments/hld_0000000000000000/refund", {}).status_code == 404
    assert op.get("/operator/held-payments", {"status": "resolved"}).json()["results"][0]["id"] == held.public_id


@pytest.mark.django_db
def test_refund_is_operator_only(api_as):
    held = _held_by_notification(received_fen=4999)
    url = f"/operator/held-payments/{held.public_id}/refund"
    assert api_as(held.payment.customer).post(url, {}).status_code == 403
    assert api_as(factories.staff(factories.merchant())).post(url, {}).status_code == 403
    assert not Refund.objects.exists()
    with pytest.raises(Exception) as err:
        services.refund_held_payment(held.payment.customer, held.public_id)
    assert getattr(err.value, "status", None) == 403
    held.refresh_from_db()
    assert held.status == "open"


@pytest.mark.django_db(transaction=True)
def test_refund_through_the_sdk_and_the_day_reconciles(live_server, settings, api_as):
    """The wallet pays another amount than the attempt's (planted at the sandbox): held,
    listed by reconciliation, refunded by an operator through the SDK, then the day is clean."""
    h.point_at(settings, live_server.url)
    order = h.goods_order(price_fen=3000)
    view = services.start_payment(order.customer, order.public_id, "native")
    SandboxTransaction.objects.update(amount_fen=2999)
    assert h.cashier(view.cashier_url, "pay").status_code == 200
    assert sandbox.deliver_due() == 1
    held = HeldPayment.objects.get()
    assert (held.expected_fen, held.received_fen) == (3000, 2999)
    order.refresh_from_db()
    assert order.status == "pending_payment"
    day = clock.now().astimezone(rec.SHANGHAI).date()
    open_run = rec.reconcile(day)
    (diff,) = open_run.differences.all()
    assert diff.kind == "status_mismatch" and diff.platform_status == "held:open" and diff.bill_amount_fen == 2999

    op = api_as(factories.operator())
    resp = op.post(f"/operator/held-payments/{held.public_id}/refund", {"note": "wrong amount, returned"})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "resolved" and body["action"] == "refund"
    assert body["refund"]["amount_fen"] == 2999 and body["refund"]["source"] == "operator"
    assert body["refund"]["source_ref"] == held.public_id and body["refund"]["status"] == "processing"
    refund = Refund.objects.get()
    refund = services.submit_refund(refund.public_id)  # the SDK's refund call; total is what was received
    assert refund.submitted_at is not None and refund.refund_id and refund.last_error == ""
    assert SandboxRefund.objects.get().amount_fen == 2999
    assert sandbox.deliver_due() == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert get_gateway().query_refund(refund.out_refund_no)["status"] == "SUCCESS"
    assert OutboxEvent.objects.filter(event_type="held_payment.refunded", aggregate_id=held.public_id).count() == 1
    again = op.post(f"/operator/held-payments/{held.public_id}/refund", {})
    assert again.status_code == 409 and Refund.objects.count() == 1

    run = rec.reconcile(day)
    assert run.pk == open_run.pk
    assert run.status == "balanced" and run.unresolved_count == 0 and run.matched_count == 2
    assert (run.bill_payment_fen, run.bill_refund_fen) == (2999, 2999)
