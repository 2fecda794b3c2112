"""Builders for shipping tests: paid goods orders (through payments with a stub gateway),
signed carrier webhooks posted through the Django test client."""

from __future__ import annotations

import datetime as dt
import json
import secrets

from django.test import Client

from o2o.core import clock
from o2o.orders import services as orders
from o2o.orders.services import Item
from o2o.payments import services as payments
from o2o.shipping import carriers
from o2o.shipping import services as shipping
from tests.orders import builders as b
from tests.payments.stub_gateway import StubGateway, gateway  # noqa: F401  (the fixture, for importers)

WEBHOOK = "/api/v1/shipping/carriers/sandbox/webhook"


def pay(customer, order) -> None:
    """Pay an order through payments (attempt + gateway notification), as in production."""
    view = payments.start_payment(customer, order.public_id, "native")
    payments.apply_transaction({"out_trade_no": view.payment.out_trade_no, "trade_state": "SUCCESS",
                                "transaction_id": "4200" + "".join(secrets.choice("0123456789") for _ in range(24)),
                                "amount": {"total": order.total_fen, "currency": "CNY"}})
    order.refresh_from_db()
    assert order.status == "paid"


def paid_order(customer, items: list[tuple], *, pickup_store: str | None = None):
    """items: (sku, quantity) pairs of one merchant's goods."""
    (order,) = orders.place_orders(customer, [Item(s.public_id, q) for s, q in items],
                                   shipping_address=None if pickup_store else b.ADDRESS,
                                   pickup_store=pickup_store)
    pay(customer, order)
    return order


def event_body(tracking_number: str, status: str, *, at: dt.datetime | None = None, event_id: str | None = None,
               city: str = "") -> bytes:
    return json.dumps({"event_id": event_id or secrets.token_hex(8), "tracking_number": tracking_number,
                       "status": status, "occurred_at": (at or clock.now()).isoformat(), "city": city,
                       "description": ""}).encode()


def post_webhook(body: bytes, *, timestamp: int | None = None, headers: dict | None = None):
    ts = int(clock.now().timestamp()) if timestamp is None else timestamp
    h = headers if headers is not None else carriers.signed_headers("sandbox", body, ts)
    return Client().post(WEBHOOK, body, content_type="application/json",
                         headers=h)


def track(parcel, status: str, **kwargs):
    r = post_webhook(event_body(parcel.tracking_number, status, **kwargs))
    assert r.status_code == 200, r.content
    return r.json()


def ship_and_deliver(merchant, order):
    """Ship every unit of a paid goods order in one sandbox parcel, then let the carrier
    report it delivered through the tracking service the webhook feeds: the order
    becomes shipped, then delivered, as in production."""
    parcel = shipping.create_parcel(merchant, order.public_id)
    shipping.apply_tracking_event("sandbox", {
        "event_id": secrets.token_hex(8), "tracking_number": parcel.tracking_number, "status": "delivered",
        "occurred_at": clock.now().isoformat()})
    order.refresh_from_db()
    assert order.status == "delivered"
    return parcel
