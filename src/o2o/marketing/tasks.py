"""Periodic marketing work (registered by core's autodiscovery of tasks modules)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.marketing import services


@schedule.every(dt.timedelta(minutes=5), name="marketing.expire_coupons")
@task()
def expire_coupons() -> int:
    """Claimed coupons past their validity become expired."""
    return services.expire_due()
