"""Ledger settings, read from the environment with defaults (settings.py stays untouched).

Writes nothing. `O2O_SETTLEMENT_DAYS` below 1 (or not a whole number) would settle a
business day while it is still taking redemptions; it is refused: the system check
`o2o.ledger.E001` reports it, and at run time the value is read as 1 with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import checks

log = logging.getLogger(__name__)

MIN_SETTLEMENT_DAYS = 1
_DAYS_VAR = "O2O_SETTLEMENT_DAYS"


def _raw_settlement_days() -> int | None:
    """The configured N, or None when it is not a whole number."""
    try:
        return int(os.environ.get(_DAYS_VAR, "1"))
    except ValueError:
        return None


def settlement_days() -> int:
    """T+N: business day D settles once day D+N-1 has ended (N=1: right after D ends).
    N=0 would settle the day in progress, so anything below 1 is read as 1."""
    days = _raw_settlement_days()
    if days is None or days < MIN_SETTLEMENT_DAYS:
        log.warning("%s=%r would settle a day that has not ended; using %d",
                    _DAYS_VAR, os.environ.get(_DAYS_VAR), MIN_SETTLEMENT_DAYS)
        return MIN_SETTLEMENT_DAYS
    return days


@checks.register("o2o")
def check_settlement_days(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    days = _raw_settlement_days()
    if days is not None and days >= MIN_SETTLEMENT_DAYS:
        return []
    return [checks.Error(
        f"{_DAYS_VAR}={os.environ.get(_DAYS_VAR)!r} would settle a business day before it ends, "
        "and its later entries would be left out of every statement.",
        hint=f"Set {_DAYS_VAR} to a whole number of days, at least {MIN_SETTLEMENT_DAYS}.",
        id="o2o.ledger.E001",
    )]


def business_zone() -> ZoneInfo:
    """Business days are counted in one zone for every merchant (default Asia/Shanghai)."""
    return ZoneInfo(os.environ.get("O2O_LEDGER_TIME_ZONE", "Asia/Shanghai"))


def settlement_grace() -> dt.timedelta:
    """How long after a day ends its entries may still change: a redemption near midnight
    can be reversed within the reversal window, so settlement waits that long too."""
    minutes = int(os.environ.get("O2O_SETTLEMENT_GRACE_MINUTES", "0")) or \
        settings.O2O.get("REDEMPTION_REVERSAL_MINUTES", 30)
    return dt.timedelta(minutes=minutes)


def business_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(business_zone()).date()
