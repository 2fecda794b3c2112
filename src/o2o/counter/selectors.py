"""Reads of the offline counter for its API and the console and ops pages: the offline
bundle of a device, a merchant's devices and conflicts (owners only), every conflict for
operators, and what got to a voucher before an offline upload. No writes. Error codes:
store_not_allowed 403 (a bundle for another store), device_not_found 404,
conflict_not_found 404, invalid_status 422, owner_role_required 403,
operator_role_required 403."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db.models import F, Q, QuerySet

from o2o.core import clock
from o2o.core.errors import NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.counter.models import ConflictStatus, CounterDevice, OfflineConflict, OfflineRedemption
from o2o.inventory.services import local_day_bounds, store_zone
from o2o.merchants.access import merchant_of, require_operator
from o2o.vouchers import offline as voucher_offline
from o2o.vouchers import signing
from o2o.vouchers.models import USABLE, Redemption, Voucher, VoucherRefund, VoucherStatus
from o2o.vouchers.selectors import customer_name

# --- the offline bundle ------------------------------------------------------------------

def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def caps(device: CounterDevice) -> dict:
    return {"max_offline_uses": device.max_offline_uses, "max_offline_value_fen": device.max_offline_value_fen}


def _revoked(merchant_id: int, now: dt.datetime) -> list[dict]:
    """Vouchers still inside their validity whose state is not what their QR says."""
    rows = (Voucher.objects.filter(merchant_id=merchant_id, valid_until__gt=now)
            .filter(~Q(status=VoucherStatus.ACTIVE) | Q(uses_left__lt=F("uses_total")))
            .order_by("id").values_list("public_id", "status", "uses_left"))
    return [{"v": v, "status": status, "uses_left": left} for v, status, left in rows]


def _bookings(store, now: dt.datetime) -> list[dict]:
    """Today's (store-local) usable bookings at the store, with their typed codes."""
    start, end = local_day_bounds(now.astimezone(store_zone(store)).date(), store_zone(store))
    vouchers = (Voucher.objects.filter(slot__store=store, slot__starts_at__gte=start, slot__starts_at__lt=end,
                                       status__in=USABLE)
                .select_related("slot__store", "customer").order_by("slot__starts_at", "id"))
    out = []
    for v in vouchers:
        opens, closes = voucher_offline.redeem_window(v)
        out.append({
            "v": v.public_id, "code": v.code, "customer": customer_name(v.customer), "title": v.title,
            "slot": {"id": v.slot.public_id, "starts_at": _iso(v.slot.starts_at), "ends_at": _iso(v.slot.ends_at)},
            "window": [_iso(opens), _iso(closes)], "uses_left": v.uses_left, "uses_total": v.uses_total,
            "price_fen": v.price_fen, "valid_from": _iso(v.valid_from), "valid_until": _iso(v.valid_until),
        })
    return out


def bundle(device: CounterDevice, store_public_id: str | None = None) -> dict:
    """What a counter needs to redeem offline (docs/offline-counter.md §3); `version`
    hashes everything but `generated_at`, for If-None-Match."""
    store = device.store
    if store_public_id not in (None, "", store.public_id):
        raise PermissionDenied("This device is registered at another store", "store_not_allowed")
    now = clock.now()
    body = {
        "device": {"id": device.public_id, "name": device.name, "caps": caps(device)},
        "merchant": device.merchant.public_id,
        "store": {"id": store.public_id, "name": store.name, "timezone": store.time_zone},
        "keys": [{"kid": k.kid, "alg": "Ed25519", "key": k.public_key, "not_after": _iso(k.not_after)}
                 for k in signing.verifying_keys(device.merchant_id, now)],
        "revoked": _revoked(device.merchant_id, now),
        "bookings": _bookings(store, now),
    }
    version = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]
    return {"version": version, "generated_at": _iso(now), **body}


# --- devices and conflicts ------------------------------------------------------------------

def merchant_devices(owner) -> QuerySet[CounterDevice]:
    merchant = merchant_of(owner, owner_only=True)
    return CounterDevice.objects.filter(merchant=merchant).select_related("store", "registered_by")


def _conflicts() -> QuerySet[OfflineConflict]:
    return OfflineConflict.objects.select_related(
        "offline__device", "offline__store", "voucher__customer", "merchant", "order", "resolved_by")


def _by_status(qs: QuerySet[OfflineConflict], status: str | None) -> QuerySet[OfflineConflict]:
    if status:
        if status not in ConflictStatus.values:
            raise ValidationFailed(f"status must be one of {', '.join(ConflictStatus.values)}", "invalid_status")
        qs = qs.filter(status=status)
    return qs


def merchant_conflicts(user, status: str | None = None) -> QuerySet[OfflineConflict]:
    """The merchant's offline conflicts, newest first (any staff member may see them)."""
    return _by_status(_conflicts().filter(merchant=merchant_of(user)), status)


def all_conflicts(operator, status: str | None = None) -> QuerySet[OfflineConflict]:
    require_operator(operator)
    return _by_status(_conflicts(), status)


def merchant_conflict(user, conflict_public_id: str) -> OfflineConflict:
    conflict = None
    if looks_like_id(conflict_public_id, "ocf"):
        conflict = merchant_conflicts(user).filter(public_id=conflict_public_id).first()
    if conflict is None:
        raise NotFound("No such conflict", "conflict_not_found")
    return conflict


def refused_uploads(owner, limit: int = 50) -> list[OfflineRedemption]:
    """The latest uploads the server refused (revoked devices, bad scans, caps)."""
    merchant = merchant_of(owner, owner_only=True)
    return list(OfflineRedemption.objects.filter(merchant=merchant, result="refused")
                .select_related("device", "voucher").order_by("-id")[:limit])


def winner(voucher: Voucher, reason: str) -> tuple[str, str, dt.datetime, str]:
    """What got to the voucher before an offline upload: (kind, public id, when, store)."""
    if reason == "refunded":
        refund = VoucherRefund.objects.filter(voucher=voucher).first()
        if refund is not None:
            return "refund", refund.public_id, refund.created_at, ""
    if reason == "expired":
        return "expiry", voucher.public_id, voucher.valid_until, ""
    last = (Redemption.objects.filter(voucher=voucher, reversed_at__isnull=True).select_related("store")
            .order_by("-id").first())
    if last is None:
        return "redemption", "", voucher.updated_at, ""
    return "redemption", last.public_id, last.created_at, last.store.public_id
