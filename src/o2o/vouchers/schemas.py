"""API shapes of vouchers and redemptions, and the functions that fill them."""

from __future__ import annotations

import datetime as dt

from ninja import Field
from pydantic import model_validator

from o2o.core.schemas import Schema
from o2o.vouchers import codes
from o2o.vouchers.models import Redemption, Voucher, VoucherRefund
from o2o.vouchers.selectors import customer_name
from o2o.vouchers.services import reversal_window


class _FromModel(Schema):
    """Validates a model instance by first shaping it with `shape` (lists paginate
    querysets of models, single answers pass the instance too)."""

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data):
        model, shape = cls._shaper()
        obj = getattr(data, "_obj", data)  # ninja hands over its DjangoGetter wrapper
        return shape(obj) if isinstance(obj, model) else data

    @classmethod
    def _shaper(cls):
        return type(None), None


class StoreRef(Schema):
    id: str
    name: str
    address: str = ""


class SlotRef(Schema):
    id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    store_id: str


class QrLinks(Schema):
    svg: str
    png: str


class VoucherOut(_FromModel):
    @classmethod
    def _shaper(cls):
        return Voucher, voucher_dict

    id: str
    code: str  # grouped in fours: ABCD-EFGH-JKMN-PQRS
    status: str
    title: str
    product_id: str
    merchant_id: str
    merchant_name: str
    order_id: str
    price_fen: int
    uses_total: int
    uses_left: int
    valid_from: dt.datetime
    valid_until: dt.datetime
    all_stores: bool
    stores: list[StoreRef]
    slot: SlotRef | None = None
    qr: QrLinks
    created_at: dt.datetime


class VoucherSummary(Schema):
    """What staff see of a voucher: never its full code."""

    id: str
    code: str  # masked
    title: str
    status: str
    uses_total: int
    uses_left: int
    valid_until: dt.datetime
    slot: SlotRef | None = None
    customer_name: str  # masked


class LookupOut(Schema):
    voucher: VoucherSummary
    store: StoreRef
    uses: int
    redeemable: bool


class RedemptionOut(_FromModel):
    @classmethod
    def _shaper(cls):
        return Redemption, redemption_dict

    id: str
    voucher: VoucherSummary
    store: StoreRef
    staff_id: str
    staff_name: str
    uses: int
    created_at: dt.datetime
    local_date: dt.date
    reversible_until: dt.datetime
    reversed_at: dt.datetime | None = None
    reversed_by_id: str | None = None


class MyRedemptionOut(_FromModel):
    @classmethod
    def _shaper(cls):
        return Redemption, my_redemption_dict

    id: str
    voucher_id: str
    title: str
    store: StoreRef
    uses: int
    created_at: dt.datetime
    reversed_at: dt.datetime | None = None


class RedeemIn(Schema):
    store_id: str = Field(..., max_length=64)
    code: str = Field(..., max_length=64)
    uses: int = 1  # checked by the service: invalid_uses


class RefundIn(Schema):
    reason: str = Field("", max_length=200)
    # Optional: what the customer expects back. The refund is always every unused use;
    # a different amount or count is refused (refund_amount_mismatch), never shrunk.
    amount_fen: int | None = None
    uses: int | None = None


class RefundOut(_FromModel):
    @classmethod
    def _shaper(cls):
        return VoucherRefund, refund_dict

    id: str
    voucher_id: str
    order_id: str
    uses: int
    amount_fen: int
    currency: str
    reason: str
    source: str
    status: str
    created_at: dt.datetime


def store_ref(store) -> dict:
    return {"id": store.public_id, "name": store.name, "address": store.address}


def slot_ref(slot) -> dict | None:
    if slot is None:
        return None
    return {"id": slot.public_id, "starts_at": slot.starts_at, "ends_at": slot.ends_at,
            "store_id": slot.store.public_id}


def voucher_dict(v: Voucher) -> dict:
    base = f"/api/v1/vouchers/{v.public_id}"
    return {
        "id": v.public_id, "code": codes.display(v.code), "status": v.status, "title": v.title,
        "product_id": v.product.public_id, "merchant_id": v.merchant.public_id,
        "merchant_name": v.merchant.name, "order_id": v.order.public_id, "price_fen": v.price_fen,
        "uses_total": v.uses_total, "uses_left": v.uses_left, "valid_from": v.valid_from,
        "valid_until": v.valid_until, "all_stores": v.all_stores,
        "stores": [store_ref(s) for s in v.stores.all()], "slot": slot_ref(v.slot),
        "qr": {"svg": f"{base}/qr.svg", "png": f"{base}/qr.png"}, "created_at": v.created_at,
    }


def voucher_summary(v: Voucher) -> dict:
    return {
        "id": v.public_id, "code": codes.mask(v.code), "title": v.title, "status": v.status,
        "uses_total": v.uses_total, "uses_left": v.uses_left, "valid_until": v.valid_until,
        "slot": slot_ref(v.slot), "customer_name": customer_name(v.customer),
    }


def redemption_dict(r: Redemption) -> dict:
    return {
        "id": r.public_id, "voucher": voucher_summary(r.voucher), "store": store_ref(r.store),
        "staff_id": r.staff.public_id, "staff_name": r.staff.display_name or r.staff.username,
        "uses": r.uses, "created_at": r.created_at, "local_date": r.local_date,
        "reversible_until": r.created_at + reversal_window(), "reversed_at": r.reversed_at,
        "reversed_by_id": r.reversed_by.public_id if r.reversed_by_id else None,
    }


def my_redemption_dict(r: Redemption) -> dict:
    return {"id": r.public_id, "voucher_id": r.voucher.public_id, "title": r.voucher.title,
            "store": store_ref(r.store), "uses": r.uses, "created_at": r.created_at,
            "reversed_at": r.reversed_at}


def refund_dict(r: VoucherRefund) -> dict:
    return {"id": r.public_id, "voucher_id": r.voucher.public_id, "order_id": r.order.public_id,
            "uses": r.uses, "amount_fen": r.amount_fen, "currency": r.currency, "reason": r.reason,
            "source": r.source, "status": r.status, "created_at": r.created_at}
