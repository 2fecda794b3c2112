"""Reads of the ledger for the API: scoped per merchant, or for operators."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet, Sum, prefetch_related_objects

from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.core.models import OutboxEvent
from o2o.ledger.models import (
    RECOGNITION_KINDS,
    Account,
    AccountKind,
    JournalEntry,
    JournalLine,
    Payout,
    PayoutLine,
    PayoutStatus,
    SettlementStatement,
)
from o2o.merchants.access import require_operator


def merchant_balance(merchant) -> dict:
    """Where the merchant's money is: held for customers (not yet redeemed or delivered),
    payable (recognized, less commission), of which unsettled / settled awaiting payout,
    and paid out so far."""
    lines = JournalLine.objects.filter(entry__merchant=merchant)
    agg = lines.aggregate(
        held=Sum("amount_fen", filter=Q(account__kind=AccountKind.CUSTOMER_FUNDS_HELD)),
        commission=Sum("amount_fen", filter=Q(account__kind=AccountKind.PLATFORM_COMMISSION)),
    )
    payable = -(JournalLine.objects.filter(account__kind=AccountKind.MERCHANT_PAYABLE, account__merchant=merchant)
                .aggregate(s=Sum("amount_fen"))["s"] or 0)
    unsettled = -(JournalLine.objects.filter(
        account__kind=AccountKind.MERCHANT_PAYABLE, account__merchant=merchant,
        entry__kind__in=RECOGNITION_KINDS, entry__settlement_item__isnull=True).aggregate(s=Sum("amount_fen"))["s"]
        or 0)
    paid_out = PayoutLine.objects.filter(merchant=merchant, payout__status=PayoutStatus.PAID) \
        .aggregate(s=Sum("amount_fen"))["s"] or 0
    return {"merchant_id": merchant.public_id, "currency": "CNY", "held_fen": -(agg["held"] or 0),
            "payable_fen": payable, "unsettled_fen": unsettled, "settled_unpaid_fen": payable - unsettled,
            "commission_fen": -(agg["commission"] or 0), "paid_out_fen": paid_out}


def merchant_statements(merchant) -> QuerySet[SettlementStatement]:
    return SettlementStatement.objects.filter(merchant=merchant).select_related("merchant", "payout")


def statement(public_id: str, merchant=None) -> SettlementStatement:
    qs = SettlementStatement.objects.select_related("merchant", "payout")
    if merchant is not None:
        qs = qs.filter(merchant=merchant)
    found = qs.filter(public_id=public_id).first() if looks_like_id(public_id, "stl") else None
    if found is None:
        raise NotFound("No such settlement statement", "settlement_not_found")
    return found


def statement_items(stmt: SettlementStatement) -> list[dict]:
    return [{"entry_id": it.entry.public_id, "kind": it.entry.kind, "business_date": it.entry.business_date,
             "order_id": it.entry.order.public_id if it.entry.order_id else None,
             "voucher_id": it.entry.voucher.public_id if it.entry.voucher_id else None,
             "gross_fen": it.gross_fen, "commission_fen": it.commission_fen, "net_fen": it.net_fen}
            for it in stmt.items.select_related("entry__order", "entry__voucher").order_by("id")]


PAYOUT_LINES = Prefetch("lines", queryset=PayoutLine.objects.select_related("merchant"))


def payouts(status: str | None = None) -> QuerySet[Payout]:
    """Payouts with their lines (and the lines' merchants) prefetched: no query per payout."""
    qs = Payout.objects.prefetch_related(PAYOUT_LINES)
    return qs.filter(status=status) if status else qs


def with_lines(payout: Payout) -> Payout:
    prefetch_related_objects([payout], PAYOUT_LINES)
    return payout


def statements(merchant_id: str | None = None) -> QuerySet[SettlementStatement]:
    qs = SettlementStatement.objects.select_related("merchant", "payout")
    return qs.filter(merchant__public_id=merchant_id) if merchant_id else qs


def merchant_payouts(merchant) -> QuerySet[PayoutLine]:
    return PayoutLine.objects.filter(merchant=merchant).select_related("payout")


def accounts_with_balances() -> QuerySet[Account]:
    return Account.objects.select_related("merchant").annotate(raw_fen=Sum("lines__amount_fen"))


def entries(kind: str | None = None, merchant_id: str | None = None,
            order_id: str | None = None) -> QuerySet[JournalEntry]:
    qs = JournalEntry.objects.select_related("merchant", "order", "voucher").prefetch_related("lines__account")
    if kind:
        qs = qs.filter(kind=kind)
    if merchant_id:
        qs = qs.filter(merchant__public_id=merchant_id)
    if order_id:
        qs = qs.filter(order__public_id=order_id)
    return qs


def unrelayed_event_count(operator) -> int:
    """Outbox events not yet relayed to their subscribers (postings among them): what the
    ledger check's button posts before checking."""
    require_operator(operator)
    return OutboxEvent.objects.filter(relayed_at__isnull=True).count()
