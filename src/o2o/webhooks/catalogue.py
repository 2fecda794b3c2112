"""The webhook event catalogue: which outbox events a merchant's endpoint may receive,
under which public type, and which fields of the event's payload they carry.

Payloads are allow-lists: an outbox payload may hold internal ids or another party's
data, so only the fields named here leave the platform. Writes nothing.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    obj: str  # the kind of object `data.id` names
    fields: tuple[str, ...]  # fields copied from the outbox payload into `data`
    description: str


_ORDER = ("kind", "total_fen", "shipping_fee_fen", "pickup_store", "lines", "from", "reason",
          "amount_fen", "refund_fen")
_VOUCHER_USE = ("voucher", "store", "staff", "uses", "uses_left", "uses_total", "status", "price_fen")
_PARCEL = ("order", "parcel", "direction", "carrier", "tracking_number", "city", "occurred_at",
           "parcel_status", "items", "after_sale")
_AFTER_SALE = ("order", "after_sale", "kind", "status", "reason", "amount_fen", "refund", "parcel",
               "resellable", "by", "note", "decision")

CATALOGUE: dict[str, EventType] = {e.name: e for e in (
    EventType("order.created", "order", _ORDER, "A customer placed an order (not paid yet)."),
    EventType("order.paid", "order", _ORDER, "The order was paid."),
    EventType("order.closed", "order", _ORDER, "The order was closed: unpaid in time, cancelled or refunded."),
    EventType("voucher.issued", "voucher",
              ("order", "product", "uses_total", "valid_from", "valid_until", "slot"),
              "A paid service order issued a voucher."),
    EventType("voucher.redeemed", "redemption", _VOUCHER_USE, "Staff redeemed uses of a voucher at a store."),
    EventType("voucher.reversed", "redemption", _VOUCHER_USE, "A redemption was reversed within its window."),
    EventType("refund.succeeded", "refund",
              ("order", "payment", "amount_fen", "out_refund_no", "source", "source_ref"),
              "Money went back to the customer."),
    EventType("parcel.updated", "parcel", _PARCEL, "A parcel was created or its tracking changed."),
    EventType("after_sale.requested", "after_sale", _AFTER_SALE, "A customer asked for a return or refund."),
    EventType("after_sale.approved", "after_sale", _AFTER_SALE, "The merchant approved an after-sale."),
    EventType("after_sale.rejected", "after_sale", _AFTER_SALE, "The merchant rejected an after-sale."),
    EventType("after_sale.disputed", "after_sale", _AFTER_SALE, "The customer disputed a rejection."),
    EventType("after_sale.arbitrated", "after_sale", _AFTER_SALE, "An operator decided a dispute."),
    EventType("after_sale.return_shipped", "after_sale", _AFTER_SALE, "The customer shipped goods back."),
    EventType("after_sale.received", "after_sale", _AFTER_SALE, "The merchant received the returned goods."),
    EventType("after_sale.refunded", "after_sale", _AFTER_SALE, "The after-sale's refund was made."),
    EventType("after_sale.closed", "after_sale", _AFTER_SALE, "The after-sale was closed."),
    EventType("settlement.created", "settlement",
              ("period_start", "period_end", "gross_fen", "commission_fen", "net_fen", "entries"),
              "A settlement statement of the merchant's recognized sales was made."),
    EventType("payout.paid", "payout", ("amount_fen",), "The platform paid the merchant's payable out."),
    EventType("review.created", "review", ("product_id", "rating"), "A customer reviewed a product."),
    EventType("ping", "endpoint", ("message",), "A test event sent from the console or the API."),
)}

# Outbox event types whose public name differs (several parcel statuses are one type).
_RENAMED = {"redemption.reversed": "voucher.reversed", "payout.line_paid": "payout.paid"}


def public_type(outbox_type: str) -> str | None:
    """The catalogue type an outbox event is published as, or None when it is not published."""
    if outbox_type.startswith("parcel."):
        return "parcel.updated"
    name = _RENAMED.get(outbox_type, outbox_type)
    if name == "ping" or name not in CATALOGUE:
        return None
    return name


def data_of(event_type: EventType, outbox_type: str, aggregate_id: str, payload: dict) -> dict:
    """The `data` of a webhook: the object's id and kind, then the allowed payload fields."""
    data: dict = {"object": event_type.obj, "id": aggregate_id}
    if event_type.name == "parcel.updated":
        data["event"] = outbox_type.split(".", 1)[1]  # created, in_transit, delivered, ...
    for key in event_type.fields:
        if key in payload:
            data[key] = payload[key]
    return data


def valid_pattern(pattern: str) -> bool:
    """A subscription names a catalogue type, a family (`after_sale.*`) or everything (`*`)."""
    if pattern == "*" or pattern in CATALOGUE:
        return pattern != "ping"
    if pattern.endswith(".*"):
        family = pattern[:-1]
        return any(name.startswith(family) for name in CATALOGUE)
    return False


def subscribed(patterns: list[str], name: str) -> bool:
    if name == "ping":
        return True  # a ping goes to the one endpoint it was sent to
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)
