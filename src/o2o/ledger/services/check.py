"""`ledger check`: prove the books balance and match the business records.

Each check returns a list of human-readable problems; an empty report means the books
are right. Amounts are compared in fen against the orders, payments and vouchers apps'
own records (read-only), so a missing or wrong entry is found, not assumed away.
Writes nothing; raises no domain errors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from o2o.ledger.models import (
    RECOGNITION_KINDS,
    AccountKind,
    EntryKind,
    JournalEntry,
    JournalLine,
    Payout,
    PayoutStatus,
    SettlementItem,
    SettlementStatement,
)
from o2o.ledger.services.posting import (
    goods_subsidy_target_fen,
    goods_target_fen,
    voucher_subsidy_target_fen,
    voucher_target_fen,
)
from o2o.ledger.services.settlement import entry_amounts
from o2o.orders.models import Order, OrderLine, PaymentRecord
from o2o.payments import reconciliation
from o2o.payments import services as payments
from o2o.payments.models import Payment, PaymentStatus, ReconciliationDifference, RefundStatus
from o2o.vouchers.models import Voucher

HELD = AccountKind.CUSTOMER_FUNDS_HELD


@dataclass
class Report:
    problems: dict[str, list[str]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def add(self, check: str, found: list[str]) -> None:
        self.problems[check] = found


def entries_balance() -> list[str]:
    """Every entry has two or more lines summing to zero per currency."""
    out = []
    for row in (JournalLine.objects.values("entry__public_id", "currency").annotate(s=Sum("amount_fen"))
                .exclude(s=0).order_by("entry__public_id")):
        out.append(f"entry {row['entry__public_id']} ({row['currency']}) is off by {row['s']} fen")
    for pid in (JournalEntry.objects.annotate(n=Count("lines")).filter(n__lt=2)
                .values_list("public_id", flat=True)):
        out.append(f"entry {pid} has fewer than two lines")
    return out


def _paid_by_order() -> dict[int, int]:
    """Money the gateway took per order: distinct transactions recorded on the order or
    on a succeeded payment attempt."""
    txns: dict[str, tuple[int, int]] = {}
    for order_id, txn, amount in PaymentRecord.objects.values_list("order_id", "gateway_txn_id", "amount_fen"):
        txns[txn] = (order_id, amount)
    for order_id, txn, amount in (Payment.objects.filter(status=PaymentStatus.SUCCEEDED)
                                  .exclude(transaction_id=None).values_list("order_id", "transaction_id", "amount_fen")):
        txns.setdefault(txn, (order_id, amount))
    paid: dict[int, int] = defaultdict(int)
    for order_id, amount in txns.values():
        paid[order_id] += amount
    return paid


def orders_accounted() -> list[str]:
    """Per order: held + recognized + refunded = paid; each part equal to the facts
    (received = gateway payments, refunded = succeeded refunds, recognized = the
    vouchers' used value or the completed goods value); held never negative."""
    paid = _paid_by_order()
    refunds = payments.refunds_out_of_held_funds().filter(status=RefundStatus.SUCCEEDED)
    refunded = dict(refunds.values("payment__order_id")
                    .annotate(s=Sum("amount_fen")).values_list("payment__order_id", "s"))
    ledger: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (JournalLine.objects.filter(account__kind=HELD, entry__order__isnull=False)
                .values("entry__order_id", "entry__kind").annotate(s=Sum("amount_fen"))):
        kind = row["entry__kind"]
        part = "recognized" if kind in RECOGNITION_KINDS else kind
        ledger[row["entry__order_id"]][part] += row["s"]
    out = []
    order_ids = set(paid) | set(refunded) | set(ledger)
    orders = Order.objects.in_bulk(list(order_ids))
    vouchers_by_order: dict[int, list] = defaultdict(list)
    for v in Voucher.objects.filter(order_id__in=list(order_ids)):
        vouchers_by_order[v.order_id].append(v)
    for oid in sorted(order_ids):
        order = orders[oid]
        got = ledger.get(oid, {})
        received = -got.get(EntryKind.PAYMENT_RECEIVED, 0)
        back = got.get(EntryKind.REFUND_PAID, 0)
        recognized = got.get("recognized", 0)
        held = received - back - recognized
        name = order.public_id
        if received != paid.get(oid, 0):
            out.append(f"order {name}: paid {paid.get(oid, 0)} fen, held entries {received} fen")
        if back != refunded.get(oid, 0):
            out.append(f"order {name}: refunded {refunded.get(oid, 0)} fen, refund entries {back} fen")
        expected = goods_target_fen(order) + sum(voucher_target_fen(v) for v in vouchers_by_order.get(oid, []))
        if recognized != expected:
            out.append(f"order {name}: recognized {recognized} fen, its vouchers/goods are worth {expected} fen")
        if held < 0:
            out.append(f"order {name}: held funds negative ({held} fen): more out than paid")
        if held + recognized + back != paid.get(oid, 0):
            out.append(f"order {name}: held {held} + recognized {recognized} + refunded {back} "
                       f"!= paid {paid.get(oid, 0)}")
        if back > paid.get(oid, 0):
            out.append(f"order {name}: refunded {back} fen, more than paid {paid.get(oid, 0)}")
    return out


def orders_priced() -> list[str]:
    """Per paid order: paid + platform subsidy = gross - merchant-funded discount, where
    gross is the lines at their unit price plus the shipping fee; the order's discount and
    subsidy are its lines' sums, and no line's net is negative or off its parts."""
    out = []
    bad_lines = (OrderLine.objects.exclude(line_total_fen=F("unit_price_fen") * F("quantity") - F("discount_fen"))
                 .values_list("public_id", "order__public_id")[:50])
    out.extend(f"order {o}: line {ln} net is not unit price x quantity - discount" for ln, o in bad_lines)
    sums = (OrderLine.objects.filter(order__paid_amount_fen__isnull=False).values("order_id")
            .annotate(gross=Sum(F("unit_price_fen") * F("quantity")), discount=Sum("discount_fen"),
                      merchant=Sum("merchant_funded_fen"), platform=Sum("platform_funded_fen")))
    by_order = {r["order_id"]: r for r in sums}
    orders = Order.objects.in_bulk(list(by_order))
    for oid, r in sorted(by_order.items()):
        o = orders[oid]
        gross = r["gross"] + o.shipping_fee_fen
        if o.discount_fen != r["discount"] or o.platform_subsidy_fen != r["platform"]:
            out.append(f"order {o.public_id}: discount/subsidy {o.discount_fen}/{o.platform_subsidy_fen} fen, "
                       f"its lines say {r['discount']}/{r['platform']}")
        if o.paid_amount_fen + o.platform_subsidy_fen != gross - r["merchant"]:
            out.append(f"order {o.public_id}: paid {o.paid_amount_fen} + subsidy {o.platform_subsidy_fen} "
                       f"!= gross {gross} - merchant discount {r['merchant']}")
    return out


def marketing_spend_matches() -> list[str]:
    """Platform marketing spend (the expense account) = the platform-funded discounts on
    recognized sales: per order, its recognized subsidy equals its vouchers' and goods'
    subsidy targets (nothing for refunded parts), and the account is their sum."""
    posted = dict(JournalLine.objects.filter(account__kind=AccountKind.PLATFORM_MARKETING,
                                             entry__order__isnull=False)
                  .values("entry__order_id").annotate(s=Sum("amount_fen")).values_list("entry__order_id", "s"))
    funded = set(OrderLine.objects.filter(platform_funded_fen__gt=0).values_list("order_id", flat=True))
    order_ids = funded | set(posted)
    orders = Order.objects.in_bulk(list(order_ids))
    expected: dict[int, int] = defaultdict(int)
    for v in Voucher.objects.filter(order_id__in=list(order_ids)).select_related("order_line"):
        expected[v.order_id] += voucher_subsidy_target_fen(v)
    for oid in order_ids:
        expected[oid] += goods_subsidy_target_fen(orders[oid])
    out = [f"order {orders[oid].public_id}: subsidy recognized {posted.get(oid, 0)} fen, "
           f"its recognized sales carry {expected[oid]} fen"
           for oid in sorted(order_ids) if posted.get(oid, 0) != expected[oid]]
    spend = (JournalLine.objects.filter(account__kind=AccountKind.PLATFORM_MARKETING)
             .aggregate(s=Sum("amount_fen"))["s"] or 0)
    if spend != sum(expected.values()):
        out.append(f"platform marketing spend is {spend} fen; platform-funded discounts on recognized sales "
                   f"are {sum(expected.values())} fen")
    return out


def payables_not_negative() -> list[str]:
    rows = (JournalLine.objects.filter(account__kind=AccountKind.MERCHANT_PAYABLE)
            .values("account__merchant__public_id").annotate(s=Sum("amount_fen")).filter(s__gt=0))
    return [f"merchant {r['account__merchant__public_id']}: payable is negative ({-r['s']} fen)" for r in rows]


def settlements_match() -> list[str]:
    """Each statement equals its entries (read again from their lines), within its period;
    no recognized entry dated inside a settled period was left out; paid payouts equal
    their statements."""
    out = []
    stmts = list(SettlementStatement.objects.select_related("merchant", "payout"))
    items = defaultdict(list)
    for it in SettlementItem.objects.select_related("entry"):
        items[it.statement_id].append(it)
    amounts = entry_amounts([it.entry_id for its in items.values() for it in its])
    last_end: dict[int, object] = {}
    for s in stmts:
        its = items.get(s.pk, [])
        gross = sum(amounts.get(it.entry_id, (0, 0, 0))[0] for it in its)
        commission = sum(amounts.get(it.entry_id, (0, 0, 0))[1] for it in its)
        net = sum(amounts.get(it.entry_id, (0, 0, 0))[2] for it in its)
        if (gross, commission, net) != (s.gross_fen, s.commission_fen, s.net_fen) or len(its) != s.entry_count:
            out.append(f"statement {s.public_id}: says gross/commission/net {s.gross_fen}/{s.commission_fen}/"
                       f"{s.net_fen} over {s.entry_count} entries, its entries give {gross}/{commission}/{net} "
                       f"over {len(its)}")
        for it in its:
            e = it.entry
            if e.merchant_id != s.merchant_id or e.kind not in RECOGNITION_KINDS or not (
                    s.period_start <= e.business_date <= s.period_end):
                out.append(f"statement {s.public_id}: entry {e.public_id} does not belong to it")
        if s.merchant_id not in last_end or s.period_end > last_end[s.merchant_id]:
            last_end[s.merchant_id] = s.period_end
    for mid, end in last_end.items():
        left = (JournalEntry.objects.filter(merchant_id=mid, kind__in=RECOGNITION_KINDS, business_date__lte=end,
                                            settlement_item__isnull=True).values_list("public_id", flat=True))
        out.extend(f"entry {pid}: dated in a settled period but not in any statement" for pid in left)
    for s in stmts:
        if s.payout is not None and s.payout.status == PayoutStatus.PAID:
            line = s.payout.lines.filter(merchant_id=s.merchant_id).first()
            stmt_sum = (SettlementStatement.objects.filter(payout=s.payout, merchant_id=s.merchant_id)
                        .aggregate(t=Sum("net_fen"))["t"])
            if line is None or line.amount_fen != stmt_sum:
                out.append(f"payout {s.payout.public_id}: the line of merchant {s.merchant.public_id} "
                           f"does not equal its statements ({stmt_sum} fen)")
    return out


def clearing_matches_gateway() -> list[str]:
    """Money at the gateway per the ledger = payments in - refunds out - payouts paid."""
    paid = sum(_paid_by_order().values())
    refunded = (payments.refunds_out_of_held_funds().filter(status=RefundStatus.SUCCEEDED)
                .aggregate(s=Sum("amount_fen"))["s"] or 0)
    payouts = Payout.objects.filter(status=PayoutStatus.PAID).aggregate(s=Sum("total_fen"))["s"] or 0
    clearing = (JournalLine.objects.filter(account__kind=AccountKind.GATEWAY_CLEARING)
                .aggregate(s=Sum("amount_fen"))["s"] or 0)
    expected = paid - refunded - payouts
    if clearing != expected:
        return [f"gateway clearing is {clearing} fen; payments {paid} - refunds {refunded} - payouts {payouts} "
                f"= {expected} fen"]
    return []


def bill_differences() -> list[str]:
    """Differences against the gateway's bill that no operator has resolved yet."""
    return [_difference_text(d) for d in reconciliation.unresolved_differences()]


def _difference_text(d: ReconciliationDifference) -> str:
    parts = [d.public_id, d.kind, d.type, d.out_trade_no or d.out_refund_no]
    text = " ".join(p for p in parts if p)
    if d.platform_amount_fen is not None or d.bill_amount_fen is not None:
        text += f" (platform {d.platform_amount_fen} fen, bill {d.bill_amount_fen} fen)"
    return f"bill: {text}" + (f": {d.detail}" if d.detail else "")


def run_checks() -> Report:
    report = Report()
    report.add("entries balance", entries_balance())
    report.add("orders accounted for", orders_accounted())
    report.add("orders priced: paid + subsidy = gross - merchant discount", orders_priced())
    report.add("marketing spend matches platform-funded discounts", marketing_spend_matches())
    report.add("merchant payables not negative", payables_not_negative())
    report.add("settlements match recognized amounts", settlements_match())
    report.add("gateway clearing matches payments", clearing_matches_gateway())
    report.add("ledger matches the gateway bill", bill_differences())
    report.stats = {
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
        "statements": SettlementStatement.objects.count(),
        "orders": JournalEntry.objects.exclude(order=None).values("order").distinct().count(),
        "held_fen": -(JournalLine.objects.filter(account__kind=HELD).aggregate(s=Sum("amount_fen"))["s"] or 0),
        "payable_fen": -(JournalLine.objects.filter(account__kind=AccountKind.MERCHANT_PAYABLE)
                         .aggregate(s=Sum("amount_fen"))["s"] or 0),
        "commission_fen": -(JournalLine.objects.filter(account__kind=AccountKind.PLATFORM_COMMISSION)
                            .aggregate(s=Sum("amount_fen"))["s"] or 0),
        "marketing_fen": JournalLine.objects.filter(account__kind=AccountKind.PLATFORM_MARKETING)
        .aggregate(s=Sum("amount_fen"))["s"] or 0,
        "unsettled_entries": JournalEntry.objects.filter(
            Q(kind__in=RECOGNITION_KINDS) & Q(settlement_item__isnull=True)).count(),
    }
    return report
