from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.orders import services


@schedule.every(dt.timedelta(seconds=30), name="orders.close_expired")
@task()
def close_expired() -> int:
    """Close unpaid orders whose payment window is over, giving back stock and seats."""
    return services.close_expired_orders()
