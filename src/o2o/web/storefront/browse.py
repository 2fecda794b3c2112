"""Discovery pages: home (search and nearby), a merchant, a product with its slot picker
and its offers (coupons to claim, spend offers, limited-time prices)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from o2o.catalog import selectors as catalog
from o2o.catalog.models import BookingMode
from o2o.core import clock
from o2o.core.errors import DomainError, NotFound
from o2o.inventory import services as inventory
from o2o.merchants import selectors as merchants
from o2o.merchants.hours import is_open_at
from o2o.reviews import services as reviews
from o2o.search.geo import haversine_m
from o2o.search.services import nearby as nearby_service
from o2o.search.services import search as search_service
from o2o.web.storefront import coupons
from o2o.web.storefront.common import CITIES, DEFAULT_CITY, where

NEARBY_RADIUS_M = 10_000
DAYS_AHEAD = 7
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def home(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    lat, lng, source = where(request)
    centre_lat, centre_lng = (lat, lng) if lat is not None else (DEFAULT_CITY[2], DEFAULT_CITY[3])
    results: list[dict] = []
    try:
        if q:
            found = search_service(q, lat=centre_lat, lng=centre_lng, limit=30)
            results = [{"id": r["id"], "title": r["title"], "merchant": r["merchant_name"],
                        "price_fen": r["price_fen"], "distance_m": r["distance_m"],
                        "rating": r["rating"]["average"], "rating_count": r["rating"]["count"],
                        "kind": r["kind"]} for r in found.results]
        else:
            found = nearby_service(centre_lat, centre_lng, NEARBY_RADIUS_M, limit=50)
            seen: set[str] = set()
            for r in found.results:  # one row per product: its nearest store
                if r["product_id"] in seen:
                    continue
                seen.add(r["product_id"])
                results.append({"id": r["product_id"], "title": r["title"], "merchant": r["store_name"],
                                "price_fen": r["price_fen"], "distance_m": r["distance_m"],
                                "rating": None, "rating_count": r["rating"]["count"], "kind": r["kind"],
                                "open_now": r["open_now"]})
            _add_ratings(results)
    except DomainError:
        results = []
    return render(request, "web/home.html", {
        "q": q, "results": results, "cities": CITIES, "source": source or DEFAULT_CITY[0],
        "located": source == "gps",
    })


def _add_ratings(results: list[dict]) -> None:
    """Nearby rows carry the Bayesian score only; show the plain average like search does."""
    ids = [r["id"] for r in results]
    pks = catalog.public_product_pks(ids)
    for r in results:
        pk = pks.get(r["id"])
        if pk is not None and r["rating_count"]:
            r["rating"] = reviews.aggregate("product", pk).get("average")


def _store_rows(stores, lat: float | None, lng: float | None) -> list[dict]:
    now = clock.now()
    rows = []
    for s in stores:
        dist = haversine_m(lat, lng, float(s.latitude), float(s.longitude)) if lat is not None else None
        hours = [(day, ", ".join(f"{a}–{b}" for a, b in (s.opening_hours or {}).get(day, [])))
                 for day in WEEKDAYS]
        rows.append({"store": s, "distance_m": dist, "open_now": is_open_at(s, now), "hours": hours})
    rows.sort(key=lambda r: (r["distance_m"] is None, r["distance_m"] or 0))
    return rows


def merchant(request: HttpRequest, merchant_id: str) -> HttpResponse:
    try:
        m = catalog.public_merchant(merchant_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    lat, lng, _source = where(request)
    stores = merchants.stores_of_merchant(m).filter(is_active=True)
    # Only what can be bought: an ended deal is not advertised on the merchant's page.
    products = catalog.with_listing_fields(catalog.purchasable_products().filter(merchant=m)).order_by("kind", "id")
    return render(request, "web/storefront/merchant.html", {
        "merchant": m, "stores": _store_rows(stores, lat, lng), "products": products,
        **coupons.merchant_offers(request, m),
    })


def _zone_of(stores: list) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(stores[0].time_zone if stores else "Asia/Shanghai")


def _days(zone: zoneinfo.ZoneInfo) -> list[dt.date]:
    today = clock.now().astimezone(zone).date()
    return [today + dt.timedelta(days=i) for i in range(DAYS_AHEAD)]


def _pick_day(request: HttpRequest, days: list[dt.date]) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return days[0]
    return day if day in days else days[0]


def product(request: HttpRequest, product_id: str) -> HttpResponse:
    try:
        p, review_qs = reviews.public_reviews(product_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    stores = list(catalog.usable_stores(p)) if p.is_service else []
    lat, lng, _source = where(request)
    block = catalog.purchase_block(p)  # the rule cart and checkout apply: no buy button without it
    ctx = {
        "product": p, "skus": p.active_skus, "stores": _store_rows(stores, lat, lng),
        "reviews": list(review_qs[:20]), "rating": reviews.aggregate("product", p.pk),
        "is_slot": p.is_service and p.booking_mode == BookingMode.SLOT,
        "zone": _zone_of(stores).key, "form_key": uuid.uuid4().hex,
        "on_sale": block is None, "sale_ended": block == catalog.SALE_ENDED,
    }
    if ctx["on_sale"]:
        ctx.update(coupons.product_offers(request, p, ctx["skus"]))
    if ctx["is_slot"] and ctx["on_sale"]:
        days = _days(_zone_of(stores))
        day = _pick_day(request, days)
        ctx.update(days=days, day=day, slots=inventory.available_slots(p, day))
    return render(request, "web/storefront/product.html", ctx)


def slots(request: HttpRequest, product_id: str) -> HttpResponse:
    """The slot list of one day (htmx swaps it into the product page)."""
    try:
        p = catalog.get_public_product(product_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not (p.is_service and p.booking_mode == BookingMode.SLOT) or not catalog.is_purchasable(p):
        raise Http404("not a slot service on sale")
    stores = list(catalog.usable_stores(p))
    days = _days(_zone_of(stores))
    day = _pick_day(request, days)
    return render(request, "web/storefront/_slots.html", {
        "product": p, "days": days, "day": day, "slots": inventory.available_slots(p, day),
        "zone": _zone_of(stores).key,
    })
