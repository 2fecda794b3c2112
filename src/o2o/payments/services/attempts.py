"""Payment attempts: prepay through the gateway, and closing attempts that can no longer be paid.

Writes payments.Payment (and its payment.created / .pending / .closed outbox events).
Error codes: invalid_channel, openid_required, invalid_idempotency_key,
idempotency_key_reused (422); order_not_found, payment_not_found (404); not_payable,
payment_window_over, orderpaid, order_closed (409); gateway_error (502: the gateway
refused or answered badly); gateway_unavailable (503 with Retry-After: the gateway could
not be reached within WECHATPAY_TIMEOUT_SECONDS; retrying the same call is safe).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from o2o.core import clock
from o2o.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.orders.models import Order, OrderStatus
from o2o.payments.models import Channel, Payment, PaymentStatus
from o2o.payments.providers import GatewayError, PrepayRequest, get_gateway
from o2o.payments.services.notifications import apply_transaction
from o2o.payments.services.payment_events import emit_payment_event

log = logging.getLogger(__name__)
LIVE = (PaymentStatus.CREATED, PaymentStatus.PENDING)


class GatewayUnavailable(DomainError):
    status = 502
    code = "gateway_error"


class GatewayUnreachable(GatewayUnavailable):
    """No answer in time: the attempt stands, and a retry asks the gateway again."""

    status = 503
    code = "gateway_unavailable"
    retry_after = 5


@dataclass
class PrepayView:
    payment: Payment
    invoke: dict[str, str] = field(default_factory=dict)  # JSAPI wallet parameters
    cashier_url: str = ""  # sandbox only: where a person pays


def new_out_trade_no() -> str:
    """A payment-attempt number (not the order id): 'P' + date + 16 random characters."""
    return "P" + clock.now().strftime("%Y%m%d") + secrets.token_hex(8).upper()


def _description(order: Order) -> str:
    first = order.lines.order_by("id").first()
    title = first.title if first else order.public_id
    more = order.lines.count() - 1
    text = f"{order.merchant.name} - {title}" + (f" +{more}" if more > 0 else "")
    return text[:127]


def _attempt(customer, order_public_id: str, channel: str, openid: str, client_ip: str,
             idempotency_key: str) -> Payment:
    """Find or create the attempt to prepay, in one transaction under the order lock."""
    with transaction.atomic():
        order = (Order.objects.select_for_update().filter(public_id=order_public_id, customer=customer)
                 .select_related("merchant").first())
        if order is None:
            raise NotFound("No such order", "order_not_found")
        if idempotency_key:
            same = Payment.objects.filter(order=order, idempotency_key=idempotency_key).first()
            if same is not None:
                if same.channel != channel:
                    raise ValidationFailed("This Idempotency-Key was used for a different request",
                                           "idempotency_key_reused")
                return same
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise Conflict(f"The order is {order.status}, not awaiting payment", "not_payable")
        now = clock.now()
        if now >= order.payment_deadline:
            raise Conflict("The payment window of this order is over", "payment_window_over")
        if not idempotency_key:
            # The same channel again (a reload, a retry): the current attempt, whose prepay
            # the gateway hands back unchanged.
            live = (Payment.objects.filter(order=order, channel=channel, status__in=LIVE,
                                           payer_openid=openid, amount_fen=order.total_fen)
                    .order_by("-id").first())
            if live is not None:
                return live
        payment = Payment.objects.create(
            order=order, customer=customer, out_trade_no=new_out_trade_no(), channel=channel,
            amount_fen=order.total_fen, currency=order.currency, description=_description(order),
            payer_openid=openid, client_ip=client_ip, time_expire=order.payment_deadline,
            idempotency_key=idempotency_key, created_at=now, updated_at=now)
        emit_payment_event(payment, "payment.created")
        return payment


def start_payment(customer, order_public_id: str, channel: str, *, openid: str = "",
                  client_ip: str = "", idempotency_key: str = "") -> PrepayView:
    """Prepay an unpaid order of `customer` on `channel` (jsapi|native|h5).

    Retries (same Idempotency-Key, or the same channel without a key) return the same
    attempt; the gateway is asked again with identical parameters, which returns the
    current prepay, so a crash between the call and its recording loses nothing."""
    if channel not in Channel.values:
        raise ValidationFailed("channel must be jsapi, native or h5", "invalid_channel")
    if channel == Channel.JSAPI and not openid:
        raise ValidationFailed("openid is required for JSAPI", "openid_required")
    if not looks_like_id(order_public_id, "ord"):
        raise NotFound("No such order", "order_not_found")
    if idempotency_key and (len(idempotency_key) > 128 or not idempotency_key.isprintable()):
        raise ValidationFailed("Idempotency-Key must be 1-128 printable characters", "invalid_idempotency_key")
    try:
        payment = _attempt(customer, order_public_id, channel, openid, client_ip, idempotency_key)
    except IntegrityError:  # a concurrent request with the same key created it first
        payment = Payment.objects.get(order__public_id=order_public_id, idempotency_key=idempotency_key)
    gateway = get_gateway()
    if payment.status not in LIVE:
        return PrepayView(payment, cashier_url=cashier_url(payment))
    try:
        result = gateway.create_prepay(PrepayRequest(
            channel=payment.channel, out_trade_no=payment.out_trade_no, description=payment.description,
            amount_fen=payment.amount_fen, time_expire=payment.time_expire, attach=payment.order.public_id,
            payer_openid=payment.payer_openid, client_ip=payment.client_ip or "127.0.0.1",
            currency=payment.currency))
    except GatewayError as exc:
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(last_error=str(exc)[:300], updated_at=clock.now())
        if exc.code in ("ORDERPAID", "ORDER_CLOSED"):
            raise Conflict(f"The gateway says: {exc.message}", exc.code.lower()) from exc
        if exc.code == "NETWORK":
            raise GatewayUnreachable("The payment gateway is not reachable just now; try again shortly",
                                     "gateway_unavailable") from exc
        raise GatewayUnavailable(f"The payment gateway refused the prepay: {exc.code}", "gateway_error") from exc
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("order__merchant").get(pk=payment.pk)
        if payment.status == PaymentStatus.CREATED:
            payment.status = PaymentStatus.PENDING
            payment.prepay_id = result.prepay_id
            payment.code_url = result.code_url
            payment.h5_url = result.h5_url
            payment.last_error = ""
            payment.updated_at = clock.now()
            payment.save(update_fields=["status", "prepay_id", "code_url", "h5_url", "last_error", "updated_at"])
            emit_payment_event(payment, "payment.pending")
    return PrepayView(payment, invoke=result.invoke, cashier_url=cashier_url(payment))


def cashier_url(payment: Payment) -> str:
    """In sandbox mode, the page where a person pays this attempt."""
    from django.conf import settings

    if not settings.PAYMENTS["SANDBOX"]:
        return ""
    base = settings.PAYMENTS["WECHATPAY"]["GATEWAY_URL"].rstrip("/")
    if payment.h5_url:
        return payment.h5_url
    if payment.code_url and "pr=" in payment.code_url:
        return f"{base}/cashier/{payment.code_url.split('pr=', 1)[1]}"
    if payment.prepay_id:
        return f"{base}/cashier/{payment.prepay_id}"
    return ""


# --- closing attempts that can no longer be paid ------------------------------------------

def _mark(payment_id: int, status: str, trade_state: str, event_type: str) -> None:
    with transaction.atomic():
        payment = (Payment.objects.select_for_update().select_related("order__merchant")
                   .filter(pk=payment_id, status__in=LIVE).first())
        if payment is None:
            return
        payment.status, payment.trade_state, payment.updated_at = status, trade_state, clock.now()
        payment.save(update_fields=["status", "trade_state", "updated_at"])
        emit_payment_event(payment, event_type)


def close_at_gateway(payment_public_id: str) -> str:
    """Close one unpaid attempt at the gateway. Asks the gateway first: a payment that went
    through meanwhile is applied (and refunded if its order is closed), never lost.
    Returns the attempt's resulting status."""
    payment = Payment.objects.filter(public_id=payment_public_id).first()
    if payment is None:
        raise NotFound("No such payment", "payment_not_found")
    if payment.status not in LIVE:
        return payment.status
    gateway = get_gateway()
    try:
        txn = gateway.query(payment.out_trade_no)
    except GatewayError as exc:
        if exc.code != "ORDER_NOT_EXIST":
            raise
        txn = None  # never reached the gateway: nothing to close there
    if txn is not None and txn.get("trade_state") in ("SUCCESS", "REFUND"):
        apply_transaction(txn)
        return Payment.objects.get(pk=payment.pk).status
    if txn is not None and txn.get("trade_state") != "CLOSED":
        try:
            gateway.close(payment.out_trade_no)
        except GatewayError as exc:
            if exc.code == "ORDERPAID":  # paid in the last instant: apply it next time round
                return payment.status
            raise
    _mark(payment.pk, PaymentStatus.CLOSED, "CLOSED", "payment.closed")
    return PaymentStatus.CLOSED


def close_stale_attempts(limit: int = 200) -> int:
    """Close at the gateway every live attempt whose order is no longer awaiting payment
    (closed at the end of its window, cancelled, or paid through another attempt)."""
    ids = list(Payment.objects.filter(status__in=LIVE).exclude(order__status=OrderStatus.PENDING_PAYMENT)
               .order_by("id").values_list("public_id", flat=True)[:limit])
    done = 0
    for pid in ids:
        try:
            if close_at_gateway(pid) == PaymentStatus.CLOSED:
                done += 1
        except GatewayError:
            log.warning("could not close payment %s at the gateway", pid, exc_info=True)
    return done
