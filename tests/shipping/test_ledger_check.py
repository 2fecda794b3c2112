"""The books balance and match the orders after every after-sales path."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.inventory import services as inventory
from o2o.ledger import services as ledger
from o2o.orders import services as orders
from o2o.payments import services as payments
from o2o.payments.models import Refund, RefundStatus
from o2o.shipping import services
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, paid_order, track  # noqa: F401


def _books_ok() -> None:
    for refund in Refund.objects.filter(status=RefundStatus.PROCESSING):
        payments.submit_refund(refund.public_id)
        payments.settle_refund(refund.out_refund_no, "SUCCESS")
    ledger.relay_pending()
    report = ledger.run_checks()
    assert report.ok, report.problems


@pytest.mark.django_db
def test_ledger_check_passes_after_every_after_sales_path(gateway):  # noqa: F811
    m = factories.merchant()
    store = factories.store(m)
    shelf = inventory.create_location(m, name="Shelf", kind="store", store_public_id=store.public_id, priority=9)
    sku = b.goods(m, price_fen=3000, stock=30)
    inventory.set_stock(m, sku.public_id, shelf.public_id, 5)
    customer = factories.user()

    def delivered(qty: int):
        order = paid_order(customer, [(sku, qty)])
        track(services.create_parcel(m, order.public_id), "delivered")
        return order

    cancelled = paid_order(customer, [(sku, 1)])
    orders.cancel_order(customer, cancelled.public_id)
    _books_ok()

    returned = delivered(3)
    ret = services.request_after_sale(customer, returned.public_id, kind="return", reason="too many",
                                      lines=[(returned.lines.get().public_id, 2)])
    services.approve(m, ret.public_id)
    track(services.ship_return(customer, ret.public_id), "delivered")
    services.receive_return(m, ret.public_id, amount_fen=5000, resellable=True)
    _books_ok()
    services.confirm(customer, returned.public_id)  # the rest is the merchant's
    _books_ok()

    damaged = delivered(2)
    only = services.request_after_sale(customer, damaged.public_id, kind="refund_only", reason="crushed box",
                                       lines=[(damaged.lines.get().public_id, 1)])
    services.approve(m, only.public_id)
    clock.advance(dt.timedelta(days=8))
    assert services.auto_confirm_due() >= 1
    _books_ok()

    rejected = delivered(1)
    r = services.request_after_sale(customer, rejected.public_id, kind="return", reason="meh")
    services.reject(m, r.public_id, "used")
    services.dispute(customer, r.public_id, "not used")
    services.arbitrate(factories.operator(), r.public_id, "reject", "photos show use")
    services.confirm(customer, rejected.public_id)
    _books_ok()

    pickup = paid_order(customer, [(sku, 1)], pickup_store=store.public_id)
    services.mark_ready(m, pickup.public_id)
    services.hand_over(m.owner, store.public_id, pickup.pickup_code.code)
    _books_ok()


@pytest.mark.django_db
def test_ledger_check_after_a_return_refunded_after_confirmation(gateway):  # noqa: F811
    m = factories.merchant()
    sku = b.goods(m, price_fen=3000, stock=5)
    customer = factories.user()
    order = paid_order(customer, [(sku, 2)])
    track(services.create_parcel(m, order.public_id), "delivered")
    services.confirm(customer, order.public_id)
    _books_ok()
    ret = services.request_after_sale(customer, order.public_id, kind="refund_only", reason="one broken",
                                      lines=[(order.lines.get().public_id, 1)])
    services.approve(m, ret.public_id)
    _books_ok()
