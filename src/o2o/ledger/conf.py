"""Ledger settings, read from the environment with defaults (settings.py stays untouched)."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from django.conf import settings


def settlement_days() -> int:
    """T+N: a business day's recognized amounts settle N days after it ends (default 1)."""
    return max(0, int(os.environ.get("O2O_SETTLEMENT_DAYS", "1")))


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
