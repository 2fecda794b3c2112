"""Input and output shapes of the shipping API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field

from o2o.core.schemas import Schema
from o2o.shipping.services import refundable_for


class ItemIn(Schema):
    line: str = Field(..., max_length=40, description="order line id")
    quantity: int = Field(..., ge=1, le=99)


class ParcelIn(Schema):
    carrier: str = Field("sandbox", max_length=20)
    tracking_number: str | None = Field(None, max_length=40, description="generated when omitted")
    items: list[ItemIn] | None = Field(None, max_length=50, description="default: every unit not yet shipped")


class ParcelItemOut(Schema):
    line: str
    title: str
    quantity: int


class TrackingEventOut(Schema):
    event_id: str
    status: str
    occurred_at: dt.datetime
    city: str
    description: str
    applied: bool


class ParcelOut(Schema):
    id: str
    order: str
    direction: str
    after_sale: str | None
    carrier: str
    tracking_number: str
    status: str
    last_event_at: dt.datetime | None
    last_city: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    items: list[ParcelItemOut]
    events: list[TrackingEventOut]


def parcel_dict(p) -> dict:
    return {
        "id": p.public_id, "order": p.order.public_id, "direction": p.direction,
        "after_sale": p.after_sale.public_id if p.after_sale_id else None, "carrier": p.carrier,
        "tracking_number": p.tracking_number, "status": p.status, "last_event_at": p.last_event_at,
        "last_city": p.last_city, "delivered_at": p.delivered_at, "created_at": p.created_at,
        "items": [{"line": i.order_line.public_id, "title": i.order_line.title, "quantity": i.quantity}
                  for i in p.items.all()],
        "events": list(p.events.all()),
    }


class SandboxEventIn(Schema):
    status: Literal["picked_up", "in_transit", "out_for_delivery", "delivered", "exception"]
    city: str = Field("", max_length=50)
    description: str = Field("", max_length=200)
    occurred_at: dt.datetime | None = Field(None, description="carrier time; default now")
    event_id: str | None = Field(None, max_length=64, description="repeat one to resend an event")


class SandboxEventOut(Schema):
    event_id: str
    parcel: str
    body: str


class WebhookOut(Schema):
    received: bool
    parcel: str
    status: str


class PickupOut(Schema):
    order: str
    store: str
    store_name: str
    code: str
    display: str
    status: str
    created_at: dt.datetime
    collected_at: dt.datetime | None


class CounterIn(Schema):
    store: str = Field(..., max_length=40)
    code: str = Field(..., max_length=40)


class CounterOut(Schema):
    order: str
    store: str
    status: str
    order_status: str
    lines: list[ParcelItemOut]
    collected_at: dt.datetime | None


def counter_dict(pc) -> dict:
    return {"order": pc.order.public_id, "store": pc.store.public_id, "status": pc.status,
            "order_status": pc.order.status, "collected_at": pc.collected_at,
            "lines": [{"line": ln.public_id, "title": ln.title, "quantity": ln.quantity}
                      for ln in pc.order.lines.all()]}


class AfterSaleIn(Schema):
    kind: Literal["return", "refund_only"]
    reason: str = Field(..., min_length=1, max_length=200)
    photos: list[str] = Field(default_factory=list, max_length=9, description="photo URLs")
    lines: list[ItemIn] | None = Field(None, max_length=50, description="default: every unit")
    amount_fen: int | None = Field(None, ge=1, le=100_000_000, description="default: all refundable")


class NoteIn(Schema):
    note: str = Field("", max_length=200)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class ReturnParcelIn(Schema):
    carrier: str = Field("sandbox", max_length=20)
    tracking_number: str | None = Field(None, max_length=40)


class ReceiveIn(Schema):
    amount_fen: int | None = Field(None, ge=1, le=100_000_000, description="agreed refund; default requested")
    resellable: bool = False
    location: str | None = Field(None, max_length=40, description="restock location; default where it left")


class ArbitrateIn(Schema):
    decision: Literal["approve", "reject"]
    note: str = Field(..., min_length=1, max_length=200)


class AfterSaleLineOut(Schema):
    line: str
    title: str
    quantity: int
    refunded_fen: int


class AfterSaleOut(Schema):
    id: str
    order: str
    kind: str
    status: str
    reason: str
    photos: list[str]
    requested_fen: int
    refunded_fen: int
    refundable_fen: int
    merchant_note: str
    operator_note: str
    refund: str | None
    lines: list[AfterSaleLineOut]
    return_parcel: str | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    received_at: dt.datetime | None
    refunded_at: dt.datetime | None

    @staticmethod
    def resolve_id(obj) -> str:
        return obj.public_id

    @staticmethod
    def resolve_order(obj) -> str:
        return obj.order.public_id

    @staticmethod
    def resolve_refundable_fen(obj) -> int:
        return 0 if obj.status in ("refunded", "closed") else refundable_for(obj)

    @staticmethod
    def resolve_refund(obj) -> str | None:
        return obj.refund_id or None

    @staticmethod
    def resolve_lines(obj) -> list[dict]:
        return [{"line": al.order_line.public_id, "title": al.order_line.title, "quantity": al.quantity,
                 "refunded_fen": al.refunded_fen} for al in obj.lines.all()]

    @staticmethod
    def resolve_return_parcel(obj) -> str | None:
        parcel = next(iter(obj.parcels.all()), None)
        return parcel.public_id if parcel else None


class RuleIn(Schema):
    kind: Literal["free", "flat", "free_over", "by_weight"]
    flat_fee_fen: int = Field(0, ge=0, le=1_000_000)
    free_over_fen: int | None = Field(None, ge=0, le=100_000_000)
    first_weight_grams: int = Field(1000, ge=0, le=1_000_000)
    first_fee_fen: int = Field(0, ge=0, le=1_000_000)
    extra_weight_grams: int = Field(1000, ge=1, le=1_000_000)
    extra_fee_fen: int = Field(0, ge=0, le=1_000_000)


class RuleOut(RuleIn):
    updated_at: dt.datetime | None = None


class TimelineEntry(Schema):
    type: str
    at: dt.datetime
    subject: str
    subject_type: str
    data: dict
