"""Posting rules: which business fact moves which money. Called by the outbox handlers
(ledger.handlers), each idempotent through the entry's unique source key.

    payment received   Dr gateway_clearing        Cr customer_funds_held
    refund paid        Dr customer_funds_held     Cr gateway_clearing
    recognition        Dr customer_funds_held (value: the customer's net share)
                       Dr platform_marketing_expense (subsidy: the platform-funded share)
                                                  Cr merchant_payable (value + subsidy - commission)
                                                  Cr platform_commission_revenue (commission)
    (reversal)         the same lines with the opposite signs
    payout paid        Dr merchant_payable        Cr gateway_clearing

Recognition follows the business state, not the event: a voucher's recognized value is
always vouchers.used_value_fen of its used uses (the price when it expired unused with
no refund), a completed goods order's is what was paid less goods refunds. Each
posting brings the books to that target and records the difference, so events handled
late, twice or out of order still converge on the right amounts.

A platform-funded discount (orders' OrderLine.platform_funded_fen) is paid by the
platform when, and as far as, the sale is recognized: the same cumulative rule on the
line's subsidy share (a voucher's unit share by largest remainder; a goods order's
subsidy less the refunded part, in proportion to what was paid). Held funds therefore
only ever hold what the customer paid, a refund returns only that, and the subsidy of
a refunded part is simply never spent. Commission is taken on the merchant-recognized
amount (value + subsidy: the gross less the merchant-funded discount).

Writes ledger.JournalEntry and JournalLine (through journal.post), locking the merchant's
payable account before reading the books it recognizes. Which refunds leave held funds is
the payments app's rule (payments.services.is_held_refund), not restated here. Raises
journal.Unbalanced only on a programming error; no domain error codes.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum

from o2o.catalog.selectors import commission_rate_bp
from o2o.ledger.commission import allocate, commission_fen, commission_of_parts
from o2o.ledger.models import RECOGNITION_KINDS, AccountKind, EntryKind, JournalEntry, JournalLine
from o2o.ledger.services.journal import Line, account, lock_payable, post
from o2o.orders.models import Order, OrderKind, OrderLine, OrderStatus
from o2o.payments.models import Refund, RefundSource, RefundStatus
from o2o.vouchers.models import Voucher, VoucherRefund, VoucherStatus
from o2o.vouchers.services import used_value_fen

HELD = AccountKind.CUSTOMER_FUNDS_HELD
CLEARING = AccountKind.GATEWAY_CLEARING
COMMISSION = AccountKind.PLATFORM_COMMISSION
MARKETING = AccountKind.PLATFORM_MARKETING


# --- cash in and out ----------------------------------------------------------------------

def post_receipt(txn_id: str, order: Order, amount_fen: int, occurred_at: dt.datetime) -> JournalEntry | None:
    """The gateway took `amount_fen` from the customer for `order` (transaction `txn_id`):
    the money is held for the customer until it is recognized or refunded."""
    if amount_fen <= 0:
        return None
    entry, _ = post(EntryKind.PAYMENT_RECEIVED, ("gateway_txn", txn_id), [
        Line(account(CLEARING, currency=order.currency), amount_fen),
        Line(account(HELD, currency=order.currency), -amount_fen),
    ], occurred_at=occurred_at, memo=f"payment {txn_id} for {order.public_id}", merchant=order.merchant,
        order=order)
    return entry


def post_refund(refund_public_id: str, order: Order, amount_fen: int, occurred_at: dt.datetime) -> JournalEntry | None:
    """A refund went back to the customer through the gateway."""
    if amount_fen <= 0:
        return None
    entry, _ = post(EntryKind.REFUND_PAID, ("refund", refund_public_id), [
        Line(account(HELD, currency=order.currency), amount_fen),
        Line(account(CLEARING, currency=order.currency), -amount_fen),
    ], occurred_at=occurred_at, memo=f"refund {refund_public_id} of {order.public_id}", merchant=order.merchant,
        order=order)
    return entry


# --- recognition ----------------------------------------------------------------------------

def _recognized(**scope) -> tuple[int, int, int]:
    """(value, commission, subsidy) recognized so far for the entries in `scope`."""
    lines = JournalLine.objects.filter(entry__kind__in=RECOGNITION_KINDS, **{f"entry__{k}": v
                                                                          for k, v in scope.items()})
    agg = lines.aggregate(value=Sum("amount_fen", filter=Q(account__kind=HELD)),
                          commission=Sum("amount_fen", filter=Q(account__kind=COMMISSION)),
                          subsidy=Sum("amount_fen", filter=Q(account__kind=MARKETING)))
    return agg["value"] or 0, -(agg["commission"] or 0), agg["subsidy"] or 0


def _recognize(kind: str, source: tuple[str, str], *, merchant, order, currency: str, value_delta: int,
               commission_delta: int, occurred_at: dt.datetime, subsidy_delta: int = 0, voucher=None,
               rate_bp: int | None = None, business_date: dt.date | None = None,
               memo: str = "") -> JournalEntry | None:
    if value_delta == 0 and commission_delta == 0 and subsidy_delta == 0:
        return None
    lines = [
        Line(account(HELD, currency=currency), value_delta),
        Line(lock_payable(merchant, currency), -(value_delta + subsidy_delta - commission_delta)),
        Line(account(COMMISSION, currency=currency), -commission_delta),
    ]
    if subsidy_delta:  # the marketing account exists only once the platform funded something
        lines.append(Line(account(MARKETING, currency=currency), subsidy_delta))
    entry, _ = post(kind, source, lines, occurred_at=occurred_at, memo=memo, merchant=merchant, order=order,
                    voucher=voucher, commission_rate_bp=rate_bp, business_date=business_date)
    return entry


def voucher_target_fen(voucher: Voucher) -> int:
    """What a voucher's uses are worth to the merchant now: the used uses' value; the price
    less the refund for a refunded one; the whole price when it expired without refund."""
    if voucher.status == VoucherStatus.EXPIRED:
        return voucher.price_fen  # breakage: the deal said no refund on expiry
    if voucher.status in (VoucherStatus.REFUNDED, VoucherStatus.EXPIRED_REFUNDED):
        refund = VoucherRefund.objects.filter(voucher=voucher).first()
        return voucher.price_fen - (refund.amount_fen if refund else 0)
    return used_value_fen(voucher.price_fen, voucher.uses_total, voucher.uses_total - voucher.uses_left)


def voucher_subsidy_fen(voucher: Voucher) -> int:
    """The platform-funded discount on this voucher's unit of its line (largest remainder)."""
    line = voucher.order_line
    return line.unit_share_fen(line.platform_funded_fen, voucher.seq) if line.platform_funded_fen else 0


def voucher_subsidy_target_fen(voucher: Voucher) -> int:
    """The platform's share of a voucher's recognized value: its subsidy, by the same
    cumulative rule as the value (all of it on breakage, the used uses' part otherwise)."""
    subsidy = voucher_subsidy_fen(voucher)
    if not subsidy:
        return 0
    if voucher.status == VoucherStatus.EXPIRED:
        return subsidy
    used = voucher.uses_total - voucher.uses_left
    if voucher.status in (VoucherStatus.REFUNDED, VoucherStatus.EXPIRED_REFUNDED):
        refund = VoucherRefund.objects.filter(voucher=voucher).first()
        used = voucher.uses_total - (refund.uses if refund else 0)
    return used_value_fen(subsidy, voucher.uses_total, used)


def sync_voucher(voucher_id: int, kind: str, source: tuple[str, str], occurred_at: dt.datetime, *,
                 business_date: dt.date | None = None) -> JournalEntry | None:
    """Bring the voucher's recognized value (and commission) to its target, posting the
    difference as one entry for `source`."""
    voucher = Voucher.objects.select_related("merchant", "order", "product", "order_line").get(pk=voucher_id)
    currency = voucher.order.currency
    lock_payable(voucher.merchant, currency)  # one recognition at a time per merchant
    voucher.refresh_from_db()  # the state as of the lock
    first = (JournalEntry.objects.filter(voucher=voucher, kind__in=RECOGNITION_KINDS,
                                         commission_rate_bp__isnull=False).order_by("id").first())
    rate = first.commission_rate_bp if first else commission_rate_bp(voucher.product)
    value, commission, subsidy = _recognized(voucher=voucher)
    target = voucher_target_fen(voucher)
    target_subsidy = voucher_subsidy_target_fen(voucher)
    return _recognize(kind, source, merchant=voucher.merchant, order=voucher.order, currency=currency,
                      value_delta=target - value, subsidy_delta=target_subsidy - subsidy,
                      commission_delta=commission_fen(target + target_subsidy, rate) - commission,
                      occurred_at=occurred_at, voucher=voucher, rate_bp=rate, business_date=business_date,
                      memo=f"{voucher.public_id} {voucher.title}"[:200])


def _goods_refunded_fen(order: Order) -> int:
    return (Refund.objects.filter(payment__order=order, source=RefundSource.ORDER)
            .exclude(status=RefundStatus.FAILED).aggregate(s=Sum("amount_fen"))["s"] or 0)


def goods_target_fen(order: Order) -> int:
    """A completed goods order's value to the merchant: paid less goods refunds not failed."""
    if order.kind != OrderKind.GOODS or order.status != OrderStatus.COMPLETED:
        return 0
    return max(0, (order.paid_amount_fen or 0) - _goods_refunded_fen(order))


def goods_subsidy_target_fen(order: Order) -> int:
    """The platform's share of a completed goods order's value: its subsidy less the part
    of it refunded, in proportion to the refunded share of what was paid (floor, so a
    full refund gives all of it back and the platform never pays for a refunded part)."""
    subsidy = order.platform_subsidy_fen
    if not subsidy or order.kind != OrderKind.GOODS or order.status != OrderStatus.COMPLETED:
        return 0
    paid = order.paid_amount_fen or 0
    refunded = min(_goods_refunded_fen(order), paid)
    if paid == 0:
        return subsidy
    return subsidy - (subsidy * refunded + paid - 1) // paid  # the refunded part rounded up


def sync_goods(order_id: int, kind: str, source: tuple[str, str], occurred_at: dt.datetime) -> JournalEntry | None:
    """Recognize a goods order's value and subsidy (its lines' commission rates, the total
    allocated by line gross less merchant-funded discount)."""
    order = Order.objects.select_related("merchant").get(pk=order_id)
    lock_payable(order.merchant, order.currency)
    order.refresh_from_db()
    target = goods_target_fen(order)
    target_subsidy = goods_subsidy_target_fen(order)
    value, commission, subsidy = _recognized(order=order, voucher__isnull=True)
    lines = list(OrderLine.objects.filter(order=order).select_related("product").order_by("id"))
    rates = [commission_rate_bp(ln.product) for ln in lines]
    weights = [ln.line_total_fen + ln.platform_funded_fen for ln in lines]
    target_commission = commission_of_parts(allocate(target + target_subsidy, weights), rates)
    single = rates[0] if rates and len(set(rates)) == 1 else None
    return _recognize(kind, source, merchant=order.merchant, order=order, currency=order.currency,
                      value_delta=target - value, subsidy_delta=target_subsidy - subsidy,
                      commission_delta=target_commission - commission,
                      occurred_at=occurred_at, rate_bp=single, memo=f"goods order {order.public_id}")
