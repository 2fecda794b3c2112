"""Vouchers for customers (list, detail, QR, refund, history) and the counter for
staff (lookup, redeem, reverse, history)."""

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.idempotency import run_once
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.vouchers import offline, qr, selectors, services
from o2o.vouchers.models import VoucherStatus
from o2o.vouchers.schemas import (
    LookupOut,
    MyRedemptionOut,
    RedeemIn,
    RedemptionOut,
    RefundIn,
    RefundOut,
    VoucherOut,
    redemption_dict,
    refund_dict,
    store_ref,
    voucher_summary,
)

router = Router(tags=["vouchers"], auth=api_auth)


# --- customers ------------------------------------------------------------------------

class VoucherFilter(Schema):
    status: VoucherStatus | None = None


@router.get("/vouchers", response=list[VoucherOut])
@paginate(Cursor)
def my_vouchers(request, filters: Query[VoucherFilter]):
    """The signed-in customer's vouchers, newest first; filter by status."""
    return selectors.customer_vouchers(request.auth, filters.status)


@router.get("/vouchers/{voucher_id}", response={200: VoucherOut, **ERRORS})
def my_voucher(request, voucher_id: str):
    """One of the customer's vouchers: its code, uses, validity, stores and slot."""
    return selectors.customer_voucher(request.auth, voucher_id)


def _qr_response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    # The code is the voucher: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/vouchers/{voucher_id}/qr.svg", response={200: None, **ERRORS})
def voucher_qr_svg(request, voucher_id: str):
    """The voucher's QR code as SVG (its signed payload, docs/offline-counter.md); only its
    owner may fetch it."""
    voucher = selectors.customer_voucher(request.auth, voucher_id)
    return _qr_response(qr.svg(offline.signed_payload(voucher)), "image/svg+xml")


@router.get("/vouchers/{voucher_id}/qr.png", response={200: None, **ERRORS})
def voucher_qr_png(request, voucher_id: str):
    """The voucher's QR code as PNG (its signed payload); only its owner may fetch it."""
    voucher = selectors.customer_voucher(request.auth, voucher_id)
    return _qr_response(qr.png(offline.signed_payload(voucher)), "image/png")


@router.post("/vouchers/{voucher_id}/refund", response={201: RefundOut, **ERRORS})
def refund_voucher(request, voucher_id: str, payload: RefundIn):
    """Ask for the unused uses of a voucher back (when the deal allows refunds at any
    time): all of them at once, for the price less what the used uses are worth. Send
    `amount_fen` or `uses` to state what you expect; any other value is refused with
    422 refund_amount_mismatch. The voucher can no longer be redeemed; the money follows."""
    refund = services.request_refund(request.auth, voucher_id, payload.reason, amount_fen=payload.amount_fen,
                                     uses=payload.uses)
    return Status(201, refund_dict(refund))


@router.get("/me/redemptions", response=list[MyRedemptionOut])
@paginate(Cursor)
def my_redemptions(request):
    """Where and when the customer's vouchers were used, newest first."""
    return selectors.customer_redemptions(request.auth)


# --- staff at the counter ---------------------------------------------------------------

def _idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key") or None


def _json(status: int, body) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


@router.get("/merchant/vouchers/lookup", response={200: LookupOut, **ERRORS}, tags=["merchant"])
def lookup_voucher(request, code: str, store_id: str, uses: int = 1):
    """Step one at the counter: what the code is, whose, and whether it can be redeemed
    here and now. Refuses with the same error codes as a redemption; writes nothing."""
    voucher, store = services.lookup(request.auth, store_id, code, uses)
    return {"voucher": voucher_summary(voucher), "store": store_ref(store), "uses": uses,
            "redeemable": True}


@router.post("/merchant/redemptions", response={201: RedemptionOut, **ERRORS}, tags=["merchant"])
def redeem(request, payload: RedeemIn):
    """Step two: consume `uses` uses of the voucher at the store, all or nothing.
    Send an `Idempotency-Key`: a retry returns the first answer, never a second use.
    Error codes: invalid_code, unknown_code, not_your_voucher, store_not_found,
    store_not_allowed, wrong_store, not_yet_valid, expired, fully_used, refunded,
    slot_not_today, invalid_uses."""
    user = request.auth
    data = payload.dict()

    def work():
        redemption = services.redeem(user, data["store_id"], data["code"], data["uses"])
        return 201, RedemptionOut.from_orm(selectors.redemption_answer(redemption)).model_dump(mode="json")

    return _json(*run_once("vouchers.redeem", user.pk, _idempotency_key(request), data, work))


@router.post("/merchant/redemptions/{redemption_id}/reverse", response={200: RedemptionOut, **ERRORS},
             tags=["merchant"])
def reverse(request, redemption_id: str):
    """Undo a redemption within the reversal window (30 minutes by default), once."""
    redemption = services.reverse(request.auth, redemption_id)
    return redemption_dict(selectors.redemption_answer(redemption))


class RedemptionFilter(Schema):
    store_id: str | None = None
    staff_id: str | None = None
    date: dt.date | None = None  # the store-local day


@router.get("/merchant/redemptions", response=list[RedemptionOut], tags=["merchant"])
@paginate(Cursor)
def merchant_redemptions(request, filters: Query[RedemptionFilter]):
    """The merchant's redemptions, newest first, by store, staff member and store-local
    day; staff bound to stores see those stores only."""
    return selectors.merchant_redemptions(request.auth, store_public_id=filters.store_id,
                                          staff_public_id=filters.staff_id, day=filters.date)
