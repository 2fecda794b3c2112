"""API shapes of the offline counter, and the functions that fill them from rows."""

from __future__ import annotations

import datetime as dt

from o2o.core.schemas import Schema
from o2o.counter.models import CounterDevice, OfflineConflict
from o2o.counter.selectors import caps
from o2o.vouchers import codes
from o2o.vouchers.selectors import customer_name


class DeviceIn(Schema):
    name: str
    store: str


class CapsIn(Schema):
    max_offline_uses: int | None = None
    max_offline_value_fen: int | None = None


class OfflineItemIn(Schema):
    nonce: str
    payload: str | None = None
    code: str | None = None
    store: str
    uses: int
    redeemed_at: dt.datetime


class UploadIn(Schema):
    items: list[OfflineItemIn]


class ItemResult(Schema):
    nonce: str
    result: str
    reason: str
    redemption: str | None = None
    conflict: str | None = None


class Used(Schema):
    uses: int
    value_fen: int


class UploadOut(Schema):
    results: list[ItemResult]
    offline_used: Used


def device_dict(device: CounterDevice, token: str | None = None) -> dict:
    out = {
        "id": device.public_id, "name": device.name,
        "store": {"id": device.store.public_id, "name": device.store.name},
        "registered_by": device.registered_by.public_id, "created_at": device.created_at.isoformat(),
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
        "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
        "caps": caps(device),
    }
    if token is not None:
        out["token"] = token
    return out


def conflict_dict(c: OfflineConflict) -> dict:
    offline, voucher = c.offline, c.voucher
    return {
        "id": c.public_id, "status": c.status, "reason": c.reason,
        "voucher": {"id": voucher.public_id, "code": codes.mask(voucher.code), "title": voucher.title,
                    "price_fen": voucher.price_fen, "uses_total": voucher.uses_total},
        "customer": customer_name(voucher.customer),
        "device": {"id": offline.device.public_id, "name": offline.device.name},
        "store": {"id": offline.store.public_id, "name": offline.store.name} if offline.store else None,
        "uses": offline.uses, "value_fen": offline.value_fen,
        "redeemed_at": offline.redeemed_at.isoformat(), "synced_at": offline.synced_at.isoformat(),
        "winner": {"kind": c.winner_kind, "id": c.winner_id, "at": c.winner_at.isoformat(),
                   "store": c.winner_store or None},
        "order": c.order.public_id if c.order_id else None,
        "resolved_by": c.resolved_by.public_id if c.resolved_by_id else None,
        "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None,
    }
