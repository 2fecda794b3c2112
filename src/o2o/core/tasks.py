from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task

from o2o.core import events, schedule


@schedule.every(dt.timedelta(seconds=settings.O2O["OUTBOX_RELAY_SECONDS"]), name="core.relay_outbox")
@task()
def relay_outbox() -> int:
    """Hand new domain events to their subscribers (webhooks, notifications, analytics)."""
    return events.relay()
