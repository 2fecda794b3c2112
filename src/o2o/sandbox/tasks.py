from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.sandbox import services


@task()
def deliver_notification(notification_id: int) -> bool | None:
    """First delivery right after the gateway's transaction commits."""
    return services.deliver(notification_id)


@schedule.every(dt.timedelta(seconds=15), name="sandbox.deliver_due")
@task()
def deliver_due_notifications() -> int:
    """Retries: every notification whose persisted next attempt time has come."""
    return services.deliver_due()
