"""Pay for an order, see a payment; operators see payments, refunds and held payments."""


import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.accounts.models import Role
from o2o.api.schemas import ERRORS, ErrorOut
from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.core.pagination import Cursor
from o2o.merchants.access import require_customer, require_operator
from o2o.payments import services
from o2o.payments.models import HeldPayment, Payment, Refund

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


class RefundIn(Schema):
    amount_fen: int = Field(..., ge=1, le=100_000_000)
    reason: str = Field("", max_length=80)


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
    user = request.auth
    if not looks_like_id(payment_id, "pay"):
        raise NotFound("No such payment", "payment_not_found")
    qs = Payment.objects.select_related("order")
    if user.role != Role.OPERATOR:
        qs = qs.filter(customer=user)
    payment = qs.filter(public_id=payment_id).first()
    if payment is None:
        raise NotFound("No such payment", "payment_not_found")
    return payment


@router.post("/orders/{order_id}/refunds", response={201: RefundOut, **ERRORS})
def refund_goods_order(request, order_id: str, data: RefundIn):
    """Refund (part of) a paid goods order before it ships."""
    customer = require_customer(request.auth)
    refund = services.refund_order_for_customer(customer, order_id, data.amount_fen, reason=data.reason,
                                                idempotency_key=request.headers.get("Idempotency-Key", ""))
    return Status(201, refund)


@router.get("/operator/payments", response=list[PaymentOut], tags=["operator"])
@paginate(Cursor)
def operator_payments(request, filters: Query[StatusFilter]):
    require_operator(request.auth)
    qs = Payment.objects.select_related("order")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.get("/operator/refunds", response=list[RefundOut], tags=["operator"])
@paginate(Cursor)
def operator_refunds(request, filters: Query[StatusFilter]):
    require_operator(request.auth)
    qs = Refund.objects.select_related("payment__order")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.get("/operator/held-payments", response=list[HeldOut], tags=["operator"])
@paginate(Cursor)
def operator_held(request, filters: Query[StatusFilter]):
    require_operator(request.auth)
    qs = HeldPayment.objects.select_related("payment__order")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs
