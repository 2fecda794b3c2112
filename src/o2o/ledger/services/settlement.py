"""Settlement: each merchant's recognized entries, settled T+N business days.

A business day D (Asia/Shanghai) settles once the clock passes the end of day D+N-1
plus the reversal window, so a redemption made just before midnight and reversed just
after is settled together with its reversal. A statement covers every unsettled
recognition entry of the merchant dated on or before its period end; an entry is
settled once (SettlementItem.entry is unique). A day that has not ended (in the
business time zone, ledger.conf.business_zone) is never settled: its later entries
would fall inside a period that already has its statement.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from o2o.core import clock, events
from o2o.ledger import conf
from o2o.ledger.models import (
    RECOGNITION_KINDS,
    AccountKind,
    JournalEntry,
    JournalLine,
    SettlementItem,
    SettlementStatement,
)
from o2o.merchants.models import Merchant


def cutoff_date(now: dt.datetime | None = None) -> dt.date:
    """The last business day that may be settled at `now`: never the day in progress
    (nor one whose reversal window is still open), whatever the configuration says."""
    now = now or clock.now()
    closed = conf.business_date(now - conf.settlement_grace()) - dt.timedelta(days=1)
    return closed - dt.timedelta(days=conf.settlement_days() - 1)


def entry_amounts(entry_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """(gross, commission, net) of each entry, read from its lines. Gross is what the
    entry recognizes: released from held funds plus the platform's subsidy."""
    rows = (JournalLine.objects.filter(entry_id__in=entry_ids).values("entry_id")
            .annotate(gross=Sum("amount_fen", filter=Q(account__kind__in=(
                AccountKind.CUSTOMER_FUNDS_HELD, AccountKind.PLATFORM_MARKETING))),
                      commission=Sum("amount_fen", filter=Q(account__kind=AccountKind.PLATFORM_COMMISSION)),
                      net=Sum("amount_fen", filter=Q(account__kind=AccountKind.MERCHANT_PAYABLE))))
    return {r["entry_id"]: (r["gross"] or 0, -(r["commission"] or 0), -(r["net"] or 0)) for r in rows}


def unsettled(merchant_id: int | None = None, up_to: dt.date | None = None):
    qs = JournalEntry.objects.filter(kind__in=RECOGNITION_KINDS, merchant__isnull=False,
                                     settlement_item__isnull=True)
    if merchant_id is not None:
        qs = qs.filter(merchant_id=merchant_id)
    if up_to is not None:
        qs = qs.filter(business_date__lte=up_to)
    return qs


def settle_merchant(merchant, up_to: dt.date) -> SettlementStatement | None:
    """One statement of the merchant's unsettled entries dated up to `up_to` (None when
    there is nothing, or a statement for that period exists already)."""
    with transaction.atomic():
        entries = list(unsettled(merchant.pk, up_to).select_for_update(of=("self",)).order_by("id"))
        if not entries or SettlementStatement.objects.filter(merchant=merchant, period_end=up_to).exists():
            return None
        amounts = entry_amounts([e.pk for e in entries])
        gross = sum(amounts[e.pk][0] for e in entries)
        commission = sum(amounts[e.pk][1] for e in entries)
        net = sum(amounts[e.pk][2] for e in entries)
        try:
            with transaction.atomic():
                stmt = SettlementStatement.objects.create(
                    merchant=merchant, period_start=min(e.business_date for e in entries), period_end=up_to,
                    gross_fen=gross, commission_fen=commission, net_fen=net, entry_count=len(entries),
                    created_at=clock.now())
                SettlementItem.objects.bulk_create([
                    SettlementItem(statement=stmt, entry=e, gross_fen=amounts[e.pk][0],
                                   commission_fen=amounts[e.pk][1], net_fen=amounts[e.pk][2]) for e in entries])
        except IntegrityError:  # another worker settled them first
            return None
        events.emit("settlement.created", stmt, {
            "period_start": stmt.period_start.isoformat(), "period_end": up_to.isoformat(),
            "gross_fen": gross, "commission_fen": commission, "net_fen": net, "entries": len(entries),
        }, merchant_id=merchant.public_id)
    return stmt


def relay_pending(limit: int = 10_000) -> int:
    """Post what the outbox still holds, so entries of a closed day are not left behind."""
    total = 0
    while total < limit:
        n = events.relay()
        if not n:
            break
        total += n
    return total


def settle_due(now: dt.datetime | None = None, *, relay: bool = True) -> list[SettlementStatement]:
    """Settle every merchant's entries up to the cutoff day. Safe to run from several workers."""
    if relay:
        relay_pending()
    up_to = cutoff_date(now)
    by_merchant: dict[int, int] = defaultdict(int)
    for mid in unsettled(up_to=up_to).values_list("merchant_id", flat=True):
        by_merchant[mid] += 1
    made = []
    for merchant in Merchant.objects.filter(pk__in=list(by_merchant)).order_by("id"):
        stmt = settle_merchant(merchant, up_to)
        if stmt is not None:
            made.append(stmt)
    return made
