"""Refunds of discounted lines return what the customer paid for them (the line's net
share), never the list price and never more than the line: after-sales of some units,
a cancel before shipping, a voucher refund."""

from __future__ import annotations

import pytest

from o2o.core.errors import Conflict
from o2o.marketing import services as marketing
from o2o.orders import services as orders
from o2o.orders.models import OrderLine
from o2o.orders.services import Item
from o2o.payments.models import Refund
from o2o.shipping import services as shipping
from tests import factories
from tests.ledger.helpers import pay
from tests.marketing import builders as mb
from tests.orders import builders as b
from tests.shipping.helpers import gateway, track  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(gateway):  # noqa: F811
    m = factories.merchant()
    customer = factories.user()
    # 3 x 1000 with a 1000 coupon: the line's net is 2000, 667 + 667 + 666 a unit.
    marketing.claim(customer, mb.template(m, amount_off_fen=1000, threshold_fen=0).public_id)
    return {"m": m, "sku": b.goods(m, price_fen=1000, stock=10), "customer": customer}


def _delivered(shop):
    (order,) = orders.place_orders(shop["customer"], [Item(shop["sku"].public_id, 3)], shipping_address=b.ADDRESS)
    pay(order)
    track(shipping.create_parcel(shop["m"], order.public_id), "delivered")
    order.refresh_from_db()
    return order


def test_after_sales_refund_the_units_net_share_and_never_more_than_the_line(shop):
    order = _delivered(shop)
    line = OrderLine.objects.get(order=order)
    assert (line.line_total_fen, line.discount_fen, order.total_fen) == (2000, 1000, 2000)
    one = shipping.request_after_sale(shop["customer"], order.public_id, kind="refund_only", reason="dented",
                                      lines=[(line.public_id, 1)])
    assert one.requested_fen == 667  # not the 1000 list price
    with pytest.raises(Conflict) as exc:
        shipping.request_after_sale(shop["customer"], order.public_id, kind="refund_only", reason="more",
                                    lines=[(line.public_id, 1)], amount_fen=1000)
    assert exc.value.code == "refund_exceeds_paid"
    shipping.approve(shop["m"], one.public_id)
    rest = shipping.request_after_sale(shop["customer"], order.public_id, kind="refund_only", reason="all")
    assert rest.requested_fen == 2000 - 667
    shipping.approve(shop["m"], rest.public_id)
    refunded = sum(Refund.objects.filter(payment__order=order).values_list("amount_fen", flat=True))
    assert refunded == 2000 == order.paid_amount_fen


def test_cancel_before_shipping_refunds_what_was_paid(shop):
    (order,) = orders.place_orders(shop["customer"], [Item(shop["sku"].public_id, 3)], shipping_address=b.ADDRESS)
    pay(order)
    orders.cancel_order(shop["customer"], order.public_id)
    assert Refund.objects.get(payment__order=order).amount_fen == 2000
