"""Payouts: batches of settled statements, one line per merchant, marked paid by an
operator after the bank transfer (which posts Dr merchant_payable / Cr gateway_clearing).
The bank file is CSV with yuan amounts formatted from integer fen, never floats."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.db import transaction
from django.db.models import Sum

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.core.money import CURRENCY
from o2o.ledger.models import (
    AccountKind,
    EntryKind,
    Payout,
    PayoutLine,
    PayoutStatus,
    SettlementStatement,
)
from o2o.ledger.services.journal import Line, account, payable, post


def yuan(amount_fen: int) -> str:
    """12345 -> '123.45' by integer arithmetic."""
    sign = "-" if amount_fen < 0 else ""
    whole, frac = divmod(abs(int(amount_fen)), 100)
    return f"{sign}{whole}.{frac:02d}"


def create_payout(created_by=None, merchant_public_ids: list[str] | None = None) -> Payout | None:
    """Batch every settled statement not yet in a payout (of the given merchants, or all).
    A merchant whose statements net to zero or less is left for a later batch. Returns
    None when there is nothing to pay."""
    with transaction.atomic():
        qs = SettlementStatement.objects.select_for_update().filter(payout__isnull=True, currency=CURRENCY)
        if merchant_public_ids is not None:
            bad = [m for m in merchant_public_ids if not looks_like_id(m, "mer")]
            if bad:
                raise ValidationFailed("merchant ids are mer_ ids", "invalid_merchant_id", details={"ids": bad})
            qs = qs.filter(merchant__public_id__in=merchant_public_ids)
        stmts = list(qs.select_related("merchant").order_by("id"))
        per_merchant: dict[int, list[SettlementStatement]] = defaultdict(list)
        for s in stmts:
            per_merchant[s.merchant_id].append(s)
        payable_lines = {mid: sum(s.net_fen for s in ss) for mid, ss in per_merchant.items()}
        payable_lines = {mid: amt for mid, amt in payable_lines.items() if amt > 0}
        if not payable_lines:
            return None
        now = clock.now()
        payout = Payout.objects.create(total_fen=sum(payable_lines.values()), created_at=now, created_by=created_by)
        PayoutLine.objects.bulk_create([PayoutLine(payout=payout, merchant_id=mid, amount_fen=amt)
                                        for mid, amt in sorted(payable_lines.items())])
        taken = SettlementStatement.objects.filter(
            pk__in=[s.pk for mid in payable_lines for s in per_merchant[mid]], payout__isnull=True,
        ).update(payout=payout)
        if taken != sum(len(per_merchant[mid]) for mid in payable_lines):
            raise Conflict("Statements were batched concurrently; try again", "payout_conflict")
        events.emit("payout.created", payout, {"total_fen": payout.total_fen, "merchants": len(payable_lines)})
    return payout


def get_payout(public_id: str) -> Payout:
    payout = Payout.objects.filter(public_id=public_id).first() if looks_like_id(public_id, "pyo") else None
    if payout is None:
        raise NotFound("No such payout", "payout_not_found")
    return payout


def mark_paid(public_id: str, paid_by=None, bank_reference: str = "") -> Payout:
    """The bank transfer went out: post Dr merchant_payable (each line) / Cr gateway_clearing.
    Conflict already_paid on a second call."""
    if not isinstance(bank_reference, str) or len(bank_reference) > 64:
        raise ValidationFailed("bank_reference is at most 64 characters", "invalid_bank_reference")
    get_payout(public_id)
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(public_id=public_id)
        if payout.status == PayoutStatus.PAID:
            raise Conflict("This payout is already paid", "already_paid")
        now = clock.now()
        lines = list(payout.lines.select_related("merchant").order_by("id"))
        post(EntryKind.PAYOUT_PAID, ("payout", payout.public_id), [
            *[Line(payable(ln.merchant, payout.currency), ln.amount_fen) for ln in lines],
            Line(account(AccountKind.GATEWAY_CLEARING, currency=payout.currency), -payout.total_fen),
        ], occurred_at=now, memo=f"payout {payout.public_id} {bank_reference}".strip())
        payout.status, payout.paid_at, payout.paid_by = PayoutStatus.PAID, now, paid_by
        payout.bank_reference = bank_reference
        payout.save(update_fields=["status", "paid_at", "paid_by", "bank_reference"])
        events.emit("payout.paid", payout, {"total_fen": payout.total_fen, "bank_reference": bank_reference})
        for ln in lines:
            events.emit("payout.line_paid", payout, {"amount_fen": ln.amount_fen},
                        merchant_id=ln.merchant.public_id)
    return payout


BANK_FILE_COLUMNS = ["payout_id", "line", "merchant_id", "merchant_name", "account_name", "bank_name",
                     "bank_account_no", "amount_yuan", "currency", "memo"]


def bank_file_csv(public_id: str) -> str:
    """The bank transfer file of a payout. Bank details are placeholders to fill in from
    the merchant's onboarding records (not stored on the platform yet)."""
    payout = get_payout(public_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BANK_FILE_COLUMNS)
    for i, ln in enumerate(payout.lines.select_related("merchant").order_by("id"), start=1):
        writer.writerow([payout.public_id, i, ln.merchant.public_id, ln.merchant.name, ln.merchant.name, "", "",
                         yuan(ln.amount_fen), payout.currency, f"o2o settlement {payout.public_id}"])
    return out.getvalue()


def payout_total_of_statements(payout: Payout) -> int:
    return payout.statements.aggregate(s=Sum("net_fen"))["s"] or 0
