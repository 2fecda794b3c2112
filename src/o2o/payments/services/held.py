"""Held payments: money the gateway took whose amount did not match the attempt, so it
credited nothing. An operator gives it back (a refund through the gateway) or dismisses
it with a note (settled some other way).

Writes payments.HeldPayment, HeldResolution and Refund (the give-back, submitted by
refunds.submit_refund_task after commit), with the held_payment.* and refund.created
outbox events. Which refunds count as held ones is services/held_rule.py.
Error codes: operator_role_required (403), held_payment_not_found (404),
already_resolved, nothing_to_refund (409), note_too_long, note_required (422).
"""

from __future__ import annotations

from django.db import transaction

from o2o.accounts.models import Role
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.payments.models import (
    HeldAction,
    HeldPayment,
    HeldResolution,
    HeldStatus,
    Refund,
    RefundSource,
)
from o2o.payments.services.refunds import new_out_refund_no, submit_refund_task


def _operator(user) -> None:
    if user is None or getattr(user, "role", None) != Role.OPERATOR:
        raise PermissionDenied("This needs a platform operator", "operator_role_required")


def _open_held(held_public_id: str) -> HeldPayment:
    """The held payment, locked; inside a transaction. 409 unless it is still open."""
    if not looks_like_id(held_public_id, "hld"):
        raise NotFound("No such held payment", "held_payment_not_found")
    held = (HeldPayment.objects.select_for_update(of=("self",)).select_related("payment__order__merchant")
            .filter(public_id=held_public_id).first())
    if held is None:
        raise NotFound("No such held payment", "held_payment_not_found")
    if held.status != HeldStatus.OPEN:
        raise Conflict("This held payment is already resolved", "already_resolved")
    return held


def _emit(held: HeldPayment, event_type: str, payload: dict) -> None:
    p = held.payment
    events.emit(event_type, held, {"payment": p.public_id, "order": p.order.public_id,
                                   "transaction_id": held.transaction_id, "expected_fen": held.expected_fen,
                                   "received_fen": held.received_fen, **payload},
                merchant_id=p.order.merchant.public_id)


def _close(held: HeldPayment, operator, action: str, note: str, refund: Refund | None) -> None:
    now = clock.now()
    held.status, held.resolved_at, held.note = HeldStatus.RESOLVED, now, note[:300]
    held.save(update_fields=["status", "resolved_at", "note"])
    HeldResolution.objects.create(held=held, action=action, operator=operator, note=note[:300], refund=refund,
                                  created_at=now)


def refund_held_payment(operator, held_public_id: str, note: str = "") -> Refund:
    """Give the held money back to the payer: a refund of what the gateway received, on the
    held transaction's trade number, submitted to the gateway after commit (and retried by
    the refund task). The Refund has source "operator" and source_ref = the held payment's
    id; the money was never credited, so the ledger must not take it out of held funds."""
    _operator(operator)
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed("The note is at most 300 characters", "note_too_long")
    with transaction.atomic():
        held = _open_held(held_public_id)
        if held.received_fen < 1:
            raise Conflict("Nothing was received: dismiss it instead", "nothing_to_refund")
        now = clock.now()
        refund = Refund.objects.create(
            payment=held.payment, out_refund_no=new_out_refund_no(), amount_fen=held.received_fen,
            currency=held.payment.currency, reason="支付金额不符，原路退回", source=RefundSource.OPERATOR,
            source_ref=held.public_id, created_at=now, updated_at=now)
        _close(held, operator, HeldAction.REFUND, note, refund)
        events.emit("refund.created", refund, {
            "payment": held.payment.public_id, "order": held.payment.order.public_id,
            "amount_fen": refund.amount_fen, "out_refund_no": refund.out_refund_no, "source": refund.source,
            "source_ref": refund.source_ref, "held": True}, merchant_id=held.payment.order.merchant.public_id)
        _emit(held, "held_payment.refunded", {"refund": refund.public_id, "operator": operator.public_id,
                                              "note": note})
        transaction.on_commit(lambda: submit_refund_task.enqueue(refund.public_id))
    return refund


def dismiss_held_payment(operator, held_public_id: str, note: str) -> HeldPayment:
    """Close a held payment without moving money (settled outside the gateway); a note is required."""
    _operator(operator)
    note = (note or "").strip()
    if not note or len(note) > 300:
        raise ValidationFailed("A note of 1-300 characters is required", "note_required")
    with transaction.atomic():
        held = _open_held(held_public_id)
        _close(held, operator, HeldAction.DISMISS, note, None)
        _emit(held, "held_payment.dismissed", {"operator": operator.public_id, "note": note})
    return held
