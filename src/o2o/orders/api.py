"""Cart, checkout and orders for customers; order lists for merchants. Writes through
orders.services, reads through orders.selectors (scoped to the customer or the merchant)."""


import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.idempotency import run_once
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.merchants.access import merchant_of, require_customer
from o2o.orders import selectors, services
from o2o.orders.models import Order, OrderKind, OrderStatus
from o2o.orders.schemas import (
    BuyNowIn,
    CartLineIn,
    CartLinePatch,
    CartOut,
    CheckoutIn,
    CheckoutOut,
    OrderOut,
    QuoteIn,
    QuoteOut,
    cart_line_dict,
)

router = Router(tags=["orders"], auth=api_auth)


def _json(status: int, body) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key") or None


def _order_body(order: Order) -> dict:
    return OrderOut.from_orm(order).model_dump(mode="json")


def _checkout_body(orders: list[Order]) -> dict:
    return {"checkout_group": orders[0].checkout_group,
            "total_fen": sum(o.total_fen for o in orders),
            "orders": [_order_body(o) for o in orders]}


# --- cart ---------------------------------------------------------------------------

def _cart_body(user) -> dict:
    cart = services.get_cart(user)
    lines = services.cart_lines(user)
    out = [cart_line_dict(ln) for ln in lines]
    return {"id": cart.public_id, "lines": out,
            "total_fen": sum(ln["line_total_fen"] for ln in out if ln["available"])}


@router.get("/cart", response={200: CartOut, **ERRORS})
def get_cart(request):
    """The signed-in customer's cart, with current prices."""
    return _cart_body(require_customer(request.auth))


@router.delete("/cart", response={200: CartOut, **ERRORS})
def clear_cart(request):
    user = require_customer(request.auth)
    services.clear_cart(user)
    return _cart_body(user)


@router.post("/cart/lines", response={201: CartOut, **ERRORS})
def add_cart_line(request, payload: CartLineIn):
    user = require_customer(request.auth)
    services.add_line(user, payload.sku, payload.quantity, payload.slot)
    return Status(201, _cart_body(user))


@router.patch("/cart/lines/{line_id}", response={200: CartOut, **ERRORS})
def update_cart_line(request, line_id: str, payload: CartLinePatch):
    user = require_customer(request.auth)
    services.update_line(user, line_id, quantity=payload.quantity, slot_public_id=payload.slot)
    return _cart_body(user)


@router.delete("/cart/lines/{line_id}", response={200: CartOut, **ERRORS})
def remove_cart_line(request, line_id: str):
    user = require_customer(request.auth)
    services.remove_line(user, line_id)
    return _cart_body(user)


# --- checkout and orders ----------------------------------------------------------

def _quote_body(price) -> dict:
    q = price.quote
    orders = []
    for po in price.orders:
        merchant = po.rows[0][0].product.merchant
        orders.append({
            "merchant": {"id": merchant.public_id, "name": merchant.name}, "kind": po.kind,
            "subtotal_fen": po.subtotal_fen, "discount_fen": po.discount_fen,
            "shipping_fee_fen": po.shipping_fee_fen, "total_fen": po.total_fen,
            "lines": [{"sku": sku.public_id, "slot": slot.public_id if slot else None, "quantity": it.quantity,
                       "list_unit_price_fen": sku.price_fen, "unit_price_fen": pl.unit_price_fen,
                       "discount_fen": pl.discount_fen, "line_total_fen": pl.net_fen}
                      for (sku, it, slot), pl in zip(po.rows, po.lines, strict=True)]})
    return {
        "subtotal_fen": q.subtotal_fen, "discount_fen": q.discount_fen, "shipping_fee_fen": price.shipping_fee_fen,
        "total_fen": price.total_fen, "coupons": list(q.coupons),
        "discounts": [{"source": d.source, "ref": d.ref, "label": d.label, "amount_fen": d.amount_fen}
                      for d in q.discounts],
        "unusable": [{"coupon": u.coupon, "code": u.code, "message": u.message, "details": u.details}
                     for u in q.unusable],
        "orders": orders,
    }


@router.post("/checkout/quote", response={200: QuoteOut, **ERRORS})
def quote(request, payload: QuoteIn):
    """What checkout (or POST /orders with `items`) would charge now, written nowhere: the
    same pipeline (limited-time price, spend tiers, coupons, shipping fee) and the same
    numbers. Without `coupons` the best combination of your coupons is chosen; the
    coupons that do not apply are listed with why."""
    user = require_customer(request.auth)
    data = payload.dict()
    if data["items"] is not None:
        items = [services.Item(ln["sku"], ln["quantity"], ln["slot"]) for ln in data["items"]]
        price = services.quote_orders(user, items, pickup_store=data["pickup_store"], coupons=data["coupons"])
    else:
        price = services.quote_cart(user, line_ids=data["lines"], pickup_store=data["pickup_store"],
                                    coupons=data["coupons"])
    return _quote_body(price)


@router.post("/checkout", response={201: CheckoutOut, **ERRORS})
def checkout(request, payload: CheckoutIn):
    """Turn the cart into orders, one per merchant (goods and services apart).
    Send an `Idempotency-Key` header: a retry returns the first answer."""
    user = require_customer(request.auth)
    data = payload.dict()

    def work():
        orders = services.checkout(user, shipping_address=data["shipping_address"], note=data["note"],
                                   line_ids=data["lines"], pickup_store=data["pickup_store"],
                                   coupons=data["coupons"])
        return 201, _checkout_body(orders)

    return _json(*run_once("orders.checkout", user.pk, _idempotency_key(request), data, work))


@router.post("/orders", response={201: CheckoutOut, **ERRORS})
def buy_now(request, payload: BuyNowIn):
    """Buy the given lines directly, without the cart. Honours `Idempotency-Key`."""
    user = require_customer(request.auth)
    data = payload.dict()
    items = [services.Item(ln["sku"], ln["quantity"], ln["slot"]) for ln in data["lines"]]

    def work():
        orders = services.place_orders(user, items, shipping_address=data["shipping_address"],
                                       note=data["note"], pickup_store=data["pickup_store"],
                                       coupons=data["coupons"])
        return 201, _checkout_body(orders)

    return _json(*run_once("orders.create", user.pk, _idempotency_key(request), data, work))


class OrderFilter(Schema):
    status: OrderStatus | None = None


@router.get("/orders", response=list[OrderOut])
@paginate(Cursor)
def my_orders(request, filters: Query[OrderFilter]):
    return selectors.customer_orders(require_customer(request.auth), filters.status)


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def my_order(request, order_id: str):
    return selectors.customer_order(require_customer(request.auth), order_id)


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel(request, order_id: str):
    """Cancel an unpaid order (its stock and seats go back at once), or a paid goods order
    that has not shipped (refunded in full at once, stock back on the shelf). Once it
    shipped: after-sales. Codes: illegal_transition, partly_shipped, not_refundable."""
    user = require_customer(request.auth)
    services.cancel_order(user, order_id)
    return selectors.customer_order(user, order_id)


@router.post("/orders/{order_id}/confirm", response={200: OrderOut, **ERRORS})
def confirm(request, order_id: str):
    """Confirm a delivered goods order as received."""
    user = require_customer(request.auth)
    services.confirm_received(user, order_id)
    return selectors.customer_order(user, order_id)


# --- merchant -----------------------------------------------------------------------

class MerchantOrderFilter(Schema):
    status: OrderStatus | None = None
    kind: OrderKind | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    store: str | None = None


@router.get("/merchant/orders", response=list[OrderOut], tags=["merchant"])
@paginate(Cursor)
def merchant_orders(request, filters: Query[MerchantOrderFilter]):
    """The merchant's orders, newest first; filter by status, kind, creation dates
    (inclusive, in the platform's time zone) and store."""
    return selectors.merchant_order_search(
        merchant_of(request.auth), status=filters.status, kind=filters.kind, created_from=filters.created_from,
        created_to=filters.created_to, store=filters.store)


@router.get("/merchant/orders/{order_id}", response={200: OrderOut, **ERRORS}, tags=["merchant"])
def merchant_order(request, order_id: str):
    return selectors.merchant_order_with_lines(merchant_of(request.auth), order_id)
