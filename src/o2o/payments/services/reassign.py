"""Payments of one customer account handed to another (account merging in o2o.identity).
Writes: payments.Payment (customer, payer_openid, client_ip). Joins the caller's transaction. Error codes: none."""

from __future__ import annotations

from django.db import transaction

from o2o.payments.models import Payment


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    with transaction.atomic():
        payments = Payment.objects.filter(customer_id=from_user_id).update(customer_id=to_user_id)
    return {"payments": payments}


def forget_payer(customer_id: int) -> int:
    """Blank the WeChat OpenID and client address kept on a deleted customer's payments
    (amounts, states and gateway ids stay for reconciliation)."""
    with transaction.atomic():
        return Payment.objects.filter(customer_id=customer_id).update(payer_openid="", client_ip="")
