"""Gateway notifications: verify, decrypt, and apply each transaction exactly once.

Writes payments.NotificationLog (every notification), Payment (its outcome),
HeldPayment (an amount mismatch) and the payment.* outbox events; records the payment on
its order through orders.services, and refunds money that cannot pay its order through
services/refunds. Rejected notifications are logged with a reason code and answered
401 (bad_signature, missing_signature, stale_timestamp) or 400 (unsupported, malformed,
decrypt_failed, and the Conflicts merchant_mismatch, unknown_out_trade_no, txn_conflict,
txn_reused, unknown_out_refund_no).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from o2o.core import clock
from o2o.core.errors import Conflict
from o2o.orders import services as orders
from o2o.payments.models import (
    HeldPayment,
    NotificationLog,
    Payment,
    PaymentStatus,
    Refund,
    RefundSource,
)
from o2o.payments.providers import NotificationRejected, get_gateway
from o2o.payments.services.payment_events import emit_payment_event
from o2o.payments.services.refunds import create_refund, settle_refund

log = logging.getLogger(__name__)
_KEPT_HEADERS = ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-serial", "wechatpay-signature-type",
                 "request-id", "content-type", "user-agent")


@dataclass(frozen=True)
class NotifyResult:
    accepted: bool
    outcome: str  # applied | duplicate | held | refunding | ignored | refund_updated | rejected
    status: int  # the HTTP status to answer
    message: str = ""


def _log(headers: Mapping[str, str], body: bytes, *, verified: bool, outcome: str, reason: str = "",
         notification_id: str = "", event_type: str = "", resource: dict | None = None) -> None:
    kept = {k: v for k, v in ((k.lower(), v) for k, v in headers.items()) if k in _KEPT_HEADERS}
    resource = resource or {}
    NotificationLog.objects.create(
        received_at=clock.now(), notification_id=notification_id[:64], event_type=event_type[:40],
        verified=verified, outcome=outcome, reason=reason[:300],
        out_trade_no=str(resource.get("out_trade_no", ""))[:32],
        transaction_id=str(resource.get("transaction_id", ""))[:64],
        headers=kept, body=body.decode("utf-8", errors="replace")[:20000])


def handle_notification(headers: Mapping[str, str], body: bytes) -> NotifyResult:
    """The notify endpoint's work. Every notification is logged, accepted or not.

    Rejected (4xx, nothing applied): bad or missing signature, a timestamp 5 minutes or
    more away (replay), a resource that does not decrypt, an unknown out_trade_no.
    Accepted (2xx): applied, a duplicate (changes nothing), an amount mismatch (held for
    an operator), a payment for a closed or already paid order (refunded automatically)."""
    try:
        note = get_gateway().parse_and_verify_notification(headers, body)
    except NotificationRejected as exc:
        _log(headers, body, verified=False, outcome="rejected", reason=f"{exc.code}: {exc.message}")
        return NotifyResult(False, "rejected", 401 if exc.code in ("bad_signature", "missing_signature",
                                                                   "stale_timestamp") else 400, exc.message)
    try:
        if note.event_type.startswith("TRANSACTION."):
            outcome = apply_transaction(note.resource, raw=note.raw)
        elif note.event_type.startswith("REFUND."):
            outcome = apply_refund(note.resource)
        else:
            outcome = "ignored"
    except Conflict as exc:
        _log(headers, body, verified=True, outcome="rejected", reason=f"{exc.code}: {exc.message}",
             notification_id=note.id, event_type=note.event_type, resource=note.resource)
        return NotifyResult(False, "rejected", 400, exc.message)
    _log(headers, body, verified=True, outcome=outcome, notification_id=note.id,
         event_type=note.event_type, resource=note.resource)
    return NotifyResult(True, outcome, 204)


def _success_time(txn: dict[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(txn.get("success_time")))
    except ValueError:
        return clock.now()


def apply_transaction(txn: dict[str, Any], *, raw: dict | None = None) -> str:
    """Apply a (verified) transaction as the query API or a notification carries it.

    Exactly once per transaction id: the attempt row is locked, the id is unique on it,
    and orders.record_payment is itself idempotent per id."""
    gateway = get_gateway()
    config = getattr(gateway, "config", None)
    if config is not None and (txn.get("mchid") != config.mchid or txn.get("appid") != config.appid):
        raise Conflict("The notification is for another merchant or app", "merchant_mismatch")
    out_trade_no = str(txn.get("out_trade_no", ""))
    state = str(txn.get("trade_state", ""))
    txn_id = str(txn.get("transaction_id", "") or "")
    amount = txn.get("amount") or {}
    total = amount.get("total")
    with transaction.atomic():
        payment = (Payment.objects.select_for_update(of=("self",)).select_related("order__merchant")
                   .filter(out_trade_no=out_trade_no).first())
        if payment is None:
            raise Conflict("No payment attempt has this out_trade_no", "unknown_out_trade_no")
        now = clock.now()
        if state in ("CLOSED", "REVOKED", "PAYERROR"):
            if payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING):
                payment.status = PaymentStatus.CLOSED if state != "PAYERROR" else PaymentStatus.FAILED
                payment.trade_state, payment.updated_at = state, now
                payment.save(update_fields=["status", "trade_state", "updated_at"])
                emit_payment_event(payment, f"payment.{payment.status}")
            return "state_updated"
        if state not in ("SUCCESS", "REFUND") or not txn_id:
            return "ignored"
        if payment.transaction_id == txn_id or HeldPayment.objects.filter(transaction_id=txn_id).exists():
            return "duplicate"
        if payment.status == PaymentStatus.SUCCEEDED:
            raise Conflict("This attempt was paid by another transaction", "txn_conflict")
        if not isinstance(total, int) or total != payment.amount_fen or amount.get("currency", "CNY") != payment.currency:
            HeldPayment.objects.create(payment=payment, transaction_id=txn_id, expected_fen=payment.amount_fen,
                                       received_fen=total if isinstance(total, int) and total >= 0 else 0,
                                       reason="amount_mismatch", created_at=now)
            emit_payment_event(payment, "payment.held", {"transaction_id": txn_id, "received_fen": total})
            return "held"
        payment.status = PaymentStatus.SUCCEEDED
        payment.transaction_id = txn_id
        payment.trade_state = "SUCCESS"
        payment.paid_at = _success_time(txn)
        payment.raw_notification = txn
        payment.updated_at = now
        try:
            with transaction.atomic():
                payment.save(update_fields=["status", "transaction_id", "trade_state", "paid_at",
                                            "raw_notification", "updated_at"])
        except IntegrityError as exc:  # the id was recorded on another attempt
            raise Conflict("This transaction id was recorded on another attempt", "txn_reused") from exc
        emit_payment_event(payment, "payment.succeeded", {"transaction_id": txn_id})
        try:
            orders.record_payment(payment.order.public_id, txn_id, total)
        except Conflict as exc:
            if exc.code not in ("order_closed", "already_paid", "amount_mismatch"):
                raise
            # The money arrived but cannot pay the order: give it back automatically.
            create_refund(payment, total, reason="订单已关闭，自动退款" if exc.code == "order_closed"
                          else "重复支付，自动退款", source=RefundSource.CLOSED_ORDER,
                          source_ref=txn_id)
            return "refunding"
    return "applied"


def apply_refund(resource: dict[str, Any]) -> str:
    """A REFUND.* notification (or a refund query answer): settle the refund's state."""
    out_refund_no = str(resource.get("out_refund_no", ""))
    status = str(resource.get("refund_status") or resource.get("status") or "")
    if not Refund.objects.filter(out_refund_no=out_refund_no).exists():
        raise Conflict("No refund has this out_refund_no", "unknown_out_refund_no")
    settle_refund(out_refund_no, status, refund_id=str(resource.get("refund_id", "")))
    return "refund_updated"


def notification_response(result: NotifyResult) -> tuple[int, str]:
    """WeChat's answer format: 204 on success, {"code":"FAIL","message"} otherwise."""
    if result.accepted:
        return 204, ""
    return result.status, json.dumps({"code": "FAIL", "message": result.message or "rejected"},
                                     ensure_ascii=False)

