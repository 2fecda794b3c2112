"""Helpers shared by text search and nearby: filters, open-now and slot checks."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import F

from o2o.catalog.selectors import descendant_pks
from o2o.catalog.services import get_category
from o2o.core.errors import ValidationFailed
from o2o.inventory.models import Slot
from o2o.merchants.hours import is_open_at


@dataclass
class Filters:
    kind: str | None = None
    category_id: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    open_now: bool = False

    def category_pks(self) -> set[int] | None:
        if not self.category_id:
            return None
        return descendant_pks(get_category(self.category_id))

    def check(self) -> None:
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValidationFailed("min_price must not exceed max_price", "invalid_price_range")
        if self.kind and self.kind not in ("GOODS", "SERVICE"):
            raise ValidationFailed("kind must be GOODS or SERVICE", "invalid_kind")

    def price_ok(self, price: int | None) -> bool:
        if self.min_price is None and self.max_price is None:
            return True
        if price is None:
            return False
        return (self.min_price is None or price >= self.min_price) and (
            self.max_price is None or price <= self.max_price)


class _StoreHours:
    def __init__(self, time_zone: str, opening_hours: dict) -> None:
        self.time_zone = time_zone
        self.opening_hours = opening_hours


def open_at(time_zone: str, opening_hours: dict, when: dt.datetime) -> bool:
    """Open at `when` in the store's own time zone (a bad zone name counts as closed)."""
    try:
        return is_open_at(_StoreHours(time_zone, opening_hours or {}), when)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


def local_day_window(time_zone: str, now: dt.datetime, day: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of store-local today (from now) or tomorrow, as aware datetimes."""
    tz = zoneinfo.ZoneInfo(time_zone)
    local = now.astimezone(tz)
    midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=tz)
    if day == "today":
        return now, midnight + dt.timedelta(days=1)
    return midnight + dt.timedelta(days=1), midnight + dt.timedelta(days=2)


def pairs_with_free_slot(pairs: set[tuple[int, int]], zones: dict[int, str], now: dt.datetime,
                         day: str) -> set[tuple[int, int]]:
    """Of the (product_pk, store_pk) pairs, those with an open slot with free seats on the
    store-local `day` (today: from now on)."""
    if not pairs:
        return set()
    products = {p for p, _ in pairs}
    stores = {s for _, s in pairs}
    rows = (Slot.objects.filter(product_id__in=products, store_id__in=stores, is_closed=False,
                                booked__lt=F("capacity"), starts_at__gte=now - dt.timedelta(days=1),
                                starts_at__lt=now + dt.timedelta(days=3))
            .values_list("product_id", "store_id", "starts_at"))
    found: set[tuple[int, int]] = set()
    for product_pk, store_pk, starts_at in rows:
        if (product_pk, store_pk) not in pairs or (product_pk, store_pk) in found:
            continue
        start, end = local_day_window(zones.get(store_pk, "Asia/Shanghai"), now, day)
        if start <= starts_at < end:
            found.add((product_pk, store_pk))
    return found
