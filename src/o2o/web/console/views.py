"""Merchant console, part one: today's dashboard, products and SKUs with stock,
services with schedules, slots and closures. Reads go through the apps' selectors,
scoped to the signed-in merchant (and a staff member's stores); writes go through the
services, as in the API; owners may change things, staff read (and see their own stores
only). Another merchant's ids answer 404 (product_not_found)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.catalog import services as catalog
from o2o.catalog.models import Product, ProductKind
from o2o.core import clock
from o2o.core.errors import DomainError, NotFound
from o2o.inventory import selectors as inventory_read
from o2o.inventory import services as inventory
from o2o.merchants import selectors as merchants_read
from o2o.orders import selectors as orders_read
from o2o.vouchers import selectors as vouchers_read
from o2o.web.console.access import merchant_page
from o2o.web.console.common import (
    day_bounds,
    done,
    fail,
    int_or_none,
    my_stores,
    parse_day,
    today,
    yuan_to_fen,
)
from o2o.web.console.forms import ScheduleForm


@merchant_page
def dashboard(request: HttpRequest) -> HttpResponse:
    day = today(request)
    start, end = day_bounds(request, day)
    stores = my_stores(request)
    # Net revenue: what the orders paid today brought in, less what has gone back of it.
    orders_today, revenue_today = orders_read.sales_between(request.merchant, start, end)
    redemptions_today, uses_today = vouchers_read.redemption_figures(request.merchant, stores, day)
    now = clock.now()
    upcoming = inventory_read.upcoming_slots(request.merchant, stores, now, now + dt.timedelta(days=2), 12)
    return render(request, "web/console/dashboard.html", {
        "day": day, "orders_today": orders_today, "revenue_today": revenue_today,
        "redemptions_today": redemptions_today, "uses_today": uses_today, "upcoming": upcoming,
        "to_ship": orders_read.merchant_orders(request.merchant, orders_read.TO_SHIP).count(),
    })


# --- products, SKUs and stock ------------------------------------------------------------

def _product(request: HttpRequest, product_id: str) -> Product:
    return inventory_read.product_with_stock(request.merchant, product_id)


@merchant_page
def products(request: HttpRequest) -> HttpResponse:
    return render(request, "web/console/products.html",
                  {"products": inventory_read.products_with_stock(request.merchant)})


@merchant_page
def product(request: HttpRequest, product_id: str) -> HttpResponse:
    item = _product(request, product_id)
    locations = inventory_read.active_locations(request.merchant)
    rows = []
    for sku in item.skus.all():
        by_location = {lv.location_id: lv for lv in sku.stock_levels.all()}
        rows.append({"sku": sku, "price": f"{sku.price_fen // 100}.{sku.price_fen % 100:02d}", "levels": [(loc, by_location.get(loc.pk)) for loc in locations]})
    return render(request, "web/console/product.html", {"product": item, "rows": rows,
                                                         "goods": item.kind == ProductKind.GOODS})


@merchant_page(owner_only=True)
@require_POST
def product_publish(request: HttpRequest, product_id: str) -> HttpResponse:
    item = _product(request, product_id)
    try:
        if request.POST.get("publish") == "1":
            catalog.publish(request.merchant, item.public_id)
            done(request, _("Published."))
        else:
            catalog.unpublish(request.merchant, item.public_id)
            done(request, _("Unpublished."))
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_product", item.public_id)


@merchant_page(owner_only=True)
@require_POST
def sku_price(request: HttpRequest, product_id: str, sku_id: str) -> HttpResponse:
    item = _product(request, product_id)
    fen = yuan_to_fen(request.POST.get("price"))
    if fen is None:
        fail(request, DomainError(_("enter a price in yuan, e.g. 12.50")))
    else:
        try:
            catalog.update_sku(request.merchant, item.public_id, sku_id, {"price_fen": fen})
            done(request, _("Price saved."))
        except DomainError as exc:
            fail(request, exc)
    return redirect("web:console_product", item.public_id)


@merchant_page(owner_only=True)
@require_POST
def sku_stock(request: HttpRequest, product_id: str, sku_id: str) -> HttpResponse:
    item = _product(request, product_id)
    on_hand = int_or_none(request.POST.get("on_hand"))
    if on_hand is None:
        fail(request, DomainError(_("enter a whole number of units")))
    else:
        try:
            inventory.set_stock(request.merchant, sku_id, request.POST.get("location", ""), on_hand)
            done(request, _("Stock saved."))
        except DomainError as exc:
            fail(request, exc)
    return redirect("web:console_product", item.public_id)


# --- services: schedules, slots, closures ------------------------------------------------

def _service(request: HttpRequest, product_id: str) -> Product:
    item = _product(request, product_id)
    if item.kind != ProductKind.SERVICE:
        raise NotFound("No such service", "product_not_found")
    return item


def _schedule_form(request: HttpRequest, data=None) -> ScheduleForm:
    """Slot services of this merchant, and the stores where at least one of them is usable
    (create_schedule checks the pair itself)."""
    products = inventory_read.slot_services(request.merchant)
    # In memory rather than store_serves() per pair: one query instead of products x stores.
    served = {s.pk for p in products for s in p.stores.all()}
    stores = [s for s in merchants_read.stores_of_merchant(request.merchant).filter(is_active=True).order_by("name")
              if s.pk in served or any(p.all_stores for p in products)]
    return ScheduleForm(data, products=products, stores=stores, initial={"valid_from": today(request)})


def _services_page(request: HttpRequest, form: ScheduleForm | None = None) -> HttpResponse:
    stores = my_stores(request)
    items = inventory_read.services_with_schedules(request.merchant, stores)
    closures = inventory_read.upcoming_closures(request.merchant, stores, today(request))
    if form is None and request.is_owner:
        form = _schedule_form(request)
    return render(request, "web/console/services.html", {"services": items, "closures": closures,
                                                          "stores": stores, "schedule_form": form})


@merchant_page
def services(request: HttpRequest) -> HttpResponse:
    return _services_page(request)


@merchant_page(owner_only=True)
@require_POST
def schedule_add(request: HttpRequest) -> HttpResponse:
    form = _schedule_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            schedule = inventory.create_schedule(
                request.merchant, product_public_id=data["product"], store_public_id=data["store"],
                weekdays=data["weekdays"], start_time=data["start_time"], end_time=data["end_time"],
                slot_minutes=data["slot_minutes"], capacity=data["capacity"],
                valid_from=data["valid_from"], valid_until=data["valid_until"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            n = inventory.generate_slots(schedule, days_ahead=14)
            done(request, _("Schedule created; %(n)s slots added for the next two weeks.") % {"n": n})
            return redirect("web:console_services")
    return _services_page(request, form)


@merchant_page
def slots(request: HttpRequest, product_id: str) -> HttpResponse:
    item = _service(request, product_id)
    day = parse_day(request.GET.get("day"), today(request))
    start, end = day_bounds(request, day)
    rows = inventory_read.slots_of_day(request.merchant, item, my_stores(request), start, end)
    days = [day + dt.timedelta(days=n) for n in range(-1, 6)]
    return render(request, "web/console/slots.html", {
        "service": item, "day": day, "slots": rows, "days": days,
        "totals": inventory_read.slot_totals(rows)})


@merchant_page(owner_only=True)
@require_POST
def slot_toggle(request: HttpRequest, product_id: str, slot_id: str) -> HttpResponse:
    item = _service(request, product_id)
    try:
        inventory.set_slot_closed(request.merchant, slot_id, request.POST.get("closed") == "1")
        done(request, _("Slot updated."))
    except DomainError as exc:
        fail(request, exc)
    return redirect(_slots_url(item, request.POST.get("day")))


def _slots_url(item: Product, day: str | None) -> str:
    url = reverse("web:console_slots", args=[item.public_id])
    return f"{url}?day={day}" if day else url


@merchant_page(owner_only=True)
@require_POST
def closure_add(request: HttpRequest) -> HttpResponse:
    day = parse_day(request.POST.get("date"), dt.date.min)
    if day == dt.date.min:
        fail(request, DomainError(_("enter a date")))
        return redirect("web:console_services")
    try:
        _closure, n = inventory.close_date(
            request.merchant, store_public_id=request.POST.get("store", ""), date=day,
            product_public_id=request.POST.get("product") or None, reason=request.POST.get("reason", ""))
        done(request, _("Closed; %(n)s slots closed.") % {"n": n})
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_services")
