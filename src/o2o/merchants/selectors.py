"""Read helpers of the merchants app (querysets; no writes)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.core.models import OutboxEvent
from o2o.merchants import invitation_codes
from o2o.merchants.access import require_operator, stores_of
from o2o.merchants.models import Merchant, MerchantStatus, StaffInvitation, StaffMember, Store


def public_merchants(q: str | None = None) -> QuerySet[Merchant]:
    """Merchants customers may see: active ones only."""
    qs = Merchant.objects.filter(status=MerchantStatus.ACTIVE)
    if q and q.strip():
        term = q.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(name_en__icontains=term))
    return qs


def public_merchant(merchant_id: str) -> Merchant:
    merchant = (public_merchants().filter(public_id=merchant_id).first()
                if looks_like_id(merchant_id, "mer") else None)
    if merchant is None:
        raise NotFound("no such merchant", "merchant_not_found")
    return merchant


def public_stores() -> QuerySet[Store]:
    """Stores customers may see: active stores of active merchants."""
    return Store.objects.select_related("merchant").filter(
        is_active=True, merchant__status=MerchantStatus.ACTIVE)


def public_store(store_id: str) -> Store:
    store = (public_stores().filter(public_id=store_id).first()
             if looks_like_id(store_id, "sto") else None)
    if store is None:
        raise NotFound("no such store", "store_not_found")
    return store


def stores_of_merchant(merchant: Merchant) -> QuerySet[Store]:
    return Store.objects.select_related("merchant").filter(merchant=merchant)


def pickup_stores(merchant_pks: list[int]) -> list[Store]:
    """Active stores of these merchants (those whose goods are in a customer's cart),
    where the customer may pick the goods up, with their merchant."""
    return list(Store.objects.filter(merchant_id__in=merchant_pks, is_active=True)
                .select_related("merchant").order_by("id"))


def staff_of_merchant(merchant: Merchant) -> QuerySet[StaffMember]:
    return (StaffMember.objects.select_related("user", "merchant")
            .prefetch_related("stores").filter(merchant=merchant))


def invitations_of_merchant(merchant: Merchant) -> QuerySet[StaffInvitation]:
    return (StaffInvitation.objects.select_related("accepted_by").prefetch_related("stores")
            .filter(merchant=merchant))


def invitation_for_code(code: object) -> StaffInvitation:
    """The invitation a code names, in whatever state, for the invitee to look at
    before accepting. Unknown or malformed codes: 404 invitation_not_found."""
    raw = invitation_codes.normalize(code)
    invitation = (StaffInvitation.objects.select_related("merchant").prefetch_related("stores")
                  .filter(code_digest=invitation_codes.digest_of(raw)).first() if raw else None)
    if invitation is None:
        raise NotFound("no such invitation", "invitation_not_found")
    return invitation


def operator_merchants(status: str | None = None) -> QuerySet[Merchant]:
    qs = Merchant.objects.select_related("owner", "reviewed_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def operator_merchant(merchant_id: str) -> Merchant:
    merchant = (operator_merchants().filter(public_id=merchant_id).first()
                if looks_like_id(merchant_id, "mer") else None)
    if merchant is None:
        raise NotFound("no such merchant", "merchant_not_found")
    return merchant


def merchant_status_counts(operator) -> dict[str, int]:
    """How many merchants are in each status (statuses without any are absent): one query."""
    require_operator(operator)
    return dict(Merchant.objects.values_list("status").annotate(n=Count("id")).order_by())


def merchant_history(operator, merchant: Merchant, limit: int = 50) -> list[OutboxEvent]:
    """The merchant's most recent outbox events (applied, reviewed, stores, staff), newest first."""
    require_operator(operator)
    return list(OutboxEvent.objects.filter(merchant_id=merchant.public_id).order_by("-id")[:limit])


def staff_stores(merchant: Merchant, user) -> QuerySet[Store]:
    """The merchant's stores `user` may act at: all of them for the owner and for staff
    bound to no store, else the stores they are bound to."""
    qs = Store.objects.filter(merchant=merchant)
    bound = stores_of(user)
    return qs if bound is None else qs.filter(pk__in=[s.pk for s in bound])
