"""Reads of vouchers and redemptions for the API and the web pages: always scoped to
their owner (the customer) or to the merchant (and, for store-bound staff, their
stores), or to an order or voucher the caller already holds through such a read. No
writes. Ids outside the scope are 404 (`voucher_not_found`, `redemption_not_found`,
`store_not_found`, `staff_not_found`) like unknown ones; a bad status is 422
`invalid_status`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum

from o2o.core.errors import NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants.access import merchant_of, stores_of
from o2o.merchants.models import Store
from o2o.orders.models import Order
from o2o.vouchers.models import Redemption, Voucher, VoucherStatus


def mask_name(name: str) -> str:
    """Enough of a customer's name for staff to greet them: 张*, a***e."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 4) + name[-1]


def customer_name(user) -> str:
    return mask_name(user.display_name or user.username)


def customer_vouchers(customer, status: str | None = None) -> QuerySet[Voucher]:
    qs = (Voucher.objects.filter(customer=customer)
          .select_related("merchant", "order", "slot__store").prefetch_related("stores"))
    if status:
        if status not in VoucherStatus.values:
            raise ValidationFailed(f"status must be one of {', '.join(VoucherStatus.values)}",
                                   "invalid_status")
        qs = qs.filter(status=status)
    return qs


def customer_voucher(customer, voucher_public_id: str) -> Voucher:
    """The customer's own voucher, or 404 (another customer's id reveals nothing)."""
    voucher = None
    if looks_like_id(voucher_public_id, "vch"):
        voucher = customer_vouchers(customer).filter(public_id=voucher_public_id).first()
    if voucher is None:
        raise NotFound("No such voucher", "voucher_not_found")
    return voucher


def _redemptions() -> QuerySet[Redemption]:
    return Redemption.objects.select_related("voucher__customer", "store", "staff", "reversed_by")


def customer_redemptions(customer) -> QuerySet[Redemption]:
    return _redemptions().filter(voucher__customer=customer)


def merchant_redemptions(staff_user, *, store_public_id: str | None = None,
                         staff_public_id: str | None = None,
                         day: dt.date | None = None) -> QuerySet[Redemption]:
    """The merchant's redemptions, newest first; staff bound to stores see theirs only.
    `day` is the store-local date of the redemption."""
    merchant = merchant_of(staff_user)
    qs = _redemptions().filter(merchant=merchant)
    allowed = stores_of(staff_user)
    if allowed is not None:
        qs = qs.filter(store__in=allowed)
    if store_public_id is not None:
        if not looks_like_id(store_public_id, "sto"):
            raise NotFound("No such store", "store_not_found")
        qs = qs.filter(store__public_id=store_public_id)
    if staff_public_id is not None:
        if not looks_like_id(staff_public_id, "usr"):
            raise NotFound("No such staff member", "staff_not_found")
        qs = qs.filter(staff__public_id=staff_public_id)
    if day is not None:
        qs = qs.filter(local_date=day)
    return qs


def redemption_figures(merchant, stores, day: dt.date) -> tuple[int, int]:
    """Redemptions not reversed on a store-local day at these stores of the merchant, and
    the uses they took. One query."""
    figures = (Redemption.objects.filter(merchant=merchant, store__in=stores, local_date=day,
                                         reversed_at__isnull=True).aggregate(n=Count("id"), uses=Sum("uses")))
    return figures["n"] or 0, figures["uses"] or 0


def merchant_redemption(merchant, redemption_public_id: str) -> Redemption:
    """One of the merchant's redemptions with the voucher's customer and the store, or 404."""
    redemption = None
    if looks_like_id(redemption_public_id, "rdm"):
        redemption = _redemptions().filter(merchant=merchant, public_id=redemption_public_id).first()
    if redemption is None:
        raise NotFound("No such redemption", "redemption_not_found")
    return redemption


def redemption_answer(redemption: Redemption) -> Redemption:
    """A redemption the caller just made or reversed (services.redeem and reverse scoped it
    to their merchant and stores), read again with all its answer shows: one query."""
    return (_redemptions().select_related("voucher__slot__store")
            .get(pk=redemption.pk, merchant_id=redemption.merchant_id))


def order_vouchers(order: Order) -> list[Voucher]:
    """The vouchers of an order the caller already may see (orders.selectors), oldest first."""
    return list(Voucher.objects.filter(order=order).order_by("id"))


def voucher_stores(voucher: Voucher) -> list[Store]:
    """Where a voucher the caller already holds can be used: its own stores, or every
    active store of its merchant when it is good at all of them."""
    if voucher.all_stores:
        return list(Store.objects.filter(merchant_id=voucher.merchant_id, is_active=True).order_by("id"))
    return list(voucher.stores.all())
