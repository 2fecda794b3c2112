"""Refunds through the gateway: voucher refund requests, goods orders (the customer's
cancel before shipment, after-sales), automatic refunds of payments that arrived for
closed orders. Never more than paid minus already refunded. Writes Refund rows and
their outbox events.

Lock order: the order row (orders.lock_order), then the payment row.

Error codes: invalid_amount 422; refund_not_found, order_not_found 404;
not_refundable, refund_exceeds_paid 409; use_cancel_or_after_sales and
use_voucher_refund 409 (a customer never refunds an order directly).
"""

from __future__ import annotations

import logging
import secrets
from typing import NoReturn

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django_tasks import task

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderKind, OrderStatus
from o2o.payments.models import Payment, PaymentStatus, Refund, RefundSource, RefundStatus
from o2o.payments.providers import GatewayError, RefundRequest, get_gateway
from o2o.payments.services.held_rule import held_refund_total
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import VoucherRefund

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20


def new_out_refund_no() -> str:
    return "R" + clock.now().strftime("%Y%m%d") + secrets.token_hex(10).upper()


def _emit(refund: Refund, event_type: str, payload: dict | None = None) -> None:
    p = refund.payment
    events.emit(event_type, refund, {
        "payment": p.public_id, "order": p.order.public_id, "amount_fen": refund.amount_fen,
        "out_refund_no": refund.out_refund_no, "source": refund.source, "source_ref": refund.source_ref,
        **(payload or {})}, merchant_id=p.order.merchant.public_id)


def refundable_fen(payment: Payment) -> int:
    """Paid minus what is refunded or being refunded."""
    taken = (payment.refunds.filter(status__in=(RefundStatus.PROCESSING, RefundStatus.SUCCEEDED))
             .aggregate(s=Sum("amount_fen"))["s"] or 0)
    return payment.amount_fen - taken if payment.status == PaymentStatus.SUCCEEDED else 0


def create_refund(payment: Payment, amount_fen: int, *, reason: str, source: str,
                  source_ref: str = "") -> Refund:
    """Record a refund of a succeeded payment (processing); a task submits it to the
    gateway after commit. Idempotent per (source, source_ref)."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen < 1:
        raise ValidationFailed("amount_fen must be a positive integer", "invalid_amount")
    with transaction.atomic():
        payment = Payment.objects.select_for_update(of=("self",)).select_related("order__merchant") \
            .get(pk=payment.pk)
        if source_ref:
            same = Refund.objects.filter(source=source, source_ref=source_ref).first()
            if same is not None:
                return same
        if payment.status != PaymentStatus.SUCCEEDED:
            raise Conflict("Only a succeeded payment can be refunded", "not_refundable")
        left = refundable_fen(payment)
        if amount_fen > left:
            raise Conflict(f"At most {left} fen is left to refund", "refund_exceeds_paid",
                           details={"refundable_fen": left, "asked_fen": amount_fen})
        now = clock.now()
        refund = Refund.objects.create(payment=payment, out_refund_no=new_out_refund_no(),
                                       amount_fen=amount_fen, currency=payment.currency,
                                       reason=(reason or "")[:80], source=source, source_ref=source_ref,
                                       created_at=now, updated_at=now)
        _emit(refund, "refund.created")
        transaction.on_commit(lambda: submit_refund_task.enqueue(refund.public_id))
    return refund


def submit_refund(refund_public_id: str) -> Refund:
    """Send a processing refund to the gateway (safe to repeat: the gateway answers the same
    out_refund_no with the same refund). Its outcome comes by notification or query."""
    refund = Refund.objects.select_related("payment__order__merchant").filter(public_id=refund_public_id).first()
    if refund is None:
        raise NotFound("No such refund", "refund_not_found")
    if refund.status != RefundStatus.PROCESSING or refund.submitted_at is not None:
        return refund
    p = refund.payment
    # A held payment's transaction carries what the gateway received, not the attempt's amount.
    total_fen = held_refund_total(refund) or p.amount_fen
    try:
        answer = get_gateway().refund(RefundRequest(
            out_trade_no=p.out_trade_no, out_refund_no=refund.out_refund_no, amount_fen=refund.amount_fen,
            total_fen=total_fen, reason=refund.reason, currency=refund.currency))
    except GatewayError as exc:
        with transaction.atomic():
            attempts = refund.attempts + 1
            final = exc.status is not None and 400 <= exc.status < 500 and exc.code != "SYSTEM_ERROR"
            fields = {"attempts": attempts, "last_error": str(exc)[:300], "updated_at": clock.now()}
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING).update(**fields)
        if final or attempts >= MAX_ATTEMPTS:
            settle_refund(refund.out_refund_no, "ABNORMAL", error=str(exc)[:300])
        return Refund.objects.get(pk=refund.pk)
    with transaction.atomic():
        Refund.objects.filter(pk=refund.pk, submitted_at__isnull=True).update(
            submitted_at=clock.now(), refund_id=str(answer.get("refund_id", "")),
            gateway_status=str(answer.get("status", "")), attempts=refund.attempts + 1,
            last_error="", updated_at=clock.now())
    if answer.get("status") in ("SUCCESS", "CLOSED", "ABNORMAL"):
        settle_refund(refund.out_refund_no, str(answer["status"]), refund_id=str(answer.get("refund_id", "")))
    return Refund.objects.get(pk=refund.pk)


# Defined beside submit_refund, which it runs, so that recording a refund can enqueue it
# without importing o2o.payments.tasks (which imports these services).
@task()
def submit_refund_task(refund_public_id: str) -> str:
    """Send one refund to the gateway right after it was recorded."""
    return submit_refund(refund_public_id).status


def settle_refund(out_refund_no: str, gateway_status: str, *, refund_id: str = "", error: str = "") -> Refund:
    """Apply the gateway's outcome once: SUCCESS -> succeeded; CLOSED/ABNORMAL -> failed."""
    with transaction.atomic():
        refund = (Refund.objects.select_for_update(of=("self",)).select_related("payment__order__merchant")
                  .filter(out_refund_no=out_refund_no).first())
        if refund is None:
            raise NotFound("No such refund", "refund_not_found")
        if refund.status != RefundStatus.PROCESSING or gateway_status not in ("SUCCESS", "CLOSED", "ABNORMAL"):
            return refund
        now = clock.now()
        refund.status = RefundStatus.SUCCEEDED if gateway_status == "SUCCESS" else RefundStatus.FAILED
        refund.gateway_status = gateway_status
        refund.refund_id = refund_id or refund.refund_id
        refund.succeeded_at = now if refund.status == RefundStatus.SUCCEEDED else None
        refund.last_error = error or refund.last_error
        refund.updated_at = now
        refund.save(update_fields=["status", "gateway_status", "refund_id", "succeeded_at", "last_error",
                                   "updated_at"])
        _emit(refund, f"refund.{refund.status}")
        if refund.status == RefundStatus.SUCCEEDED:  # the order shows refunded money with the refund
            orders.note_refund(refund.payment.order_id, refund.amount_fen)
        _tell_source(refund)
    return refund


def _tell_source(refund: Refund) -> None:
    """Let the vouchers app record the outcome of its refund request, if it offers a hook."""
    if refund.source != RefundSource.VOUCHER:
        return
    _tell_voucher(refund.source_ref, refund.status)


def _tell_voucher(voucher_refund_public_id: str, status: str) -> None:
    vouchers.note_refund_result(voucher_refund_public_id, status)


# --- what asks for refunds ------------------------------------------------------------------

def paid_payment(order: Order) -> Payment | None:
    """The attempt that paid the order."""
    if not order.gateway_txn_id:
        return None
    return Payment.objects.filter(order=order, transaction_id=order.gateway_txn_id,
                                  status=PaymentStatus.SUCCEEDED).first()


def execute_voucher_refunds(limit: int = 100) -> int:
    """Turn voucher refund requests (status requested) into gateway refunds, once each."""
    taken = Refund.objects.filter(source=RefundSource.VOUCHER).values("source_ref")
    pending = list(VoucherRefund.objects.filter(status="requested", amount_fen__gt=0)
                   .exclude(public_id__in=taken).select_related("order").order_by("id")[:limit])
    made = 0
    for vr in pending:
        payment = paid_payment(vr.order)
        if payment is None:
            log.warning("voucher refund %s: no gateway payment for order %s", vr.public_id, vr.order.public_id)
            continue
        try:
            with transaction.atomic():
                create_refund(payment, vr.amount_fen, reason=(vr.reason or "团购券退款")[:80],
                              source=RefundSource.VOUCHER, source_ref=vr.public_id)
                _tell_voucher(vr.public_id, "processing")
            made += 1
        except IntegrityError:  # another worker took it
            continue
        except Conflict:
            log.exception("voucher refund %s cannot be executed", vr.public_id)
    return made


def refund_order(order: Order, amount_fen: int, *, reason: str = "", source_ref: str = "") -> Refund:
    """Refund (part of) a goods order that has not shipped: the building block of the
    customer's cancel (shipping's canceller), never a customer's path of its own.

    Locks the order row first, then the payment row (create_refund): the same order as
    shipping's parcel creation and every after-sales step, so a refund and a shipment
    of one order run one after the other, and the state is read again under the lock.
    `source_ref` makes a retry of the same request return the same refund."""
    with transaction.atomic():
        locked = orders.lock_order(order.pk)
        if locked is None or locked.kind != OrderKind.GOODS or \
                locked.status not in (OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP):
            raise Conflict("Only a paid goods order that has not shipped is refunded here", "not_refundable")
        payment = paid_payment(locked)
        if payment is None:
            raise Conflict("The order has no gateway payment", "not_refundable")
        return create_refund(payment, amount_fen, reason=reason or "商品退款", source=RefundSource.ORDER,
                             source_ref=source_ref)


def refund_order_for_customer(customer, order_public_id: str) -> NoReturn:
    """A customer does not refund an order directly (POST /orders/{id}/refunds): a paid
    goods order is cancelled before it leaves (full refund at once, restocked) and goes
    through after-sales once delivered; a service order's vouchers are refunded one by
    one. Always raises: NotFound order_not_found for someone else's order, else
    Conflict use_cancel_or_after_sales (goods) or use_voucher_refund (services), with
    the path to use in `details`."""
    order = (Order.objects.filter(public_id=order_public_id, customer=customer).first()
             if looks_like_id(order_public_id, "ord") else None)
    if order is None:
        raise NotFound("No such order", "order_not_found")
    if order.kind == OrderKind.SERVICE:
        raise Conflict("Refund the order's vouchers instead", "use_voucher_refund",
                       details={"path": "/api/v1/vouchers/{voucher_id}/refund"})
    way = {OrderStatus.PENDING_PAYMENT: "cancel", OrderStatus.PAID: "cancel", OrderStatus.READY_FOR_PICKUP: "cancel",
           OrderStatus.DELIVERED: "after-sales", OrderStatus.COMPLETED: "after-sales"}.get(order.status)
    raise Conflict("Cancel the order before it ships (refunded in full at once), or ask for an after-sales "
                   "refund once it is delivered", "use_cancel_or_after_sales",
                   details={"status": order.status,
                            "path": f"/api/v1/orders/{order.public_id}/{way}" if way else None})


def submit_pending(limit: int = 100) -> int:
    """Submit processing refunds not yet accepted by the gateway (after a crash or an error)."""
    ids = list(Refund.objects.filter(status=RefundStatus.PROCESSING, submitted_at__isnull=True)
               .order_by("id").values_list("public_id", flat=True)[:limit])
    for pid in ids:
        submit_refund(pid)
    return len(ids)
