"""Pay for an order, see a payment; operators see payments, refunds and held payments."""


import contextlib
import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, ErrorOut, Schema
from o2o.merchants.access import require_customer, require_operator
from o2o.payments import reconciliation, selectors, services

router = Router(tags=["payments"], auth=api_auth)


class PayIn(Schema):
    channel: str = Field(..., pattern="^(jsapi|native|h5)$", description="jsapi | native | h5")
    openid: str = Field("", max_length=128, description="the payer's openid (JSAPI only)")


class PaymentOut(Schema):
    id: str = Field(..., alias="public_id")
    order_id: str = Field(..., alias="order.public_id")
    out_trade_no: str
    channel: str
    amount_fen: int
    currency: str
    status: str
    transaction_id: str | None
    prepay_id: str
    code_url: str
    h5_url: str
    time_expire: dt.datetime
    paid_at: dt.datetime | None
    created_at: dt.datetime


class PayOut(PaymentOut):
    jsapi: dict[str, str] = Field(default_factory=dict, description="wx.requestPayment parameters (JSAPI)")
    cashier_url: str = Field("", description="sandbox only: the page where a person pays")


class RefundOut(Schema):
    id: str = Field(..., alias="public_id")
    payment_id: str = Field(..., alias="payment.public_id")
    order_id: str = Field(..., alias="payment.order.public_id")
    out_refund_no: str
    amount_fen: int
    status: str
    reason: str
    source: str
    source_ref: str
    refund_id: str
    created_at: dt.datetime
    succeeded_at: dt.datetime | None


class HeldOut(Schema):
    id: str = Field(..., alias="public_id")
    payment_id: str = Field(..., alias="payment.public_id")
    order_id: str = Field(..., alias="payment.order.public_id")
    transaction_id: str
    expected_fen: int
    received_fen: int
    reason: str
    status: str
    created_at: dt.datetime


class StatusFilter(Schema):
    status: str | None = Field(None, max_length=16)


def _client_ip(request: HttpRequest) -> str:
    return (request.META.get("REMOTE_ADDR") or "127.0.0.1")[:45]


@router.post("/orders/{order_id}/pay", response={200: PayOut, 502: ErrorOut, **ERRORS})
def pay(request, order_id: str, data: PayIn):
    """Prepay an unpaid order. Send an `Idempotency-Key` to make retries return the same attempt."""
    customer = require_customer(request.auth)
    view = services.start_payment(customer, order_id, data.channel, openid=data.openid,
                                  client_ip=_client_ip(request),
                                  idempotency_key=request.headers.get("Idempotency-Key", ""))
    payment = view.payment
    payment.jsapi, payment.cashier_url = view.invoke, view.cashier_url
    return payment


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request, payment_id: str):
    return selectors.payment_for(request.auth, payment_id)


@router.post("/orders/{order_id}/refunds", response=ERRORS, deprecated=True)
def refund_goods_order(request, order_id: str):
    """Not a way to get money back: always 409. Before shipment the customer cancels
    the order (`POST /orders/{id}/cancel`: refunded in full at once, restocked); once
    delivered, an after-sales request (`POST /orders/{id}/after-sales`); a service
    order's vouchers are refunded one by one. Codes use_cancel_or_after_sales and
    use_voucher_refund carry the path to use in `details.path`."""
    services.refund_order_for_customer(require_customer(request.auth), order_id)


@router.get("/operator/payments", response=list[PaymentOut], tags=["operator"])
@paginate(Cursor)
def operator_payments(request, filters: Query[StatusFilter]):
    return selectors.operator_payments(require_operator(request.auth), filters.status)


@router.get("/operator/refunds", response=list[RefundOut], tags=["operator"])
@paginate(Cursor)
def operator_refunds(request, filters: Query[StatusFilter]):
    return selectors.operator_refunds(require_operator(request.auth), filters.status)


@router.get("/operator/held-payments", response=list[HeldOut], tags=["operator"])
@paginate(Cursor)
def operator_held(request, filters: Query[StatusFilter]):
    return selectors.held_payments(require_operator(request.auth), filters.status)


# --- held payments: operator decisions -------------------------------------------------------

class HeldNoteIn(Schema):
    note: str = Field("", max_length=300)


class DismissIn(Schema):
    note: str = Field(..., min_length=1, max_length=300)


class HeldResolvedOut(HeldOut):
    note: str
    resolved_at: dt.datetime | None
    action: str | None = None
    refund: RefundOut | None = None

    @staticmethod
    def resolve_action(obj) -> str | None:
        r = getattr(obj, "resolution", None)
        return r.action if r else None

    @staticmethod
    def resolve_refund(obj):
        r = getattr(obj, "resolution", None)
        return r.refund if r else None


@router.post("/operator/held-payments/{held_id}/refund", response={200: HeldResolvedOut, **ERRORS},
             tags=["operator"])
def refund_held(request, held_id: str, data: HeldNoteIn):
    """Give held money (an amount that did not match) back to the payer through the gateway."""
    operator = require_operator(request.auth)
    services.refund_held_payment(operator, held_id, data.note)
    return selectors.held_payment(operator, held_id)


@router.post("/operator/held-payments/{held_id}/dismiss", response={200: HeldResolvedOut, **ERRORS},
             tags=["operator"])
def dismiss_held(request, held_id: str, data: DismissIn):
    """Close a held payment without moving money (settled some other way); a note is required."""
    operator = require_operator(request.auth)
    services.dismiss_held_payment(operator, held_id, data.note)
    return selectors.held_payment(operator, held_id)


# --- reconciliation against the gateway's bill ----------------------------------------------

class ReconcileIn(Schema):
    bill_date: dt.date = Field(..., description="the business day (Asia/Shanghai), YYYY-MM-DD")


class RunOut(Schema):
    id: str = Field(..., alias="public_id")
    bill_date: dt.date
    status: str
    error: str
    bill_payment_count: int
    bill_refund_count: int
    bill_payment_fen: int
    bill_refund_fen: int
    platform_payment_count: int
    platform_refund_count: int
    platform_payment_fen: int
    platform_refund_fen: int
    matched_count: int
    difference_count: int
    unresolved_count: int
    reconciled_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class DifferenceOut(Schema):
    id: str = Field(..., alias="public_id")
    run_id: str = Field(..., alias="run.public_id")
    bill_date: dt.date = Field(..., alias="run.bill_date")
    kind: str
    type: str
    out_trade_no: str
    transaction_id: str
    out_refund_no: str
    gateway_refund_id: str
    payment_id: str | None = None
    refund_id: str | None = None
    platform_amount_fen: int | None
    bill_amount_fen: int | None
    platform_status: str
    bill_status: str
    detail: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None = None
    note: str

    @staticmethod
    def resolve_payment_id(obj) -> str | None:
        return obj.payment.public_id if obj.payment_id else None

    @staticmethod
    def resolve_refund_id(obj) -> str | None:
        return obj.refund.public_id if obj.refund_id else None

    @staticmethod
    def resolve_resolved_by(obj) -> str | None:
        return obj.resolved_by.public_id if obj.resolved_by_id else None


class RunDetailOut(RunOut):
    differences: list[DifferenceOut]

    @staticmethod
    def resolve_differences(obj) -> list:
        return selectors.run_differences(obj)


class ResolveIn(Schema):
    note: str = Field(..., min_length=1, max_length=300)


class DifferenceFilter(Schema):
    resolved: bool | None = None
    kind: str | None = Field(None, max_length=20)


@router.post("/operator/reconciliations", response={200: RunDetailOut, **ERRORS}, tags=["operator"])
def reconcile_day(request, data: ReconcileIn):
    """Fetch the gateway's trade bill of a day and match it against payments and refunds.
    Again for the same day: its unresolved differences are replaced. When the bill cannot
    be fetched or read, the run answers with `error` set (status `failed` unless an earlier
    attempt of the day succeeded, whose results are kept)."""
    operator = require_operator(request.auth)
    with contextlib.suppress(services.GatewayUnavailable):  # the failure is recorded on the day's run
        reconciliation.reconcile(data.bill_date)
    return selectors.run_of_day(operator, data.bill_date)


@router.get("/operator/reconciliations", response=list[RunOut], tags=["operator"])
@paginate(Cursor)
def list_reconciliations(request, filters: Query[StatusFilter]):
    return selectors.reconciliation_runs(require_operator(request.auth), filters.status)


@router.get("/operator/reconciliations/{run_id}", response={200: RunDetailOut, **ERRORS}, tags=["operator"])
def get_reconciliation(request, run_id: str):
    return selectors.reconciliation_run(require_operator(request.auth), run_id)


@router.get("/operator/reconciliation-differences", response=list[DifferenceOut], tags=["operator"])
@paginate(Cursor)
def list_differences(request, filters: Query[DifferenceFilter]):
    return selectors.differences(require_operator(request.auth), resolved=filters.resolved, kind=filters.kind)


@router.post("/operator/reconciliation-differences/{difference_id}/resolve",
             response={200: DifferenceOut, **ERRORS}, tags=["operator"])
def resolve_difference(request, difference_id: str, data: ResolveIn):
    operator = require_operator(request.auth)
    diff = reconciliation.resolve_difference(operator, difference_id, data.note)
    return selectors.difference(operator, diff.public_id)
