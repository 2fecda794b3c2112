"""Reconciliation with a stand-in gateway: failures recorded, empty days, the daily task."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from o2o.core import clock, schedule
from o2o.payments import reconciliation as rec
from o2o.payments.models import Payment, ReconciliationRun
from o2o.payments.providers import Bill, GatewayError, use_gateway
from o2o.payments.services.attempts import new_out_trade_no
from tests import factories
from tests.payments import helpers as h
from tests.payments.test_reconciliation_bill import _bill, _row

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)
NOON_NEXT_DAY = dt.datetime(2026, 3, 2, 12, 0, tzinfo=rec.SHANGHAI)


class BillGateway:
    name = "stub"

    def __init__(self) -> None:
        self.content: bytes = b""
        self.error: GatewayError | None = None
        self.asked: list[dt.date] = []

    def trade_bill(self, bill_date: dt.date, bill_type: str = "ALL") -> Bill:
        self.asked.append(bill_date)
        if self.error is not None:
            raise self.error
        return Bill(content=self.content, hash_type="SHA1", hash_value="stub")


@pytest.fixture
def gw():
    g = BillGateway()
    use_gateway(g)
    yield g
    use_gateway(None)


def _payment(amount_fen: int, paid_at: dt.datetime) -> Payment:
    order = h.goods_order(price_fen=amount_fen)
    return Payment.objects.create(order=order, customer=order.customer, out_trade_no=new_out_trade_no(),
                                  channel="native", amount_fen=amount_fen, status="succeeded", description="t",
                                  time_expire=order.payment_deadline, transaction_id="4200" + secrets.token_hex(8),
                                  trade_state="SUCCESS", paid_at=paid_at, created_at=paid_at, updated_at=paid_at)


def _line(p: Payment, when: str) -> str:
    yuan = f"{p.amount_fen // 100}.{p.amount_fen % 100:02d}"
    return _row(**{"交易时间": when, "微信订单号": p.transaction_id, "商户订单号": p.out_trade_no,
                   "应结订单金额": yuan, "订单金额": yuan})


def test_business_day_is_shanghai_time(gw):
    # 23:30 Shanghai on the 1st is 15:30 UTC; 00:30 Shanghai on the 2nd belongs to the next day.
    late = _payment(1234, dt.datetime(2026, 3, 1, 23, 30, tzinfo=rec.SHANGHAI))
    _payment(99, dt.datetime(2026, 3, 2, 0, 30, tzinfo=rec.SHANGHAI))
    gw.content = _bill([_line(late, "2026-03-01 23:30:00")], ["1", "12.34", "0.00", "0.00", "0.00", "12.34", "0.00"])
    with clock.frozen(NOON_NEXT_DAY):
        run = rec.reconcile(DAY)
    assert run.status == "balanced" and run.platform_payment_count == 1 and run.matched_count == 1
    assert run.lines.get().trade_time == dt.datetime(2026, 3, 1, 23, 30, tzinfo=rec.SHANGHAI)


def test_gateway_failure_is_recorded_on_the_run(gw, api_as):
    gw.error = GatewayError("SYSTEM_ERROR", "try later", status=500)
    op = api_as(factories.operator())
    with clock.frozen(NOON_NEXT_DAY):
        resp = op.post("/operator/reconciliations", {"bill_date": DAY.isoformat()})
        with pytest.raises(rec.GatewayUnavailable):  # the service itself raises (502 gateway_error)
            rec.reconcile(DAY)
    assert resp.status_code == 200 and resp.json()["status"] == "failed"
    assert resp.json()["error"].startswith("SYSTEM_ERROR") and resp.json()["differences"] == []
    run = ReconciliationRun.objects.get()
    assert run.status == "failed" and run.error.startswith("SYSTEM_ERROR") and run.reconciled_at is None
    assert op.get(f"/operator/reconciliations/{run.public_id}").json()["status"] == "failed"
    # A later success turns the same run into a result; a later failure keeps that result.
    gw.error, gw.content = None, _bill([], ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"])
    with clock.frozen(NOON_NEXT_DAY):
        assert rec.reconcile(DAY).status == "balanced"
        gw.error = GatewayError("NETWORK", "down")
        with pytest.raises(rec.GatewayUnavailable):
            rec.reconcile(DAY)
    run.refresh_from_db()
    assert run.status == "balanced" and run.error.startswith("NETWORK") and run.attempts == 4
    assert ReconciliationRun.objects.count() == 1


def test_malformed_bill_is_refused_and_nothing_is_stored(gw, api_as):
    p = _payment(500, dt.datetime(2026, 3, 1, 9, 0, tzinfo=rec.SHANGHAI))
    gw.content = _bill([_line(p, "2026-03-01 09:00:00")], ["2", "5.00", "0.00", "0.00", "0.00", "5.00", "0.00"])
    with clock.frozen(NOON_NEXT_DAY):
        resp = api_as(factories.operator()).post("/operator/reconciliations", {"bill_date": DAY.isoformat()})
    assert resp.status_code == 200 and resp.json()["status"] == "failed"
    assert resp.json()["error"].startswith("BILL_MALFORMED: the summary counts 2")
    with clock.frozen(NOON_NEXT_DAY), pytest.raises(rec.GatewayUnavailable) as err:
        rec.reconcile(DAY)
    assert err.value.code == "bill_malformed"
    run = ReconciliationRun.objects.get()
    assert run.status == "failed" and run.lines.count() == 0 and run.differences.count() == 0


def test_no_statement_means_an_empty_day(gw):
    p = _payment(800, dt.datetime(2026, 3, 1, 9, 0, tzinfo=rec.SHANGHAI))
    gw.error = GatewayError("NO_STATEMENT_EXIST", "no trades", status=400)
    with clock.frozen(NOON_NEXT_DAY):
        run = rec.reconcile(DAY)
    (diff,) = run.differences.all()
    assert (diff.kind, diff.out_trade_no, diff.platform_amount_fen) == ("missing_in_bill", p.out_trade_no, 800)


def test_daily_task_reconciles_yesterday_once_after_the_bill_is_out(gw):
    assert "payments.reconcile_yesterday" in schedule.registered()
    gw.content = _bill([], ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"])
    with clock.frozen(dt.datetime(2026, 3, 2, 8, 0, tzinfo=rec.SHANGHAI)):
        assert rec.reconcile_due() is None  # the bill is not published yet
    assert gw.asked == []
    gw.error = GatewayError("STATEMENT_CREATING", "not ready")
    with clock.frozen(dt.datetime(2026, 3, 2, 10, 5, tzinfo=rec.SHANGHAI)):
        assert rec.reconcile_due() == "failed"
    gw.error = None
    with clock.frozen(dt.datetime(2026, 3, 2, 11, 5, tzinfo=rec.SHANGHAI)):
        assert rec.reconcile_due() == "balanced"
        assert rec.reconcile_due() is None  # done for the day
    assert gw.asked == [DAY, DAY]
    # 01:00 UTC is 09:00 in Shanghai: the 2nd's bill is not due yet; 03:00 UTC is 11:00.
    with clock.frozen(dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)):
        assert rec.reconcile_due() is None
    with clock.frozen(dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)):
        assert rec.reconcile_due() == "balanced"
    assert gw.asked[-1] == dt.date(2026, 3, 2)


def test_resolving_requires_an_operator(gw):
    _payment(800, dt.datetime(2026, 3, 1, 9, 0, tzinfo=rec.SHANGHAI))
    gw.content = _bill([], ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"])
    with clock.frozen(NOON_NEXT_DAY):
        diff = rec.reconcile(DAY).differences.get()
    with pytest.raises(rec.PermissionDenied):
        rec.resolve_difference(factories.user(), diff.public_id, "no")
    with pytest.raises(rec.ValidationFailed):
        rec.resolve_difference(factories.operator(), diff.public_id, "   ")
    with pytest.raises(rec.NotFound):
        rec.resolve_difference(factories.operator(), "rec_0000000000000000", "wrong prefix")
    assert rec.unresolved_differences(DAY).get() == diff
    assert not rec.unresolved_differences(DAY + dt.timedelta(days=1)).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reconciliations_of_a_day_make_one_run(gw):
    import threading

    from django.db import connection

    _payment(800, dt.datetime(2026, 3, 1, 9, 0, tzinfo=rec.SHANGHAI))
    gw.content = _bill([], ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"])
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            rec.reconcile(DAY)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    with clock.frozen(NOON_NEXT_DAY):  # the clock is process-wide: frozen once for every thread
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    run = ReconciliationRun.objects.get()
    assert run.attempts == 6 and run.differences.count() == 1 and run.unresolved_count == 1


def test_admin_pages_for_reconciliation_and_held_resolutions(gw, admin_client):
    p = _payment(800, dt.datetime(2026, 3, 1, 9, 0, tzinfo=rec.SHANGHAI))
    gw.content = _bill([_line(p, "2026-03-01 09:00:00")], ["1", "8.00", "0.00", "0.00", "0.00", "8.00", "0.00"])
    Payment.objects.filter(pk=p.pk).update(amount_fen=801)
    with clock.frozen(NOON_NEXT_DAY):
        run = rec.reconcile(DAY)
    diff = run.differences.get()
    pages = {
        "/admin/payments/reconciliationrun/": run.public_id,
        f"/admin/payments/reconciliationrun/{run.pk}/change/": p.out_trade_no,
        "/admin/payments/reconciliationdifference/?resolved_at__isempty=1&kind=amount_mismatch": diff.public_id,
        f"/admin/payments/reconciliationdifference/?q={p.out_trade_no}": diff.public_id,
        "/admin/payments/billline/?type=payment": p.out_trade_no,
        "/admin/payments/heldresolution/": "0 held resolutions",
    }
    for url, expected in pages.items():
        resp = admin_client.get(url)
        assert resp.status_code == 200, url
        assert expected in resp.content.decode(), url
