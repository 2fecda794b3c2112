from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.inventory import services

#: How far ahead bookable slots exist; the task keeps the horizon rolling forward.
SLOT_HORIZON_DAYS = 14


@schedule.every(dt.timedelta(hours=1), name="inventory.extend_slots")
@task()
def extend_slots() -> int:
    """Generate the slots of every active weekly schedule up to the horizon (idempotent)."""
    return services.extend_all_schedules(SLOT_HORIZON_DAYS)
