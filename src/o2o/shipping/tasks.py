from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.shipping import services
from o2o.shipping.models import CarrierPush
from o2o.shipping.services.parcels import deliver_push_task

__all__ = ["auto_confirm", "deliver_push_task", "redeliver_pushes"]
MAX_PUSH_ATTEMPTS = 10


@schedule.every(dt.timedelta(minutes=1), name="shipping.redeliver_pushes")
@task()
def redeliver_pushes() -> int:
    """Retry sandbox events whose delivery failed (the webhook was down)."""
    ids = list(CarrierPush.objects.filter(delivered_at__isnull=True, attempts__gte=1,
                                          attempts__lt=MAX_PUSH_ATTEMPTS).values_list("pk", flat=True)[:100])
    return sum(1 for pk in ids if services.deliver_push(pk))


@schedule.every(dt.timedelta(minutes=10), name="shipping.auto_confirm")
@task()
def auto_confirm() -> int:
    """Confirm delivered goods orders nobody confirmed within the confirmation period."""
    return services.auto_confirm_due()
