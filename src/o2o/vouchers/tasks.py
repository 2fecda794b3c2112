"""Periodic voucher work (registered by core's autodiscovery of tasks modules)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.vouchers import services


@schedule.every(dt.timedelta(minutes=5), name="vouchers.expire_due")
@task()
def expire_vouchers() -> int:
    """Expire vouchers past their window; refund their unused uses when the deal says so."""
    return services.expire_due()
