"""The whole money flow with the real wechatpayv3 SDK against the sandbox over HTTP:
prepay -> the customer pays at the cashier -> signed, encrypted notification -> order
paid -> voucher redeemed at the counter -> settlement T+1 -> payout marked paid ->
reconciliation with the gateway's bill -> `o2o ledger check` passes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from o2o.core import clock
from o2o.ledger import services as ledger
from o2o.payments import reconciliation
from o2o.payments.providers import get_gateway
from o2o.sandbox import services as sandbox
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests import factories
from tests.payments import helpers as h

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(live_server, settings):
    h.point_at(settings, live_server.url)
    return get_gateway()


def test_pay_redeem_settle_payout_reconcile_check(gateway, api_as, capsys):
    order = h.service_order(price_fen=16800)
    store = factories.store(order.merchant)
    staff = factories.staff(order.merchant, [store])
    pay_day = clock.now()

    r = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    assert r.status_code == 200, r.content
    assert h.cashier(r.json()["cashier_url"], "pay").status_code == 200
    assert sandbox.deliver_due() == 1  # the notification reaches the platform's notify endpoint
    order.refresh_from_db()
    assert order.status == "paid"

    voucher = Voucher.objects.get(order=order)
    vouchers.redeem(staff, store.public_id, voucher.code, 1)
    ledger.relay_pending()

    clock.advance(dt.timedelta(days=1, hours=2))
    statements = ledger.settle_due()
    assert [s.merchant_id for s in statements] == [order.merchant_id]
    payout = ledger.create_payout()
    assert payout.total_fen == statements[0].net_fen > 0
    ledger.mark_paid(payout.public_id, bank_reference="E2E-1")

    run = reconciliation.reconcile(pay_day.astimezone(dt.timezone(dt.timedelta(hours=8))).date())
    assert run.status != "failed", run.error if hasattr(run, "error") else run
    assert not reconciliation.unresolved_differences().exists()

    call_command("ledger", "check")
    assert "ok" in capsys.readouterr().out.lower()
