"""Reads of stock and capacity for the API and the merchant console, scoped to the
merchant (and, for staff bound to stores, to the stores they may see). No writes. Ids
outside the scope are 404 (`product_not_found`, `store_not_found`) like unknown ones."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum

from o2o.catalog.models import BookingMode, Product, ProductKind, Sku
from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.inventory.models import Closure, Schedule, Slot, StockLevel, StockLocation
from o2o.merchants.models import Merchant, Store

# --- stock -------------------------------------------------------------------------------


def merchant_locations(merchant: Merchant) -> QuerySet[StockLocation]:
    """Every stock location of the merchant, with its store."""
    return StockLocation.objects.select_related("store").filter(merchant=merchant)


def active_locations(merchant: Merchant) -> list[StockLocation]:
    """The locations stock is taken from, in the order checkout tries them."""
    return list(StockLocation.objects.filter(merchant=merchant, is_active=True).order_by("priority", "pk"))


def merchant_stock(merchant: Merchant, *, sku: str | None = None,
                   location: str | None = None) -> QuerySet[StockLevel]:
    """Stock levels at the merchant's locations, with SKU and location; by their public ids."""
    qs = StockLevel.objects.select_related("sku", "location").filter(location__merchant=merchant)
    if sku:
        qs = qs.filter(sku__public_id=sku)
    if location:
        qs = qs.filter(location__public_id=location)
    return qs


def products_with_stock(merchant: Merchant) -> QuerySet[Product]:
    """Every product of the merchant, whatever its status, with its SKUs and their stock
    levels at each location: three queries for the whole list."""
    levels = StockLevel.objects.select_related("location")
    skus = Sku.objects.order_by("position", "pk").prefetch_related(Prefetch("stock_levels", queryset=levels))
    return (Product.objects.filter(merchant=merchant).order_by("kind", "title")
            .prefetch_related(Prefetch("skus", queryset=skus)))


def product_with_stock(merchant: Merchant, product_id: str) -> Product:
    """One of the merchant's products shaped like products_with_stock, or 404."""
    product = None
    if looks_like_id(product_id, "prd"):
        product = products_with_stock(merchant).filter(public_id=product_id).first()
    if product is None:
        raise NotFound("No such product", "product_not_found")
    return product


# --- schedules, slots, closures ----------------------------------------------------------

def slot_services(merchant: Merchant) -> list[Product]:
    """The merchant's services booked by time slot, by title, with the stores they list."""
    return list(Product.objects.filter(merchant=merchant, kind=ProductKind.SERVICE, booking_mode=BookingMode.SLOT)
                .order_by("title").prefetch_related("stores"))


def merchant_schedules(merchant: Merchant) -> QuerySet[Schedule]:
    return Schedule.objects.select_related("product", "store").filter(product__merchant=merchant)


def merchant_slots(merchant: Merchant, *, product: str | None = None, store: str | None = None,
                   window: tuple[dt.datetime, dt.datetime] | None = None) -> QuerySet[Slot]:
    """Slots of the merchant's services with product and store; by their public ids and
    by a [start, end) window of start times."""
    qs = Slot.objects.select_related("product", "store").filter(product__merchant=merchant)
    if product:
        qs = qs.filter(product__public_id=product)
    if store:
        qs = qs.filter(store__public_id=store)
    if window:
        qs = qs.filter(starts_at__gte=window[0], starts_at__lt=window[1])
    return qs


def upcoming_slots(merchant: Merchant, stores, start: dt.datetime, end: dt.datetime,
                   limit: int) -> list[Slot]:
    """The first `limit` slots starting in [start, end) at these stores of the merchant."""
    return list(Slot.objects.select_related("product", "store")
                .filter(product__merchant=merchant, store__in=stores, starts_at__gte=start, starts_at__lt=end)
                .order_by("starts_at")[:limit])


def slots_of_day(merchant: Merchant, product: Product, stores, start: dt.datetime,
                 end: dt.datetime) -> QuerySet[Slot]:
    """A service's slots starting in [start, end) at these stores of the merchant, with
    the seats `left`, by time and store name."""
    return (Slot.objects.select_related("store")
            .filter(product=product, product__merchant=merchant, store__in=stores,
                    starts_at__gte=start, starts_at__lt=end)
            .annotate(left=F("capacity") - F("booked")).order_by("starts_at", "store__name"))


def slot_totals(slots: QuerySet[Slot]) -> dict:
    """Seats booked, seats in all, and slots open, of a slots_of_day list: one query."""
    return slots.aggregate(booked=Sum("booked"), capacity=Sum("capacity"),
                           open=Count("id", filter=Q(is_closed=False)))


def services_with_schedules(merchant: Merchant, stores) -> QuerySet[Product]:
    """The merchant's services by title, each with its schedules at these stores."""
    schedules = Schedule.objects.select_related("store").filter(store__in=stores)
    return (Product.objects.filter(merchant=merchant, kind=ProductKind.SERVICE).order_by("title")
            .prefetch_related(Prefetch("schedules", queryset=schedules)))


def upcoming_closures(merchant: Merchant, stores, since: dt.date) -> QuerySet[Closure]:
    """Closed dates from `since` on at these stores of the merchant, soonest first."""
    return (Closure.objects.select_related("store", "product")
            .filter(store__merchant=merchant, store__in=stores, date__gte=since).order_by("date"))


def product_store(product: Product, store_id: str) -> Store:
    """An active store of the product's merchant (where its slots are asked for), or 404."""
    store = None
    if looks_like_id(store_id, "sto"):
        store = Store.objects.filter(public_id=store_id, merchant_id=product.merchant_id, is_active=True).first()
    if store is None:
        raise NotFound("No such store", "store_not_found")
    return store
