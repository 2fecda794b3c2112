"""The order state machine, payment, cancellation and the unpaid-order sweep.

    goods:    pending_payment -> paid -> shipped -> delivered -> completed
              paid -> ready_for_pickup -> delivered (handed over at the store) -> completed
              paid | ready_for_pickup -> closed (cancelled before shipment, fully refunded)
    services: pending_payment -> paid -> in_use -> completed
              (paid -> completed when every voucher ended unused: refunded or expired)
    both:     pending_payment -> closed (payment window over, or cancelled)

Every change locks the order row (SELECT ... FOR UPDATE), checks the transition
table, and writes the new state with its outbox event in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, connection, transaction

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.inventory import services as inventory
from o2o.merchants.models import Merchant
from o2o.orders.models import Order, OrderKind, OrderLine, OrderStatus, PaymentRecord

log = logging.getLogger(__name__)
S = OrderStatus

TRANSITIONS: dict[str, dict[str, set[str]]] = {
    OrderKind.GOODS: {
        S.PENDING_PAYMENT: {S.PAID, S.CLOSED},
        S.PAID: {S.SHIPPED, S.READY_FOR_PICKUP, S.CLOSED},
        S.READY_FOR_PICKUP: {S.DELIVERED, S.CLOSED},
        S.SHIPPED: {S.DELIVERED},
        S.DELIVERED: {S.COMPLETED},
    },
    OrderKind.SERVICE: {
        S.PENDING_PAYMENT: {S.PAID, S.CLOSED},
        S.PAID: {S.IN_USE, S.COMPLETED},
        S.IN_USE: {S.COMPLETED},
    },
}
_STAMP = {S.PAID: "paid_at", S.SHIPPED: "shipped_at", S.DELIVERED: "delivered_at",
          S.COMPLETED: "completed_at", S.CLOSED: "closed_at"}


def can_transition(order: Order, to: str) -> bool:
    return to in TRANSITIONS.get(order.kind, {}).get(order.status, set())


def _transition(order: Order, to: str, payload: dict | None = None, **fields) -> Order:
    """Move a locked order to `to` or raise Conflict illegal_transition."""
    if not can_transition(order, to):
        raise Conflict(f"An order that is {order.status} cannot become {to}", "illegal_transition",
                       details={"from": order.status, "to": to})
    now = clock.now()
    previous = order.status
    order.status = to
    order.updated_at = now
    if to in _STAMP:
        setattr(order, _STAMP[to], now)
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", "updated_at", *([_STAMP[to]] if to in _STAMP else []), *fields])
    events.emit(f"order.{to}", order, {"from": previous, **(payload or {})},
                merchant_id=order.merchant.public_id)
    return order


def _locked(order_id: int | None = None, *, public_id: str | None = None, skip_locked: bool = False,
            **scope) -> Order | None:
    qs = Order.objects.select_related("merchant")
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    else:
        qs = qs.select_for_update(of=("self",)) if connection.features.has_select_for_update_of \
            else qs.select_for_update()
    if order_id is not None:
        scope["pk"] = order_id
    if public_id is not None:
        if not isinstance(public_id, str):
            return None
        scope["public_id"] = public_id
    return qs.filter(**scope).first()


def lock_order(order_id: int | None = None, *, public_id: str | None = None, **scope) -> Order | None:
    """The order row locked FOR UPDATE (call inside a transaction), or None. For other
    apps (shipping) that move an order along with their own rows."""
    return _locked(order_id, public_id=public_id, **scope)


def transition(order: Order, to: str, payload: dict | None = None, **fields) -> Order:
    """Move an order locked by `lock_order` to `to` with its outbox event, or Conflict
    illegal_transition."""
    return _transition(order, to, payload, **fields)


def _give_back(order: Order) -> None:
    """Release everything an unpaid order holds: stock, seats, quota."""
    lines = list(OrderLine.objects.filter(order=order))
    inventory.release_reservations([ln.pk for ln in lines if ln.kind == "GOODS"])
    for ln in lines:
        if ln.slot_id:
            inventory.release_seat(ln.slot_id, ln.quantity)
        elif ln.quota_taken:
            inventory.release_quota(ln.product_id, ln.quantity)


def _close(order: Order, reason: str) -> Order:
    _give_back(order)
    return _transition(order, S.CLOSED, {"reason": reason}, close_reason=reason)


# --- payment ----------------------------------------------------------------------

def record_payment(order_public_id: str, gateway_txn_id: str, amount_fen: int) -> Order:
    """Apply a gateway payment to an order, once per gateway transaction id.

    pending_payment -> paid: stock reservations are committed and, for service
    orders, vouchers are issued in the same transaction. A repeated notification for
    the same transaction returns the order unchanged. Conflict amount_mismatch when
    the amount is not the order total, order_closed when the order closed first (the
    payments flow refunds it), already_paid for a second transaction.
    """
    if not isinstance(gateway_txn_id, str) or not 1 <= len(gateway_txn_id) <= 64:
        raise ValidationFailed("gateway_txn_id must be 1-64 characters", "invalid_txn_id")
    if not isinstance(amount_fen, int) or amount_fen < 0:
        raise ValidationFailed("amount_fen must be a non-negative integer", "invalid_amount")
    with transaction.atomic():
        order = _locked(public_id=order_public_id)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        # Under the order lock, a record of this txn means it was applied already.
        seen = PaymentRecord.objects.filter(gateway_txn_id=gateway_txn_id).first()
        if seen is not None:
            if seen.order_id != order.pk:
                raise Conflict("This transaction paid another order", "txn_reused")
            return order
        if order.status == S.CLOSED:
            raise Conflict("The order closed before the payment arrived", "order_closed")
        if order.status != S.PENDING_PAYMENT:
            raise Conflict("The order is already paid", "already_paid")
        if amount_fen != order.total_fen:
            raise Conflict(f"Paid {amount_fen} fen, the order is {order.total_fen} fen",
                           "amount_mismatch", details={"expected": order.total_fen, "paid": amount_fen})
        try:
            with transaction.atomic():
                PaymentRecord.objects.create(order=order, gateway_txn_id=gateway_txn_id,
                                             amount_fen=amount_fen, recorded_at=clock.now())
        except IntegrityError as exc:  # the txn id was recorded for another order meanwhile
            raise Conflict("This transaction paid another order", "txn_reused") from exc
        lines = list(OrderLine.objects.filter(order=order))
        inventory.commit_reservations([ln.pk for ln in lines if ln.kind == "GOODS"])
        _transition(order, S.PAID, {"gateway_txn_id": gateway_txn_id, "amount_fen": amount_fen},
                    gateway_txn_id=gateway_txn_id, paid_amount_fen=amount_fen)
        if any(ln.kind == "SERVICE" for ln in lines):
            # Imported here: vouchers depends on orders. A missing module must fail the
            # payment (and roll it back), never mark a service order paid without vouchers.
            from o2o.vouchers.services import issue_for_order

            issue_for_order(order)
    return order


# --- transitions called by vouchers and shipping -----------------------------------

def note_redemption(order: Order) -> None:
    """A voucher of the order was redeemed: paid -> in_use (no-op when already in use)."""
    with transaction.atomic():
        locked = _locked(order.pk)
        if locked is None:
            raise NotFound("No such order", "order_not_found")
        if locked.status != S.IN_USE:
            _transition(locked, S.IN_USE)
        order.status = locked.status


def note_vouchers_finished(order: Order) -> None:
    """No voucher of the order is usable any more: paid|in_use -> completed."""
    with transaction.atomic():
        locked = _locked(order.pk)
        if locked is None:
            raise NotFound("No such order", "order_not_found")
        if locked.status != S.COMPLETED:
            _transition(locked, S.COMPLETED)
        order.status = locked.status


def _merchant_transition(merchant: Merchant, order_public_id: str, to: str, **fields) -> Order:
    with transaction.atomic():
        order = _locked(public_id=order_public_id, merchant=merchant)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        return _transition(order, to, **fields)


def mark_shipped(merchant: Merchant, order_public_id: str) -> Order:
    return _merchant_transition(merchant, order_public_id, S.SHIPPED)


def mark_delivered(merchant: Merchant, order_public_id: str) -> Order:
    return _merchant_transition(merchant, order_public_id, S.DELIVERED)


def confirm_received(customer, order_public_id: str) -> Order:
    """The customer confirms a delivered goods order: delivered -> completed."""
    with transaction.atomic():
        order = _locked(public_id=order_public_id, customer=customer)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        return _transition(order, S.COMPLETED)


# --- closing unpaid orders ---------------------------------------------------------

def cancel_order(customer, order_public_id: str) -> Order:
    """The customer cancels an unpaid order; stock and seats go back."""
    with transaction.atomic():
        order = _locked(public_id=order_public_id, customer=customer)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        return _close(order, "cancelled")


def close_expired_orders(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Close pending orders whose payment window is over. Each order in its own
    transaction, locked with SKIP LOCKED so several workers share the work and a
    payment being recorded right now is never overtaken. Returns how many closed."""
    now = now or clock.now()
    candidates = list(Order.objects.filter(status=S.PENDING_PAYMENT, payment_deadline__lte=now)
                      .order_by("payment_deadline").values_list("pk", flat=True)[:limit])
    closed = 0
    for pk in candidates:
        try:
            with transaction.atomic():
                order = _locked(pk, skip_locked=True, status=S.PENDING_PAYMENT,
                                payment_deadline__lte=now)
                if order is None:  # paid, closed or locked by someone else meanwhile
                    continue
                _close(order, "expired")
                closed += 1
        except Exception:  # one bad order must not stop the sweep
            log.exception("could not close expired order %s", pk)
    return closed
