"""Periodic payment work: refunds to submit, stale attempts to close, the daily bill.

submit_refund_task lives beside submit_refund in services/refunds.py (recording a refund
enqueues it); it is named here too so tasks queued under this path still run.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.payments import reconciliation, services
from o2o.payments.services.refunds import submit_refund_task

__all__ = ["close_stale_attempts", "execute_refunds", "reconcile_yesterday", "submit_refund_task"]


@schedule.every(dt.timedelta(seconds=60), name="payments.execute_refunds")
@task()
def execute_refunds() -> int:
    """Pick up voucher refund requests and refunds the gateway has not accepted yet."""
    made = services.execute_voucher_refunds()
    return made + services.submit_pending()


@schedule.every(dt.timedelta(seconds=60), name="payments.close_stale_attempts")
@task()
def close_stale_attempts() -> int:
    """Close at the gateway the unpaid attempts of orders that closed or were paid otherwise."""
    return services.close_stale_attempts()


@schedule.every(dt.timedelta(hours=1), name="payments.reconcile_yesterday")
@task()
def reconcile_yesterday() -> str | None:
    """Once the gateway publishes yesterday's trade bill, match it (until that succeeds)."""
    return reconciliation.reconcile_due()
