"""Shipping API: parcels and tracking, the carriers' webhook, pick-up in store,
after-sales, shipping rules and order timelines."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.merchants.access import merchant_of, require_customer, require_operator
from o2o.orders.schemas import OrderOut
from o2o.orders.selectors import order_for
from o2o.shipping import carriers, selectors, services
from o2o.shipping.models import AfterSaleStatus
from o2o.shipping.schemas import (
    AfterSaleIn,
    AfterSaleOut,
    ArbitrateIn,
    CounterIn,
    CounterOut,
    NoteIn,
    ParcelIn,
    ParcelOut,
    PickupOut,
    ReasonIn,
    ReceiveIn,
    ReturnParcelIn,
    RuleIn,
    RuleOut,
    SandboxEventIn,
    SandboxEventOut,
    TimelineEntry,
    WebhookOut,
    counter_dict,
    parcel_dict,
)
from o2o.vouchers import codes, qr

router = Router(tags=["shipping"], auth=api_auth)


# --- timeline and parcels of an order ----------------------------------------------------

@router.get("/orders/{order_id}/timeline", response={200: list[TimelineEntry], **ERRORS})
def order_timeline(request, order_id: str):
    """Every step of an order: state changes, parcel events, pick-up, after-sales, refunds.
    For the order's customer, its merchant's staff and operators."""
    order = order_for(request.auth, order_id)
    return [{"type": e.event_type, "at": e.created_at, "subject": e.aggregate_id,
             "subject_type": e.aggregate_type, "data": e.payload} for e in services.timeline(order)]


@router.get("/orders/{order_id}/parcels", response={200: list[ParcelOut], **ERRORS})
def order_parcels(request, order_id: str):
    """The parcels of an order with their tracking (customer, merchant or operator)."""
    order = order_for(request.auth, order_id)
    return [parcel_dict(p) for p in selectors.order_parcels(order)]


@router.post("/merchant/orders/{order_id}/parcels", response={201: ParcelOut, **ERRORS}, tags=["merchant"])
def ship_parcel(request, order_id: str, payload: ParcelIn):
    """Ship units of a paid order in one parcel; the order is shipped once every unit is."""
    merchant = merchant_of(request.auth)
    items = None if payload.items is None else [(i.line, i.quantity) for i in payload.items]
    parcel = services.create_parcel(merchant, order_id, carrier=payload.carrier,
                                    tracking_number=payload.tracking_number, items=items)
    return Status(201, parcel_dict(selectors.merchant_parcel(merchant, parcel.public_id)))


@router.post("/merchant/orders/{order_id}/ship", response={200: OrderOut, **ERRORS}, tags=["merchant"])
def ship_order(request, order_id: str, payload: ParcelIn | None = None):
    """Ship every unit not yet shipped (or the `items` given) in one parcel, carrier and
    tracking number optional; answers the order, shipped once every unit is."""
    merchant = merchant_of(request.auth)
    payload = payload or ParcelIn()
    items = None if payload.items is None else [(i.line, i.quantity) for i in payload.items]
    services.create_parcel(merchant, order_id, carrier=payload.carrier, tracking_number=payload.tracking_number,
                           items=items)
    return order_for(request.auth, order_id)


@router.get("/shipping/carriers", response=list[str], auth=None)
def carrier_codes(request):
    """Carriers a merchant may choose."""
    return carriers.codes()


@router.post("/shipping/carriers/{carrier}/webhook", response={200: WebhookOut, **ERRORS}, auth=None)
def carrier_webhook(request: HttpRequest, carrier: str):
    """Tracking events pushed by a carrier, signed: X-Carrier-Timestamp (unix seconds) and
    X-Carrier-Signature = hex HMAC-SHA256(secret, timestamp + "." + body). Repeats are no-ops."""
    parcel, new = services.receive_webhook(carrier, request.body, request.headers)
    return {"received": new, "parcel": parcel.public_id, "status": parcel.status}


@router.post("/operator/parcels/{parcel_id}/events", response={202: SandboxEventOut, **ERRORS},
             tags=["operator"])
def drive_parcel(request, parcel_id: str, payload: SandboxEventIn):
    """Make the sandbox carrier report an event of a parcel (sent to the webhook after commit)."""
    require_operator(request.auth)
    push = services.sandbox_push(parcel_id, payload.status, city=payload.city, description=payload.description,
                                 occurred_at=payload.occurred_at, event_id=payload.event_id)
    return Status(202, {"event_id": push.event_id, "parcel": parcel_id, "body": push.body})


# --- pick-up in store -----------------------------------------------------------------------

def _pickup_dict(pc) -> dict:
    return {"order": pc.order.public_id, "store": pc.store.public_id, "store_name": pc.store.name,
            "code": pc.code, "display": codes.display(pc.code), "status": pc.status,
            "created_at": pc.created_at, "collected_at": pc.collected_at}


@router.post("/merchant/orders/{order_id}/ready", response={200: CounterOut, **ERRORS}, tags=["merchant"])
def ready_for_pickup(request, order_id: str):
    """The goods wait at the store: the customer gets a pick-up code."""
    pc = services.mark_ready(merchant_of(request.auth), order_id)
    return counter_dict(pc)


@router.get("/orders/{order_id}/pickup", response={200: PickupOut, **ERRORS})
def my_pickup(request, order_id: str):
    """The pick-up code of the customer's order, to show at the store."""
    return _pickup_dict(services.code_of(require_customer(request.auth), order_id))


@router.get("/orders/{order_id}/pickup/qr.svg", response={200: None, **ERRORS})
def my_pickup_qr(request, order_id: str):
    pc = services.code_of(require_customer(request.auth), order_id)
    response = HttpResponse(qr.svg(pc.code), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/merchant/pickup/lookup", response={200: CounterOut, **ERRORS}, tags=["merchant"])
def pickup_lookup(request, payload: CounterIn):
    """What a pick-up code is, at this store, without using it."""
    return counter_dict(services.lookup(request.auth, payload.store, payload.code))


@router.post("/merchant/pickup/redeem", response={200: CounterOut, **ERRORS}, tags=["merchant"])
def pickup_redeem(request, payload: CounterIn):
    """Hand the goods over: the code is used once, at its own store; the order completes."""
    return counter_dict(services.hand_over(request.auth, payload.store, payload.code))


# --- after-sales ----------------------------------------------------------------------------

class AfterSaleFilter(Schema):
    status: AfterSaleStatus | None = None


@router.post("/orders/{order_id}/after-sales", response={201: AfterSaleOut, **ERRORS})
def request_after_sale(request, order_id: str, payload: AfterSaleIn):
    """Ask for a return or a refund-only for units of a delivered order, within the window."""
    user = require_customer(request.auth)
    lines = None if payload.lines is None else [(i.line, i.quantity) for i in payload.lines]
    ret = services.request_after_sale(user, order_id, kind=payload.kind, reason=payload.reason,
                                      lines=lines, photos=payload.photos, amount_fen=payload.amount_fen)
    return Status(201, selectors.customer_after_sale(user, ret.public_id))


@router.get("/after-sales", response=list[AfterSaleOut])
@paginate(Cursor)
def my_after_sales(request, filters: Query[AfterSaleFilter]):
    return selectors.customer_after_sales(require_customer(request.auth), filters.status)


@router.get("/after-sales/{ret_id}", response={200: AfterSaleOut, **ERRORS})
def my_after_sale(request, ret_id: str):
    return selectors.customer_after_sale(require_customer(request.auth), ret_id)


@router.post("/after-sales/{ret_id}/dispute", response={200: AfterSaleOut, **ERRORS})
def dispute(request, ret_id: str, payload: ReasonIn):
    """Contest the merchant's rejection; an operator decides."""
    user = require_customer(request.auth)
    services.dispute(user, ret_id, payload.reason)
    return selectors.customer_after_sale(user, ret_id)


@router.post("/after-sales/{ret_id}/withdraw", response={200: AfterSaleOut, **ERRORS})
def withdraw(request, ret_id: str):
    user = require_customer(request.auth)
    services.withdraw(user, ret_id)
    return selectors.customer_after_sale(user, ret_id)


@router.post("/after-sales/{ret_id}/return-parcel", response={201: ParcelOut, **ERRORS})
def return_parcel(request, ret_id: str, payload: ReturnParcelIn):
    """Send the goods of an approved return back; tracked like any parcel."""
    user = require_customer(request.auth)
    parcel = services.ship_return(user, ret_id, carrier=payload.carrier, tracking_number=payload.tracking_number)
    return Status(201, parcel_dict(selectors.customer_parcel(user, parcel.public_id)))


@router.get("/merchant/after-sales", response=list[AfterSaleOut], tags=["merchant"])
@paginate(Cursor)
def merchant_after_sales(request, filters: Query[AfterSaleFilter]):
    return selectors.merchant_after_sales(merchant_of(request.auth), filters.status)


@router.get("/merchant/after-sales/{ret_id}", response={200: AfterSaleOut, **ERRORS}, tags=["merchant"])
def merchant_after_sale(request, ret_id: str):
    return selectors.merchant_after_sale(merchant_of(request.auth), ret_id)


@router.post("/merchant/after-sales/{ret_id}/approve", response={200: AfterSaleOut, **ERRORS}, tags=["merchant"])
def approve(request, ret_id: str, payload: NoteIn):
    """Agree: a return waits for the goods, a refund-only request is refunded at once."""
    merchant = merchant_of(request.auth, owner_only=True)
    services.approve(merchant, ret_id, payload.note)
    return selectors.merchant_after_sale(merchant, ret_id)


@router.post("/merchant/after-sales/{ret_id}/reject", response={200: AfterSaleOut, **ERRORS}, tags=["merchant"])
def reject(request, ret_id: str, payload: ReasonIn):
    merchant = merchant_of(request.auth, owner_only=True)
    services.reject(merchant, ret_id, payload.reason)
    return selectors.merchant_after_sale(merchant, ret_id)


@router.post("/merchant/after-sales/{ret_id}/receive", response={200: AfterSaleOut, **ERRORS}, tags=["merchant"])
def receive(request, ret_id: str, payload: ReceiveIn):
    """The returned goods arrived: restock when resellable, refund (partially when agreed)."""
    merchant = merchant_of(request.auth, owner_only=True)
    services.receive_return(merchant, ret_id, amount_fen=payload.amount_fen, resellable=payload.resellable,
                            location=payload.location)
    return selectors.merchant_after_sale(merchant, ret_id)


@router.get("/operator/after-sales", response=list[AfterSaleOut], tags=["operator"])
@paginate(Cursor)
def operator_after_sales(request, filters: Query[AfterSaleFilter]):
    return selectors.operator_after_sales(require_operator(request.auth), filters.status)


@router.post("/operator/after-sales/{ret_id}/arbitrate", response={200: AfterSaleOut, **ERRORS},
             tags=["operator"])
def arbitrate(request, ret_id: str, payload: ArbitrateIn):
    """Settle a disputed request: approve (refund-only is refunded) or reject for good."""
    operator = require_operator(request.auth)
    services.arbitrate(operator, ret_id, payload.decision, payload.note)
    return selectors.operator_after_sale(operator, ret_id)


# --- shipping rules -------------------------------------------------------------------------

def _rule_dict(rule) -> dict:
    return {"kind": rule.kind, "flat_fee_fen": rule.flat_fee_fen, "free_over_fen": rule.free_over_fen,
            "first_weight_grams": rule.first_weight_grams, "first_fee_fen": rule.first_fee_fen,
            "extra_weight_grams": rule.extra_weight_grams, "extra_fee_fen": rule.extra_fee_fen,
            "updated_at": rule.updated_at if rule.pk else None}


@router.get("/merchant/shipping-rule", response={200: RuleOut, **ERRORS}, tags=["merchant"])
def get_rule(request):
    """How this merchant charges shipping (free without a rule)."""
    return _rule_dict(services.rule_of(merchant_of(request.auth)))


@router.put("/merchant/shipping-rule", response={200: RuleOut, **ERRORS}, tags=["merchant"])
def put_rule(request, payload: RuleIn):
    merchant = merchant_of(request.auth, owner_only=True)
    return _rule_dict(services.set_rule(merchant, **payload.dict()))
