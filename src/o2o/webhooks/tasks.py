"""Background delivery of webhooks: a periodic pass for retries, and a kick after new
deliveries were made (registered by core's autodiscovery). Writes through delivery.py."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django_tasks import task

from o2o.core import schedule
from o2o.webhooks import delivery


@schedule.every(dt.timedelta(seconds=5), name="webhooks.deliver_due")
@task()
def deliver_due() -> int:
    """Post due deliveries (new ones and retries whose back-off ran out), for at most 20 s
    so the worker's other tasks are not held up by a backlog; the next pass goes on."""
    return delivery.deliver_due(max_seconds=20).posted


def _enqueue() -> None:
    deliver_due.enqueue()


def kick() -> None:
    """Enqueue one delivery pass after the current transaction commits (once per
    transaction however many deliveries it made; the periodic pass is the safety net)."""
    if any(callback is _enqueue for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue)
