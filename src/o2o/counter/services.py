"""Every write of the offline counter (docs/offline-counter.md): devices (register,
revoke, caps, last seen), uploads of offline redemptions, and conflicts (recorded on
upload, resolved by the merchant in counter.resolve).

An upload item runs in one transaction: the device row is locked (its caps are summed
under the lock), the item's nonce is inserted (unique: a retry or a concurrent copy
finds it and changes nothing), then vouchers.offline applies the uses with the online
conditional update. Lock order: device, offline row, voucher, order.

Error codes:
    invalid_name 422, invalid_cap 422, store_not_found 404, store_not_allowed 403,
    merchant_role_required 403, owner_role_required 403, device_not_found 404,
    device_revoked 403 (bundle and lookup; an upload of a revoked device is answered
    item by item as refused), too_many_items 422, invalid_nonce 422, invalid_item 422,
    invalid_time 422, duplicate_nonce 422.
Per-item reasons of an upload are listed in docs/offline-counter.md §5.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from o2o.core import clock
from o2o.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.counter import selectors
from o2o.counter.models import CounterDevice, OfflineConflict, OfflineRedemption, OfflineResult
from o2o.merchants.access import may_act_at, merchant_of
from o2o.merchants.models import Store
from o2o.vouchers import offline as voucher_offline
from o2o.vouchers import services as vouchers
from o2o.vouchers import signing

TOKEN_PREFIX = "ctd_"  # noqa: S105 - the prefix of device tokens, not a secret
MAX_NAME = 60
MAX_ITEMS = 200
MAX_SCANNED = signing.MAX_LENGTH
CLOCK_SKEW = dt.timedelta(minutes=5)  # a counter's clock may run this far ahead
MAX_AGE = dt.timedelta(days=30)  # older offline redemptions are refused as invalid_time
SEEN_EVERY = dt.timedelta(minutes=1)
_HEX = re.compile(r"^[0-9a-fA-F]{32}$")
_B64 = re.compile(r"^[A-Za-z0-9_-]{22}$")
R = OfflineResult


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- devices -------------------------------------------------------------------------------

def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise ValidationFailed(f"name is 1..{MAX_NAME} characters", "invalid_name")
    return name.strip()


def register_device(user, name: object, store_public_id: object) -> tuple[CounterDevice, str]:
    """A staff member signs a counter in at a store they may act at. Returns the device
    and its token, which is not stored and cannot be shown again."""
    merchant = merchant_of(user)
    clean = _clean_name(name)
    store = None
    if looks_like_id(store_public_id, "sto"):
        store = Store.objects.filter(public_id=store_public_id, merchant=merchant, is_active=True).first()
    if store is None:
        raise NotFound("No such store", "store_not_found")
    if not may_act_at(user, store):
        raise PermissionDenied("You may not act at this store", "store_not_allowed")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = CounterDevice.objects.create(merchant=merchant, store=store, name=clean, token_hash=hash_token(token),
                                          registered_by=user, created_at=clock.now())
    return device, token


def device_for_token(token: object) -> CounterDevice | None:
    """The device of a token (revoked ones too: the caller says device_revoked), its
    last_seen_at kept to the minute."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    device = (CounterDevice.objects.select_related("merchant", "store", "registered_by")
              .filter(token_hash=hash_token(token)).first())
    if device is not None:
        now = clock.now()
        if device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY:
            CounterDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
            device.last_seen_at = now
    return device


def require_live(device: CounterDevice) -> CounterDevice:
    if device.is_revoked:
        raise PermissionDenied("This counter device was revoked", "device_revoked")
    return device


def _owned_device(owner, device_public_id: str) -> CounterDevice:
    merchant = merchant_of(owner, owner_only=True)
    device = None
    if looks_like_id(device_public_id, "dev"):
        device = (CounterDevice.objects.select_for_update(of=("self",)).select_related("store")
                  .filter(public_id=device_public_id, merchant=merchant).first())
    if device is None:
        raise NotFound("No such device", "device_not_found")
    return device


def revoke_device(owner, device_public_id: str) -> CounterDevice:
    """The owner revokes a device: its token stops working and its queued uploads are
    refused (and recorded). Revoking twice changes nothing."""
    with transaction.atomic():
        device = _owned_device(owner, device_public_id)
        if device.revoked_at is None:
            device.revoked_at = clock.now()
            device.revoked_by = owner
            device.save(update_fields=["revoked_at", "revoked_by"])
    return device


def _cap(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2_000_000_000:
        raise ValidationFailed("A cap is a whole number from 0", "invalid_cap")
    return value


def set_caps(owner, device_public_id: str, *, max_offline_uses: object = None,
             max_offline_value_fen: object = None) -> CounterDevice:
    """The owner sets how much a device may redeem offline (uses, value in fen)."""
    uses, value = _cap(max_offline_uses), _cap(max_offline_value_fen)
    with transaction.atomic():
        device = _owned_device(owner, device_public_id)
        if uses is not None:
            device.max_offline_uses = uses
        if value is not None:
            device.max_offline_value_fen = value
        device.save(update_fields=["max_offline_uses", "max_offline_value_fen"])
    return device


def note_bundle(device: CounterDevice) -> None:
    """A bundle fetch: the device is online, a new offline period starts for its caps."""
    now = clock.now()
    CounterDevice.objects.filter(pk=device.pk).update(last_bundle_at=now, last_seen_at=now)
    device.last_bundle_at = device.last_seen_at = now


# --- uploads ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    nonce: str  # normalized: 32 lower-case hex
    scanned: str  # payload | code
    raw: str
    store: str
    uses: int
    redeemed_at: dt.datetime


def normalize_nonce(nonce: object) -> str:
    """128 bits as 32 hex or 22 base64url characters -> 32 lower-case hex."""
    if isinstance(nonce, str) and _HEX.match(nonce):
        return nonce.lower()
    if isinstance(nonce, str) and _B64.match(nonce):
        try:
            raw = base64.urlsafe_b64decode(nonce + "==")
        except binascii.Error:
            raw = b""
        if len(raw) == 16 and signing.b64e(raw) == nonce:  # canonical: no stray low bits
            return raw.hex()
    raise ValidationFailed("nonce must be 128 bits: 32 hex or 22 base64url characters", "invalid_nonce")


def clean_items(items: list[dict]) -> list[Item]:
    """Check a whole upload before anything is written: 422 for the first bad item."""
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"At most {MAX_ITEMS} items per upload", "too_many_items")
    out: list[Item] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        nonce = normalize_nonce(item.get("nonce"))
        if nonce in seen:
            raise ValidationFailed("The same nonce twice in one upload", "duplicate_nonce", details={"item": i})
        seen.add(nonce)
        payload, code = item.get("payload"), item.get("code")
        if (payload is None) == (code is None):
            raise ValidationFailed("Send exactly one of payload and code", "invalid_item", details={"item": i})
        raw = payload if payload is not None else code
        if not isinstance(raw, str) or not raw or len(raw) > MAX_SCANNED:
            raise ValidationFailed("payload or code is not a scan", "invalid_item", details={"item": i})
        uses, store, at = item.get("uses"), item.get("store"), item.get("redeemed_at")
        if isinstance(uses, bool) or not isinstance(uses, int) or not 1 <= uses <= 1000:
            raise ValidationFailed("uses must be a whole number from 1", "invalid_uses", details={"item": i})
        if not isinstance(store, str):
            raise ValidationFailed("store is a store id", "invalid_item", details={"item": i})
        if not isinstance(at, dt.datetime) or at.tzinfo is None:
            raise ValidationFailed("redeemed_at needs a time zone", "invalid_time", details={"item": i})
        out.append(Item(nonce, "payload" if payload is not None else "code", raw, store, uses, at))
    return out


def offline_used(device: CounterDevice) -> tuple[int, int]:
    """Uses and value the device redeemed in its current offline period (since its last
    bundle fetch), applied or in conflict: what counts against its caps."""
    qs = OfflineRedemption.objects.filter(device=device, result__in=(R.APPLIED, R.CONFLICT))
    if device.last_bundle_at is not None:
        qs = qs.filter(redeemed_at__gte=device.last_bundle_at)
    sums = qs.aggregate(uses=Sum("uses"), value=Sum("value_fen"))
    return sums["uses"] or 0, sums["value"] or 0


def value_of(price_fen: int, uses_total: int, uses: int) -> int:
    """What `uses` uses are worth for the value cap: rounded up, as the counter does."""
    return -(-price_fen * uses // uses_total)


def _answer(row: OfflineRedemption, result: str | None = None) -> dict:
    conflict = getattr(row, "conflict", None) if row.result == R.CONFLICT else None
    first = row.result if not row.reason else f"{row.result}:{row.reason}"
    return {
        "nonce": row.nonce,
        "result": result or row.result,
        "reason": first if result == "duplicate" else row.reason,
        "redemption": row.redemption.public_id if row.redemption_id else None,
        "conflict": conflict.public_id if conflict is not None else None,
    }


def _decide(device: CounterDevice, item: Item, row: OfflineRedemption, now: dt.datetime) -> None:
    """Fill `row` with what the item comes to; the voucher is changed only when applied."""
    if device.is_revoked:
        row.reason = "device_revoked"
        return
    if item.store != device.store.public_id:
        row.reason = "store_not_allowed"
        return
    row.store = device.store
    if item.redeemed_at > now + CLOCK_SKEW or item.redeemed_at < now - MAX_AGE:
        row.reason = "invalid_time"
        return
    try:
        voucher = vouchers.find_for_merchant(device.merchant, item.raw, item.redeemed_at)
    except DomainError as exc:
        row.reason = exc.code
        return
    row.voucher = voucher
    row.value_fen = value_of(voucher.price_fen, voucher.uses_total, item.uses)
    used_uses, used_value = offline_used(device)
    if used_uses + item.uses > device.max_offline_uses:
        row.reason = "offline_cap_uses"
        return
    if used_value + row.value_fen > device.max_offline_value_fen:
        row.reason = "offline_cap_value"
        return
    try:
        redemption, why = voucher_offline.redeem_offline(
            device.registered_by, device.store, voucher, item.uses, item.redeemed_at,
            device=device.public_id, nonce=item.nonce)
    except DomainError as exc:
        row.reason = exc.code
        return
    if redemption is not None:
        row.result, row.redemption = R.APPLIED, redemption
        return
    row.result, row.reason = R.CONFLICT, why


def _conflict(row: OfflineRedemption, now: dt.datetime) -> OfflineConflict:
    kind, public_id, at, store = selectors.winner(row.voucher, row.reason)
    return OfflineConflict.objects.create(
        offline=row, merchant_id=row.merchant_id, voucher=row.voucher, reason=row.reason, winner_kind=kind,
        winner_id=public_id, winner_at=at, winner_store=store, created_at=now)


def _apply_one(device_pk: int, item: Item) -> dict:
    now = clock.now()
    with transaction.atomic():
        # The device row, locked: its caps are summed and its uploads applied one at a time.
        device = (CounterDevice.objects.select_for_update(of=("self",))
                  .select_related("merchant", "store", "registered_by").get(pk=device_pk))
        existing = OfflineRedemption.objects.select_related("redemption").filter(nonce=item.nonce).first()
        if existing is None:
            row = OfflineRedemption(nonce=item.nonce, device=device, merchant_id=device.merchant_id,
                                    scanned=item.scanned, uses=item.uses, redeemed_at=item.redeemed_at,
                                    synced_at=now, result=R.REFUSED, reason="pending")
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # the same nonce from another device, just now
                existing = OfflineRedemption.objects.select_related("redemption").get(nonce=item.nonce)
        if existing is not None:
            if existing.device_id != device.pk:
                return {"nonce": item.nonce, "result": R.REFUSED, "reason": "nonce_reused",
                        "redemption": None, "conflict": None}
            return _answer(existing, "duplicate")
        row.reason = ""
        _decide(device, item, row, now)
        row.save()
        if row.result == R.CONFLICT:
            row.conflict = _conflict(row, now)
        return _answer(row)


def upload(device: CounterDevice, items: list[dict]) -> tuple[list[dict], tuple[int, int]]:
    """Apply a device's queued offline redemptions in order, each once per nonce and in
    its own transaction (one item's outcome never undoes another's). Returns one result
    per item and what now counts against the device's caps."""
    cleaned = clean_items(items)
    results = [_apply_one(device.pk, item) for item in cleaned]
    device.refresh_from_db(fields=["last_bundle_at"])
    return results, offline_used(device)
