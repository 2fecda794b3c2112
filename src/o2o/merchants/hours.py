"""Store opening hours: validation of the stored format and "is it open now?".

Format (store-local times): {"mon": [["10:00", "22:00"]], "fri": [["18:00", "02:00"]], ...}.
Day keys are mon..sun; a missing key or an empty list means closed that day. A range
whose end is earlier than its start runs past midnight into the next day; "24:00" is
accepted as an end meaning midnight.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Any

from o2o.core.errors import ValidationFailed

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RANGES_PER_DAY = 6
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _minutes(value: Any, *, is_end: bool) -> int:
    if is_end and value == "24:00":
        return 24 * 60
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValidationFailed(f"opening hours times must be HH:MM, not {value!r}"[:200],
                               "invalid_opening_hours")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def normalize_opening_hours(value: Any) -> dict[str, list[list[str]]]:
    """Validate opening hours and return them with days in week order.

    Raises ValidationFailed(code="invalid_opening_hours") on anything else.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed("opening hours must be an object keyed by day", "invalid_opening_hours")
    unknown = set(value) - set(DAYS)
    if unknown:
        raise ValidationFailed(f"unknown day keys: {sorted(map(str, unknown))}"[:200],
                               "invalid_opening_hours")
    result: dict[str, list[list[str]]] = {}
    for day in DAYS:
        if day not in value:
            continue
        ranges = value[day]
        if not isinstance(ranges, list) or len(ranges) > MAX_RANGES_PER_DAY:
            raise ValidationFailed(f"{day}: a list of at most {MAX_RANGES_PER_DAY} [start, end] pairs",
                                   "invalid_opening_hours")
        spans: list[tuple[int, int]] = []
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValidationFailed(f"{day}: each range is a [start, end] pair",
                                       "invalid_opening_hours")
            start = _minutes(pair[0], is_end=False)
            end = _minutes(pair[1], is_end=True)
            if start == end:
                raise ValidationFailed(f"{day}: a range must not be empty", "invalid_opening_hours")
            # Same-day minutes covered: an overnight range covers start..24:00 today.
            spans.append((start, end if end > start else 24 * 60))
        spans.sort()
        for (_, prev_end), (next_start, _) in zip(spans, spans[1:], strict=False):
            if next_start < prev_end:
                raise ValidationFailed(f"{day}: ranges overlap", "invalid_opening_hours")
        result[day] = [[str(p[0]), str(p[1])] for p in ranges]
    return result


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(name: Any) -> str:
    if not isinstance(name, str) or name not in _zone_names():
        raise ValidationFailed("time_zone must be an IANA time zone name such as Asia/Shanghai",
                               "invalid_time_zone")
    return name


def is_open_at(store: Any, when: dt.datetime) -> bool:
    """Whether `store` is open at the aware datetime `when`, in the store's own time zone."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("is_open_at needs an aware datetime")
    local = when.astimezone(zoneinfo.ZoneInfo(store.time_zone))
    minute = local.hour * 60 + local.minute
    hours = store.opening_hours or {}
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    for start_s, end_s in hours.get(today, []):
        start, end = _minutes(start_s, is_end=False), _minutes(end_s, is_end=True)
        if (start < end and start <= minute < end) or (start > end and minute >= start):
            return True
    for start_s, end_s in hours.get(yesterday, []):
        start, end = _minutes(start_s, is_end=False), _minutes(end_s, is_end=True)
        if start > end and minute < end:  # the tail of last night's overnight range
            return True
    return False
