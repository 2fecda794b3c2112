from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule


@schedule.every(dt.timedelta(minutes=15), name="ledger.settle_due")
@task()
def settle_due() -> int:
    """Settle each merchant's recognized entries of the days that are due (T+N)."""
    from o2o.ledger.services import settle_due as settle

    return len(settle())
