"""`o2o ledger check` passes on sound books and fails, readably, on planted faults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.ledger import conf
from o2o.ledger import services as ledger
from o2o.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine, SettlementStatement
from o2o.ledger.services import Line, account, payable, post
from o2o.payments.models import (
    BillLineType,
    DifferenceKind,
    ReconciliationDifference,
    ReconciliationRun,
    ReconciliationStatus,
)
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests.ledger.helpers import buy, gateway, relay  # noqa: F401
from tests.vouchers import builders as vb


@pytest.fixture
def books(gateway):  # noqa: F811
    """Sound books: a paid order, one voucher redeemed, settled."""
    w = vb.world()
    order = buy(w.customer, vb.service(w.merchant, price_fen=4321).skus.get(), 2)
    v = Voucher.objects.filter(order=order).first()
    vouchers.redeem(w.staff, w.store.public_id, v.code, 1)
    relay()
    clock.advance(dt.timedelta(days=2))
    ledger.settle_due()
    call_command("ledger", "check")
    return w, order


def failing_check(capsys) -> str:
    with pytest.raises(CommandError):
        call_command("ledger", "check")
    return capsys.readouterr().err


@pytest.mark.django_db
def test_unbalanced_entry_inserted_directly_fails(books, capsys):
    now = clock.now()
    entry = JournalEntry.objects.create(kind=EntryKind.MANUAL, occurred_at=now, business_date=conf.business_date(now),
                                        posted_at=now, source_type="planted", source_id="1")
    JournalLine.objects.create(entry=entry, account=account(AccountKind.GATEWAY_CLEARING), amount_fen=100)
    JournalLine.objects.create(entry=entry, account=account(AccountKind.CUSTOMER_FUNDS_HELD), amount_fen=-99)
    err = failing_check(capsys)
    assert "[FAIL] entries balance" in err and f"entry {entry.public_id} (CNY) is off by 1 fen" in err
    # On PostgreSQL a deferred trigger would refuse this entry at commit (the test's
    # teardown checks deferred constraints): take the planted fault out again.
    entry.lines.all().delete()
    entry.delete()


@pytest.mark.django_db
def test_order_paid_with_no_held_entry_fails(books, capsys):
    w, _ = books
    order = buy(w.customer, vb.service(w.merchant, price_fen=555).skus.get())
    # the events are lost before the ledger saw them
    OutboxEvent.objects.filter(relayed_at__isnull=True).update(relayed_at=clock.now())
    err = failing_check(capsys)
    assert "[FAIL] orders accounted for" in err
    assert f"order {order.public_id}: paid 555 fen, held entries 0 fen" in err


@pytest.mark.django_db
def test_recognition_missing_fails(books, capsys):
    _, order = books
    v = Voucher.objects.filter(order=order, uses_left=1).first()
    Voucher.objects.filter(pk=v.pk).update(uses_left=0, status="used")  # used behind the ledger's back
    OutboxEvent.objects.filter(relayed_at__isnull=True).update(relayed_at=clock.now())
    err = failing_check(capsys)
    assert f"order {order.public_id}: recognized 4321 fen, its vouchers/goods are worth 8642 fen" in err


@pytest.mark.django_db
def test_negative_payable_fails(books, capsys):
    w, _ = books
    post(EntryKind.MANUAL, ("planted", "payable"), [Line(payable(w.merchant), 10**9),
                                                    Line(account(AccountKind.GATEWAY_CLEARING), -10**9)])
    err = failing_check(capsys)
    assert "[FAIL] merchant payables not negative" in err and w.merchant.public_id in err


@pytest.mark.django_db
def test_tampered_statement_fails(books, capsys):
    SettlementStatement.objects.update(gross_fen=1, commission_fen=0, net_fen=1)
    err = failing_check(capsys)
    assert "[FAIL] settlements match recognized amounts" in err


@pytest.mark.django_db
def test_unresolved_bill_difference_fails(books, capsys):
    run = ReconciliationRun.objects.create(bill_date=dt.date(2026, 1, 5), status=ReconciliationStatus.DIFFERENCES,
                                           created_at=clock.now(), updated_at=clock.now())
    diff = ReconciliationDifference.objects.create(
        run=run, kind=DifferenceKind.MISSING_IN_PLATFORM, type=BillLineType.PAYMENT, out_trade_no="P123",
        bill_amount_fen=100, detail="paid at the gateway, unknown here", created_at=clock.now())
    err = failing_check(capsys)
    assert "[FAIL] ledger matches the gateway bill" in err
    assert f"bill: {diff.public_id} missing_in_platform payment P123 (platform None fen, bill 100 fen)" in err
    diff.resolved_at = clock.now()
    diff.save(update_fields=["resolved_at"])
    call_command("ledger", "check")  # a resolved difference no longer fails the books


@pytest.mark.django_db
def test_pending_events_are_posted_first_unless_told_not_to(books, capsys):
    w, _ = books
    buy(w.customer, vb.service(w.merchant, price_fen=100).skus.get())
    with pytest.raises(CommandError):
        call_command("ledger", "check", "--no-relay")
    call_command("ledger", "check")
    assert "posted" in capsys.readouterr().out
