"""What the sandbox gateway does: prepay, query, close, refunds, the cashier's outcome,
trade bills, and the notifications it owes (delivered by a task, retried with back-off)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django_tasks import task

from o2o.core import clock
from o2o.sandbox import protocol
from o2o.sandbox.models import (
    SandboxMerchant,
    SandboxNotification,
    SandboxRefund,
    SandboxTransaction,
    TradeState,
)
from o2o.sandbox.protocol import ProtocolError

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
OUT_TRADE_NO_RE = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
TRADE_TYPES = {"jsapi": "JSAPI", "native": "NATIVE", "h5": "MWEB"}
# WeChat's documented retry intervals after a failed delivery (about 24 hours in all).
RETRY_SCHEDULE = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]
SANDBOX_OPENID = "o_sandbox_payer"


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def _rfc3339(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ProtocolError(400, "PARAM_ERROR", "time_expire is not RFC3339") from exc
    if parsed.tzinfo is None:
        raise ProtocolError(400, "PARAM_ERROR", "time_expire needs a time zone")
    return parsed


# --- prepay, query, close -------------------------------------------------------------

def create_transaction(m: SandboxMerchant, channel: str, data: dict[str, Any]) -> SandboxTransaction:
    """Place a prepay. The same out_trade_no with the same parameters returns the current
    prepay; with any parameter changed it is OUT_TRADE_NO_USED."""
    try:
        out_trade_no = str(data["out_trade_no"])
        amount = data["amount"]
        total = amount["total"]
        description = str(data["description"])
        notify_url = str(data["notify_url"])
        appid = str(data["appid"])
    except (KeyError, TypeError) as exc:
        raise ProtocolError(400, "PARAM_ERROR", f"missing parameter {exc}") from exc
    if data.get("mchid") != m.mchid:
        raise ProtocolError(400, "MCH_NOT_EXISTS", "mchid does not match the signer")
    if appid != m.appid:
        raise ProtocolError(400, "APPID_MCHID_NOT_MATCH", "appid and mchid do not match")
    if not OUT_TRADE_NO_RE.match(out_trade_no):
        raise ProtocolError(400, "PARAM_ERROR", "out_trade_no must be 6-32 of [0-9A-Za-z_-|*]")
    if not isinstance(total, int) or isinstance(total, bool) or total < 1:
        raise ProtocolError(400, "PARAM_ERROR", "amount.total must be a positive integer (fen)")
    if not 1 <= len(description) <= 127 or len(str(data.get("attach", ""))) > 128:
        raise ProtocolError(400, "PARAM_ERROR", "description 1-127 characters, attach at most 128")
    if not notify_url.startswith(("http://", "https://")) or "?" in notify_url:
        raise ProtocolError(400, "PARAM_ERROR", "notify_url must be an http(s) URL without a query")
    openid = ""
    if channel == "jsapi":
        openid = str((data.get("payer") or {}).get("openid", ""))
        if not openid:
            raise ProtocolError(400, "PARAM_ERROR", "payer.openid is required for JSAPI")
    if channel == "h5" and not (data.get("scene_info") or {}).get("payer_client_ip"):
        raise ProtocolError(400, "PARAM_ERROR", "scene_info.payer_client_ip is required for H5")
    time_expire = _parse_time(data.get("time_expire"))
    digest = hashlib.sha256(json.dumps({k: v for k, v in data.items()}, sort_keys=True).encode()
                            + channel.encode()).hexdigest()
    now = clock.now()
    with transaction.atomic():
        found = (SandboxTransaction.objects.select_for_update()
                 .filter(merchant=m, out_trade_no=out_trade_no).first())
        if found is not None:
            if found.trade_state == TradeState.SUCCESS or found.trade_state == TradeState.REFUND:
                raise ProtocolError(400, "ORDERPAID", "the order is already paid")
            if found.trade_state == TradeState.CLOSED:
                raise ProtocolError(400, "ORDER_CLOSED", "the order is closed")
            if found.params_digest != digest:
                raise ProtocolError(400, "OUT_TRADE_NO_USED", "out_trade_no was used with other parameters")
            return found
        try:
            with transaction.atomic():
                return SandboxTransaction.objects.create(
                    merchant=m, out_trade_no=out_trade_no, trade_type=TRADE_TYPES[channel],
                    params_digest=digest, appid=appid, description=description,
                    attach=str(data.get("attach", "")), notify_url=notify_url, amount_fen=total,
                    currency=str(amount.get("currency", "CNY")), time_expire=time_expire,
                    payer_openid=openid, prepay_id="wx" + now.strftime("%d%H%M%S") + secrets.token_hex(12),
                    code=secrets.token_urlsafe(12).replace("-", "x").replace("_", "y"),
                    created_at=now, updated_at=now)
        except IntegrityError as exc:  # a concurrent prepay with the same number
            raise ProtocolError(400, "OUT_TRADE_NO_USED", "out_trade_no was used") from exc


def prepay_answer(txn: SandboxTransaction, channel: str, base_url: str) -> dict[str, str]:
    if channel == "jsapi":
        return {"prepay_id": txn.prepay_id}
    if channel == "native":
        return {"code_url": f"weixin://wxpay/bizpayurl?pr={txn.code}"}
    return {"h5_url": f"{base_url}/cashier/{txn.prepay_id}"}


def find_transaction(m: SandboxMerchant, out_trade_no: str) -> SandboxTransaction:
    txn = SandboxTransaction.objects.filter(merchant=m, out_trade_no=out_trade_no).first()
    if txn is None:
        raise ProtocolError(404, "ORDER_NOT_EXIST", "no such order")
    return txn


def transaction_view(txn: SandboxTransaction) -> dict[str, Any]:
    """The transaction as the query API and the notification carry it."""
    refunded = txn.refunds.exclude(status__in=["ABNORMAL", "CLOSED"]).aggregate(s=Sum("amount_fen"))["s"] or 0
    state = TradeState.REFUND if txn.trade_state == TradeState.SUCCESS and refunded else txn.trade_state
    view: dict[str, Any] = {
        "appid": txn.appid, "mchid": txn.merchant.mchid, "out_trade_no": txn.out_trade_no,
        "trade_state": state, "trade_state_desc": {"NOTPAY": "未支付", "SUCCESS": "支付成功",
                                                   "REFUND": "转入退款", "CLOSED": "已关闭",
                                                   "PAYERROR": "支付失败"}[state],
        "attach": txn.attach, "amount": {"total": txn.amount_fen, "currency": txn.currency},
    }
    if txn.transaction_id:
        view.update({
            "transaction_id": txn.transaction_id, "trade_type": txn.trade_type, "bank_type": "OTHERS",
            "success_time": _rfc3339(txn.success_time),
            "payer": {"openid": txn.payer_openid or SANDBOX_OPENID},
            "amount": {"total": txn.amount_fen, "payer_total": txn.amount_fen,
                       "currency": txn.currency, "payer_currency": txn.currency},
            "promotion_detail": [],
        })
    return view


def close_transaction(m: SandboxMerchant, out_trade_no: str) -> None:
    with transaction.atomic():
        txn = (SandboxTransaction.objects.select_for_update()
               .filter(merchant=m, out_trade_no=out_trade_no).first())
        if txn is None:
            raise ProtocolError(404, "ORDER_NOT_EXIST", "no such order")
        if txn.trade_state in (TradeState.SUCCESS, TradeState.REFUND):
            raise ProtocolError(400, "ORDERPAID", "the order is paid and cannot be closed")
        txn.trade_state = TradeState.CLOSED
        txn.updated_at = clock.now()
        txn.save(update_fields=["trade_state", "updated_at"])


# --- the cashier -----------------------------------------------------------------------

def cashier_transaction(token: str) -> SandboxTransaction | None:
    return (SandboxTransaction.objects.select_related("merchant")
            .filter(prepay_id=token).first()
            or SandboxTransaction.objects.select_related("merchant").filter(code=token).first())


def pay(token: str, *, openid: str = "") -> SandboxTransaction:
    """The payer confirms in the wallet: SUCCESS, and a TRANSACTION.SUCCESS notification."""
    with transaction.atomic():
        txn = cashier_transaction(token)
        if txn is None:
            raise ProtocolError(404, "ORDER_NOT_EXIST", "no such payment")
        txn = SandboxTransaction.objects.select_for_update().select_related("merchant").get(pk=txn.pk)
        now = clock.now()
        if txn.trade_state in (TradeState.SUCCESS, TradeState.REFUND):
            return txn  # paying twice changes nothing
        if txn.trade_state == TradeState.CLOSED:
            raise ProtocolError(400, "ORDER_CLOSED", "the payment is closed")
        if txn.time_expire and now >= txn.time_expire:
            raise ProtocolError(400, "ORDER_CLOSED", "the payment window is over")
        txn.trade_state = TradeState.SUCCESS
        txn.transaction_id = "4200" + _digits(6) + now.astimezone(SHANGHAI).strftime("%Y%m%d") + _digits(10)
        txn.success_time = now
        txn.payer_openid = txn.payer_openid or openid or SANDBOX_OPENID
        txn.updated_at = now
        txn.save(update_fields=["trade_state", "transaction_id", "success_time", "payer_openid", "updated_at"])
        _notify(txn.merchant, txn.notify_url, "TRANSACTION.SUCCESS", "transaction", "支付成功",
                transaction_view(txn))
    return txn


def fail(token: str) -> SandboxTransaction:
    """The payment fails in the wallet (no notification: WeChat only notifies success)."""
    with transaction.atomic():
        txn = cashier_transaction(token)
        if txn is None:
            raise ProtocolError(404, "ORDER_NOT_EXIST", "no such payment")
        updated = SandboxTransaction.objects.filter(pk=txn.pk, trade_state=TradeState.NOTPAY).update(
            trade_state=TradeState.PAYERROR, updated_at=clock.now())
        txn.refresh_from_db()
        if not updated and txn.trade_state != TradeState.PAYERROR:
            raise ProtocolError(400, "INVALID_REQUEST", f"the payment is {txn.trade_state}")
    return txn


# --- refunds ---------------------------------------------------------------------------

def refund_view(r: SandboxRefund) -> dict[str, Any]:
    txn = r.transaction
    return {
        "refund_id": r.refund_id, "out_refund_no": r.out_refund_no, "transaction_id": txn.transaction_id,
        "out_trade_no": txn.out_trade_no, "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
        "success_time": _rfc3339(r.success_time), "create_time": _rfc3339(r.created_at),
        "status": r.status, "funds_account": "AVAILABLE",
        "amount": {"total": txn.amount_fen, "refund": r.amount_fen, "payer_total": txn.amount_fen,
                   "payer_refund": r.amount_fen, "settlement_refund": r.amount_fen,
                   "settlement_total": txn.amount_fen, "discount_refund": 0, "currency": txn.currency,
                   "refund_fee": 0},
    }


def create_refund(m: SandboxMerchant, data: dict[str, Any]) -> SandboxRefund:
    """Accept a refund (PROCESSING); it succeeds at once and a REFUND.SUCCESS notification
    follows. The same out_refund_no returns the same refund (safe retries)."""
    try:
        out_refund_no = str(data["out_refund_no"])
        refund = data["amount"]["refund"]
        total = data["amount"]["total"]
    except (KeyError, TypeError) as exc:
        raise ProtocolError(400, "PARAM_ERROR", f"missing parameter {exc}") from exc
    if not 1 <= len(out_refund_no) <= 64 or len(str(data.get("reason", ""))) > 80:
        raise ProtocolError(400, "PARAM_ERROR", "out_refund_no 1-64 characters, reason at most 80")
    if not isinstance(refund, int) or isinstance(refund, bool) or refund < 1:
        raise ProtocolError(400, "PARAM_ERROR", "amount.refund must be a positive integer (fen)")
    with transaction.atomic():
        qs = SandboxTransaction.objects.select_for_update().filter(merchant=m)
        if data.get("transaction_id"):
            txn = qs.filter(transaction_id=str(data["transaction_id"])).first()
        else:
            txn = qs.filter(out_trade_no=str(data.get("out_trade_no", ""))).first()
        if txn is None:
            raise ProtocolError(404, "RESOURCE_NOT_EXISTS", "no such order")
        existing = SandboxRefund.objects.filter(transaction=txn, out_refund_no=out_refund_no).first()
        if existing is not None:
            return existing
        if txn.trade_state not in (TradeState.SUCCESS, TradeState.REFUND):
            raise ProtocolError(400, "INVALID_REQUEST", "the order is not paid")
        if total != txn.amount_fen:
            raise ProtocolError(400, "PARAM_ERROR", "amount.total is not the order's total")
        done = txn.refunds.exclude(status__in=["ABNORMAL", "CLOSED"]).aggregate(s=Sum("amount_fen"))["s"] or 0
        if refund > txn.amount_fen - done:
            raise ProtocolError(403, "NOT_ENOUGH", "the refund exceeds what is left of the payment")
        if txn.refunds.count() >= 50:
            raise ProtocolError(403, "FREQUENCY_LIMITED", "at most 50 refunds per order")
        now = clock.now()
        r = SandboxRefund.objects.create(
            transaction=txn, out_refund_no=out_refund_no, refund_id="50" + _digits(12) + now.strftime("%Y%m%d") + _digits(8),
            amount_fen=refund, reason=str(data.get("reason", "")), notify_url=str(data.get("notify_url", "")),
            status="PROCESSING", created_at=now)
        answer = refund_view(r)
        # The money goes back at once in the sandbox; the outcome arrives by notification.
        r.status, r.success_time = "SUCCESS", now
        r.save(update_fields=["status", "success_time"])
        if r.notify_url:
            _notify(m, r.notify_url, "REFUND.SUCCESS", "refund", "退款成功", {
                "mchid": m.mchid, "out_trade_no": txn.out_trade_no, "transaction_id": txn.transaction_id,
                "out_refund_no": r.out_refund_no, "refund_id": r.refund_id, "refund_status": "SUCCESS",
                "success_time": _rfc3339(now), "user_received_account": "支付用户零钱",
                "amount": {"total": txn.amount_fen, "refund": r.amount_fen, "payer_total": txn.amount_fen,
                           "payer_refund": r.amount_fen}})
    r.accepted_view = answer  # the answer of the call itself: PROCESSING
    return r


def find_refund(m: SandboxMerchant, out_refund_no: str) -> SandboxRefund:
    r = (SandboxRefund.objects.select_related("transaction", "transaction__merchant")
         .filter(transaction__merchant=m, out_refund_no=out_refund_no).first())
    if r is None:
        raise ProtocolError(404, "RESOURCE_NOT_EXISTS", "no such refund")
    return r


# --- notifications ---------------------------------------------------------------------

def _notify(m: SandboxMerchant, url: str, event_type: str, original_type: str, summary: str,
            plain: dict[str, Any]) -> SandboxNotification:
    """Queue a notification inside the caller's transaction; a task delivers it after commit."""
    now = clock.now()
    envelope = {
        "id": secrets.token_hex(18), "create_time": _rfc3339(now), "resource_type": "encrypt-resource",
        "event_type": event_type, "summary": summary,
        "resource": protocol.encrypt_resource(m.apiv3_key, plain, original_type, original_type),
    }
    n = SandboxNotification.objects.create(merchant=m, url=url, event_type=event_type,
                                           body=json.dumps(envelope, ensure_ascii=False),
                                           next_attempt_at=now, created_at=now)
    transaction.on_commit(lambda: deliver_notification.enqueue(n.pk))
    return n


# Defined beside deliver, which it runs, so that queueing a notification can enqueue it
# without importing o2o.sandbox.tasks (which imports this module).
@task()
def deliver_notification(notification_id: int) -> bool | None:
    """First delivery right after the gateway's transaction commits."""
    return deliver(notification_id)


def deliver(notification_id: int) -> bool | None:
    """One delivery attempt, if one is due. True when the receiver answered 2xx.

    The attempt is claimed by moving next_attempt_at forward with a conditional UPDATE
    (so two workers never send the same attempt); the POST happens outside any
    transaction; the outcome is written afterwards."""
    now = clock.now()
    n = SandboxNotification.objects.filter(pk=notification_id).first()
    if n is None or n.next_attempt_at is None or n.next_attempt_at > now:
        return None
    delay = RETRY_SCHEDULE[min(n.attempts, len(RETRY_SCHEDULE) - 1)]
    claimed = SandboxNotification.objects.filter(pk=n.pk, attempts=n.attempts, next_attempt_at=n.next_attempt_at) \
        .update(attempts=n.attempts + 1, next_attempt_at=now + dt.timedelta(seconds=delay))
    if not claimed:
        return None
    status, err = None, ""
    try:
        headers = {"Content-Type": "application/json", **protocol.signature_headers(n.body)}
        resp = requests.post(n.url, data=n.body.encode(), headers=headers, timeout=5)
        status = resp.status_code
    except requests.RequestException as exc:
        err = repr(exc)[:300]
    ok = status is not None and 200 <= status < 300
    finished = ok or n.attempts + 1 > len(RETRY_SCHEDULE)
    fields: dict[str, Any] = {"last_status": status, "last_error": err}
    if ok:
        fields["delivered_at"] = clock.now()
    if finished:
        fields["next_attempt_at"] = None
    SandboxNotification.objects.filter(pk=n.pk).update(**fields)
    if not ok:
        log.info("sandbox notification %s to %s failed (%s %s)", n.pk, n.url, status, err)
    return ok


def deliver_due(limit: int = 100) -> int:
    """Try every notification whose next attempt is due. Returns how many were delivered."""
    due = list(SandboxNotification.objects.filter(next_attempt_at__lte=clock.now())
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if deliver(pk))


# --- trade bill ------------------------------------------------------------------------

BILL_COLUMNS = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
                "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
                "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
SUMMARY_COLUMNS = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
FEE_RATE = "0.60%"


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _fee(fen: int) -> int:
    return (fen * 6 + 500) // 1000  # 0.6 %, rounded half up, in fen


def trade_bill(m: SandboxMerchant, bill_date: dt.date, bill_type: str = "ALL") -> bytes:
    """The day's (Asia/Shanghai) trade bill as WeChat writes it: values prefixed with a
    backtick, amounts in yuan, detail rows then a summary."""
    start = dt.datetime.combine(bill_date, dt.time(), tzinfo=SHANGHAI)
    end = start + dt.timedelta(days=1)
    rows: list[list[str]] = []
    paid_total = refund_total = fee_total = count = 0
    if bill_type in ("ALL", "SUCCESS"):
        for t in SandboxTransaction.objects.filter(merchant=m, success_time__gte=start, success_time__lt=end) \
                .order_by("success_time", "id"):
            fee = _fee(t.amount_fen)
            rows.append([t.success_time.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), t.appid, m.mchid,
                         "0", "", t.transaction_id or "", t.out_trade_no, t.payer_openid or SANDBOX_OPENID,
                         t.trade_type, "SUCCESS", "OTHERS", t.currency, _yuan(t.amount_fen), "0.00", "0", "0",
                         "0.00", "0.00", "", "", t.description, t.attach, _yuan(fee), FEE_RATE,
                         _yuan(t.amount_fen), "0.00", ""])
            paid_total += t.amount_fen
            fee_total += fee
            count += 1
    if bill_type in ("ALL", "REFUND"):
        for r in SandboxRefund.objects.select_related("transaction").filter(
                transaction__merchant=m, status="SUCCESS", success_time__gte=start, success_time__lt=end) \
                .order_by("success_time", "id"):
            t = r.transaction
            fee = -_fee(r.amount_fen)
            rows.append([r.success_time.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), t.appid, m.mchid,
                         "0", "", t.transaction_id or "", t.out_trade_no, t.payer_openid or SANDBOX_OPENID,
                         t.trade_type, "REFUND", "OTHERS", t.currency, "0.00", "0.00", r.refund_id,
                         r.out_refund_no, _yuan(r.amount_fen), "0.00", "ORIGINAL", "SUCCESS", t.description,
                         t.attach, ("-" + _yuan(-fee)) if fee else "0.00", FEE_RATE, _yuan(t.amount_fen),
                         _yuan(r.amount_fen), ""])
            refund_total += r.amount_fen
            fee_total += fee
            count += 1
    tick = lambda values: ",".join("`" + v for v in values)  # noqa: E731
    fee_text = ("-" if fee_total < 0 else "") + _yuan(abs(fee_total))
    lines = [BILL_COLUMNS, *(tick(r) for r in rows), SUMMARY_COLUMNS,
             tick([str(count), _yuan(paid_total), _yuan(refund_total), "0.00", fee_text, _yuan(paid_total),
                   _yuan(refund_total)])]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
