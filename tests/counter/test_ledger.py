"""Money stays exact: two counters redeem one single-use voucher offline, one applies and
one is a conflict; the books balance. The owner charges the customer: the new order is
pending payment, and once paid its voucher is used at once (the service was given), the
ledger recognizing it like any sale."""

from __future__ import annotations

import pytest

from o2o.counter import resolve, services
from o2o.ledger import services as ledger
from o2o.ledger.models import EntryKind, JournalEntry
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.vouchers.models import Voucher
from tests.counter import helpers as h
from tests.ledger.helpers import drain, gateway, pay  # noqa: F401
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


def _books_ok() -> None:
    drain()
    ledger.relay_pending()
    report = ledger.run_checks()
    assert report.ok, report.problems


def test_conflict_never_double_counted_and_charge_is_a_real_sale(gateway):  # noqa: F811
    w = b.world()
    d1, _ = h.device(w, name="A")
    d2, _ = h.device(w, name="B")
    product = b.service(w.merchant, price_fen=12800)
    sku = product.skus.get()
    (order,) = orders.place_orders(w.customer, [orders.Item(sku.public_id, 1)])
    pay(order)
    v = Voucher.objects.get(order=order)
    won, _ = services.upload(d1, [h.item(v, w.store)])
    lost, _ = services.upload(d2, [h.item(v, w.store)])
    assert won[0]["result"] == "applied" and lost[0]["result"] == "conflict"
    _books_ok()
    recognized = JournalEntry.objects.filter(kind=EntryKind.VOUCHER_REDEEMED)
    assert recognized.count() == 1  # the conflict posted nothing

    conflict = resolve.charge(w.owner, lost[0]["conflict"])
    assert conflict.status == "charged"
    charge = Order.objects.get(pk=conflict.order_id)
    assert (charge.status, charge.total_fen, charge.customer_id) == ("pending_payment", 12800, w.customer.pk)
    _books_ok()  # an unpaid order moves no money
    pay(charge)
    charge.refresh_from_db()
    issued = Voucher.objects.get(order=charge)
    assert (issued.status, issued.uses_left) == ("used", 0)
    assert charge.status == "completed"
    assert issued.redemptions.get().store == w.store
    _books_ok()
    assert JournalEntry.objects.filter(kind=EntryKind.VOUCHER_REDEEMED).count() == 2
