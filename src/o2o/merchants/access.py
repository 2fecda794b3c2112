"""Who may act for which merchant. Every merchant-facing query starts here, so a
merchant's staff only ever see their own merchant's rows.

Acting for a merchant is an active StaffMember row, never the user's role; buying is
the role (accounts.models). So one person's account can do both: a customer who
accepted a staff invitation still buys and still sees their own orders.
Error codes: not_authenticated (401); merchant_role_required, owner_role_required,
operator_role_required, customer_role_required (403)."""

from __future__ import annotations

from o2o.accounts.models import Role, User
from o2o.core.errors import NotAuthenticated, PermissionDenied
from o2o.merchants.models import Merchant, StaffMember, StaffRole, Store


def membership(user: User | None) -> StaffMember | None:
    if user is None or not user.is_authenticated:
        return None
    member = StaffMember.objects.select_related("merchant").filter(user=user, is_active=True).first()
    return member


def merchant_of(user: User | None, *, owner_only: bool = False) -> Merchant:
    """The merchant `user` works for; owners only when `owner_only`.

    Raises 401 for anonymous users and 403 for users without a merchant role.
    A suspended or rejected merchant can still read its own data.
    """
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Authentication is required")
    member = membership(user)
    if member is None:
        raise PermissionDenied("This needs a merchant account", "merchant_role_required")
    if owner_only and member.role != StaffRole.OWNER:
        raise PermissionDenied("Only the merchant owner may do this", "owner_role_required")
    return member.merchant


def _bound_stores(member: StaffMember) -> list[Store] | None:
    if member.role == StaffRole.OWNER:
        return None
    bound = list(member.stores.all())
    return bound or None


def stores_of(user: User) -> list[Store] | None:
    """Stores a staff member is bound to, or None when they may act at every store."""
    member = membership(user)
    if member is None:
        raise PermissionDenied("This needs a merchant account", "merchant_role_required")
    return _bound_stores(member)


def may_act_at(user: User, store: Store) -> bool:
    member = membership(user)
    if member is None or member.merchant_id != store.merchant_id:
        return False
    allowed = _bound_stores(member)
    return allowed is None or store.pk in {s.pk for s in allowed}


def require_operator(user: User | None) -> User:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Authentication is required")
    if user.role != Role.OPERATOR:
        raise PermissionDenied("This needs a platform operator", "operator_role_required")
    return user


def require_customer(user: User | None) -> User:
    """A person's own account may buy, staff of a merchant or not. Work accounts made by
    a merchant, merchant owners' accounts and operators may not."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Authentication is required")
    if user.role != Role.CUSTOMER:
        raise PermissionDenied("This needs a customer account", "customer_role_required")
    return user
