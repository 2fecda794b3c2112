"""The whole money flow of a service through the services: buy, pay, redeem, relay,
settle T+1 with a moved clock, batch a payout, mark it paid, and `ledger check` passes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from o2o.core import clock
from o2o.ledger import services as ledger
from o2o.ledger.models import AccountKind, EntryKind, JournalEntry, SettlementStatement
from o2o.ledger.services import account, balance, payable
from o2o.orders import services as orders
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests.ledger.helpers import buy, gateway, relay  # noqa: F401
from tests.shipping.helpers import ship_and_deliver
from tests.vouchers import builders as vb


@pytest.mark.django_db
def test_service_money_flow_end_to_end(gateway, capsys):  # noqa: F811
    w = vb.world()
    w.merchant.commission_rate_bp = 550  # 5.5 %
    w.merchant.save(update_fields=["commission_rate_bp"])
    product = vb.service(w.merchant, price_fen=9999, uses=3)
    order = buy(w.customer, product.skus.get(), 2)
    assert order.status == "paid"
    relay()
    held = account(AccountKind.CUSTOMER_FUNDS_HELD)
    clearing = account(AccountKind.GATEWAY_CLEARING)
    assert balance(held) == 19998 and balance(clearing) == 19998

    v1, v2 = Voucher.objects.filter(order=order).order_by("seq")
    vouchers.redeem(w.staff, w.store.public_id, v1.code, 3)  # all three uses of the first voucher
    vouchers.redeem(w.staff, w.store.public_id, v2.code, 1)
    relay()
    used_1 = vouchers.used_value_fen(9999, 3, 1)
    recognized = 9999 + used_1
    from o2o.core.money import split_rate

    commission = split_rate(9999, 550) + split_rate(used_1, 550)
    assert balance(held) == 19998 - recognized
    assert balance(payable(w.merchant)) == recognized - commission
    assert balance(account(AccountKind.PLATFORM_COMMISSION)) == commission

    # T+1: nothing settles the same day; the day after (past the reversal window) it does.
    assert ledger.settle_due() == []
    clock.advance(dt.timedelta(days=1, hours=1))
    (stmt,) = ledger.settle_due()
    assert (stmt.gross_fen, stmt.commission_fen, stmt.net_fen) == (recognized, commission, recognized - commission)
    assert ledger.settle_due() == []  # never twice

    payout = ledger.create_payout()
    assert payout.total_fen == stmt.net_fen
    csv = ledger.bank_file_csv(payout.public_id)
    assert ledger.yuan(stmt.net_fen) in csv and w.merchant.name in csv
    ledger.mark_paid(payout.public_id, bank_reference="BANK-1")
    relay()
    assert balance(payable(w.merchant)) == 0
    assert balance(clearing) == 19998 - stmt.net_fen
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT_PAID).count() == 1

    call_command("ledger", "check")
    out = capsys.readouterr().out
    assert "OK:" in out


@pytest.mark.django_db
def test_goods_order_recognized_on_confirmation(gateway):  # noqa: F811
    from tests import factories
    from tests.orders import builders as ob

    m = factories.merchant()
    sku = ob.goods(m, price_fen=3333, stock=5)
    customer = factories.user()
    order = buy(customer, sku, 3, address=ob.ADDRESS)
    ship_and_deliver(m, order)
    relay()
    assert not JournalEntry.objects.filter(kind=EntryKind.GOODS_COMPLETED).exists()
    orders.confirm_received(customer, order.public_id)
    relay()
    entry = JournalEntry.objects.get(kind=EntryKind.GOODS_COMPLETED)
    from o2o.core.money import split_rate

    assert balance(payable(m)) == 9999 - split_rate(9999, m.commission_rate_bp)
    assert entry.order_id == order.pk
    clock.advance(dt.timedelta(days=2))
    assert len(ledger.settle_due()) == 1
    assert SettlementStatement.objects.get().gross_fen == 9999
    call_command("ledger", "check")
