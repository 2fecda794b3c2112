"""The outbox events of a payment attempt (payment.created, .pending, .succeeded, .held,
.closed, .failed), written in the caller's transaction with one payload shape.

Shared by the attempt services and the notification services, so neither imports the
other's internals. Writes core.OutboxEvent rows only; raises no domain errors.
"""

from __future__ import annotations

from o2o.core import events
from o2o.payments.models import Payment


def emit_payment_event(payment: Payment, event_type: str, payload: dict | None = None) -> None:
    """Record `event_type` for `payment` (its order and merchant loaded) in the outbox."""
    events.emit(event_type, payment, {"order": payment.order.public_id, "out_trade_no": payment.out_trade_no,
                                      "amount_fen": payment.amount_fen, "channel": payment.channel,
                                      **(payload or {})},
                merchant_id=payment.order.merchant.public_id)
