"""Every write of inventory: stock levels and reservations, schedules, slots, quotas.

Counts are only ever changed by a conditional UPDATE whose WHERE clause carries the
rule (enough available, seat left, not closed...), so two buyers can never both take
the last unit; the CHECK constraints on the tables are the second line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from o2o.catalog.models import BookingMode, Product, ProductKind, Sku
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.inventory.models import (
    Closure,
    LocationKind,
    Reservation,
    ReservationState,
    Schedule,
    Slot,
    StockLevel,
    StockLocation,
    VoucherQuota,
)
from o2o.merchants.models import Merchant, Store

MAX_STOCK = 10_000_000
MAX_DAYS_AHEAD = 366


# --- lookups scoped to a merchant (another tenant's ids answer 404) ---------------

def _get(qs, public_id: str, what: str):
    obj = qs.filter(public_id=public_id).first() if isinstance(public_id, str) else None
    if obj is None:
        raise NotFound(f"No such {what}", f"{what}_not_found")
    return obj


def merchant_store(merchant: Merchant, store_public_id: str) -> Store:
    return _get(Store.objects.filter(merchant=merchant), store_public_id, "store")


def merchant_product(merchant: Merchant, product_public_id: str) -> Product:
    return _get(Product.objects.filter(merchant=merchant), product_public_id, "product")


def merchant_sku(merchant: Merchant, sku_public_id: str) -> Sku:
    return _get(Sku.objects.select_related("product").filter(product__merchant=merchant),
                sku_public_id, "sku")


def merchant_location(merchant: Merchant, location_public_id: str) -> StockLocation:
    return _get(StockLocation.objects.filter(merchant=merchant), location_public_id, "location")


def merchant_slot(merchant: Merchant, slot_public_id: str) -> Slot:
    return _get(Slot.objects.select_related("store", "product").filter(product__merchant=merchant),
                slot_public_id, "slot")


def store_serves(product: Product, store: Store) -> bool:
    """Whether a service product may be used at `store`."""
    if store.merchant_id != product.merchant_id or not store.is_active:
        return False
    return product.all_stores or product.stores.filter(pk=store.pk).exists()


# --- goods stock ------------------------------------------------------------------

def create_location(merchant: Merchant, *, name: str, kind: str = LocationKind.WAREHOUSE,
                    store_public_id: str | None = None, priority: int = 0) -> StockLocation:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("name must be 1-100 characters", "invalid_name")
    if kind not in LocationKind.values:
        raise ValidationFailed("kind must be warehouse or store", "invalid_kind")
    store = None
    if kind == LocationKind.STORE:
        if not store_public_id:
            raise ValidationFailed("a store location needs a store", "store_required")
        store = merchant_store(merchant, store_public_id)
    elif store_public_id:
        raise ValidationFailed("a warehouse has no store", "store_not_allowed")
    with transaction.atomic():
        loc = StockLocation.objects.create(merchant=merchant, kind=kind, store=store, name=name,
                                           priority=priority, created_at=clock.now())
        events.emit("stock_location.created", loc, {"kind": kind}, merchant_id=merchant.public_id)
    return loc


def _level_for_update(sku: Sku, location: StockLocation) -> StockLevel:
    level = StockLevel.objects.filter(sku=sku, location=location).first()
    if level is None:
        try:
            with transaction.atomic():
                level = StockLevel.objects.create(sku=sku, location=location, updated_at=clock.now())
        except IntegrityError:  # created concurrently
            level = StockLevel.objects.get(sku=sku, location=location)
    return level


def _goods_sku_and_location(merchant: Merchant, sku_public_id: str,
                            location_public_id: str) -> tuple[Sku, StockLocation]:
    sku = merchant_sku(merchant, sku_public_id)
    if sku.product.kind != ProductKind.GOODS:
        raise ValidationFailed("only goods have stock", "not_goods")
    return sku, merchant_location(merchant, location_public_id)


def set_stock(merchant: Merchant, sku_public_id: str, location_public_id: str,
              on_hand: int) -> StockLevel:
    """Set the absolute on-hand count (a stock take). Refused below what is reserved."""
    if not isinstance(on_hand, int) or not 0 <= on_hand <= MAX_STOCK:
        raise ValidationFailed(f"on_hand must be 0..{MAX_STOCK}", "invalid_quantity")
    sku, location = _goods_sku_and_location(merchant, sku_public_id, location_public_id)
    with transaction.atomic():
        level = _level_for_update(sku, location)
        done = StockLevel.objects.filter(pk=level.pk, reserved__lte=on_hand).update(
            on_hand=on_hand, updated_at=clock.now())
        if not done:
            raise Conflict("on_hand cannot go below the units reserved by open orders",
                           "below_reserved")
        level.refresh_from_db()
        events.emit("stock.set", level, {"sku": sku.public_id, "location": location.public_id,
                                         "on_hand": on_hand}, merchant_id=merchant.public_id)
    return level


def adjust_stock(merchant: Merchant, sku_public_id: str, location_public_id: str,
                 delta: int) -> StockLevel:
    """Add (receiving) or remove (damage, loss) units relative to the current count."""
    if not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_STOCK:
        raise ValidationFailed("delta must be a non-zero integer", "invalid_quantity")
    sku, location = _goods_sku_and_location(merchant, sku_public_id, location_public_id)
    with transaction.atomic():
        level = _level_for_update(sku, location)
        # The new count must stay >= reserved (hence >= 0) and within bounds.
        done = StockLevel.objects.filter(
            pk=level.pk, on_hand__gte=F("reserved") - delta, on_hand__lte=MAX_STOCK - delta,
        ).update(on_hand=F("on_hand") + delta, updated_at=clock.now())
        if not done:
            raise Conflict("not enough unreserved stock to remove", "insufficient_stock")
        level.refresh_from_db()
        events.emit("stock.adjusted", level, {"sku": sku.public_id, "location": location.public_id,
                                              "delta": delta}, merchant_id=merchant.public_id)
    return level


def reserve_stock(lines: Iterable, *, store_id: int | None = None,
                  first_choice: Mapping[int, tuple[int, int]] | None = None) -> list[Reservation]:
    """Hold stock for goods order lines (each with sku_id, quantity, order.merchant_id).

    For each line, the locations holding the SKU are tried in priority order; the
    conditional UPDATE takes the units only where enough is available. With `store_id`
    (pick-up in store) only that store's own locations are tried. `first_choice` (sku pk
    -> (stock level pk, location pk) of its first location, read by the caller with the
    SKUs: checkout's query budget) is tried first; the locations are read only when it
    cannot serve a line. Raises Conflict out_of_stock when no location can serve a
    line. Must run inside the caller's transaction so a later failure gives everything back.
    """
    lines = list(lines)
    if not lines:
        return []
    candidates: dict[int, list[tuple[int, int]]] | None = None
    now = clock.now()
    reservations = []
    for line in lines:
        hint = (first_choice or {}).get(line.sku_id)
        taken = _take_stock(hint, line.quantity, now) if hint else None
        if taken is None:
            if candidates is None:  # once, for every line still to serve
                candidates = _stock_candidates(lines, store_id)
            for level in candidates.get(line.sku_id, []):
                if level != hint and (taken := _take_stock(level, line.quantity, now)) is not None:
                    break
        if taken is None:
            raise Conflict(f"{line.title} is sold out", "out_of_stock",
                           details={"sku": line.sku.public_id})
        reservations.append(Reservation(order_line=line, sku_id=line.sku_id, location_id=taken,
                                        quantity=line.quantity, created_at=now, updated_at=now))
    return Reservation.objects.bulk_create(reservations)


def _take_stock(level: tuple[int, int], quantity: int, now: dt.datetime) -> int | None:
    """Conditional UPDATE of one stock level; its location pk when the units were taken."""
    level_pk, location_id = level
    if StockLevel.objects.filter(pk=level_pk, on_hand__gte=F("reserved") + quantity).update(
            reserved=F("reserved") + quantity, updated_at=now):
        return location_id
    return None


def _stock_candidates(lines: list, store_id: int | None) -> dict[int, list[tuple[int, int]]]:
    """sku pk -> its (stock level pk, location pk), active locations by priority."""
    candidates: dict[int, list[tuple[int, int]]] = {}
    levels = StockLevel.objects.filter(sku_id__in={ln.sku_id for ln in lines}, location__is_active=True)
    if store_id is not None:
        levels = levels.filter(location__store_id=store_id)
    rows = (levels
            .order_by("location__priority", "location_id")
            .values_list("sku_id", "pk", "location_id"))
    for sku_id, pk, location_id in rows:
        candidates.setdefault(sku_id, []).append((pk, location_id))
    return candidates


def commit_reservations(order_line_ids: Iterable[int]) -> int:
    """Payment: held units leave the shelf (on_hand -= n, reserved -= n)."""
    now = clock.now()
    n = 0
    held = Reservation.objects.filter(order_line_id__in=list(order_line_ids), state=ReservationState.HELD)
    for rsv in held.select_for_update():
        StockLevel.objects.filter(sku_id=rsv.sku_id, location_id=rsv.location_id).update(
            on_hand=F("on_hand") - rsv.quantity, reserved=F("reserved") - rsv.quantity, updated_at=now)
        n += Reservation.objects.filter(pk=rsv.pk, state=ReservationState.HELD).update(
            state=ReservationState.COMMITTED, updated_at=now)
    return n


def release_reservations(order_line_ids: Iterable[int]) -> int:
    """Close or cancel: held units go back to available. Idempotent."""
    now = clock.now()
    n = 0
    held = Reservation.objects.filter(order_line_id__in=list(order_line_ids), state=ReservationState.HELD)
    for rsv in held:
        # Flip the reservation first: only the caller that wins it gives the units back.
        if Reservation.objects.filter(pk=rsv.pk, state=ReservationState.HELD).update(
                state=ReservationState.RELEASED, updated_at=now):
            StockLevel.objects.filter(sku_id=rsv.sku_id, location_id=rsv.location_id).update(
                reserved=F("reserved") - rsv.quantity, updated_at=now)
            n += 1
    return n


# --- service capacity -------------------------------------------------------------

def book_seat(slot_id: int, n: int = 1) -> None:
    """Take `n` seats of a slot, or Conflict slot_full / slot_closed / slot_past."""
    now = clock.now()
    done = Slot.objects.filter(pk=slot_id, booked__lte=F("capacity") - n, is_closed=False,
                               starts_at__gt=now).update(booked=F("booked") + n)
    if done:
        return
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("No such slot", "slot_not_found")
    if slot.is_closed:
        raise Conflict("This slot is closed", "slot_closed")
    if slot.starts_at <= now:
        raise Conflict("This slot has already started", "slot_past")
    raise Conflict("This slot is full", "slot_full", details={"remaining": slot.remaining})


def release_seat(slot_id: int, n: int = 1) -> None:
    """Give back `n` seats of a slot (order closed, voucher refunded). Never below zero."""
    Slot.objects.filter(pk=slot_id, booked__gte=n).update(booked=F("booked") - n)


def take_quota(product_id: int, n: int = 1) -> bool:
    """Take `n` units of a voucher product's quota. False when the product has no quota
    (unlimited); Conflict sold_out when not enough is left."""
    now = clock.now()
    if VoucherQuota.objects.filter(product_id=product_id, sold__lte=F("total") - n).update(
            sold=F("sold") + n, updated_at=now):
        return True
    if VoucherQuota.objects.filter(product_id=product_id).exists():
        raise Conflict("This deal is sold out", "sold_out")
    return False


def release_quota(product_id: int, n: int = 1) -> None:
    """Give back `n` units of a voucher quota (refund, closed order). Never below zero."""
    VoucherQuota.objects.filter(product_id=product_id, sold__gte=n).update(
        sold=F("sold") - n, updated_at=clock.now())


def set_quota(merchant: Merchant, product_public_id: str, total: int | None) -> VoucherQuota | None:
    """Give a date-flexible service a total quota (None removes it: unlimited)."""
    product = merchant_product(merchant, product_public_id)
    if product.kind != ProductKind.SERVICE or product.booking_mode != BookingMode.VOUCHER:
        raise ValidationFailed("quotas are for date-flexible voucher services", "not_voucher_service")
    with transaction.atomic():
        if total is None:
            VoucherQuota.objects.filter(product=product).delete()
            events.emit("quota.removed", product, {}, merchant_id=merchant.public_id)
            return None
        if not isinstance(total, int) or not 0 <= total <= MAX_STOCK:
            raise ValidationFailed(f"total must be 0..{MAX_STOCK}", "invalid_quantity")
        quota, _ = VoucherQuota.objects.get_or_create(
            product=product, defaults={"total": total, "updated_at": clock.now()})
        if not VoucherQuota.objects.filter(pk=quota.pk, sold__lte=total).update(
                total=total, updated_at=clock.now()):
            raise Conflict("the quota cannot go below what is already sold", "below_sold")
        quota.refresh_from_db()
        events.emit("quota.set", product, {"total": total}, merchant_id=merchant.public_id)
    return quota


# --- schedules and slots ----------------------------------------------------------

def store_zone(store: Store) -> ZoneInfo:
    try:
        return ZoneInfo(store.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"store time zone {store.time_zone!r} is unknown", "invalid_time_zone") from exc


def local_to_utc(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime | None:
    """A store-local wall-clock time as an aware UTC datetime; None when it does not
    exist that day (the hour skipped by a DST spring-forward). An ambiguous time (the
    hour repeated in autumn) is taken at its first occurrence."""
    local = dt.datetime.combine(day, at, tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def local_day_bounds(day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    return start, end


def _slot_service(merchant: Merchant, product_public_id: str, store_public_id: str) -> tuple[Product, Store]:
    product = merchant_product(merchant, product_public_id)
    if product.kind != ProductKind.SERVICE or product.booking_mode != BookingMode.SLOT:
        raise ValidationFailed("slots are for services booked by time slot", "not_slot_service")
    store = merchant_store(merchant, store_public_id)
    if not store_serves(product, store):
        raise ValidationFailed("this service is not offered at that store", "store_not_allowed")
    return product, store


def create_schedule(merchant: Merchant, *, product_public_id: str, store_public_id: str,
                    weekdays: list[int], start_time: dt.time, end_time: dt.time, slot_minutes: int,
                    capacity: int, valid_from: dt.date, valid_until: dt.date | None = None) -> Schedule:
    product, store = _slot_service(merchant, product_public_id, store_public_id)
    if not weekdays or any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
        raise ValidationFailed("weekdays must be ISO day numbers 1 (Mon) .. 7 (Sun)", "invalid_weekdays")
    if start_time >= end_time:
        raise ValidationFailed("start_time must be before end_time", "invalid_time_range")
    if not 5 <= slot_minutes <= 24 * 60:
        raise ValidationFailed("slot_minutes must be 5..1440", "invalid_slot_minutes")
    length = (dt.datetime.combine(dt.date.min, end_time) - dt.datetime.combine(dt.date.min, start_time))
    if length < dt.timedelta(minutes=slot_minutes):
        raise ValidationFailed("the day is shorter than one slot", "invalid_time_range")
    if not 1 <= capacity <= 10_000:
        raise ValidationFailed("capacity must be 1..10000", "invalid_capacity")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed("valid_until is before valid_from", "invalid_date_range")
    with transaction.atomic():
        schedule = Schedule.objects.create(
            product=product, store=store, weekdays=sorted(set(weekdays)), start_time=start_time,
            end_time=end_time, slot_minutes=slot_minutes, capacity=capacity, valid_from=valid_from,
            valid_until=valid_until, created_at=clock.now())
        events.emit("schedule.created", schedule, {"product": product.public_id, "store": store.public_id},
                    merchant_id=merchant.public_id)
    return schedule


def generate_slots(schedule: Schedule, days_ahead: int = 14, *, now: dt.datetime | None = None) -> int:
    """Create the slots of `schedule` from today (store-local) to `days_ahead` days on.

    Idempotent: slots already there (same service, store and start) are left alone, so
    running it daily only adds the new days. Closed dates produce closed slots.
    Returns how many slots were created.
    """
    if not 0 <= days_ahead <= MAX_DAYS_AHEAD:
        raise ValidationFailed(f"days_ahead must be 0..{MAX_DAYS_AHEAD}", "invalid_days_ahead")
    store = schedule.store
    zone = store_zone(store)
    now = now or clock.now()
    today = now.astimezone(zone).date()
    first = max(today, schedule.valid_from)
    last = today + dt.timedelta(days=days_ahead)
    if schedule.valid_until is not None:
        last = min(last, schedule.valid_until)
    if last < first or not schedule.is_active:
        return 0
    closed = set(Closure.objects.filter(store=store, date__gte=first, date__lte=last)
                 .filter(Q(product__isnull=True) | Q(product=schedule.product_id))
                 .values_list("date", flat=True))
    step = dt.timedelta(minutes=schedule.slot_minutes)
    wanted: list[Slot] = []
    day = first
    while day <= last:
        if day.isoweekday() in schedule.weekdays:
            start = dt.datetime.combine(day, schedule.start_time)
            day_end = dt.datetime.combine(day, schedule.end_time)
            while start + step <= day_end:
                starts_at = local_to_utc(day, start.time(), zone)
                if starts_at is not None and starts_at > now:
                    wanted.append(Slot(product_id=schedule.product_id, store=store, schedule=schedule,
                                       starts_at=starts_at, ends_at=starts_at + step,
                                       capacity=schedule.capacity, is_closed=day in closed,
                                       created_at=now))
                start += step
        day += dt.timedelta(days=1)
    if not wanted:
        return 0
    with transaction.atomic():
        existing = set(Slot.objects.filter(
            product_id=schedule.product_id, store=store,
            starts_at__gte=wanted[0].starts_at, starts_at__lte=wanted[-1].starts_at,
        ).values_list("starts_at", flat=True))
        new = [s for s in wanted if s.starts_at not in existing]
        # ignore_conflicts covers a concurrent run inserting the same starts.
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            events.emit("slots.generated", schedule, {"count": len(new)},
                        merchant_id=store.merchant.public_id)
    return len(new)


def generate_for_merchant(merchant: Merchant, schedule_public_id: str, days_ahead: int) -> int:
    schedule = _get(Schedule.objects.select_related("store__merchant").filter(product__merchant=merchant),
                    schedule_public_id, "schedule")
    return generate_slots(schedule, days_ahead)


def create_slot(merchant: Merchant, *, product_public_id: str, store_public_id: str,
                starts_at: dt.datetime, minutes: int, capacity: int) -> Slot:
    """A one-off slot outside any schedule (an extra class, a holiday opening)."""
    product, store = _slot_service(merchant, product_public_id, store_public_id)
    if starts_at.tzinfo is None:
        raise ValidationFailed("starts_at needs a time zone offset", "naive_datetime")
    if starts_at <= clock.now():
        raise ValidationFailed("starts_at is in the past", "slot_in_past")
    if not 5 <= minutes <= 24 * 60:
        raise ValidationFailed("minutes must be 5..1440", "invalid_slot_minutes")
    if not 1 <= capacity <= 10_000:
        raise ValidationFailed("capacity must be 1..10000", "invalid_capacity")
    starts_at = starts_at.astimezone(dt.UTC)
    try:
        with transaction.atomic():
            slot = Slot.objects.create(product=product, store=store, starts_at=starts_at,
                                       ends_at=starts_at + dt.timedelta(minutes=minutes),
                                       capacity=capacity, created_at=clock.now())
            events.emit("slot.created", slot, {"product": product.public_id, "store": store.public_id},
                        merchant_id=merchant.public_id)
    except IntegrityError as exc:
        raise Conflict("a slot of this service already starts then at that store", "slot_exists") from exc
    return slot


def set_slot_closed(merchant: Merchant, slot_public_id: str, closed: bool) -> Slot:
    """Close a slot (no new bookings; existing bookings stay) or reopen it."""
    slot = merchant_slot(merchant, slot_public_id)
    with transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(is_closed=closed)
        slot.is_closed = closed
        events.emit("slot.closed" if closed else "slot.reopened", slot, {},
                    merchant_id=merchant.public_id)
    return slot


def close_date(merchant: Merchant, *, store_public_id: str, date: dt.date,
               product_public_id: str | None = None, reason: str = "") -> tuple[Closure, int]:
    """Close a whole store-local date at a store (for one service or all): existing slots
    of that day close, and slots generated later for that day are created closed."""
    store = merchant_store(merchant, store_public_id)
    product = merchant_product(merchant, product_public_id) if product_public_id else None
    if len(reason) > 200:
        raise ValidationFailed("reason is at most 200 characters", "invalid_reason")
    start, end = local_day_bounds(date, store_zone(store))
    with transaction.atomic():
        closure = Closure.objects.create(store=store, product=product, date=date, reason=reason,
                                         created_at=clock.now())
        slots = Slot.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
        if product is not None:
            slots = slots.filter(product=product)
        n = slots.update(is_closed=True)
        events.emit("store.date_closed", store, {"date": date.isoformat(), "slots": n,
                                                 "product": product.public_id if product else None},
                    merchant_id=merchant.public_id)
    return closure, n


def available_slots(product: Product, day: dt.date, store: Store | None = None) -> list[Slot]:
    """Open future slots with seats left, of one store-local day (each store's own zone)."""
    stores = [store] if store is not None else list(
        Store.objects.filter(merchant_id=product.merchant_id, is_active=True))
    out: list[Slot] = []
    now = clock.now()
    for st in stores:
        start, end = local_day_bounds(day, store_zone(st))
        out.extend(Slot.objects.select_related("store").filter(
            product=product, store=st, starts_at__gte=start, starts_at__lt=end, starts_at__gt=now,
            is_closed=False, booked__lt=F("capacity")))
    out.sort(key=lambda s: (s.starts_at, s.pk))
    return out


def extend_all_schedules(days_ahead: int, *, now: dt.datetime | None = None) -> int:
    """Roll every active schedule's slots forward to `days_ahead` days (periodic task)."""
    created = 0
    for sched in Schedule.objects.filter(is_active=True).select_related("store__merchant"):
        created += generate_slots(sched, days_ahead, now=now)
    return created
