"""Property: over random carts, spend tiers, limited-time prices, merchant and platform
coupons (split funding), payments, closes, cancels, redemptions, partial refunds and
expiries, run through the real services:

* every discount is allocated exactly (lines sum to the order, funding parts sum to the
  discount, vouchers of a line sum to its net) and no line is negative;
* refunds never exceed what was paid for a line (after-sales per line, vouchers per
  line) nor for a payment;
* a coupon pays at most one live checkout;
* the books balance at every step and `ledger check` passes at the end.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.ledger import services as ledger
from o2o.ledger.services import check
from o2o.marketing import services as marketing
from o2o.marketing.models import CouponKind, CouponUse, SkuPrice, SpendTier, UseState
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderLine, OrderStatus
from o2o.orders.services import Item
from o2o.payments import services as payments
from o2o.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from o2o.shipping import services as shipping
from o2o.shipping.models import AfterSaleLine
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import USABLE, Voucher, VoucherRefund
from tests.ledger.helpers import gateway, pay  # noqa: F401
from tests.marketing import builders as mb
from tests.orders import builders as ob
from tests.shipping.helpers import ship_and_deliver
from tests.vouchers import builders as vb

OPS = ["tier", "timed_price", "coupon", "coupon", "platform_coupon", "platform_coupon", "buy", "buy", "buy", "pay",
       "close", "cancel_paid", "redeem", "redeem", "refund_voucher", "ship_and_confirm", "ship_and_confirm",
       "after_sale", "after_sale", "refund_outcome", "expire", "relay"]

Move = tuple[str, int, int, int, bool]


def pick(items: list, index: int):
    return items[index % len(items)] if items else None


def allocations_exact() -> None:
    for ln in OrderLine.objects.all():
        assert ln.discount_fen == ln.merchant_funded_fen + ln.platform_funded_fen
        assert ln.line_total_fen == ln.unit_price_fen * ln.quantity - ln.discount_fen >= 0
        assert ln.unit_price_fen <= ln.list_unit_price_fen
    for o in Order.objects.annotate(net=Sum("lines__line_total_fen"), d=Sum("lines__discount_fen"),
                                    p=Sum("lines__platform_funded_fen")):
        assert o.total_fen == o.net + o.shipping_fee_fen
        assert (o.discount_fen, o.platform_subsidy_fen) == (o.d, o.p)
    for row in Voucher.objects.values("order_line_id").annotate(s=Sum("price_fen")):
        assert row["s"] == OrderLine.objects.get(pk=row["order_line_id"]).line_total_fen


def refunds_within_paid() -> None:
    for p in Payment.objects.filter(status=PaymentStatus.SUCCEEDED):
        out = p.refunds.exclude(status=RefundStatus.FAILED).aggregate(s=Sum("amount_fen"))["s"] or 0
        assert out <= p.amount_fen
    for row in AfterSaleLine.objects.values("order_line_id").annotate(s=Sum("refunded_fen")):
        assert row["s"] <= OrderLine.objects.get(pk=row["order_line_id"]).line_total_fen
    for row in VoucherRefund.objects.values("voucher__order_line_id").annotate(s=Sum("amount_fen")):
        assert row["s"] <= OrderLine.objects.get(pk=row["voucher__order_line_id"]).line_total_fen


def coupons_once() -> None:
    live = (CouponUse.objects.filter(state__in=(UseState.RESERVED, UseState.PAID)).values("coupon_id")
            .annotate(groups=Count("checkout_group", distinct=True)))
    assert all(row["groups"] == 1 for row in live)


def invariants() -> None:
    assert check.entries_balance() == []
    assert check.payables_not_negative() == []
    allocations_exact()
    refunds_within_paid()
    coupons_once()


def step(w, skus: list, move: Move) -> None:
    op, index, amount, count, flag = move
    now = clock.now()
    if op == "tier":
        threshold = amount % 8000
        SpendTier.objects.create(merchant=w.merchant, threshold_fen=threshold, amount_off_fen=1 + threshold * count // 10,
                                 starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=90),
                                 created_at=now)
    elif op == "timed_price":
        sku = pick(skus, index)
        if sku.price_fen > 1:
            SkuPrice.objects.create(sku=sku, price_fen=1 + (sku.price_fen - 1) * count // 4,
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=90),
                                    created_at=now)
    elif op in ("coupon", "platform_coupon"):
        merchant = w.merchant if op == "coupon" else None
        percent = count == 3
        t = mb.template(merchant, kind=CouponKind.PERCENT if percent else CouponKind.AMOUNT,
                        amount_off_fen=0 if percent else 1 + amount // 3, percent_off=1 + index % 99,
                        max_off_fen=(amount if flag else None) if percent else None,
                        threshold_fen=0 if flag or percent else amount % 5000 + 1 + amount // 3, valid_days=60,
                        merchant_share_bp=(index * 997) % 10001, return_on_refund=flag)
        marketing.claim(w.customer, t.public_id)
    elif op == "buy":
        chosen = [pick(skus, index + k) for k in range(count)]
        items = list({s.public_id: Item(s.public_id, 1 + (amount + k) % 3) for k, s in enumerate(chosen)}.values())
        goods = any(s.product.kind == "GOODS" for s in chosen)
        placed = orders.place_orders(w.customer, items, shipping_address=ob.ADDRESS if goods else None,
                                     coupons=[] if count == 2 and flag else None)
        for order in placed if index % 4 else []:  # most are paid at once, some wait or close
            if order.total_fen > 0:
                pay(order)
    elif op == "pay":
        order = pick(list(Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).order_by("id")), index)
        if order is not None and order.total_fen > 0:
            pay(order)
    elif op == "close":
        order = pick(list(Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).order_by("id")), index)
        if order is not None:
            orders.cancel_order(w.customer, order.public_id)
    elif op == "cancel_paid":
        order = pick(list(Order.objects.filter(kind="goods", status=OrderStatus.PAID).order_by("id")), index)
        if order is not None:
            orders.cancel_order(w.customer, order.public_id)
    elif op == "redeem":
        v = pick(list(Voucher.objects.filter(status__in=USABLE).order_by("id")), index)
        if v is not None:
            vouchers.redeem(w.staff, w.store.public_id, v.code, min(count, v.uses_left))
    elif op == "refund_voucher":
        v = pick(list(Voucher.objects.filter(status__in=USABLE).order_by("id")), index)
        if v is not None:
            vouchers.request_refund(w.customer, v.public_id)
            payments.execute_voucher_refunds()
    elif op == "ship_and_confirm":
        order = pick(list(Order.objects.filter(kind="goods", status=OrderStatus.PAID).order_by("id")), index)
        if order is not None:
            ship_and_deliver(w.merchant, order)
            if flag:
                orders.confirm_received(w.customer, order.public_id)
    elif op == "after_sale":
        order = pick(list(Order.objects.filter(kind="goods", status__in=(OrderStatus.DELIVERED, OrderStatus.COMPLETED))
                          .order_by("id")), index)
        if order is not None:
            line = pick(list(order.lines.order_by("id")), amount)
            ret = shipping.request_after_sale(w.customer, order.public_id, kind="refund_only", reason="damaged",
                                              lines=[(line.public_id, min(count, line.quantity))])
            shipping.approve(w.merchant, ret.public_id)
    elif op == "refund_outcome":
        refund = pick(list(Refund.objects.filter(status=RefundStatus.PROCESSING).order_by("id")), index)
        if refund is not None:
            payments.submit_refund(refund.public_id)
            payments.settle_refund(refund.out_refund_no, "SUCCESS")
    elif op == "expire":
        clock.advance(dt.timedelta(days=31))
        orders.close_expired_orders()
        vouchers.expire_due()
        payments.execute_voucher_refunds()
    elif op == "relay":
        ledger.relay_pending()


ARGS = st.tuples(st.integers(0, 50), st.integers(1, 30000), st.integers(1, 3), st.booleans())
MOVES = st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(1, 30000), st.integers(1, 3),
                  st.booleans())
# Every example opens with promotions and a purchase, so each one prices something.
OPENING = ["platform_coupon", "coupon", "tier", "timed_price", "buy"]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(opening=st.lists(ARGS, min_size=5, max_size=5), moves=st.lists(MOVES, min_size=6, max_size=24),
       prices=st.lists(st.integers(1, 20000), min_size=3, max_size=3))
def test_discounts_allocate_exactly_and_the_books_hold(gateway, opening, moves, prices):  # noqa: F811
    clock.reset()
    with transaction.atomic():  # each example starts from empty books
        w = vb.world()
        skus = [ob.goods(w.merchant, price_fen=prices[0], stock=500),
                ob.goods(w.merchant, price_fen=prices[1], stock=500),
                vb.service(w.merchant, price_fen=prices[2], uses=2, auto_refund_on_expiry=prices[2] % 2 == 0)
                .skus.get()]
        for move in [(op, *args) for op, args in zip(OPENING, opening, strict=True)] + moves:
            try:
                with transaction.atomic():
                    step(w, skus, move)
            except DomainError:
                pass  # a move the rules refuse (coupon below threshold, nothing left...) changes nothing
            invariants()
        for refund in Refund.objects.filter(status=RefundStatus.PROCESSING):
            payments.submit_refund(refund.public_id)
            payments.settle_refund(refund.out_refund_no, "SUCCESS")
        ledger.relay_pending()
        report = ledger.run_checks()
        assert report.ok, report.problems
        invariants()
        # What the example exercised (pytest --hypothesis-show-statistics).
        event(f"discounted orders: {min(3, Order.objects.filter(discount_fen__gt=0).count())}")
        event(f"subsidy recognized: {report.stats['marketing_fen'] > 0}")
        event(f"line refunds: {AfterSaleLine.objects.exists() or VoucherRefund.objects.exists()}")
        event(f"paid orders: {min(3, Order.objects.filter(paid_at__isnull=False).count())}")
        assert not OrderLine.objects.filter(Q(line_total_fen__lt=0) | Q(discount_fen__gt=F("unit_price_fen")
                                                                        * F("quantity"))).exists()
        transaction.set_rollback(True)
    clock.reset()
