"""A discounted service line: each voucher is worth its unit's share of what the
customer paid for the line (the net, split over the units by largest remainder), so the
vouchers sum exactly to the line and a refund returns the unused part of that share,
never the list price."""

from __future__ import annotations

import pytest

from o2o.marketing import services as marketing
from o2o.orders import services as orders
from o2o.orders.models import OrderLine
from o2o.orders.services import Item
from o2o.vouchers import services
from o2o.vouchers.models import Voucher
from tests.ledger.helpers import gateway, pay  # noqa: F401
from tests.marketing import builders as mb
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


def test_vouchers_split_the_line_net_exactly_and_refund_from_it(gateway):  # noqa: F811
    w = b.world()
    product = b.service(w.merchant, price_fen=1000, uses=3)
    marketing.claim(w.customer, mb.template(w.merchant, amount_off_fen=1003, threshold_fen=0).public_id)
    (order,) = orders.place_orders(w.customer, [Item(product.skus.get().public_id, 7)])
    pay(order)
    line = OrderLine.objects.get(order=order)
    assert line.line_total_fen == 7000 - 1003 == 5997
    prices = list(Voucher.objects.filter(order=order).order_by("seq").values_list("price_fen", flat=True))
    # 5997 = 7 x 856 + 5: the first five units one fen more.
    assert prices == [857] * 5 + [856] * 2 and sum(prices) == line.line_total_fen
    first = Voucher.objects.get(order=order, seq=1)
    services.redeem(w.staff, w.store.public_id, first.code, 1)
    refund = services.request_refund(w.customer, first.public_id)
    # 857 over 3 uses: one use is worth 285, the two unused 572 (not 2/3 of the list price).
    assert refund.amount_fen == 857 - services.used_value_fen(857, 3, 1) == 572
