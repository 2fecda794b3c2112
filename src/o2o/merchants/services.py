"""Merchants, onboarding review, stores and staff: every write of the merchants app.

Each write is one transaction that also records a domain event in the outbox with
merchant_id = the merchant's public id. Callers authorize first (merchants.access);
services still scope every lookup to the merchant they are given, so another
merchant's ids are simply "not found". Users are written only through
accounts.services (new work accounts, the owner role, ending a work account).

Writes: Merchant, Store, StaffMember, StaffInvitation. Error codes: validation_error,
invalid_coordinates, reason_required, password_required (422); merchant_not_found,
store_not_found, staff_not_found, invitation_not_found (404); customer_role_required,
operator_role_required (403); already_member, illegal_transition, staff_inactive,
owner_not_bindable, cannot_remove_owner, username_taken, invitation_used,
invitation_revoked, invitation_expired (409).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from o2o.accounts import services as accounts
from o2o.accounts.models import Role, User
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants import invitation_codes
from o2o.merchants.hours import is_open_at, normalize_opening_hours, validate_time_zone
from o2o.merchants.models import (
    InvitationState,
    Merchant,
    MerchantStatus,
    StaffInvitation,
    StaffMember,
    StaffRole,
    Store,
)

__all__ = [
    "apply_merchant", "update_merchant", "approve", "reject", "suspend", "reinstate",
    "create_store", "update_store", "deactivate_store", "get_store",
    "add_staff", "update_staff", "deactivate_staff", "get_staff", "is_open_at",
    "create_invitation", "revoke_invitation", "accept_invitation", "get_invitation",
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
        locked = accounts.lock_active_user(user)
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
#
# Two ways in, and no way to take over an account: the owner creates a brand-new
# work account (add_staff), or invites a person, who accepts while signed in to
# their own account (create_invitation, accept_invitation). Being staff is the
# membership row: the person's role, name, orders, cart and vouchers stay theirs.

INVITATION_HOURS_DEFAULT = 7 * 24
INVITATION_HOURS_MAX = 30 * 24

_INVITATION_REFUSED = {
    InvitationState.ACCEPTED: ("This invitation was already used", "invitation_used"),
    InvitationState.REVOKED: ("This invitation was withdrawn", "invitation_revoked"),
    InvitationState.EXPIRED: ("This invitation has expired", "invitation_expired"),
}


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


def _store_ids(stores: Iterable[Store]) -> list[str]:
    return sorted(s.public_id for s in stores)


def get_staff(merchant: Merchant, staff_id: str, *, for_update: bool = False) -> StaffMember:
    public_id = _public_id(staff_id, "stf", "staff")
    qs = StaffMember.objects.select_related("user").filter(merchant=merchant, public_id=public_id)
    member = (qs.select_for_update(of=("self",)) if for_update else qs).first()
    if member is None:
        raise NotFound("no such staff member", "staff_not_found")
    return member


def _join(merchant: Merchant, user: User, stores: list[Store], display_name: str = "") -> StaffMember:
    """Make `user` active staff of `merchant`; the one membership row per user is reused."""
    now = clock.now()
    member = StaffMember.objects.filter(user=user).first()
    if member is not None and member.is_active:
        raise Conflict("This account already works for a merchant", "already_member")
    if member is not None:
        member.merchant, member.role, member.is_active, member.created_at, member.display_name = (
            merchant, StaffRole.STAFF, True, now, display_name)
        member.save(update_fields=["merchant", "role", "is_active", "created_at", "display_name"])
    else:
        member = StaffMember.objects.create(merchant=merchant, user=user, role=StaffRole.STAFF,
                                            display_name=display_name, created_at=now)
    member.stores.set(stores)
    return member


def add_staff(merchant: Merchant, username: str, password: str, *, stores: Iterable[str] | None = None,
              display_name: str = "") -> StaffMember:
    """Create a NEW work account (role merchant_staff) working for `merchant`, bound to
    `stores` (public ids of this merchant's stores; none = every store).

    An existing account is never attached here, whoever owns it: a taken username is
    409 username_taken. A person with an account of their own is invited instead.
    Without a password: 422 password_required, before any lookup of the username."""
    if not isinstance(password, str) or not password:
        raise ValidationFailed("A password is required: this creates a new account. Invite a person "
                               "who already has an account.", "password_required")
    username = _text("username", username, 150, True)
    display_name = _text("display_name", display_name, 100, False)
    bound = _stores_by_ids(merchant, list(stores) if stores is not None else None)
    with transaction.atomic():
        user = accounts.create_user(username, password, role=Role.MERCHANT_STAFF,
                                    display_name=display_name)
        member = _join(merchant, user, bound)
        events.emit("staff.added", member, {"user": user.public_id, "stores": _store_ids(bound),
                                            "via": "new_account"},
                    merchant_id=merchant.public_id)
    return member


def update_staff(merchant: Merchant, staff_id: str, *, stores: Iterable[str] | None = None,
                 display_name: str | None = None) -> StaffMember:
    """Rebind a staff member's stores (an empty list = every store) or set the name the
    merchant shows for them (the user's own display name is not touched)."""
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
            member.display_name = name
            member.save(update_fields=["display_name"])
            changed.append("display_name")
        if changed:
            events.emit("staff.updated", member, {
                "fields": changed, "stores": _store_ids(member.stores.all())},
                merchant_id=merchant.public_id)
    return member


def deactivate_staff(merchant: Merchant, staff_id: str) -> StaffMember:
    """Remove a staff member: the membership ends. A person's own account stays as it
    is; a work account made by the owner ends with it. The owner cannot be removed.
    Idempotent."""
    with transaction.atomic():
        member = get_staff(merchant, staff_id, for_update=True)
        if member.role == StaffRole.OWNER:
            raise Conflict("The owner cannot be removed", "cannot_remove_owner")
        if member.is_active:
            member.is_active = False
            member.save(update_fields=["is_active"])
            member.stores.clear()
            if member.user.role == Role.MERCHANT_STAFF:
                accounts.deactivate_user(member.user, "staff_removed")
            events.emit("staff.removed", member, {"user": member.user.public_id},
                        merchant_id=merchant.public_id)
    return member


# --- staff invitations ----------------------------------------------------------------

def _invitation_hours(value: Any) -> int:
    if value is None:
        return INVITATION_HOURS_DEFAULT
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INVITATION_HOURS_MAX:
        raise ValidationFailed(f"expires_in_hours must be a whole number from 1 to {INVITATION_HOURS_MAX}",
                               "validation_error", details={"field": "expires_in_hours"})
    return value


def get_invitation(merchant: Merchant, invitation_id: str, *, for_update: bool = False) -> StaffInvitation:
    """One of `merchant`'s invitations; other merchants' ids are not found."""
    public_id = _public_id(invitation_id, "sti", "invitation")
    qs = StaffInvitation.objects.filter(merchant=merchant, public_id=public_id)
    invitation = (qs.select_for_update() if for_update else qs).first()
    if invitation is None:
        raise NotFound("no such invitation", "invitation_not_found")
    return invitation


def create_invitation(merchant: Merchant, created_by: User, *, stores: Iterable[str] | None = None,
                      label: str = "", expires_in_hours: int | None = None) -> tuple[StaffInvitation, str]:
    """A single-use invitation to work for `merchant`, bound to `stores` (none = every
    store), valid for `expires_in_hours` (default a week, at most 30 days). Returns the
    invitation and its code: the code is not stored and cannot be shown again."""
    label = _text("label", label, 100, False)
    hours = _invitation_hours(expires_in_hours)
    bound = _stores_by_ids(merchant, list(stores) if stores is not None else None)
    code, digest = invitation_codes.generate()
    with transaction.atomic():
        now = clock.now()
        invitation = StaffInvitation.objects.create(
            merchant=merchant, code_digest=digest, label=label, created_by=created_by, created_at=now,
            expires_at=now + dt.timedelta(hours=hours))
        invitation.stores.set(bound)
        events.emit("staff.invited", invitation, {"stores": _store_ids(bound), "by": created_by.public_id,
                                                  "expires_at": invitation.expires_at.isoformat()},
                    merchant_id=merchant.public_id)
    return invitation, code


def revoke_invitation(merchant: Merchant, invitation_id: str) -> StaffInvitation:
    """Withdraw an invitation that was not accepted yet. Idempotent; an accepted one is
    409 invitation_used (remove the staff member instead)."""
    with transaction.atomic():
        invitation = get_invitation(merchant, invitation_id, for_update=True)
        if invitation.accepted_at is not None:
            raise Conflict("This invitation was accepted; remove the staff member instead",
                           "invitation_used")
        if invitation.revoked_at is None:
            invitation.revoked_at = clock.now()
            invitation.save(update_fields=["revoked_at"])
            events.emit("staff.invitation_revoked", invitation, {}, merchant_id=merchant.public_id)
    return invitation


def accept_invitation(user: User, code: Any) -> StaffMember:
    """`user`, signed in to their own account, accepts an invitation by its code and
    works for the inviting merchant from now on, at the invitation's stores. Their role,
    name, orders, cart and vouchers are not touched.

    Refusals: 404 invitation_not_found (unknown or malformed code), 409 invitation_used /
    invitation_revoked / invitation_expired, 409 already_member (works for a merchant
    already, or is a work account), 403 customer_role_required (operators). Single use:
    of concurrent accepts exactly one wins, the others get 409 invitation_used."""
    raw = invitation_codes.normalize(code)
    if raw is None:
        raise NotFound("no such invitation", "invitation_not_found")
    with transaction.atomic():
        locked = accounts.lock_active_user(user)  # one accept per user at a time
        if locked is None:
            raise NotAuthenticated("Authentication is required")
        invitation = (StaffInvitation.objects.select_for_update(of=("self",)).select_related("merchant")
                      .filter(code_digest=invitation_codes.digest_of(raw)).first())
        if invitation is None:
            raise NotFound("no such invitation", "invitation_not_found")
        now = clock.now()
        state = invitation.state_at(now)
        if state != InvitationState.PENDING:
            raise Conflict(*_INVITATION_REFUSED[state])
        if locked.role == Role.OPERATOR:
            raise PermissionDenied("Platform operators cannot work for a merchant", "customer_role_required")
        if locked.role == Role.MERCHANT_STAFF:
            raise Conflict("A work account belongs to the merchant that made it", "already_member")
        # The row lock makes this single-use on PostgreSQL; the conditional update keeps
        # it so on any database.
        taken = StaffInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True,
        ).update(accepted_by=locked, accepted_at=now)
        if not taken:
            raise Conflict(*_INVITATION_REFUSED[InvitationState.ACCEPTED])
        merchant = invitation.merchant
        stores = list(invitation.stores.all())
        member = _join(merchant, locked, stores)
        events.emit("staff.invitation_accepted", invitation, {"user": locked.public_id,
                                                              "staff": member.public_id},
                    merchant_id=merchant.public_id)
        events.emit("staff.added", member, {"user": locked.public_id, "stores": _store_ids(stores),
                                            "via": "invitation"},
                    merchant_id=merchant.public_id)
    return member
