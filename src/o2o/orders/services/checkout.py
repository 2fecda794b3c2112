"""Placing orders: validate the lines, split them per merchant, take stock and seats.

Everything happens in the caller's one transaction: either every order is created
with its reservations, or nothing is. The path is kept lean (bulk inserts, one read
per kind of row, conditional UPDATEs that hold row locks only at the end of the
transaction) because it is the hottest write of the platform.

Prices come from one pipeline (orders.services.priced over marketing.pricing): what a
quote shows is what the checkout stores on its lines and charges.

Writes Order and OrderLine (event order.created) and, through inventory, reservations,
seats and quotas, and through marketing, the reservation of the coupons used. Error codes: no_lines, too_many_lines, invalid_quantity, invalid_note,
invalid_address, shipping_address_required, slot_required, slot_not_allowed,
pickup_without_goods, pickup_store_mismatch (422); sku_not_found, slot_not_found,
store_not_found (404); not_purchasable and inventory's out_of_stock, slot_full, slot_closed,
slot_past, sold_out (409); invalid_coupons (422) and marketing's coupon_not_found (404),
coupon_not_usable, coupon_taken (409).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery

from o2o.catalog import selectors as catalog
from o2o.catalog.models import BookingMode, ProductKind, Sku
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.inventory import services as inventory
from o2o.inventory.models import Slot, StockLevel
from o2o.marketing import services as marketing
from o2o.merchants.models import Store
from o2o.orders.models import Order, OrderKind, OrderLine
from o2o.orders.services import priced

MAX_QUANTITY = 99
MAX_LINES = 50
ADDRESS_FIELDS = {"receiver": 50, "phone": 20, "province": 30, "city": 30, "district": 30, "detail": 200}
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


@dataclass(frozen=True)
class Item:
    """One wanted line: a SKU public id, a quantity, and a slot public id for slot services."""

    sku: str
    quantity: int
    slot: str | None = None


def payment_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.O2O.get("PAYMENT_WINDOW_MINUTES", 15))


def clean_address(address: dict | None) -> dict:
    """A complete shipping address, or ValidationFailed invalid_address."""
    if not isinstance(address, dict):
        raise ValidationFailed("Goods need a shipping address", "shipping_address_required")
    out = {}
    for name, limit in ADDRESS_FIELDS.items():
        value = address.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if not value or len(value) > limit:
            raise ValidationFailed(f"shipping address {name} must be 1-{limit} characters",
                                   "invalid_address", details={"field": name})
        out[name] = value
    if not _PHONE_RE.match(out["phone"]):
        raise ValidationFailed("shipping address phone is not a phone number", "invalid_address",
                               details={"field": "phone"})
    return out


def _merge(items: list[Item]) -> list[Item]:
    """Validate quantities and ids; the same SKU and slot twice become one line."""
    if not items:
        raise ValidationFailed("An order needs at least one line", "no_lines")
    if len(items) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines per order", "too_many_lines")
    merged: dict[tuple[str, str | None], int] = {}
    for it in items:
        if not isinstance(it.quantity, int) or not 1 <= it.quantity <= MAX_QUANTITY:
            raise ValidationFailed(f"quantity must be 1..{MAX_QUANTITY}", "invalid_quantity")
        if not looks_like_id(it.sku, "sku"):
            raise NotFound("No such SKU", "sku_not_found", details={"sku": str(it.sku)[:40]})
        if it.slot is not None and not looks_like_id(it.slot, "slt"):
            raise NotFound("No such slot", "slot_not_found", details={"slot": str(it.slot)[:40]})
        key = (it.sku, it.slot)
        merged[key] = merged.get(key, 0) + it.quantity
        if merged[key] > MAX_QUANTITY:
            raise ValidationFailed(f"quantity must be 1..{MAX_QUANTITY}", "invalid_quantity")
    return [Item(sku, qty, slot) for (sku, slot), qty in merged.items()]


def _pickup_store(public_id: object) -> Store:
    store = (Store.objects.select_related("merchant").filter(public_id=public_id, is_active=True).first()
             if looks_like_id(public_id, "sto") else None)
    if store is None:
        raise NotFound("No such store", "store_not_found")
    return store


@dataclass
class Plan:
    """Validated lines grouped into the orders they become: (merchant pk, kind) -> rows."""

    by_order: dict[tuple[int, str], list]
    pickup: Store | None
    address: dict | None
    now: dt.datetime


def plan_orders(items: list[Item], *, shipping_address: dict | None = None,
                pickup_store: str | None = None, require_address: bool = True) -> Plan:
    """Validate `items` and split them into orders (one per merchant and kind). Reads only.
    `require_address=False` (a quote) skips the shipping address, which moves no price."""
    items = _merge(items)
    now = clock.now()
    # One query: the SKUs, their merchant's shipping rule (one-to-one, for pricing),
    # whether the catalog's purchasable rule allows each now, and the stock level of
    # their first location (checkout tries it without reading the locations).
    on_sale = Exists(catalog.purchasable_products(now=now).filter(pk=OuterRef("product_id")))
    first_level = (StockLevel.objects.filter(sku_id=OuterRef("pk"), location__is_active=True)
                   .order_by("location__priority", "location_id"))
    skus = {s.public_id: s for s in Sku.objects.select_related("product__merchant__shipping_rule")
            .filter(public_id__in={it.sku for it in items}).annotate(
                on_sale=Q(is_active=True) & Q(on_sale),
                first_level=Subquery(first_level.values("pk")[:1]),
                first_location=Subquery(first_level.values("location_id")[:1]))}
    slot_ids = {it.slot for it in items if it.slot}
    slots = ({s.public_id: s for s in Slot.objects.select_related("store").filter(public_id__in=slot_ids)}
             if slot_ids else {})
    buyable = {s.pk for s in skus.values() if s.on_sale}
    planned = []  # (sku, item, slot)
    needs_address = False
    for it in items:
        sku = skus.get(it.sku)
        if sku is None:
            raise NotFound("This SKU is not for sale", "sku_not_found", details={"sku": it.sku})
        product = sku.product
        if sku.pk not in buyable:  # the catalog's rule, checked again at placement
            catalog.ensure_purchasable(product, sku, now=now)
            raise Conflict("This SKU is not on sale now", "not_purchasable", details={"sku": it.sku})
        slot = None
        if product.kind == ProductKind.GOODS:
            needs_address = True
            if it.slot:
                raise ValidationFailed("Goods are not booked in slots", "slot_not_allowed")
        elif product.booking_mode == BookingMode.SLOT:
            if not it.slot:
                raise ValidationFailed(f"Choose a time slot for {product.title}", "slot_required",
                                       details={"sku": it.sku})
            slot = slots.get(it.slot)
            if slot is None or slot.product_id != product.pk:
                raise NotFound("No such slot for this service", "slot_not_found",
                               details={"slot": it.slot})
            if not product.all_stores and not inventory.store_serves(product, slot.store):
                raise NotFound("No such slot for this service", "slot_not_found",
                               details={"slot": it.slot})
        elif it.slot:
            raise ValidationFailed("This service is not booked in slots", "slot_not_allowed")
        planned.append((sku, it, slot))
    pickup = _pickup_store(pickup_store) if pickup_store is not None else None
    if pickup is not None:
        if not needs_address:
            raise ValidationFailed("Only goods are picked up in store", "pickup_without_goods")
        if any(sku.product.kind == ProductKind.GOODS and sku.product.merchant_id != pickup.merchant_id
               for sku, _, _ in planned):
            raise ValidationFailed("Goods of another merchant cannot be picked up at this store",
                                   "pickup_store_mismatch")
    address = (clean_address(shipping_address) if needs_address and pickup is None and require_address
               else None)
    by_order: dict[tuple[int, str], list] = defaultdict(list)
    for sku, it, slot in planned:
        kind = OrderKind.GOODS if sku.product.kind == ProductKind.GOODS else OrderKind.SERVICE
        by_order[(sku.product.merchant_id, kind)].append((sku, it, slot))
    return Plan(by_order=dict(by_order), pickup=pickup, address=address, now=now)


def quote_orders(customer, items: list[Item], *, pickup_store: str | None = None,
                 coupons: list[str] | None = None) -> priced.CheckoutPrice:
    """What place_orders would charge for `items` now, written nowhere."""
    plan = plan_orders(items, pickup_store=pickup_store, require_address=False)
    return priced.price(customer, plan.by_order, pickup=plan.pickup, coupons=priced.clean_coupons(coupons),
                        now=plan.now)


def place_orders(customer, items: list[Item], *, shipping_address: dict | None = None,
                 note: str = "", pickup_store: str | None = None,
                 coupons: list[str] | None = None) -> list[Order]:
    """Create one order per merchant and kind (goods / services) for `items`.

    Goods lines reserve stock for the payment window; slot services take a seat of the
    chosen slot; date-flexible vouchers take their product's quota (if it has one).
    With `pickup_store` (a store id) the goods are collected at that store of their
    merchant instead of shipped: no address, no shipping fee, stock reserved at the
    store's own stock location. Otherwise the goods order carries the shipping fee of
    its merchant's rule (o2o.freight; free without a rule) inside total_fen.
    Prices come from the marketing pipeline (orders.services.priced): limited-time
    prices, spend tiers and `coupons` (None: the customer's best combination; []: none;
    else exactly those), stored on the lines; the coupons used are reserved for these
    orders in this transaction (Conflict coupon_taken when another checkout took one).
    Raises NotFound (unknown or not public SKU, slot or store), ValidationFailed (bad
    quantity, missing address or slot, pick-up store of another merchant) or Conflict
    (not_purchasable: the catalog's purchasable rule says no, e.g. the deal has ended;
    out_of_stock, slot_full, sold_out), and marketing's coupon errors.
    """
    if not isinstance(note, str) or len(note) > 200:
        raise ValidationFailed("note is at most 200 characters", "invalid_note")
    coupons = priced.clean_coupons(coupons)
    plan = plan_orders(items, shipping_address=shipping_address, pickup_store=pickup_store)
    pickup, address, now = plan.pickup, plan.address, plan.now
    price = priced.price(customer, plan.by_order, pickup=pickup, coupons=coupons, now=now)
    group = f"chk_{secrets.token_hex(8)}"
    with transaction.atomic(savepoint=False):
        orders = []
        for po in price.orders:
            rows = po.rows
            goods_order = po.kind == OrderKind.GOODS
            orders.append(Order(
                customer=customer, merchant=rows[0][0].product.merchant, kind=po.kind, total_fen=po.total_fen,
                shipping_fee_fen=po.shipping_fee_fen, discount_fen=po.discount_fen,
                platform_subsidy_fen=po.platform_funded_fen, currency=rows[0][0].currency,
                shipping_address=address if goods_order else None,
                pickup_store=pickup if goods_order else None,
                note=note, checkout_group=group, payment_deadline=now + payment_window(),
                created_at=now, updated_at=now))
        Order.objects.bulk_create(orders)
        lines = []
        for order, po in zip(orders, price.orders, strict=True):
            order.prefetched_lines = []
            for (sku, it, slot), pl in zip(po.rows, po.lines, strict=True):
                line = OrderLine(
                    order=order, product=sku.product, sku=sku, kind=sku.product.kind,
                    title=sku.product.title, sku_name=sku.name, list_unit_price_fen=sku.price_fen,
                    unit_price_fen=pl.unit_price_fen, quantity=it.quantity, discount_fen=pl.discount_fen,
                    merchant_funded_fen=pl.merchant_funded_fen, platform_funded_fen=pl.platform_funded_fen,
                    line_total_fen=pl.net_fen, slot=slot,
                    store=slot.store if slot else (order.pickup_store if order.kind == OrderKind.GOODS else None))
                order.prefetched_lines.append(line)
                lines.append(line)
        OrderLine.objects.bulk_create(lines)
        for order in orders:
            events.emit("order.created", order, {
                "customer": customer.public_id, "total_fen": order.total_fen, "kind": order.kind,
                "shipping_fee_fen": order.shipping_fee_fen, "discount_fen": order.discount_fen,
                "platform_subsidy_fen": order.platform_subsidy_fen,
                "pickup_store": order.pickup_store.public_id if order.pickup_store else None,
                "checkout_group": group, "lines": len(order.prefetched_lines),
            }, merchant_id=order.merchant.public_id)
        if price.quote.coupons:
            # Before capacity: a coupon taken by a concurrent checkout fails this one early,
            # and the coupon rows' locks are held only until commit like the others.
            pk_by_key = {priced.order_key(o.merchant_id, o.kind): o.pk for o in orders}
            marketing.reserve_coupons(
                customer, price.quote.coupons, checkout_group=group, quote=price.quote, order_pk_by_key=pk_by_key,
                order_pks_by_coupon={d.ref: [pk_by_key[k] for k in d.by_order]
                                     for d in price.quote.discounts if d.source == "coupon"})
        # Capacity last: the row locks these UPDATEs take are held only until commit.
        goods = []
        for line in sorted(lines, key=lambda ln: (ln.sku_id, ln.slot_id or 0)):
            if line.kind == ProductKind.GOODS:
                goods.append(line)
            elif line.slot_id:
                inventory.book_seat(line.slot_id, line.quantity)
            elif inventory.take_quota(line.product_id, line.quantity):
                line.quota_taken = True
        quota_lines = [ln.pk for ln in lines if ln.quota_taken]
        if quota_lines:
            OrderLine.objects.filter(pk__in=quota_lines).update(quota_taken=True)
        if pickup is not None:
            inventory.reserve_stock(goods, store_id=pickup.pk)
        else:
            inventory.reserve_stock(goods, first_choice={
                ln.sku_id: (ln.sku.first_level, ln.sku.first_location) for ln in goods if ln.sku.first_level})
    return orders
