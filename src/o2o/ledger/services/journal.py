"""The journal: accounts and posting. Every entry is posted through `post()`, which
refuses unbalanced lines and posts a business fact at most once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from o2o.core import clock
from o2o.core.money import CURRENCY
from o2o.ledger import conf
from o2o.ledger.models import CREDIT_NORMAL, Account, AccountKind, JournalEntry, JournalLine

_NAMES = {
    AccountKind.GATEWAY_CLEARING: "Gateway clearing",
    AccountKind.CUSTOMER_FUNDS_HELD: "Customer funds held",
    AccountKind.PLATFORM_COMMISSION: "Platform commission revenue",
    AccountKind.PLATFORM_MARKETING: "Platform marketing expense",
}


class Unbalanced(ValueError):
    """The lines of an entry do not sum to zero in some currency."""


def account(kind: str, merchant=None, currency: str = CURRENCY) -> Account:
    """The account of `kind` (of `merchant` for merchant payables), created on first use."""
    if (kind == AccountKind.MERCHANT_PAYABLE) != (merchant is not None):
        raise ValueError("merchant payables, and only they, belong to a merchant")
    found = Account.objects.filter(kind=kind, merchant=merchant, currency=currency).first()
    if found is not None:
        return found
    name = f"Payable to {merchant.name} ({merchant.public_id})" if merchant is not None else _NAMES[kind]
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, merchant=merchant, currency=currency, name=name,
                                          created_at=clock.now())
    except IntegrityError:  # created by a concurrent posting
        return Account.objects.get(kind=kind, merchant=merchant, currency=currency)


def payable(merchant, currency: str = CURRENCY) -> Account:
    return account(AccountKind.MERCHANT_PAYABLE, merchant, currency)


def lock_payable(merchant, currency: str = CURRENCY) -> Account:
    """Lock the merchant's payable row: postings that read the books to compute an amount
    (voucher and goods recognition) run one at a time per merchant."""
    acc = payable(merchant, currency)
    return Account.objects.select_for_update().get(pk=acc.pk)


@dataclass(frozen=True)
class Line:
    account: Account
    amount_fen: int  # debit +, credit -


def check_balanced(lines: Iterable[Line]) -> None:
    sums: dict[str, int] = defaultdict(int)
    count = 0
    for ln in lines:
        if isinstance(ln.amount_fen, bool) or not isinstance(ln.amount_fen, int):
            raise Unbalanced("amounts are integer fen")
        sums[ln.account.currency] += ln.amount_fen
        count += 1
    if count < 2:
        raise Unbalanced("an entry has at least two lines")
    bad = {cur: s for cur, s in sums.items() if s != 0}
    if bad:
        raise Unbalanced(f"lines do not sum to zero: {bad}")


def post(kind: str, source: tuple[str, str], lines: list[Line], *, occurred_at: dt.datetime | None = None,
         memo: str = "", merchant=None, order=None, voucher=None,
         commission_rate_bp: int | None = None,
         business_date: dt.date | None = None) -> tuple[JournalEntry, bool]:
    """Post an entry for the business fact `source` = (source_type, source_id), once.

    Zero lines are dropped; the rest must sum to zero per currency (Unbalanced otherwise).
    `business_date` defaults to occurred_at's day in the business zone.
    Returns (entry, created); a fact posted before returns its first entry unchanged."""
    source_type, source_id = source
    lines = [ln for ln in lines if ln.amount_fen != 0]
    check_balanced(lines)
    existing = JournalEntry.objects.filter(source_type=source_type, source_id=source_id).first()
    if existing is not None:
        return existing, False
    occurred_at = occurred_at or clock.now()
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                kind=kind, occurred_at=occurred_at, business_date=business_date or conf.business_date(occurred_at),
                posted_at=clock.now(), source_type=source_type, source_id=source_id, memo=memo[:200],
                merchant=merchant, order=order, voucher=voucher, commission_rate_bp=commission_rate_bp)
            JournalLine.objects.bulk_create([
                JournalLine(entry=entry, account=ln.account, amount_fen=ln.amount_fen, currency=ln.account.currency)
                for ln in lines])
    except IntegrityError:  # posted concurrently by another worker
        return JournalEntry.objects.get(source_type=source_type, source_id=source_id), False
    return entry, True


# --- balances ---------------------------------------------------------------------------

def raw_balance(acc: Account) -> int:
    """SUM of the account's lines (debits positive)."""
    return JournalLine.objects.filter(account=acc).aggregate(s=Sum("amount_fen"))["s"] or 0


def balance(acc: Account) -> int:
    """The balance on the account's natural side (credit accounts shown positive)."""
    raw = raw_balance(acc)
    return -raw if acc.kind in CREDIT_NORMAL else raw


def balances() -> list[tuple[Account, int]]:
    """Every account with its natural-side balance, in one query."""
    sums = dict(JournalLine.objects.values("account_id").annotate(s=Sum("amount_fen"))
                .values_list("account_id", "s"))
    out = []
    for acc in Account.objects.select_related("merchant").order_by("kind", "id"):
        raw = sums.get(acc.pk, 0) or 0
        out.append((acc, -raw if acc.kind in CREDIT_NORMAL else raw))
    return out
