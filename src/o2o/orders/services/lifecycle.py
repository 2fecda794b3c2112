"""The order state machine: payment, cancellation, completion, the unpaid-order sweep.

    goods:    pending_payment -> paid -> shipped -> delivered -> completed
              paid -> ready_for_pickup -> delivered (handed over at the store) -> completed
              paid | ready_for_pickup -> closed, only with the refund that pays it back
    services: pending_payment -> paid -> in_use -> completed
              (paid -> completed when every voucher ended unused: refunded or expired;
              completed -> in_use | paid and in_use -> paid when a redemption is reversed)
    both:     pending_payment -> closed (payment window over, or cancelled)

Every change locks the order row (SELECT ... FOR UPDATE), checks the transition
table, and writes the new state with its outbox event (`order.<state>`, or
`order.reopened` for a move back after a reversal) in one transaction.

This module owns every end state. `cancel_order` is the one customer cancel: an
unpaid order closes and gives its stock, seats and coupons back; a paid goods order that has
not left is refunded and restocked by the canceller shipping registered in
orders.services.hooks (orders cannot import shipping or payments, which sit above
it), and only then closed with that refund's id. Vouchers are issued through the
on_paid hook the vouchers app registers. Coupons follow the order through marketing
(below orders): used when it is paid, back in the wallet when it closes unpaid or is
cancelled before it ships; once refunded in full after that (refunds_state), only when
their template returns coupons on refund. Apps above orders
move an order along with `lock_order` + `transition` inside their own transaction.

Error codes: order_not_found 404; illegal_transition 409, refund_required 409 (a
paid order closed without its refund), order_closed, already_paid, amount_mismatch,
txn_reused 409; invalid_txn_id, invalid_amount 422.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, connection, transaction

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.inventory import services as inventory
from o2o.marketing import services as marketing
from o2o.orders.models import Order, OrderKind, OrderLine, OrderStatus, PaymentRecord
from o2o.orders.services import hooks

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
        S.IN_USE: {S.COMPLETED, S.PAID},
        S.COMPLETED: {S.IN_USE, S.PAID},
    },
}
# Money was taken: closing needs the refund that gives it back.
REFUND_REQUIRED = {(S.PAID, S.CLOSED), (S.READY_FOR_PICKUP, S.CLOSED)}
# Moves back after a redemption was reversed: one event type of their own, so that
# subscribers of order.paid (receipts, sales counts) never see a second payment.
REOPENING = {(S.COMPLETED, S.IN_USE), (S.COMPLETED, S.PAID), (S.IN_USE, S.PAID)}
_STAMP = {S.PAID: "paid_at", S.SHIPPED: "shipped_at", S.DELIVERED: "delivered_at",
          S.COMPLETED: "completed_at", S.CLOSED: "closed_at"}


def can_transition(order: Order, to: str) -> bool:
    return to in TRANSITIONS.get(order.kind, {}).get(order.status, set())


def _transition(order: Order, to: str, payload: dict | None = None, *, refund: str | None = None,
                **fields) -> Order:
    """Move a locked order to `to` or raise Conflict illegal_transition (refund_required
    when a paid order would close without the id of the refund that pays it back)."""
    if not can_transition(order, to):
        raise Conflict(f"An order that is {order.status} cannot become {to}", "illegal_transition",
                       details={"from": order.status, "to": to})
    move = (order.status, to)
    if move in REFUND_REQUIRED and not refund:
        raise Conflict("A paid order is closed only together with its refund", "refund_required",
                       details={"from": order.status, "to": to})
    now = clock.now()
    previous = order.status
    order.status = to
    order.updated_at = now
    changed = ["status", "updated_at"]
    if previous == S.COMPLETED:
        fields.setdefault("completed_at", None)  # no longer complete (reopened)
    stamp = _STAMP.get(to)
    if stamp and getattr(order, stamp) is None:  # the first time it got there
        setattr(order, stamp, now)
        changed.append(stamp)
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=list(dict.fromkeys([*changed, *fields])))
    body = {"from": previous, **({"refund": refund} if refund else {}), **(payload or {})}
    if move in REOPENING:
        events.emit("order.reopened", order, {**body, "to": to}, merchant_id=order.merchant.public_id)
    else:
        events.emit(f"order.{to}", order, body, merchant_id=order.merchant.public_id)
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
    illegal_transition. Closing a paid order goes through cancel_order, never here."""
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
    marketing.coupons_released(order.pk)  # back to the wallet (or expired) once no order holds them
    return _transition(order, S.CLOSED, {"reason": reason}, close_reason=reason)


# --- payment ----------------------------------------------------------------------

def has_paid_order(customer_id: int) -> bool:
    """Whether the customer ever paid an order (marketing's new-customer rule asks it
    through marketing.hooks, registered in OrdersConfig.ready)."""
    return Order.objects.filter(customer_id=customer_id, paid_at__isnull=False).exists()


def record_payment(order_public_id: str, gateway_txn_id: str, amount_fen: int) -> Order:
    """Apply a gateway payment to an order, once per gateway transaction id.

    pending_payment -> paid: stock reservations are committed and the on_paid hooks
    run (vouchers of service orders) in the same transaction. A repeated notification for
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
        marketing.coupons_paid(order.pk)  # its reserved coupons are used now
        hooks.run_paid_hooks(order)  # vouchers are issued here; a failure undoes the payment
    return order


# --- transitions called by vouchers and shipping -----------------------------------

def sync_service_order(order: Order, *, usable: bool, used: bool) -> Order:
    """Put a service order (locked by the caller, vouchers app) where its vouchers are:
    completed when none is usable any more, else in_use when a use was taken (and not
    reversed), else paid. A no-op when it is there already."""
    if order.kind != OrderKind.SERVICE:
        raise Conflict("Only a service order follows its vouchers", "illegal_transition",
                       details={"from": order.status})
    target = S.COMPLETED if not usable else S.IN_USE if used else S.PAID
    if used and order.status == S.PAID and target == S.COMPLETED:
        _transition(order, S.IN_USE)  # the last use was the first: it was in use, then done
    if order.status != target:
        _transition(order, target)
    return order


def confirm_received(customer, order_public_id: str) -> Order:
    """The customer confirms a delivered goods order: delivered -> completed."""
    with transaction.atomic():
        order = _locked(public_id=order_public_id, customer=customer)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        return _transition(order, S.COMPLETED)


# --- closing unpaid orders ---------------------------------------------------------

def cancellable(order: Order) -> bool:
    """Whether cancel_order may take this order: unpaid, or paid goods not yet shipped
    (the canceller may still refuse a partly shipped one)."""
    return order.status == S.PENDING_PAYMENT or (
        order.kind == OrderKind.GOODS and order.status in (S.PAID, S.READY_FOR_PICKUP))


def cancel_order(customer, order_public_id: str, reason: str = "") -> Order:
    """The customer cancels an order. Unpaid: closed, its stock and seats go back at once.
    A paid goods order that has not left (paid or ready for pick-up): refunded in full
    and restocked by the registered canceller (shipping), then closed with that refund,
    all in this transaction. Anything else: Conflict illegal_transition (a service
    order's vouchers are refunded one by one; a shipped order goes through after-sales)."""
    if not looks_like_id(order_public_id, "ord"):
        raise NotFound("No such order", "order_not_found")
    with transaction.atomic():
        order = _locked(public_id=order_public_id, customer=customer)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        if order.status == S.PENDING_PAYMENT:
            return _close(order, "cancelled")
        if not cancellable(order):
            raise Conflict(f"An order that is {order.status} cannot be cancelled", "illegal_transition",
                           details={"from": order.status, "to": S.CLOSED})
        paid_back = hooks.cancel_paid(order, reason)
        marketing.coupons_released(order.pk)  # nothing was delivered: the coupons go back
        return _transition(order, S.CLOSED, {"reason": "cancelled", "refund_fen": paid_back.amount_fen},
                           refund=paid_back.refund, close_reason="cancelled")


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
