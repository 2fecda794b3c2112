"""Merchants, onboarding review, stores and staff: every write of the merchants app.

Each write is one transaction that also records a domain event in the outbox with
merchant_id = the merchant's public id. Callers authorize first (merchants.access);
services still scope every lookup to the merchant they are given, so another
merchant's ids are simply "not found".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from o2o.accounts import services as accounts
from o2o.accounts.models import Role, User
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants.hours import is_open_at, normalize_opening_hours, validate_time_zone
from o2o.merchants.models import Merchant, MerchantStatus, StaffMember, StaffRole, Store

__all__ = [
    "apply_merchant", "update_merchant", "approve", "reject", "suspend", "reinstate",
    "create_store", "update_store", "deactivate_store", "get_store",
    "add_staff", "update_staff", "deactivate_staff", "get_staff", "is_open_at",
]

# Text fields: max length (the model's) and whether a value is required.
_MERCHANT_TEXT = {"name": (100, True), "name_en": (100, False), "description": (2000, False),
                  "business_type": (50, False), "contact_phone": (20, False)}
_STORE_TEXT = {"name": (100, True), "name_en": (100, False), "address": (300, True),
               "city": (50, False), "phone": (20, False)}
_COORD_QUANTUM = Decimal("0.000001")
_REASON_MAX = 500


# --- validation helpers ----------------------------------------------------

def _text(field: str, value: Any, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", "validation_error", details={"field": field})
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{field} is required", "validation_error", details={"field": field})
    if len(value) > max_length:
        raise ValidationFailed(f"{field} must be at most {max_length} characters", "validation_error",
                               details={"field": field})
    if "\x00" in value:  # PostgreSQL refuses NUL in text; refuse it for every database alike
        raise ValidationFailed(f"{field} must not contain NUL characters", "validation_error",
                               details={"field": field})
    return value


def _coordinate(field: str, value: Any, limit: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationFailed(f"{field} must be a number", "invalid_coordinates", details={"field": field})
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{field} must be a number", "invalid_coordinates",
                               details={"field": field}) from None
    if not number.is_finite() or not math.isfinite(float(number)) or abs(number) > limit:
        raise ValidationFailed(f"{field} must be between -{limit} and {limit}", "invalid_coordinates",
                               details={"field": field})
    return number.quantize(_COORD_QUANTUM, rounding=ROUND_HALF_EVEN)


def _reason(value: Any, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("reason must be a string", "reason_required")
    value = value.strip()
    if required and not value:
        raise ValidationFailed("a reason is required", "reason_required")
    if len(value) > _REASON_MAX or "\x00" in value:
        raise ValidationFailed(f"reason must be at most {_REASON_MAX} characters", "validation_error",
                               details={"field": "reason"})
    return value


def _unknown_fields(fields: dict, allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed(f"unknown fields: {sorted(unknown)}", "validation_error")


def _merchant_fields(fields: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    _unknown_fields(fields, _MERCHANT_TEXT)
    out: dict[str, Any] = {}
    for name, (max_length, required) in _MERCHANT_TEXT.items():
        if name in fields or (required and not partial):
            out[name] = _text(name, fields.get(name), max_length, required)
    return out


def _store_fields(fields: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    _unknown_fields(fields, {*_STORE_TEXT, "latitude", "longitude", "time_zone", "opening_hours",
                             "is_active"})
    out: dict[str, Any] = {}
    for name, (max_length, required) in _STORE_TEXT.items():
        if name in fields or (required and not partial):
            out[name] = _text(name, fields.get(name), max_length, required)
    if "latitude" in fields or not partial:
        out["latitude"] = _coordinate("latitude", fields.get("latitude"), 90)
    if "longitude" in fields or not partial:
        out["longitude"] = _coordinate("longitude", fields.get("longitude"), 180)
    if "time_zone" in fields:
        out["time_zone"] = validate_time_zone(fields["time_zone"])
    if "opening_hours" in fields:
        out["opening_hours"] = normalize_opening_hours(fields["opening_hours"])
    if "is_active" in fields:
        if not isinstance(fields["is_active"], bool):
            raise ValidationFailed("is_active must be true or false", "validation_error",
                                   details={"field": "is_active"})
        out["is_active"] = fields["is_active"]
    return out


def _public_id(value: Any, prefix: str, what: str) -> str:
    public_id = getattr(value, "public_id", value)
    if not looks_like_id(public_id, prefix):
        raise NotFound(f"no such {what}", f"{what}_not_found")
    return public_id


def _locked_merchant(merchant: Merchant | str) -> Merchant:
    public_id = _public_id(merchant, "mer", "merchant")
    found = Merchant.objects.select_for_update().filter(public_id=public_id).first()
    if found is None:
        raise NotFound("no such merchant", "merchant_not_found")
    return found


def _snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    return {n: (str(v) if isinstance(v, Decimal) else v) for n in names
            for v in [getattr(obj, n)]}


# --- merchants: application and profile ------------------------------------

def apply_merchant(user: User, name: str, **fields: Any) -> Merchant:
    """`user` applies to sell: a pending merchant they own.

    Fields: name (required), name_en, description, business_type, contact_phone.
    The user becomes a merchant owner with an owner StaffMember. The owner of a
    rejected merchant re-applies with the same call (updated fields, back to pending).
    A user already working for a merchant gets 409 already_member.
    """
    data = _merchant_fields({"name": name, **fields}, partial=False)
    with transaction.atomic():
        # Lock the user so two concurrent applications of one user cannot both pass.
        locked = User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
        if locked is None:
            raise NotFound("no such user", "user_not_found")
        if locked.role == Role.OPERATOR:
            raise PermissionDenied("Platform operators cannot apply as merchants",
                                   "customer_role_required")
        member = StaffMember.objects.select_related("merchant").filter(user=locked).first()
        now = clock.now()
        if member is not None and member.is_active:
            existing = member.merchant
            if member.role == StaffRole.OWNER and existing.status == MerchantStatus.REJECTED:
                return _resubmit(Merchant.objects.select_for_update().get(pk=existing.pk), data)
            raise Conflict("This user already works for a merchant", "already_member")
        merchant = Merchant.objects.create(owner=locked, status=MerchantStatus.PENDING,
                                           created_at=now, updated_at=now, **data)
        if member is not None:
            # A former staff member: the one membership row per user is reused.
            member.merchant, member.role, member.is_active, member.created_at = (
                merchant, StaffRole.OWNER, True, now)
            member.save(update_fields=["merchant", "role", "is_active", "created_at"])
            member.stores.clear()
        else:
            StaffMember.objects.create(merchant=merchant, user=locked, role=StaffRole.OWNER,
                                       created_at=now)
        if locked.role != Role.MERCHANT_OWNER:
            accounts.set_role(locked, Role.MERCHANT_OWNER)
        user.role = Role.MERCHANT_OWNER
        events.emit("merchant.applied", merchant, {"owner": locked.public_id, "name": merchant.name},
                    merchant_id=merchant.public_id)
    return merchant


def _resubmit(merchant: Merchant, data: dict[str, Any]) -> Merchant:
    for key, value in data.items():
        setattr(merchant, key, value)
    merchant.status = MerchantStatus.PENDING
    merchant.status_reason = ""
    merchant.updated_at = clock.now()
    merchant.save()
    events.emit("merchant.applied", merchant, {"owner": merchant.owner.public_id, "name": merchant.name,
                                               "resubmitted": True},
                merchant_id=merchant.public_id)
    return merchant


def update_merchant(merchant: Merchant | str, **fields: Any) -> Merchant:
    """Update the profile (name, name_en, description, business_type, contact_phone)."""
    data = _merchant_fields(fields, partial=True)
    with transaction.atomic():
        locked = _locked_merchant(merchant)
        for key, value in data.items():
            setattr(locked, key, value)
        locked.updated_at = clock.now()
        locked.save()
        events.emit("merchant.updated", locked, {"fields": sorted(data)},
                    merchant_id=locked.public_id)
    return locked


# --- merchants: operator review --------------------------------------------

# action -> (states it may start from, resulting state, event type)
_REVIEW = {
    "approve": ({MerchantStatus.PENDING}, MerchantStatus.ACTIVE, "merchant.approved"),
    "reject": ({MerchantStatus.PENDING}, MerchantStatus.REJECTED, "merchant.rejected"),
    "suspend": ({MerchantStatus.ACTIVE}, MerchantStatus.SUSPENDED, "merchant.suspended"),
    "reinstate": ({MerchantStatus.SUSPENDED}, MerchantStatus.ACTIVE, "merchant.reinstated"),
}


def _review(operator: User, merchant: Merchant | str, action: str, reason: str = "") -> Merchant:
    if not (operator.role == Role.OPERATOR or operator.is_superuser):
        raise PermissionDenied("This needs a platform operator", "operator_role_required")
    sources, target, event_type = _REVIEW[action]
    with transaction.atomic():
        locked = _locked_merchant(merchant)
        if locked.status not in sources:
            raise Conflict(f"cannot {action} a merchant that is {locked.status}", "illegal_transition",
                           details={"status": locked.status, "action": action})
        previous = locked.status
        now = clock.now()
        locked.status = target
        locked.status_reason = reason
        locked.reviewed_by = operator
        locked.reviewed_at = now
        locked.updated_at = now
        locked.save(update_fields=["status", "status_reason", "reviewed_by", "reviewed_at",
                                   "updated_at"])
        events.emit(event_type, locked, {"from": previous, "to": target, "reason": reason,
                                         "operator": operator.public_id},
                    merchant_id=locked.public_id)
    return locked


def approve(operator: User, merchant_id: Merchant | str) -> Merchant:
    """pending -> active."""
    return _review(operator, merchant_id, "approve")


def reject(operator: User, merchant_id: Merchant | str, reason: str) -> Merchant:
    """pending -> rejected; a reason is required (shown to the applicant)."""
    return _review(operator, merchant_id, "reject", _reason(reason, required=True))


def suspend(operator: User, merchant_id: Merchant | str, reason: str) -> Merchant:
    """active -> suspended; the merchant disappears from public listings."""
    return _review(operator, merchant_id, "suspend", _reason(reason, required=True))


def reinstate(operator: User, merchant_id: Merchant | str) -> Merchant:
    """suspended -> active."""
    return _review(operator, merchant_id, "reinstate")


# --- stores -----------------------------------------------------------------

def get_store(merchant: Merchant, store_id: str, *, for_update: bool = False) -> Store:
    """One of `merchant`'s stores (any state); other merchants' ids are not found."""
    public_id = _public_id(store_id, "sto", "store")
    qs = Store.objects.filter(merchant=merchant, public_id=public_id)
    store = (qs.select_for_update() if for_update else qs).first()
    if store is None:
        raise NotFound("no such store", "store_not_found")
    return store


def create_store(merchant: Merchant, **fields: Any) -> Store:
    """Fields: name, address, latitude, longitude (required); name_en, city, phone,
    time_zone (IANA name, default Asia/Shanghai), opening_hours (see merchants.hours)."""
    fields.pop("is_active", None)
    data = _store_fields(fields, partial=False)
    now = clock.now()
    with transaction.atomic():
        store = Store(merchant=merchant, created_at=now, updated_at=now, **data)
        store.save()
        events.emit("store.created", store, _snapshot(store, ("name", "latitude", "longitude",
                                                              "time_zone")),
                    merchant_id=merchant.public_id)
    return store


def update_store(merchant: Merchant, store_id: str, **fields: Any) -> Store:
    data = _store_fields(fields, partial=True)
    with transaction.atomic():
        store = get_store(merchant, store_id, for_update=True)
        for key, value in data.items():
            setattr(store, key, value)
        store.updated_at = clock.now()
        store.save()
        events.emit("store.updated", store, {"fields": sorted(data)}, merchant_id=merchant.public_id)
    return store


def deactivate_store(merchant: Merchant, store_id: str) -> Store:
    """Hide a store (it stays in history). Idempotent."""
    with transaction.atomic():
        store = get_store(merchant, store_id, for_update=True)
        if store.is_active:
            store.is_active = False
            store.updated_at = clock.now()
            store.save(update_fields=["is_active", "updated_at"])
            events.emit("store.deactivated", store, {}, merchant_id=merchant.public_id)
    return store


# --- staff --------------------------------------------------------------------

def _stores_by_ids(merchant: Merchant, store_ids: Any) -> list[Store]:
    if store_ids is None:
        return []
    if not isinstance(store_ids, list | tuple) or not all(isinstance(s, str) for s in store_ids):
        raise ValidationFailed("store_ids must be a list of store ids", "validation_error",
                               details={"field": "store_ids"})
    wanted = set(store_ids)
    if not all(looks_like_id(s, "sto") for s in wanted):
        raise NotFound("no such store", "store_not_found")
    stores = list(Store.objects.filter(merchant=merchant, public_id__in=wanted))
    if len(stores) != len(wanted):
        raise NotFound("no such store", "store_not_found")
    return stores


def get_staff(merchant: Merchant, staff_id: str, *, for_update: bool = False) -> StaffMember:
    public_id = _public_id(staff_id, "stf", "staff")
    qs = StaffMember.objects.select_related("user").filter(merchant=merchant, public_id=public_id)
    member = (qs.select_for_update(of=("self",)) if for_update else qs).first()
    if member is None:
        raise NotFound("no such staff member", "staff_not_found")
    return member


def add_staff(merchant: Merchant, username: str, password: str | None = None, *,
              stores: Iterable[str] | None = None, display_name: str = "") -> StaffMember:
    """Add a staff member bound to `stores` (public ids of this merchant's stores;
    none = every store). With a password a new merchant_staff user is created;
    without one an existing customer user is attached by username."""
    username = _text("username", username, 150, True)
    display_name = _text("display_name", display_name, 100, False)
    bound = _stores_by_ids(merchant, list(stores) if stores is not None else None)
    with transaction.atomic():
        now = clock.now()
        if password:
            user = accounts.create_user(username, password, role=Role.MERCHANT_STAFF,
                                        display_name=display_name)
            member = None
        else:
            user = User.objects.select_for_update().filter(username=username, is_active=True).first()
            if user is None:
                raise NotFound("no such user", "user_not_found")
            member = StaffMember.objects.filter(user=user).first()
            if user.role != Role.CUSTOMER or (member is not None and member.is_active):
                raise Conflict("This user already works for a merchant or cannot be staff",
                               "already_member")
            if display_name:
                User.objects.filter(pk=user.pk).update(display_name=display_name)
            accounts.set_role(user, Role.MERCHANT_STAFF)
        if member is not None:
            # A former staff member (anywhere): the one membership row per user is reused.
            member.merchant, member.role, member.is_active, member.created_at = (
                merchant, StaffRole.STAFF, True, now)
            member.save(update_fields=["merchant", "role", "is_active", "created_at"])
        else:
            member = StaffMember.objects.create(merchant=merchant, user=user, role=StaffRole.STAFF,
                                                created_at=now)
        member.stores.set(bound)
        events.emit("staff.added", member, {"user": user.public_id,
                                            "stores": sorted(s.public_id for s in bound)},
                    merchant_id=merchant.public_id)
    return member


def update_staff(merchant: Merchant, staff_id: str, *, stores: Iterable[str] | None = None,
                 display_name: str | None = None) -> StaffMember:
    """Rebind a staff member's stores (an empty list = every store) or rename them."""
    bound = _stores_by_ids(merchant, list(stores)) if stores is not None else None
    name = _text("display_name", display_name, 100, False) if display_name is not None else None
    with transaction.atomic():
        member = get_staff(merchant, staff_id, for_update=True)
        if not member.is_active:
            raise Conflict("This staff member was removed", "staff_inactive")
        changed: list[str] = []
        if bound is not None:
            if member.role == StaffRole.OWNER:
                raise Conflict("The owner acts at every store", "owner_not_bindable")
            member.stores.set(bound)
            changed.append("stores")
        if name is not None:
            User.objects.filter(pk=member.user_id).update(display_name=name)
            member.user.display_name = name
            changed.append("display_name")
        if changed:
            events.emit("staff.updated", member, {
                "fields": changed, "stores": sorted(s.public_id for s in member.stores.all())},
                merchant_id=merchant.public_id)
    return member


def deactivate_staff(merchant: Merchant, staff_id: str) -> StaffMember:
    """Remove a staff member: the membership ends and the user is a customer again.
    The owner cannot be removed. Idempotent."""
    with transaction.atomic():
        member = get_staff(merchant, staff_id, for_update=True)
        if member.role == StaffRole.OWNER:
            raise Conflict("The owner cannot be removed", "cannot_remove_owner")
        if member.is_active:
            member.is_active = False
            member.save(update_fields=["is_active"])
            member.stores.clear()
            if member.user.role == Role.MERCHANT_STAFF:
                accounts.set_role(member.user, Role.CUSTOMER)
            events.emit("staff.removed", member, {"user": member.user.public_id},
                        merchant_id=merchant.public_id)
    return member
