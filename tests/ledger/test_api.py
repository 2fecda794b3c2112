"""Ledger API: owners see their own money, operators see everything and run payouts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from o2o.core import clock
from o2o.ledger import services as ledger
from o2o.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests import factories
from tests.ledger.helpers import buy, gateway, relay  # noqa: F401
from tests.vouchers import builders as vb


@pytest.fixture
def settled(gateway):  # noqa: F811
    w = vb.world()
    order = buy(w.customer, vb.service(w.merchant, price_fen=2000).skus.get())
    vouchers.redeem(w.staff, w.store.public_id, Voucher.objects.get(order=order).code, 1)
    relay()
    clock.advance(dt.timedelta(days=2))
    (stmt,) = ledger.settle_due()
    return w, stmt


@pytest.mark.django_db
def test_owner_sees_balance_settlements_and_payouts(settled, api_as):
    w, stmt = settled
    owner = api_as(w.owner)
    bal = owner.get("/merchant/ledger/balance").json()
    assert bal["payable_fen"] == stmt.net_fen == bal["settled_unpaid_fen"] and bal["held_fen"] == 0
    assert bal["commission_fen"] == stmt.commission_fen and bal["unsettled_fen"] == 0
    listed = owner.get("/merchant/settlements").json()["results"]
    assert [s["id"] for s in listed] == [stmt.public_id]
    detail = owner.get(f"/merchant/settlements/{stmt.public_id}").json()
    assert detail["net_fen"] == stmt.net_fen and len(detail["items"]) == 1
    assert detail["items"][0]["kind"] == EntryKind.VOUCHER_REDEEMED
    # another merchant's owner and the merchant's staff see nothing of it
    rival = api_as(w.rival.owner)
    assert rival.get(f"/merchant/settlements/{stmt.public_id}").status_code == 404
    assert rival.get("/merchant/settlements").json()["results"] == []
    assert api_as(w.staff).get("/merchant/ledger/balance").status_code == 403
    assert owner.get("/merchant/settlements/stl_nonsense").status_code == 404

    op = api_as(factories.operator())
    made = op.post("/operator/payouts", {})
    assert made.status_code == 201, made.json()
    payout = made.json()
    assert payout["total_fen"] == stmt.net_fen and payout["lines"][0]["merchant_id"] == w.merchant.public_id
    assert op.post("/operator/payouts", {}).json()["error"]["code"] == "nothing_to_pay"
    csv = op.get(f"/operator/payouts/{payout['id']}/bank-file.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert ledger.yuan(stmt.net_fen) in csv.content.decode()
    paid = op.post(f"/operator/payouts/{payout['id']}/mark-paid", {"bank_reference": "B-77"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    again = op.post(f"/operator/payouts/{payout['id']}/mark-paid", {})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_paid")
    mine = owner.get("/merchant/payouts").json()["results"]
    assert [(p["id"], p["status"], p["amount_fen"]) for p in mine] == [(payout["id"], "paid", stmt.net_fen)]
    assert rival.get("/merchant/payouts").json()["results"] == []


@pytest.mark.django_db
def test_operator_reads_accounts_entries_and_settlements(settled, api_as):
    w, stmt = settled
    op = api_as(factories.operator())
    accounts = op.get("/operator/ledger/accounts", {"page_size": 100}).json()["results"]
    by_kind = {a["kind"]: a for a in accounts if a["merchant_id"] in (None, w.merchant.public_id)}
    assert by_kind[AccountKind.MERCHANT_PAYABLE]["balance_fen"] == stmt.net_fen
    assert by_kind[AccountKind.GATEWAY_CLEARING]["balance_fen"] == 2000
    entries = op.get("/operator/ledger/entries", {"merchant_id": w.merchant.public_id}).json()["results"]
    assert {e["kind"] for e in entries} == {EntryKind.PAYMENT_RECEIVED, EntryKind.VOUCHER_REDEEMED}
    assert all(sum(ln["amount_fen"] for ln in e["lines"]) == 0 for e in entries)
    assert op.get("/operator/ledger/entries", {"kind": "nonsense"}).status_code == 422
    assert [s["id"] for s in op.get("/operator/settlements").json()["results"]] == [stmt.public_id]
    assert op.get(f"/operator/settlements/{stmt.public_id}").json()["items"][0]["net_fen"] == stmt.net_fen
    assert op.get("/operator/payouts/pyo_0000000000000000").status_code == 404
    # customers and merchants are not operators
    assert api_as(w.owner).get("/operator/ledger/accounts").status_code == 403
    assert api_as(w.customer).post("/operator/payouts", {}).status_code == 403
    assert api_as(None).get("/operator/ledger/entries").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_an_unbalanced_entry_at_commit():
    from o2o.ledger import conf
    from o2o.ledger.services import account

    assert connection.vendor == "postgresql"
    a, b = account(AccountKind.GATEWAY_CLEARING), account(AccountKind.CUSTOMER_FUNDS_HELD)
    now = clock.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        entry = JournalEntry.objects.create(kind=EntryKind.MANUAL, occurred_at=now, posted_at=now,
                                            business_date=conf.business_date(now), source_type="t", source_id="1")
        JournalLine.objects.create(entry=entry, account=a, amount_fen=100)
        JournalLine.objects.create(entry=entry, account=b, amount_fen=-99)
    assert not JournalEntry.objects.filter(source_type="t").exists()
    ledger.post(EntryKind.MANUAL, ("t", "2"), [ledger.Line(a, 100), ledger.Line(b, -100)])  # balanced: fine
    assert JournalEntry.objects.filter(source_type="t").count() == 1
