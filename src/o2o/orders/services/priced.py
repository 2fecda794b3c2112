"""What a checkout charges: the marketing pricing pipeline over the planned lines, then
each order's shipping fee. Used by place_orders (which stores exactly these figures)
and by the quote endpoint (which shows them), so a quote and the checkout that follows
it charge the same.

Fixed order (docs/api.md): limited-time price -> spend tiers -> coupons (marketing.pricing)
-> shipping fee (o2o.freight, on the order's net after discounts, so a coupon can take
an order below a free-shipping threshold). Writes nothing. Errors are marketing's:
coupon_not_found 404, coupon_not_usable 409 (details.reason), invalid_coupons 422.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from o2o.catalog.models import ProductKind, Sku
from o2o.core.errors import ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.freight import services as fees
from o2o.freight.models import ShippingRule
from o2o.inventory.models import Slot
from o2o.marketing import pricing
from o2o.merchants.models import Merchant, Store
from o2o.orders.models import OrderKind

MAX_COUPONS = 10

Row = tuple[Sku, object, Slot | None]  # (sku, Item, slot)


@dataclass(frozen=True)
class PricedOrder:
    """One order of a checkout with its lines priced (in the order of `rows`)."""

    merchant_id: int
    kind: str
    rows: list[Row]
    lines: list[pricing.PricedLine]
    list_subtotal_fen: int  # at the SKUs' own prices
    subtotal_fen: int  # after limited-time prices
    discount_fen: int
    merchant_funded_fen: int
    platform_funded_fen: int
    net_fen: int
    shipping_fee_fen: int

    @property
    def total_fen(self) -> int:
        return self.net_fen + self.shipping_fee_fen


@dataclass(frozen=True)
class CheckoutPrice:
    orders: list[PricedOrder]
    quote: pricing.Quote

    @property
    def total_fen(self) -> int:
        return sum(o.total_fen for o in self.orders)

    @property
    def shipping_fee_fen(self) -> int:
        return sum(o.shipping_fee_fen for o in self.orders)


def order_key(merchant_id: int, kind: str) -> str:
    return f"{merchant_id}:{kind}"


def clean_coupons(coupons: object) -> list[str] | None:
    """None (the best combination), [] (none) or a list of distinct coupon ids."""
    if coupons is None:
        return None
    if not isinstance(coupons, list | tuple) or len(coupons) > MAX_COUPONS or not all(
            isinstance(c, str) for c in coupons):
        raise ValidationFailed(f"coupons is a list of at most {MAX_COUPONS} coupon ids", "invalid_coupons")
    out = list(dict.fromkeys(coupons))
    if len(out) != len(coupons) or any(not looks_like_id(c, "cpn") for c in out):
        raise ValidationFailed("coupons must be distinct coupon ids", "invalid_coupons")
    return out


def _store_id(sku: Sku, slot: Slot | None, pickup: Store | None) -> int | None:
    if slot is not None:
        return slot.store_id
    if sku.product.kind == ProductKind.GOODS and pickup is not None:
        return pickup.pk
    return None


def _rule(merchant: Merchant) -> ShippingRule | None:
    """The merchant's shipping rule, loaded with the SKUs (select_related), or None."""
    try:
        return merchant.shipping_rule
    except ShippingRule.DoesNotExist:
        return None


def price(customer, by_order: dict[tuple[int, str], list[Row]], *, pickup: Store | None,
          coupons: Sequence[str] | None, now: dt.datetime) -> CheckoutPrice:
    """Price the planned orders (`by_order`: (merchant pk, OrderKind) -> rows) for
    `customer`; coupons as in marketing.pricing.quote (None: the best combination)."""
    lines: list[pricing.PricingLine] = []
    for (merchant_id, kind), rows in by_order.items():
        for sku, it, slot in rows:
            product = sku.product
            lines.append(pricing.PricingLine(
                key=str(len(lines)), merchant_id=merchant_id, order_key=order_key(merchant_id, kind),
                sku_id=sku.pk, product_id=product.pk, category_id=product.category_id, kind=product.kind,
                store_id=_store_id(sku, slot, pickup), list_unit_price_fen=sku.price_fen,
                quantity=it.quantity))
    quote = pricing.quote(customer, lines, coupons=coupons, now=now)
    priced = {ln.key: ln for ln in quote.lines}
    orders: list[PricedOrder] = []
    n = 0
    for (merchant_id, kind), rows in by_order.items():
        got = [priced[str(n + i)] for i in range(len(rows))]
        n += len(rows)
        net = sum(ln.net_fen for ln in got)
        fee = 0
        if kind == OrderKind.GOODS and pickup is None:
            weight = sum((s.product.weight_grams or 0) * it.quantity for s, it, _ in rows)
            fee = fees.compute(_rule(rows[0][0].product.merchant), net, weight)
        orders.append(PricedOrder(
            merchant_id=merchant_id, kind=kind, rows=rows, lines=got,
            list_subtotal_fen=sum(s.price_fen * it.quantity for s, it, _ in rows),
            subtotal_fen=sum(ln.subtotal_fen for ln in got), discount_fen=sum(ln.discount_fen for ln in got),
            merchant_funded_fen=sum(ln.merchant_funded_fen for ln in got),
            platform_funded_fen=sum(ln.platform_funded_fen for ln in got), net_fen=net,
            shipping_fee_fen=fee))
    return CheckoutPrice(orders=orders, quote=quote)
