"""Template filters of the web pages: money in yuan, times in a store's own zone,
voucher codes in groups of four."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template

from o2o.core.money import format_fen

register = template.Library()


@register.filter
def money(amount) -> str:
    """12345 -> '¥123.45'; None stays empty."""
    if amount is None or amount == "":
        return ""
    return format_fen(int(amount))


def _zone(where) -> zoneinfo.ZoneInfo:
    name = getattr(where, "time_zone", where) or "Asia/Shanghai"
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Shanghai")


@register.filter
def local(when, where=None) -> str:
    """An aware datetime in the time zone of `where` (a store or a zone name), as
    'YYYY-MM-DD HH:MM' (a date-time format both languages read)."""
    if not isinstance(when, dt.datetime):
        return ""
    return when.astimezone(_zone(where)).strftime("%Y-%m-%d %H:%M")


@register.filter
def local_time(when, where=None) -> str:
    if not isinstance(when, dt.datetime):
        return ""
    return when.astimezone(_zone(where)).strftime("%H:%M")


@register.filter
def local_date(when, where=None) -> str:
    if not isinstance(when, dt.datetime):
        return ""
    return when.astimezone(_zone(where)).strftime("%Y-%m-%d")


@register.filter
def fours(code) -> str:
    """'ABCD1234EFGH' -> 'ABCD 1234 EFGH' (easier to read aloud and to type)."""
    code = str(code or "")
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


@register.filter
def km(metres) -> str:
    """A distance: '850 m' or '2.3 km'."""
    if metres is None or metres == "":
        return ""
    m = float(metres)
    return f"{m:.0f} m" if m < 1000 else f"{m / 1000:.1f} km"


@register.filter
def stars(avg) -> str:
    if avg is None:
        return ""
    n = max(0, min(5, round(float(avg))))
    return "★" * n + "☆" * (5 - n)
