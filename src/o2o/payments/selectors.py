"""Reads of payments for the API and the operator pages: a payment as its payer or an
operator sees it; payments, refunds, held payments and reconciliation runs for
operators only. No writes. Ids outside the scope are 404 (`payment_not_found`,
`held_payment_not_found`, `reconciliation_not_found`, `difference_not_found`), and a
caller who is not an operator gets 403 `operator_role_required`."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from o2o.accounts.models import Role
from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.merchants.access import require_operator
from o2o.orders.models import Order
from o2o.payments.models import (
    HeldPayment,
    HeldStatus,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
    ReconciliationRun,
    Refund,
)

DIFFERENCE_JOINS = ("run", "payment", "refund", "resolved_by")


def _by_status(qs: QuerySet, status: str | None) -> QuerySet:
    return qs.filter(status=status) if status else qs


# --- payments and refunds -----------------------------------------------------------------

def payment_for(viewer, payment_id: str) -> Payment:
    """The payer's own payment, or any payment for an operator."""
    qs = Payment.objects.select_related("order")
    if viewer.role != Role.OPERATOR:
        qs = qs.filter(customer=viewer)
    payment = qs.filter(public_id=payment_id).first() if looks_like_id(payment_id, "pay") else None
    if payment is None:
        raise NotFound("No such payment", "payment_not_found")
    return payment


def awaiting_gateway(order: Order) -> bool:
    """A payment of an order the caller already may see (orders.selectors) was started
    and the gateway's word is still awaited."""
    return Payment.objects.filter(order=order, status__in=(PaymentStatus.CREATED, PaymentStatus.PENDING)).exists()


def operator_payments(operator, status: str | None = None) -> QuerySet[Payment]:
    require_operator(operator)
    return _by_status(Payment.objects.select_related("order"), status)


def operator_refunds(operator, status: str | None = None) -> QuerySet[Refund]:
    require_operator(operator)
    return _by_status(Refund.objects.select_related("payment__order"), status)


# --- held payments --------------------------------------------------------------------------

def held_payments(operator, status: str | None = None) -> QuerySet[HeldPayment]:
    """Held payments with their payment, order and merchant joined in."""
    require_operator(operator)
    return _by_status(HeldPayment.objects.select_related("payment__order__merchant"), status)


def held_payment(operator, held_id: str) -> HeldPayment:
    """One held payment with its resolution (and refund) joined in: one query."""
    require_operator(operator)
    held = None
    if looks_like_id(held_id, "hld"):
        held = (HeldPayment.objects.select_related("payment__order", "resolution__refund__payment__order")
                .filter(public_id=held_id).first())
    if held is None:
        raise NotFound("No such held payment", "held_payment_not_found")
    return held


def open_held(operator) -> QuerySet[HeldPayment]:
    """Held payments waiting for a decision, oldest first."""
    return held_payments(operator, HeldStatus.OPEN).order_by("id")


def recently_resolved_held(operator) -> QuerySet[HeldPayment]:
    return held_payments(operator, HeldStatus.RESOLVED).order_by("-resolved_at", "-id")


# --- reconciliation -------------------------------------------------------------------------

def reconciliation_runs(operator, status: str | None = None) -> QuerySet[ReconciliationRun]:
    """Runs, newest business day first."""
    require_operator(operator)
    return _by_status(ReconciliationRun.objects.all(), status)


def reconciliation_run(operator, run_id: str) -> ReconciliationRun:
    run = reconciliation_runs(operator).filter(public_id=run_id).first() if looks_like_id(run_id, "rec") else None
    if run is None:
        raise NotFound("No such reconciliation", "reconciliation_not_found")
    return run


def run_of_day(operator, bill_date: dt.date) -> ReconciliationRun:
    """The run of a business day (a failed bill fetch is recorded on it too)."""
    run = reconciliation_runs(operator).filter(bill_date=bill_date).first()
    if run is None:
        raise NotFound("No reconciliation of that day", "reconciliation_not_found")
    return run


def run_differences(run: ReconciliationRun) -> list[ReconciliationDifference]:
    """The differences of a run the caller already holds, in the order they were found."""
    return list(run.differences.select_related(*DIFFERENCE_JOINS).order_by("id"))


def differences(operator, *, resolved: bool | None = None, kind: str | None = None) -> QuerySet[ReconciliationDifference]:
    require_operator(operator)
    qs = ReconciliationDifference.objects.select_related(*DIFFERENCE_JOINS)
    if resolved is not None:
        qs = qs.filter(resolved_at__isnull=not resolved)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def difference(operator, difference_id: str) -> ReconciliationDifference:
    diff = (differences(operator).filter(public_id=difference_id).first()
            if looks_like_id(difference_id, "rcd") else None)
    if diff is None:
        raise NotFound("No such difference", "difference_not_found")
    return diff
