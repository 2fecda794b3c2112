"""The ledger takes the held-refund rule from the payments app that owns it.

A held payment's refund gives back money that never entered the books, so the ledger
must leave it out; which refunds those are is payments.services.is_held_refund (and its
query form), asked by the ledger, never restated there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

import o2o.ledger
from o2o.ledger.models import EntryKind, JournalEntry
from o2o.orders import services as orders
from o2o.payments import services as payments
from o2o.payments.models import HeldPayment, Refund, RefundSource
from tests import factories
from tests.ledger.helpers import gateway, pay, refund_succeeds, relay  # noqa: F401
from tests.vouchers import builders as vb


@pytest.mark.django_db
def test_ledger_and_payments_agree_on_which_refunds_leave_held_funds(gateway):  # noqa: F811
    w = vb.world()
    sku = vb.service(w.merchant, price_fen=900).skus.get()
    # A held payment (800 arrived for a 900 order), given back by an operator.
    (short,) = orders.place_orders(w.customer, [orders.Item(sku.public_id, 1)])
    pay(short, amount_fen=800)
    held_refund = payments.refund_held_payment(factories.operator(), HeldPayment.objects.get().public_id, "back")
    # A payment for an order closed meanwhile: refunded automatically, out of held funds.
    (closed,) = orders.place_orders(w.customer, [orders.Item(sku.public_id, 1)])
    view = payments.start_payment(w.customer, closed.public_id, "native")
    orders.cancel_order(w.customer, closed.public_id)
    payments.apply_transaction({"out_trade_no": view.payment.out_trade_no, "trade_state": "SUCCESS",
                                "transaction_id": "4200777", "amount": {"total": 900, "currency": "CNY"}})
    auto_refund = Refund.objects.get(source=RefundSource.CLOSED_ORDER)
    for refund in (held_refund, auto_refund):
        refund_succeeds(refund)
    relay()

    assert payments.is_held_refund(held_refund) and not payments.is_held_refund(auto_refund)
    # The query form and the predicate are one rule.
    assert set(payments.refunds_out_of_held_funds()) == {r for r in Refund.objects.all()
                                                         if not payments.is_held_refund(r)} == {auto_refund}
    paid_back = set(JournalEntry.objects.filter(kind=EntryKind.REFUND_PAID).values_list("source_id", flat=True))
    assert paid_back == {auto_refund.public_id}
    call_command("ledger", "check")


def test_the_ledger_does_not_restate_the_rule() -> None:
    """The rule's literals (the operator source, the held payment id prefix) appear nowhere
    in the ledger's code: it asks payments."""
    restated = re.compile(r"""["']hld_|source\s*==?\s*["']operator["']""")
    root = Path(o2o.ledger.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "migrations" not in p.parts and restated.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
