"""Sandbox notification delivery: retries on a schedule (registered by core's
autodiscovery of tasks modules). deliver_notification, the first attempt, lives beside
deliver in services.py; it is named here too so tasks queued under this path still run."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.sandbox import services
from o2o.sandbox.services import deliver_notification

__all__ = ["deliver_due_notifications", "deliver_notification"]


@schedule.every(dt.timedelta(seconds=15), name="sandbox.deliver_due")
@task()
def deliver_due_notifications() -> int:
    """Retries: every notification whose persisted next attempt time has come."""
    return services.deliver_due()
