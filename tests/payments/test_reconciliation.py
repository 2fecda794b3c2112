"""Reconciliation with the real wechatpayv3 SDK against the sandbox over HTTP (a live
server): paid orders and a refund reconcile cleanly; planted differences are found."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.payments import reconciliation as rec
from o2o.payments import services
from o2o.payments.models import Payment, ReconciliationRun, Refund
from o2o.payments.providers import get_gateway
from o2o.payments.services.attempts import new_out_trade_no
from o2o.sandbox import services as sandbox
from o2o.sandbox.models import SandboxMerchant, SandboxTransaction
from tests import factories
from tests.payments import helpers as h

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(live_server, settings):
    h.point_at(settings, live_server.url)
    return get_gateway()


def _paid(price_fen: int) -> Payment:
    """A goods order paid at the sandbox cashier; the notification applied."""
    order = h.goods_order(price_fen=price_fen)
    view = services.start_payment(order.customer, order.public_id, "native")
    assert h.cashier(view.cashier_url, "pay").status_code == 200
    assert sandbox.deliver_due() == 1
    payment = Payment.objects.get(pk=view.payment.pk)
    assert payment.status == "succeeded"
    return payment


def _refunded(payment: Payment, amount_fen: int) -> Refund:
    refund = services.refund_order(payment.order, amount_fen, reason="部分退款")
    services.submit_refund(refund.public_id)
    assert sandbox.deliver_due() == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    return refund


def _day(payment: Payment) -> dt.date:
    return payment.paid_at.astimezone(rec.SHANGHAI).date()


@pytest.fixture
def day_of_trade(gateway):
    """Three paid orders (one of them 0.01 yuan) and a partial refund, all through the SDK."""
    payments = [_paid(1), _paid(123450), _paid(1999)]
    refund = _refunded(payments[1], 30050)
    return payments, refund


def _kinds(run: ReconciliationRun) -> list[tuple[str, str]]:
    return sorted((d.kind, d.out_refund_no or d.out_trade_no) for d in run.differences.filter(resolved_at=None))


def test_clean_day_has_no_differences(day_of_trade):
    payments, refund = day_of_trade
    run = rec.reconcile(_day(payments[0]))
    assert run.status == "balanced" and run.error == ""
    assert (run.bill_payment_count, run.bill_refund_count) == (3, 1)
    assert run.bill_payment_fen == run.platform_payment_fen == 1 + 123450 + 1999
    assert run.bill_refund_fen == run.platform_refund_fen == 30050
    assert run.matched_count == 4 and run.difference_count == 0
    assert not rec.unresolved_differences().exists()
    lines = {(ln.type, ln.out_refund_no or ln.out_trade_no): ln for ln in run.lines.all()}
    assert lines[("refund", refund.out_refund_no)].amount_fen == 30050
    assert lines[("refund", refund.out_refund_no)].refund_id == refund.refund_id
    assert {lines[("payment", p.out_trade_no)].transaction_id for p in payments} == \
        {p.transaction_id for p in payments}
    assert lines[("payment", payments[0].out_trade_no)].amount_fen == 1
    assert lines[("payment", payments[0].out_trade_no)].raw.startswith("`")
    assert OutboxEvent.objects.filter(event_type="reconciliation.completed", aggregate_id=run.public_id).count() == 1


def _plant_unknown_sandbox_payment(amount_fen: int) -> SandboxTransaction:
    """Money the gateway took for a trade number the platform never issued."""
    now = clock.now()
    m = SandboxMerchant.objects.get()
    return SandboxTransaction.objects.create(
        merchant=m, out_trade_no="PLANTED" + secrets.token_hex(6).upper(), trade_type="NATIVE",
        params_digest="planted", appid=m.appid, description="planted", notify_url="http://127.0.0.1:9/n",
        amount_fen=amount_fen, prepay_id="wx" + secrets.token_hex(12), code=secrets.token_hex(8),
        trade_state="SUCCESS", transaction_id="4200" + secrets.token_hex(10), success_time=now,
        created_at=now, updated_at=now)


def _plant_platform_only_payment(amount_fen: int) -> Payment:
    """A payment the platform marked succeeded that the gateway never saw."""
    order = h.goods_order(price_fen=amount_fen)
    now = clock.now()
    return Payment.objects.create(order=order, customer=order.customer, out_trade_no=new_out_trade_no(),
                                  channel="native", amount_fen=amount_fen, status="succeeded",
                                  description="planted", time_expire=order.payment_deadline,
                                  transaction_id="4200" + secrets.token_hex(10), trade_state="SUCCESS",
                                  paid_at=now, created_at=now, updated_at=now)


def test_planted_differences_are_found(day_of_trade):
    payments, refund = day_of_trade
    day = _day(payments[0])
    ghost = _plant_unknown_sandbox_payment(777)
    phantom = _plant_platform_only_payment(4200)
    Payment.objects.filter(pk=payments[2].pk).update(amount_fen=2000)  # the platform says 20.00, the bill 19.99
    run = rec.reconcile(day)
    assert run.status == "differences"
    assert _kinds(run) == sorted([("missing_in_platform", ghost.out_trade_no),
                                  ("missing_in_bill", phantom.out_trade_no),
                                  ("amount_mismatch", payments[2].out_trade_no)])
    by_kind = {d.kind: d for d in rec.unresolved_differences()}
    assert (by_kind["missing_in_platform"].bill_amount_fen, by_kind["missing_in_platform"].platform_amount_fen) \
        == (777, None)
    assert by_kind["missing_in_platform"].transaction_id == ghost.transaction_id
    assert by_kind["missing_in_platform"].bill_line.out_trade_no == ghost.out_trade_no
    assert (by_kind["missing_in_bill"].platform_amount_fen, by_kind["missing_in_bill"].bill_amount_fen) == (4200, None)
    assert by_kind["missing_in_bill"].payment_id == phantom.pk
    assert (by_kind["amount_mismatch"].platform_amount_fen, by_kind["amount_mismatch"].bill_amount_fen) == (2000, 1999)
    assert run.matched_count == 3 and run.unresolved_count == 3
    assert run.bill_payment_count == 4 and run.platform_payment_count == 4


def test_refund_and_state_differences(day_of_trade):
    payments, refund = day_of_trade
    day = _day(payments[0])
    Refund.objects.filter(pk=refund.pk).update(out_refund_no="RMOVED" + secrets.token_hex(4))
    Payment.objects.filter(pk=payments[0].pk).update(status="pending")
    run = rec.reconcile(day)
    kinds = {(d.kind, d.type) for d in run.differences.all()}
    assert kinds == {("missing_in_platform", "refund"), ("missing_in_bill", "refund"),
                     ("status_mismatch", "payment")}
    state = run.differences.get(kind="status_mismatch")
    assert (state.platform_status, state.bill_status) == ("pending", "SUCCESS")
    assert run.differences.get(kind="missing_in_platform").out_refund_no == refund.out_refund_no


def test_rerun_replaces_unresolved_and_keeps_resolved(day_of_trade):
    payments, _ = day_of_trade
    day = _day(payments[0])
    ghost = _plant_unknown_sandbox_payment(5)
    Payment.objects.filter(pk=payments[2].pk).update(amount_fen=2000)
    first = rec.reconcile(day)
    assert first.unresolved_count == 2
    old_ids = set(first.differences.values_list("public_id", flat=True))
    again = rec.reconcile(day)  # idempotent per day: the same run, the same findings
    assert again.pk == first.pk and ReconciliationRun.objects.count() == 1
    assert again.unresolved_count == 2 and again.lines.count() == 5
    assert not old_ids & set(again.differences.values_list("public_id", flat=True))
    ghost_diff = again.differences.get(kind="missing_in_platform")
    resolved = rec.resolve_difference(factories.operator(), ghost_diff.public_id, "test transaction at the gateway")
    assert resolved.resolved_at is not None and resolved.resolved_by == factories.operator()
    Payment.objects.filter(pk=payments[2].pk).update(amount_fen=1999)  # the platform's record corrected
    third = rec.reconcile(day)
    assert third.unresolved_count == 0 and third.status == "resolved"
    (kept,) = third.differences.all()
    assert kept.public_id == ghost_diff.public_id and kept.resolved_at is not None
    assert kept.transaction_id == ghost.transaction_id
    assert not rec.unresolved_differences(day).exists()


def test_operator_api(day_of_trade, api_as):
    payments, _ = day_of_trade
    day = _day(payments[0])
    _plant_unknown_sandbox_payment(300)
    op = api_as(factories.operator())
    customer = api_as(payments[0].customer)
    assert customer.post("/operator/reconciliations", {"bill_date": day.isoformat()}).status_code == 403
    resp = op.post("/operator/reconciliations", {"bill_date": day.isoformat()})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["status"] == "differences" and body["bill_date"] == day.isoformat()
    (diff,) = body["differences"]
    assert diff["kind"] == "missing_in_platform" and diff["bill_amount_fen"] == 300 and diff["resolved_at"] is None
    listed = op.get("/operator/reconciliations").json()["results"]
    assert [r["id"] for r in listed] == [body["id"]]
    assert op.get(f"/operator/reconciliations/{body['id']}").json()["differences"][0]["id"] == diff["id"]
    assert op.get("/operator/reconciliation-differences", {"resolved": "false"}).json()["results"][0]["id"] \
        == diff["id"]
    assert customer.get(f"/operator/reconciliations/{body['id']}").status_code == 403
    assert customer.post(f"/operator/reconciliation-differences/{diff['id']}/resolve",
                         {"note": "x"}).status_code == 403
    assert op.post(f"/operator/reconciliation-differences/{diff['id']}/resolve", {"note": ""}).status_code == 422
    done = op.post(f"/operator/reconciliation-differences/{diff['id']}/resolve", {"note": "gateway test payment"})
    assert done.status_code == 200 and done.json()["note"] == "gateway test payment"
    assert done.json()["resolved_by"] == factories.operator().public_id
    twice = op.post(f"/operator/reconciliation-differences/{diff['id']}/resolve", {"note": "again"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_resolved"
    assert op.get(f"/operator/reconciliations/{body['id']}").json()["status"] == "resolved"
    assert op.get("/operator/reconciliation-differences", {"resolved": "false"}).json()["results"] == []
    assert op.get("/operator/reconciliations/rec_nonsense").status_code == 404
    assert op.post("/operator/reconciliation-differences/rcd_0000000000000000/resolve",
                   {"note": "x"}).status_code == 404
    tomorrow = clock.now().astimezone(rec.SHANGHAI).date() + dt.timedelta(days=1)
    future = op.post("/operator/reconciliations", {"bill_date": tomorrow.isoformat()})
    assert future.status_code == 422 and future.json()["error"]["code"] == "bill_date_in_future"
    assert op.post("/operator/reconciliations", {"bill_date": "yesterday"}).status_code == 422
    ancient = op.post("/operator/reconciliations", {"bill_date": "0001-01-01"})
    assert ancient.status_code == 422 and ancient.json()["error"]["code"] == "bill_date_too_old"
