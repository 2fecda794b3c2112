"""Ledger for merchant owners (balance, settlements, payouts) and operators (accounts,
entries, settlements, payout batches, bank files)."""

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.errors import Conflict
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.ledger import selectors, services
from o2o.ledger.models import CREDIT_NORMAL, AccountKind, EntryKind, PayoutStatus
from o2o.merchants.access import merchant_of, require_operator

router = Router(tags=["ledger"], auth=api_auth)


# --- schemas ------------------------------------------------------------------------------

class BalanceOut(Schema):
    merchant_id: str
    currency: str
    held_fen: int
    payable_fen: int
    unsettled_fen: int
    settled_unpaid_fen: int
    commission_fen: int
    paid_out_fen: int


class StatementOut(Schema):
    id: str = Field(..., alias="public_id")
    merchant_id: str
    period_start: dt.date
    period_end: dt.date
    currency: str
    gross_fen: int
    commission_fen: int
    net_fen: int
    entry_count: int
    created_at: dt.datetime
    payout_id: str | None

    @staticmethod
    def resolve_merchant_id(obj) -> str:
        return obj.merchant.public_id

    @staticmethod
    def resolve_payout_id(obj) -> str | None:
        return obj.payout.public_id if obj.payout_id else None


class StatementItemOut(Schema):
    entry_id: str
    kind: str
    business_date: dt.date
    order_id: str | None
    voucher_id: str | None
    gross_fen: int
    commission_fen: int
    net_fen: int


class StatementDetailOut(StatementOut):
    items: list[StatementItemOut]

    @staticmethod
    def resolve_items(obj) -> list[dict]:
        return selectors.statement_items(obj)


class MerchantPayoutOut(Schema):
    id: str
    status: str
    amount_fen: int
    currency: str
    created_at: dt.datetime
    paid_at: dt.datetime | None

    @staticmethod
    def resolve_id(obj) -> str:
        return obj.payout.public_id

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.payout.status

    @staticmethod
    def resolve_currency(obj) -> str:
        return obj.payout.currency

    @staticmethod
    def resolve_created_at(obj) -> dt.datetime:
        return obj.payout.created_at

    @staticmethod
    def resolve_paid_at(obj) -> dt.datetime | None:
        return obj.payout.paid_at


class AccountOut(Schema):
    id: str = Field(..., alias="public_id")
    kind: str
    name: str
    currency: str
    merchant_id: str | None
    balance_fen: int

    @staticmethod
    def resolve_merchant_id(obj) -> str | None:
        return obj.merchant.public_id if obj.merchant_id else None

    @staticmethod
    def resolve_balance_fen(obj) -> int:
        raw = obj.raw_fen or 0
        return -raw if obj.kind in CREDIT_NORMAL else raw


class LineOut(Schema):
    account_id: str
    account_kind: str
    amount_fen: int
    currency: str

    @staticmethod
    def resolve_account_id(obj) -> str:
        return obj.account.public_id

    @staticmethod
    def resolve_account_kind(obj) -> str:
        return obj.account.kind


class EntryOut(Schema):
    id: str = Field(..., alias="public_id")
    kind: str
    occurred_at: dt.datetime
    business_date: dt.date
    source_type: str
    source_id: str
    memo: str
    merchant_id: str | None
    order_id: str | None
    voucher_id: str | None
    lines: list[LineOut]

    @staticmethod
    def resolve_merchant_id(obj) -> str | None:
        return obj.merchant.public_id if obj.merchant_id else None

    @staticmethod
    def resolve_order_id(obj) -> str | None:
        return obj.order.public_id if obj.order_id else None

    @staticmethod
    def resolve_voucher_id(obj) -> str | None:
        return obj.voucher.public_id if obj.voucher_id else None

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class PayoutLineOut(Schema):
    merchant_id: str
    merchant_name: str
    amount_fen: int

    @staticmethod
    def resolve_merchant_id(obj) -> str:
        return obj.merchant.public_id

    @staticmethod
    def resolve_merchant_name(obj) -> str:
        return obj.merchant.name


class PayoutOut(Schema):
    id: str = Field(..., alias="public_id")
    status: str
    currency: str
    total_fen: int
    created_at: dt.datetime
    paid_at: dt.datetime | None
    bank_reference: str
    lines: list[PayoutLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())  # prefetched with their merchants (selectors.PAYOUT_LINES)


class PayoutIn(Schema):
    merchant_ids: list[str] | None = Field(None, max_length=500)


class MarkPaidIn(Schema):
    bank_reference: str = Field("", max_length=64)


class EntryFilter(Schema):
    kind: EntryKind | None = None
    merchant_id: str | None = Field(None, max_length=24)
    order_id: str | None = Field(None, max_length=24)


class MerchantFilter(Schema):
    merchant_id: str | None = Field(None, max_length=24)


class AccountFilter(Schema):
    kind: AccountKind | None = None


class PayoutFilter(Schema):
    status: PayoutStatus | None = None


# --- merchant owners ------------------------------------------------------------------------

@router.get("/merchant/ledger/balance", response={200: BalanceOut, **ERRORS})
def merchant_balance(request):
    """The owner's money: held for customers, payable (unsettled / settled), paid out."""
    return selectors.merchant_balance(merchant_of(request.auth, owner_only=True))


@router.get("/merchant/settlements", response=list[StatementOut])
@paginate(Cursor)
def merchant_settlements(request):
    """The merchant's settlement statements, newest first."""
    return selectors.merchant_statements(merchant_of(request.auth, owner_only=True))


@router.get("/merchant/settlements/{statement_id}", response={200: StatementDetailOut, **ERRORS})
def merchant_settlement(request, statement_id: str):
    """One statement of this merchant with its entries."""
    return selectors.statement(statement_id, merchant_of(request.auth, owner_only=True))


@router.get("/merchant/payouts", response=list[MerchantPayoutOut])
@paginate(Cursor)
def merchant_payouts(request):
    """What the platform paid (or is about to pay) this merchant."""
    return selectors.merchant_payouts(merchant_of(request.auth, owner_only=True))


# --- operators ------------------------------------------------------------------------------

@router.get("/operator/ledger/accounts", response=list[AccountOut], tags=["operator"])
@paginate(Cursor)
def operator_accounts(request, filters: Query[AccountFilter]):
    """Every ledger account with its balance (credit accounts shown positive)."""
    require_operator(request.auth)
    qs = selectors.accounts_with_balances()
    return qs.filter(kind=filters.kind) if filters.kind else qs


@router.get("/operator/ledger/entries", response=list[EntryOut], tags=["operator"])
@paginate(Cursor)
def operator_entries(request, filters: Query[EntryFilter]):
    """Journal entries with their lines, newest first; filter by kind, merchant or order."""
    require_operator(request.auth)
    return selectors.entries(filters.kind, filters.merchant_id, filters.order_id)


@router.get("/operator/settlements/{statement_id}", response={200: StatementDetailOut, **ERRORS},
            tags=["operator"])
def operator_settlement(request, statement_id: str):
    require_operator(request.auth)
    return selectors.statement(statement_id)


@router.get("/operator/settlements", response=list[StatementOut], tags=["operator"])
@paginate(Cursor)
def operator_settlements(request, filters: Query[MerchantFilter]):
    require_operator(request.auth)
    return selectors.statements(filters.merchant_id)


@router.get("/operator/payouts", response=list[PayoutOut], tags=["operator"])
@paginate(Cursor)
def operator_payouts(request, filters: Query[PayoutFilter]):
    require_operator(request.auth)
    return selectors.payouts(filters.status)


@router.post("/operator/payouts", response={201: PayoutOut, **ERRORS}, tags=["operator"])
def create_payout(request, data: PayoutIn):
    """Batch the settled statements not yet paid (of the given merchants, or all)."""
    operator = require_operator(request.auth)
    payout = services.create_payout(operator, data.merchant_ids)
    if payout is None:
        raise Conflict("No settled statement is waiting for a payout", "nothing_to_pay")
    return Status(201, selectors.with_lines(payout))


@router.get("/operator/payouts/{payout_id}", response={200: PayoutOut, **ERRORS}, tags=["operator"])
def get_payout(request, payout_id: str):
    require_operator(request.auth)
    return selectors.with_lines(services.get_payout(payout_id))


@router.post("/operator/payouts/{payout_id}/mark-paid", response={200: PayoutOut, **ERRORS}, tags=["operator"])
def mark_paid(request, payout_id: str, data: MarkPaidIn):
    """The bank transfer went out: posts the payout entry. 409 when already paid."""
    operator = require_operator(request.auth)
    return selectors.with_lines(services.mark_paid(payout_id, operator, data.bank_reference))


@router.get("/operator/payouts/{payout_id}/bank-file.csv", response={200: None, **ERRORS}, tags=["operator"])
def bank_file(request, payout_id: str):
    """The payout's bank transfer file (CSV, amounts in yuan with two decimals)."""
    require_operator(request.auth)
    body = services.bank_file_csv(payout_id)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{payout_id}.csv"'
    return response
