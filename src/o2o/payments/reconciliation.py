"""Reconciliation: the gateway's daily trade bill matched line by line against the
platform's payments and refunds.

A business day is a calendar day in Asia/Shanghai (the gateway's bill day). Payments
belong to the day of their `paid_at` (the gateway's success_time); refunds are matched
by out_refund_no wherever the platform recorded them. Differences are listed for
operators, who resolve them with a note. Reconciling a day again refreshes its run:
the bill lines and every unresolved difference are replaced; resolved ones are kept and
not raised again.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from o2o.accounts.models import Role
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.payments.models import (
    BillLine,
    BillLineType,
    DifferenceKind,
    HeldPayment,
    HeldStatus,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
    ReconciliationRun,
    ReconciliationStatus,
    Refund,
    RefundStatus,
)
from o2o.payments.providers import GatewayError, get_gateway
from o2o.payments.services.attempts import GatewayUnavailable

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The real gateway publishes the previous day's bill from about 09:00 (Beijing time);
# the periodic task waits until this hour before reconciling yesterday.
RECONCILE_AFTER_HOUR = int(os.environ.get("O2O_RECONCILE_AFTER_HOUR", "10"))
# Gateway answers meaning "no trades that day": an empty bill, not a failure.
EMPTY_BILL_CODES = ("NO_STATEMENT_EXIST",)
EARLIEST_BILL_DATE = dt.date(2000, 1, 1)  # and day bounds stay far from datetime.min


# --- the bill ------------------------------------------------------------------------------

class BillFormatError(ValueError):
    """The bill cannot be read, or its summary does not add up."""


def yuan_to_fen(text: str) -> int:
    """'1234.50' -> 123450, '0.01' -> 1, '-0.05' -> -5, '' -> 0. Exact (Decimal, never float);
    more than two decimals or anything that is not a number is an error."""
    value = _clean(text).replace(",", "")
    if value in ("", "-"):
        return 0
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise BillFormatError(f"not an amount: {text!r}") from None
    if not amount.is_finite():
        raise BillFormatError(f"not an amount: {text!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise BillFormatError(f"more than two decimals: {text!r}")
    return int(fen)


def _clean(value: str) -> str:
    """A bill value without its leading backtick (the gateway's guard against spreadsheets)."""
    value = value.strip().lstrip("\ufeff").strip()
    if value.startswith("`"):
        value = value[1:]
    return value.strip()


@dataclass(frozen=True)
class ParsedLine:
    line_no: int
    type: str  # payment | refund
    trade_time: dt.datetime | None
    out_trade_no: str
    transaction_id: str
    trade_state: str
    amount_fen: int
    out_refund_no: str = ""
    refund_id: str = ""
    refund_status: str = ""
    fee_fen: int = 0
    raw: str = ""


@dataclass
class ParsedBill:
    lines: list[ParsedLine] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)


_SUMMARY_FIRST = "总交易单数"


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BillFormatError("the bill is neither UTF-8 nor GB18030 text")


def _time(text: str) -> dt.datetime | None:
    value = _clean(text)
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise BillFormatError(f"not a trade time: {text!r}") from None


def parse_trade_bill(content: bytes | str) -> ParsedBill:
    """Read a WeChat Pay trade bill (bill_type ALL): a header row, detail rows, a summary
    header starting 总交易单数 and a summary row; every value prefixed with a backtick;
    amounts in yuan. Columns are found by their header names, so their order does not
    matter. The summary's count and totals must agree with the detail rows."""
    text = _decode(content)
    raw_lines = [ln for ln in text.splitlines() if ln.strip()]
    if not raw_lines:
        raise BillFormatError("the bill is empty")
    rows = list(csv.reader(raw_lines))
    header = [_clean(h) for h in rows[0]]
    col = {name: i for i, name in enumerate(header)}
    for needed in ("交易时间", "微信订单号", "商户订单号", "交易状态"):
        if needed not in col:
            raise BillFormatError(f"the bill has no {needed} column")
    if "订单金额" not in col and "应结订单金额" not in col:
        raise BillFormatError("the bill has no 订单金额 column")

    def get(row: list[str], name: str) -> str:
        i = col.get(name)
        return _clean(row[i]) if i is not None else ""

    bill = ParsedBill()
    summary_at = next((i for i, r in enumerate(rows) if i > 0 and r and _clean(r[0]) == _SUMMARY_FIRST), None)
    details = rows[1:summary_at] if summary_at is not None else rows[1:]
    for offset, row in enumerate(details, start=1):
        if len(row) != len(header):
            raise BillFormatError(f"row {offset} has {len(row)} values, the header {len(header)}")
        state = get(row, "交易状态").upper()
        is_refund = state == "REFUND" or bool(get(row, "商户退款单号") and get(row, "商户退款单号") != "0")
        if is_refund:
            asked = yuan_to_fen(get(row, "申请退款金额"))
            amount = asked or yuan_to_fen(get(row, "退款金额"))
        else:
            amount = yuan_to_fen(get(row, "订单金额") if "订单金额" in col else get(row, "应结订单金额"))
        bill.lines.append(ParsedLine(
            line_no=offset, type=BillLineType.REFUND if is_refund else BillLineType.PAYMENT,
            trade_time=_time(get(row, "交易时间")), out_trade_no=get(row, "商户订单号"),
            transaction_id=get(row, "微信订单号"), trade_state=state[:16], amount_fen=amount,
            out_refund_no=get(row, "商户退款单号") if is_refund else "",
            refund_id=get(row, "微信退款单号") if is_refund else "",
            refund_status=get(row, "退款状态").upper()[:16] if is_refund else "",
            fee_fen=yuan_to_fen(get(row, "手续费")), raw=raw_lines[offset]))
    if summary_at is not None and summary_at + 1 < len(rows):
        names = [_clean(h) for h in rows[summary_at]]
        values = [_clean(v) for v in rows[summary_at + 1]]
        bill.summary = dict(zip(names, values, strict=False))
        _check_summary(bill, details, get)
    return bill


def _check_summary(bill: ParsedBill, details: list[list[str]], get) -> None:
    s = bill.summary
    if "总交易单数" in s:
        try:
            count = int(s["总交易单数"])
        except ValueError:
            raise BillFormatError(f"not a count: {s['总交易单数']!r}") from None
        if count != len(bill.lines):
            raise BillFormatError(f"the summary counts {count} trades, the bill lists {len(bill.lines)}")
    for total_name, column in (("应结订单总金额", "应结订单金额"), ("退款总金额", "退款金额"),
                               ("手续费总金额", "手续费")):
        if total_name in s:
            listed = sum(yuan_to_fen(get(r, column)) for r in details)
            if yuan_to_fen(s[total_name]) != listed:
                raise BillFormatError(f"{total_name} {s[total_name]} does not match the detail rows")


# --- matching ------------------------------------------------------------------------------

@dataclass
class _Diff:
    kind: str
    type: str
    line_no: int | None = None
    out_trade_no: str = ""
    transaction_id: str = ""
    out_refund_no: str = ""
    gateway_refund_id: str = ""
    payment: Payment | None = None
    refund: Refund | None = None
    platform_amount_fen: int | None = None
    bill_amount_fen: int | None = None
    platform_status: str = ""
    bill_status: str = ""
    detail: str = ""

    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.out_trade_no, self.transaction_id, self.out_refund_no)


@dataclass
class _Outcome:
    diffs: list[_Diff] = field(default_factory=list)
    matched: int = 0
    platform_payments: int = 0
    platform_payment_fen: int = 0
    platform_refunds: int = 0
    platform_refund_fen: int = 0


def day_bounds(bill_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(bill_date, dt.time(), tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


def _match_payment(line: ParsedLine, out: _Outcome, seen: set[int]) -> None:
    base = {"type": BillLineType.PAYMENT, "line_no": line.line_no, "out_trade_no": line.out_trade_no,
            "transaction_id": line.transaction_id, "bill_amount_fen": line.amount_fen,
            "bill_status": line.trade_state}
    payment = None
    if line.transaction_id:
        payment = Payment.objects.filter(transaction_id=line.transaction_id).first()
    if payment is None and line.out_trade_no:
        payment = Payment.objects.filter(out_trade_no=line.out_trade_no).first()
    held = HeldPayment.objects.filter(transaction_id=line.transaction_id).first() if line.transaction_id else None
    if held is not None and (payment is None or payment.transaction_id != line.transaction_id):
        # Money the platform knows arrived but did not credit (the amount differed).
        if held.received_fen != line.amount_fen:
            out.diffs.append(_Diff(DifferenceKind.AMOUNT_MISMATCH, payment=held.payment,
                                   platform_amount_fen=held.received_fen, platform_status=f"held:{held.status}",
                                   detail=f"held payment {held.public_id} recorded another amount", **base))
        elif held.status == HeldStatus.OPEN:
            out.diffs.append(_Diff(DifferenceKind.STATUS_MISMATCH, payment=held.payment,
                                   platform_amount_fen=held.received_fen, platform_status="held:open",
                                   detail=f"paid at the gateway, held on the platform ({held.public_id}) "
                                          "awaiting an operator", **base))
        else:
            out.matched += 1
        return
    if payment is None:
        out.diffs.append(_Diff(DifferenceKind.MISSING_IN_PLATFORM,
                               detail="the gateway lists a payment the platform has no attempt for", **base))
        return
    seen.add(payment.pk)
    if payment.status != PaymentStatus.SUCCEEDED or payment.transaction_id != line.transaction_id \
            or line.trade_state != "SUCCESS":
        out.diffs.append(_Diff(DifferenceKind.STATUS_MISMATCH, payment=payment,
                               platform_amount_fen=payment.amount_fen, platform_status=payment.status,
                               detail="the gateway and the platform disagree on this payment's state", **base))
    elif payment.amount_fen != line.amount_fen:
        out.diffs.append(_Diff(DifferenceKind.AMOUNT_MISMATCH, payment=payment,
                               platform_amount_fen=payment.amount_fen, platform_status=payment.status,
                               detail="the platform recorded another amount", **base))
    else:
        out.matched += 1


def _match_refund(line: ParsedLine, out: _Outcome, seen: set[int]) -> None:
    base = {"type": BillLineType.REFUND, "line_no": line.line_no, "out_trade_no": line.out_trade_no,
            "transaction_id": line.transaction_id, "out_refund_no": line.out_refund_no,
            "gateway_refund_id": line.refund_id, "bill_amount_fen": line.amount_fen,
            "bill_status": line.refund_status or line.trade_state}
    refund = Refund.objects.select_related("payment").filter(out_refund_no=line.out_refund_no).first() \
        if line.out_refund_no else None
    if refund is None:
        out.diffs.append(_Diff(DifferenceKind.MISSING_IN_PLATFORM,
                               detail="the gateway lists a refund the platform has no record of", **base))
        return
    seen.add(refund.pk)
    common = {"refund": refund, "payment": refund.payment, "platform_amount_fen": refund.amount_fen,
              "platform_status": refund.status}
    if refund.status != RefundStatus.SUCCEEDED or (line.refund_status or "SUCCESS") != "SUCCESS":
        out.diffs.append(_Diff(DifferenceKind.STATUS_MISMATCH,
                               detail="the gateway and the platform disagree on this refund's state",
                               **common, **base))
    elif refund.amount_fen != line.amount_fen:
        out.diffs.append(_Diff(DifferenceKind.AMOUNT_MISMATCH, detail="the platform recorded another amount",
                               **common, **base))
    else:
        out.matched += 1


def _match(bill_date: dt.date, bill: ParsedBill, run_pk: int | None) -> _Outcome:
    out = _Outcome()
    seen_payments: set[int] = set()
    seen_refunds: set[int] = set()
    for line in bill.lines:
        if line.type == BillLineType.REFUND:
            _match_refund(line, out, seen_refunds)
        else:
            _match_payment(line, out, seen_payments)
    start, end = day_bounds(bill_date)
    payments = Payment.objects.filter(status=PaymentStatus.SUCCEEDED, paid_at__gte=start, paid_at__lt=end)
    # Refunds are stamped when the platform learns the outcome, which may fall just after
    # midnight: one already listed in another day's bill is not missing.
    elsewhere = set(BillLine.objects.filter(type=BillLineType.REFUND).exclude(run_id=run_pk)
                    .values_list("out_refund_no", flat=True))
    refunds = Refund.objects.select_related("payment").filter(status=RefundStatus.SUCCEEDED,
                                                              succeeded_at__gte=start, succeeded_at__lt=end)
    for p in payments.order_by("id"):
        out.platform_payments += 1
        out.platform_payment_fen += p.amount_fen
        if p.pk not in seen_payments:
            out.diffs.append(_Diff(DifferenceKind.MISSING_IN_BILL, BillLineType.PAYMENT, payment=p,
                                   out_trade_no=p.out_trade_no, transaction_id=p.transaction_id or "",
                                   platform_amount_fen=p.amount_fen, platform_status=p.status,
                                   detail="the platform recorded a payment the gateway's bill does not list"))
    for r in refunds.order_by("id"):
        out.platform_refunds += 1
        out.platform_refund_fen += r.amount_fen
        if r.pk not in seen_refunds and r.out_refund_no not in elsewhere:
            out.diffs.append(_Diff(DifferenceKind.MISSING_IN_BILL, BillLineType.REFUND, refund=r, payment=r.payment,
                                   out_trade_no=r.payment.out_trade_no,
                                   transaction_id=r.payment.transaction_id or "", out_refund_no=r.out_refund_no,
                                   gateway_refund_id=r.refund_id, platform_amount_fen=r.amount_fen,
                                   platform_status=r.status,
                                   detail="the platform recorded a refund the gateway's bill does not list"))
    return out


# --- services ------------------------------------------------------------------------------

def _today() -> dt.date:
    return clock.now().astimezone(SHANGHAI).date()


def _emit_run(run: ReconciliationRun, event_type: str, payload: dict | None = None) -> None:
    events.emit(event_type, run, {"bill_date": run.bill_date.isoformat(), "status": run.status,
                                  "difference_count": run.difference_count,
                                  "unresolved_count": run.unresolved_count, **(payload or {})})


def _locked_run(bill_date: dt.date) -> tuple[ReconciliationRun, bool]:
    """The day's run, locked, created (empty) when missing. Inside a transaction."""
    run = ReconciliationRun.objects.select_for_update().filter(bill_date=bill_date).first()
    if run is not None:
        return run, False
    now = clock.now()
    try:
        with transaction.atomic():
            run = ReconciliationRun.objects.create(bill_date=bill_date, status=ReconciliationStatus.FAILED,
                                                   created_at=now, updated_at=now)
    except IntegrityError:  # created concurrently: take theirs
        return ReconciliationRun.objects.select_for_update().get(bill_date=bill_date), False
    return run, True


def _record_failure(bill_date: dt.date, message: str) -> ReconciliationRun:
    """Remember that the day could not be reconciled; earlier results of the day are kept."""
    with transaction.atomic():
        run, _ = _locked_run(bill_date)
        run.error = message[:300]
        run.attempts += 1
        run.updated_at = clock.now()
        if run.reconciled_at is None:
            run.status = ReconciliationStatus.FAILED
        run.save(update_fields=["error", "attempts", "updated_at", "status"])
        _emit_run(run, "reconciliation.failed", {"error": run.error})
    return run


def reconcile(bill_date: dt.date) -> ReconciliationRun:
    """Fetch the gateway's trade bill of `bill_date` (Asia/Shanghai), store its lines and
    match them against payments and refunds. Idempotent per day: again, it replaces the
    day's bill lines and unresolved differences; resolved differences stay resolved.

    Raises ValidationFailed for a day that has not started yet, and GatewayUnavailable
    (502) when the bill cannot be fetched or read (the failure is recorded on the run)."""
    if not isinstance(bill_date, dt.date) or isinstance(bill_date, dt.datetime):
        raise ValidationFailed("bill_date must be a date", "invalid_bill_date")
    if bill_date > _today():
        raise ValidationFailed("There is no bill for a day that has not begun", "bill_date_in_future")
    if bill_date < EARLIEST_BILL_DATE:
        raise ValidationFailed(f"bill_date must be {EARLIEST_BILL_DATE} or later", "bill_date_too_old")
    gateway = get_gateway()
    bill_hash = ""
    try:
        got = gateway.trade_bill(bill_date, "ALL")
        bill_hash = got.hash_value
        bill = parse_trade_bill(got.content)
    except GatewayError as exc:
        if exc.code not in EMPTY_BILL_CODES:
            _record_failure(bill_date, f"{exc.code}: {exc.message}")
            raise GatewayUnavailable(f"The gateway's bill could not be fetched: {exc.code}", "gateway_error") \
                from exc
        bill = ParsedBill()
    except BillFormatError as exc:
        _record_failure(bill_date, f"BILL_MALFORMED: {exc}")
        raise GatewayUnavailable(f"The gateway's bill could not be read: {exc}", "bill_malformed") from exc
    with transaction.atomic():
        run, created = _locked_run(bill_date)
        outcome = _match(bill_date, bill, run.pk)
        _store(run, bill, outcome, bill_hash, getattr(gateway, "name", "wechatpay"))
        _emit_run(run, "reconciliation.completed", {"matched_count": run.matched_count, "created": created})
    return run


def _store(run: ReconciliationRun, bill: ParsedBill, outcome: _Outcome, bill_hash: str, provider: str) -> None:
    now = clock.now()
    run.lines.all().delete()  # resolved differences keep their own copy of the references
    run.differences.filter(resolved_at__isnull=True).delete()
    BillLine.objects.bulk_create([
        BillLine(run=run, line_no=ln.line_no, type=ln.type, trade_time=ln.trade_time,
                 out_trade_no=ln.out_trade_no[:64], transaction_id=ln.transaction_id[:64],
                 trade_state=ln.trade_state, amount_fen=ln.amount_fen, out_refund_no=ln.out_refund_no[:64],
                 refund_id=ln.refund_id[:64], refund_status=ln.refund_status, fee_fen=ln.fee_fen, raw=ln.raw)
        for ln in bill.lines])
    by_no = {bl.line_no: bl for bl in run.lines.all()}
    resolved = {(d.kind, d.out_trade_no, d.transaction_id, d.out_refund_no)
                for d in run.differences.filter(resolved_at__isnull=False)}
    fresh = [d for d in outcome.diffs if d.key() not in resolved]
    ReconciliationDifference.objects.bulk_create([
        ReconciliationDifference(
            run=run, bill_line=by_no.get(d.line_no) if d.line_no else None, kind=d.kind, type=d.type,
            out_trade_no=d.out_trade_no[:64], transaction_id=d.transaction_id[:64],
            out_refund_no=d.out_refund_no[:64], gateway_refund_id=d.gateway_refund_id[:64], payment=d.payment,
            refund=d.refund, platform_amount_fen=d.platform_amount_fen, bill_amount_fen=d.bill_amount_fen,
            platform_status=d.platform_status[:16], bill_status=d.bill_status[:16], detail=d.detail[:300],
            created_at=now)
        for d in fresh])
    payments = [ln for ln in bill.lines if ln.type == BillLineType.PAYMENT]
    refunds = [ln for ln in bill.lines if ln.type == BillLineType.REFUND]
    run.provider = provider[:16]
    run.bill_hash = bill_hash[:64]
    run.error = ""
    run.bill_payment_count, run.bill_refund_count = len(payments), len(refunds)
    run.bill_payment_fen = sum(ln.amount_fen for ln in payments)
    run.bill_refund_fen = sum(ln.amount_fen for ln in refunds)
    run.platform_payment_count, run.platform_payment_fen = outcome.platform_payments, outcome.platform_payment_fen
    run.platform_refund_count, run.platform_refund_fen = outcome.platform_refunds, outcome.platform_refund_fen
    run.matched_count = outcome.matched
    run.unresolved_count = len(fresh)
    run.difference_count = run.differences.count()
    run.status = _status_of(run)
    run.attempts += 1
    run.reconciled_at = run.updated_at = now
    run.save()


def _status_of(run: ReconciliationRun) -> str:
    if run.unresolved_count:
        return ReconciliationStatus.DIFFERENCES
    return ReconciliationStatus.RESOLVED if run.difference_count else ReconciliationStatus.BALANCED


def resolve_difference(operator, difference_id: str, note: str) -> ReconciliationDifference:
    """An operator closes a difference with a note (what was done about it). 409 if it is
    already resolved."""
    if operator is None or getattr(operator, "role", None) != Role.OPERATOR:
        raise PermissionDenied("This needs a platform operator", "operator_role_required")
    note = (note or "").strip()
    if not note or len(note) > 300:
        raise ValidationFailed("A note of 1-300 characters is required", "note_required")
    if not looks_like_id(difference_id, "rcd"):
        raise NotFound("No such difference", "difference_not_found")
    with transaction.atomic():
        diff = (ReconciliationDifference.objects.select_for_update().select_related("run")
                .filter(public_id=difference_id).first())
        if diff is None:
            raise NotFound("No such difference", "difference_not_found")
        if diff.resolved_at is not None:
            raise Conflict("This difference is already resolved", "already_resolved")
        run = ReconciliationRun.objects.select_for_update().get(pk=diff.run_id)
        now = clock.now()
        diff.resolved_at, diff.resolved_by, diff.note = now, operator, note
        diff.save(update_fields=["resolved_at", "resolved_by", "note"])
        run.unresolved_count = run.differences.filter(resolved_at__isnull=True).count()
        run.status = _status_of(run) if run.reconciled_at is not None else run.status
        run.updated_at = now
        run.save(update_fields=["unresolved_count", "status", "updated_at"])
        events.emit("reconciliation.difference_resolved", diff, {
            "run": run.public_id, "bill_date": run.bill_date.isoformat(), "kind": diff.kind,
            "out_trade_no": diff.out_trade_no, "out_refund_no": diff.out_refund_no,
            "operator": operator.public_id, "note": note})
    return diff


def unresolved_differences(bill_date: dt.date | None = None) -> QuerySet[ReconciliationDifference]:
    """Every difference no operator has resolved yet (optionally of one day), oldest first."""
    qs = (ReconciliationDifference.objects.filter(resolved_at__isnull=True)
          .select_related("run", "payment", "refund").order_by("id"))
    if bill_date is not None:
        qs = qs.filter(run__bill_date=bill_date)
    return qs


def reconcile_due() -> str | None:
    """Reconcile yesterday once its bill is published, unless that already succeeded.
    Returns the run's status, or None when there was nothing to do."""
    now = clock.now().astimezone(SHANGHAI)
    if now.hour < RECONCILE_AFTER_HOUR:
        return None
    yesterday = now.date() - dt.timedelta(days=1)
    done = ReconciliationRun.objects.filter(bill_date=yesterday, reconciled_at__isnull=False).exists()
    if done:
        return None
    try:
        return reconcile(yesterday).status
    except GatewayUnavailable:
        log.warning("reconciliation of %s failed; retried at the next run", yesterday, exc_info=True)
        return ReconciliationStatus.FAILED
