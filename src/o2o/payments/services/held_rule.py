"""The held-refund rule: which refunds give back money of a held payment.

A held payment is money the gateway took whose amount did not match its attempt, so it
credited no order and never entered the ledger's held funds. Its refund (made by an
operator in services/held.py) therefore must not leave held funds either, and is sent
to the gateway against what the gateway received. Refund submission (services/refunds.py)
and the ledger both ask this module; nothing else restates the rule.

Reads only; writes nothing and raises no domain errors.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from o2o.core.ids import looks_like_id
from o2o.payments.models import HeldPayment, Refund, RefundSource

HELD_ID_PREFIX = "hld"


def is_held_refund(refund: Refund) -> bool:
    """True for the refund of a held payment (source operator, source_ref a held payment id)."""
    return refund.source == RefundSource.OPERATOR and looks_like_id(refund.source_ref, HELD_ID_PREFIX)


def held_refund_total(refund: Refund) -> int | None:
    """For a refund of a held payment: the transaction's total at the gateway (what it
    received, not what the attempt asked for). None for any other refund."""
    if not is_held_refund(refund):
        return None
    held = HeldPayment.objects.filter(public_id=refund.source_ref).first()
    return held.received_fen if held is not None else None


def refunds_out_of_held_funds() -> QuerySet[Refund]:
    """Every refund except those of held payments: the ones that take money out of the
    ledger's customer funds held (is_held_refund as a query)."""
    held = Q(source=RefundSource.OPERATOR, source_ref__startswith=f"{HELD_ID_PREFIX}_")
    return Refund.objects.exclude(held)
