"""Vouchers seen by a counter that may be offline (docs/offline-counter.md): the signed
payload a voucher's QR carries, and applying a redemption a counter made offline.

Writes what vouchers.services.redeem writes (the conditional decrement of uses_left,
a Redemption, the voucher.redeemed event, the order's state) and, through
vouchers.signing, the signing key's not_after. Lock order as in vouchers.services:
voucher row, then order row.

Error codes of redeem_offline (what the counter should not have accepted):
    wrong_store 409, not_yet_valid 409, expired 409, slot_not_today 409, invalid_uses 422
and, as a returned reason rather than an error (the caller records a conflict):
    fully_used, refunded, expired
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from o2o.core import clock, events
from o2o.core.errors import Conflict, ValidationFailed
from o2o.inventory.services import store_zone
from o2o.merchants.models import Store
from o2o.vouchers import signing
from o2o.vouchers.models import USABLE, Redemption, Voucher, VoucherStatus
from o2o.vouchers.services import _slot_window, _status_from_uses, _sync_order, valid_at

S = VoucherStatus


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def redeem_window(voucher: Voucher) -> tuple[dt.datetime, dt.datetime]:
    """When a booked voucher may be redeemed: its slot's store-local day ± tolerance."""
    return _slot_window(voucher.slot)


def signed_payload(voucher: Voucher) -> str:
    """What the voucher's QR carries: its claims signed with the merchant's current key
    (docs/offline-counter.md). Its stores and window never change after issue."""
    claims: dict = {
        "v": voucher.public_id, "m": voucher.merchant.public_id,
        "s": "*" if voucher.all_stores else sorted(s.public_id for s in voucher.stores.all()),
        "u": voucher.uses_total, "p": voucher.price_fen,
        "n": _epoch(voucher.valid_from), "x": _epoch(voucher.valid_until),
    }
    if voucher.slot_id is not None:
        opens, closes = _slot_window(voucher.slot)
        claims["sl"] = [_epoch(voucher.slot.starts_at), _epoch(voucher.slot.ends_at)]
        claims["w"] = [_epoch(opens), _epoch(closes)]
    return signing.sign(voucher.merchant_id, claims)


def _refuse_offline(voucher: Voucher, store: Store, uses: int, at: dt.datetime) -> None:
    """What a counter should not have accepted at `at` whatever happened since: the
    store, the validity window and the slot's day, and more uses than the voucher has."""
    if not valid_at(voucher, store):
        raise Conflict("This voucher is not valid at this store", "wrong_store")
    if at < voucher.valid_from:
        raise Conflict("This voucher was not valid yet", "not_yet_valid")
    if at >= voucher.valid_until:
        raise Conflict("This voucher had expired", "expired")
    if voucher.slot_id is not None:
        opens, closes = _slot_window(voucher.slot)
        if not opens <= at < closes:
            raise Conflict("This voucher is booked for another day", "slot_not_today")
    if not 1 <= uses <= voucher.uses_total:
        raise ValidationFailed(f"uses must be 1..{voucher.uses_total}", "invalid_uses")


def redeem_offline(staff_user, store: Store, voucher: Voucher, uses: int, redeemed_at: dt.datetime,
                   *, device: str, nonce: str) -> tuple[Redemption | None, str]:
    """Apply a redemption a counter made offline at `redeemed_at` (device, nonce): the
    same conditional UPDATE as redeem(), with the validity window checked at the offline
    time. Runs inside the caller's transaction, which holds the nonce.

    Raises the domain error of what the counter should have refused (wrong_store,
    not_yet_valid, expired, slot_not_today, invalid_uses). Returns (redemption, "") when
    applied, or (None, reason) when the voucher can no longer take it: fully_used,
    refunded or expired since; then nothing is written and the caller records a conflict."""
    _refuse_offline(voucher, store, uses, redeemed_at)
    now = clock.now()
    with transaction.atomic():
        taken = Voucher.objects.filter(pk=voucher.pk, status__in=USABLE, uses_left__gte=uses).update(
            uses_left=F("uses_left") - uses, updated_at=now)
        if not taken:
            voucher.refresh_from_db(fields=["status", "uses_left"])
            if voucher.status == S.REFUNDED:
                return None, "refunded"
            if voucher.status in (S.EXPIRED, S.EXPIRED_REFUNDED):
                return None, "expired"
            return None, "fully_used"
        Voucher.objects.filter(pk=voucher.pk).update(status=_status_from_uses())
        voucher.refresh_from_db(fields=["uses_left", "status", "updated_at"])
        redemption = Redemption.objects.create(
            voucher=voucher, merchant_id=voucher.merchant_id, store=store, staff=staff_user, uses=uses,
            created_at=now, local_date=now.astimezone(store_zone(store)).date())
        events.emit("voucher.redeemed", redemption, {
            "voucher": voucher.public_id, "order_id": voucher.order_id, "store": store.public_id,
            "staff": staff_user.public_id, "uses": uses, "uses_left": voucher.uses_left,
            "status": voucher.status, "price_fen": voucher.price_fen, "uses_total": voucher.uses_total,
            "offline": {"device": device, "nonce": nonce, "redeemed_at": redeemed_at.isoformat()},
        }, merchant_id=store.merchant.public_id)
        _sync_order(voucher.order_id)
    return redemption, ""


