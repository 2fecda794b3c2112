"""Input and output shapes of the orders API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field

from o2o.core.schemas import Schema


class MerchantRef(Schema):
    id: str
    name: str


class AddressIn(Schema):
    receiver: str = Field(..., min_length=1, max_length=50)
    phone: str = Field(..., min_length=5, max_length=20)
    province: str = Field(..., min_length=1, max_length=30)
    city: str = Field(..., min_length=1, max_length=30)
    district: str = Field(..., min_length=1, max_length=30)
    detail: str = Field(..., min_length=1, max_length=200)


class LineIn(Schema):
    sku: str = Field(..., max_length=40, description="SKU id")
    quantity: int = Field(1, ge=1, le=99)
    slot: str | None = Field(None, max_length=40, description="slot id, for services booked by slot")


class BuyNowIn(Schema):
    lines: list[LineIn] = Field(..., min_length=1, max_length=50)
    shipping_address: AddressIn | None = None
    pickup_store: str | None = Field(None, max_length=40, description="store id: collect the goods there")
    note: str = Field("", max_length=200)
    coupons: list[str] | None = Field(
        None, max_length=10, description="coupon ids to use; omitted: the best combination of your "
        "coupons; []: none")


class CheckoutIn(Schema):
    shipping_address: AddressIn | None = None
    pickup_store: str | None = Field(None, max_length=40, description="store id: collect the goods there")
    note: str = Field("", max_length=200)
    lines: list[str] | None = Field(None, max_length=50, description="cart line ids; default all")
    coupons: list[str] | None = Field(
        None, max_length=10, description="coupon ids to use; omitted: the best combination of your "
        "coupons; []: none")


class QuoteIn(Schema):
    """The cart (or its chosen `lines`), or `items` to buy directly; as checkout would take them."""

    lines: list[str] | None = Field(None, max_length=50, description="cart line ids; default all")
    items: list[LineIn] | None = Field(None, min_length=1, max_length=50,
                                       description="lines to buy without the cart (as POST /orders)")
    pickup_store: str | None = Field(None, max_length=40, description="store id: collect the goods there")
    coupons: list[str] | None = Field(
        None, max_length=10, description="coupon ids to use; omitted: the best combination of your "
        "coupons; []: none")


class QuoteLineOut(Schema):
    sku: str
    slot: str | None
    quantity: int
    list_unit_price_fen: int = Field(..., description="the SKU's own price")
    unit_price_fen: int = Field(..., description="after a limited-time price")
    discount_fen: int = Field(..., description="spend tiers and coupons allocated to this line")
    line_total_fen: int = Field(..., description="what this line costs: unit price x quantity - discount")


class QuoteOrderOut(Schema):
    merchant: MerchantRef
    kind: str
    subtotal_fen: int
    discount_fen: int
    shipping_fee_fen: int
    total_fen: int
    lines: list[QuoteLineOut]


class DiscountOut(Schema):
    source: Literal["price", "tier", "coupon"]
    ref: str = Field(..., description="the limited-time price, spend tier or coupon id")
    label: str
    amount_fen: int


class UnusableOut(Schema):
    coupon: str
    code: str = Field(..., description="below_threshold, not_started, expired, wrong_merchant, wrong_store, "
                      "out_of_scope, exclusive, new_customers_only, not_available")
    message: str
    details: dict


class QuoteOut(Schema):
    subtotal_fen: int = Field(..., description="at unit prices, before spend tiers and coupons")
    discount_fen: int
    shipping_fee_fen: int
    total_fen: int = Field(..., description="what checkout will charge for the same lines and coupons")
    currency: str = "CNY"
    coupons: list[str] = Field(..., description="the coupons applied")
    discounts: list[DiscountOut]
    unusable: list[UnusableOut] = Field(..., description="your coupons that do not apply, each with why")
    orders: list[QuoteOrderOut]


class CartLineIn(LineIn):
    pass


class CartLinePatch(Schema):
    quantity: int | None = Field(None, ge=1, le=99)
    slot: str | None = Field(None, max_length=40)


class CartLineOut(Schema):
    id: str
    sku: str
    product: str
    merchant: MerchantRef
    kind: str
    title: str
    sku_name: str
    unit_price_fen: int
    quantity: int
    line_total_fen: int
    slot: str | None
    slot_starts_at: dt.datetime | None
    available: bool


def cart_line_dict(obj) -> dict:
    """A cart line (from services.cart_lines, which sets `available`) with the SKU's
    current title and price."""
    sku, product = obj.sku, obj.sku.product
    return {
        "id": obj.public_id, "sku": sku.public_id, "product": product.public_id,
        "merchant": {"id": product.merchant.public_id, "name": product.merchant.name},
        "kind": product.kind, "title": product.title, "sku_name": sku.name,
        "unit_price_fen": sku.price_fen, "quantity": obj.quantity,
        "line_total_fen": sku.price_fen * obj.quantity,
        "slot": obj.slot.public_id if obj.slot_id else None,
        "slot_starts_at": obj.slot.starts_at if obj.slot_id else None,
        "available": obj.available,
    }


class CartOut(Schema):
    id: str
    lines: list[CartLineOut]
    total_fen: int
    currency: str = "CNY"


class OrderLineOut(Schema):
    id: str
    product: str
    sku: str
    kind: str
    title: str
    sku_name: str
    list_unit_price_fen: int = Field(..., description="the SKU's own price at the time of purchase")
    unit_price_fen: int = Field(..., description="the unit price charged (after a limited-time price)")
    quantity: int
    discount_fen: int = Field(..., description="spend tiers and coupons allocated to this line")
    line_total_fen: int = Field(..., description="net: unit price x quantity - discount")
    slot: str | None
    slot_starts_at: dt.datetime | None
    store: str | None

    @staticmethod
    def resolve_id(obj) -> str:
        return obj.public_id

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.product.public_id

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.sku.public_id

    @staticmethod
    def resolve_slot(obj) -> str | None:
        return obj.slot.public_id if obj.slot_id else None

    @staticmethod
    def resolve_slot_starts_at(obj) -> dt.datetime | None:
        return obj.slot.starts_at if obj.slot_id else None

    @staticmethod
    def resolve_store(obj) -> str | None:
        return obj.store.public_id if obj.store_id else None


class OrderOut(Schema):
    id: str
    status: str
    kind: str
    merchant: MerchantRef
    total_fen: int
    currency: str
    shipping_address: dict | None
    pickup_store: str | None
    shipping_fee_fen: int
    discount_fen: int = Field(..., description="spend tiers and coupons; total_fen is after it")
    note: str
    checkout_group: str
    payment_deadline: dt.datetime
    paid_at: dt.datetime | None
    paid_amount_fen: int | None
    refunded_fen: int = Field(..., description="money refunded to the customer so far, in fen")
    refund_state: Literal["none", "partial", "full"] = Field(
        ..., description="none; partial: some of what was paid is back; full: all of it")
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str
    created_at: dt.datetime
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_id(obj) -> str:
        return obj.public_id

    @staticmethod
    def resolve_merchant(obj) -> dict:
        return {"id": obj.merchant.public_id, "name": obj.merchant.name}

    @staticmethod
    def resolve_pickup_store(obj) -> str | None:
        return obj.pickup_store.public_id if obj.pickup_store_id else None

    @staticmethod
    def resolve_lines(obj) -> list:
        lines = getattr(obj, "prefetched_lines", None)
        return lines if lines is not None else list(obj.lines.all())


class CheckoutOut(Schema):
    checkout_group: str
    total_fen: int
    orders: list[OrderOut]
