"""Builders for counter tests: a world with vouchers bought and paid for real, a
registered counter device, and upload items."""

from __future__ import annotations

import datetime as dt
import secrets

from o2o.core import clock
from o2o.counter import services
from o2o.vouchers import offline


def device(w, *, name: str = "前台", store=None, user=None):
    """A device registered by the store's staff member; (device, token)."""
    return services.register_device(user or w.staff, name, (store or w.store).public_id)


def nonce() -> str:
    return secrets.token_hex(16)


def item(voucher, store, *, uses: int = 1, at: dt.datetime | None = None, n: str | None = None,
         typed: bool = False) -> dict:
    """An offline redemption as the counter records it (the scanned QR by default)."""
    scanned = {"code": voucher.code} if typed else {"payload": offline.signed_payload(voucher)}
    return {"nonce": n or nonce(), **scanned, "store": store.public_id, "uses": uses,
            "redeemed_at": at or clock.now()}


def as_json(it: dict) -> dict:
    return {**it, "redeemed_at": it["redeemed_at"].isoformat()}
