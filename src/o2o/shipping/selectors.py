"""Reads of shipping for the API and the web pages: parcels with their tracking, and
after-sales requests scoped to the customer who asked, the merchant who sold, or an
operator. No writes. Ids outside the scope are 404 (`parcel_not_found`,
`after_sale_not_found`), like ids that do not exist."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.core.models import OutboxEvent
from o2o.merchants.access import require_operator
from o2o.merchants.models import Merchant
from o2o.orders.models import Order
from o2o.shipping.models import AfterSale, AfterSaleStatus, Parcel, TrackingEvent

# What an after-sales answer of the API shows besides the row: its lines and its parcels.
AFTER_SALE_DETAIL = ("lines__order_line", "parcels")


# --- parcels ----------------------------------------------------------------------------------

def _parcels() -> QuerySet[Parcel]:
    return (Parcel.objects.select_related("order", "after_sale")
            .prefetch_related("items__order_line",
                              Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))))


def order_parcels(order: Order) -> QuerySet[Parcel]:
    """The parcels of an order the caller already may see (orders.selectors.order_for)."""
    return _parcels().filter(order=order)


def order_tracking(order: Order) -> list[Parcel]:
    """The parcels of an order the caller already may see, oldest first, each with its
    tracking events newest first (what the customer's order page shows): two queries."""
    newest = Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "id"))
    return list(Parcel.objects.filter(order=order).prefetch_related(newest).order_by("id"))


def _one_parcel(qs: QuerySet[Parcel], parcel_id: str) -> Parcel:
    parcel = qs.filter(public_id=parcel_id).first() if looks_like_id(parcel_id, "prc") else None
    if parcel is None:
        raise NotFound("No such parcel", "parcel_not_found")
    return parcel


def merchant_parcel(merchant: Merchant, parcel_id: str) -> Parcel:
    """One of the merchant's parcels (outgoing or returned to it) with items and tracking."""
    return _one_parcel(_parcels().filter(merchant=merchant), parcel_id)


def customer_parcel(customer, parcel_id: str) -> Parcel:
    """A parcel of one of the customer's orders, with items and tracking."""
    return _one_parcel(_parcels().filter(order__customer=customer), parcel_id)


# --- after-sales ------------------------------------------------------------------------------

def _after_sales(status: str | None, detailed: bool) -> QuerySet[AfterSale]:
    qs = AfterSale.objects.select_related("order", "merchant", "customer")
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related(*AFTER_SALE_DETAIL) if detailed else qs


def _one(qs: QuerySet[AfterSale], ret_id: str) -> AfterSale:
    ret = qs.filter(public_id=ret_id).first() if looks_like_id(ret_id, "ret") else None
    if ret is None:
        raise NotFound("No such after-sales request", "after_sale_not_found")
    return ret


def customer_after_sales(customer, status: str | None = None) -> QuerySet[AfterSale]:
    """The customer's own requests, with lines and parcels."""
    return _after_sales(status, True).filter(customer=customer)


def customer_after_sale(customer, ret_id: str) -> AfterSale:
    return _one(customer_after_sales(customer), ret_id)


def merchant_after_sales(merchant: Merchant, status: str | None = None, *,
                         detailed: bool = True) -> QuerySet[AfterSale]:
    """Requests against the merchant's orders; `detailed=False` leaves out lines and
    parcels (a page that lists rows only saves three queries)."""
    return _after_sales(status, detailed).filter(merchant=merchant)


def merchant_after_sale(merchant: Merchant, ret_id: str, *, detailed: bool = True) -> AfterSale:
    return _one(merchant_after_sales(merchant, detailed=detailed), ret_id)


def operator_after_sales(operator, status: str | None = None, *, detailed: bool = True) -> QuerySet[AfterSale]:
    """Every merchant's requests: operators only."""
    require_operator(operator)
    return _after_sales(status, detailed)


def operator_after_sale(operator, ret_id: str, *, detailed: bool = True) -> AfterSale:
    return _one(operator_after_sales(operator, detailed=detailed), ret_id)


def disputed(operator) -> QuerySet[AfterSale]:
    """Disputes waiting for an operator, oldest change first (rows only)."""
    return operator_after_sales(operator, AfterSaleStatus.DISPUTED, detailed=False).order_by("updated_at", "id")


def dispute(operator, ret_id: str) -> AfterSale:
    """One request with its lines and their order lines (what arbitration weighs), no parcels."""
    return _one(operator_after_sales(operator, detailed=False).prefetch_related("lines__order_line"), ret_id)


def dispute_reason(ret: AfterSale) -> str:
    """The customer's words when disputing: they live in the outbox event only (the
    request keeps the merchant's and the operator's notes)."""
    event = (OutboxEvent.objects.filter(aggregate_id=ret.public_id, event_type="after_sale.disputed")
             .order_by("-id").first())
    return (event.payload or {}).get("reason", "") if event else ""
