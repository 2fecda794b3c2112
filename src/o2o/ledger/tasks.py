"""Periodic ledger work: settle the days that are due (registered by core's autodiscovery)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.ledger import services


@schedule.every(dt.timedelta(minutes=15), name="ledger.settle_due")
@task()
def settle_due() -> int:
    """Settle each merchant's recognized entries of the days that are due (T+N)."""
    return len(services.settle_due())
