"""Helpers of the console pages: the merchant's day, yuan input, error messages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.merchants import selectors

DEFAULT_ZONE = "Asia/Shanghai"


def zone_of(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The merchant's zone: its first store's (stores of one merchant share a city in practice)."""
    store = selectors.stores_of_merchant(request.merchant).order_by("pk").first()
    try:
        return zoneinfo.ZoneInfo(store.time_zone if store else DEFAULT_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def today(request: HttpRequest) -> dt.date:
    return clock.now().astimezone(zone_of(request)).date()


def day_bounds(request: HttpRequest, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zone_of(request)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def parse_day(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def my_stores(request: HttpRequest):
    """The stores this user sees: all of the merchant's for owners and unbound staff."""
    return selectors.staff_stores(request.merchant, request.user).order_by("name")


def yuan_to_fen(raw: str | None) -> int | None:
    """'12.5' -> 1250; None when it is not an amount with at most two decimals."""
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def int_or_none(raw: str | None) -> int | None:
    try:
        return int((raw or "").strip())
    except ValueError:
        return None


def fail(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, _("Not done: %(reason)s") % {"reason": exc.message})


def done(request: HttpRequest, text: str) -> None:
    messages.success(request, text)
