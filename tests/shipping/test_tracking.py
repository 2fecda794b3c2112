"""Parcels: split shipments, tracking events delivered twice and out of order, signed webhooks."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict
from o2o.orders.models import Order
from o2o.shipping import services
from o2o.shipping.models import CarrierPush, Parcel, TrackingEvent
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import event_body, gateway, paid_order, post_webhook, track  # noqa: F401

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def shop(gateway):  # noqa: F811
    m = factories.merchant()
    return {"m": m, "tea": b.goods(m, price_fen=2500, stock=10), "cup": b.goods(m, price_fen=1000, stock=10),
            "customer": factories.user()}


@pytest.mark.django_db
def test_split_shipment_and_delivery_of_every_parcel(shop):
    m = shop["m"]
    order = paid_order(shop["customer"], [(shop["tea"], 3), (shop["cup"], 1)])
    tea, cup = order.lines.order_by("id")
    first = services.create_parcel(m, order.public_id, items=[(tea.public_id, 2)], tracking_number="SF-1001")
    assert Order.objects.get(pk=order.pk).status == "paid"  # units left to pack
    item = first.items.get()
    assert item.location_id is not None  # where the committed reservation took it from
    with pytest.raises(Conflict) as exc:
        services.create_parcel(m, order.public_id, items=[(tea.public_id, 2)])
    assert exc.value.code == "too_many_units"
    with pytest.raises(Conflict) as exc:
        services.create_parcel(m, order.public_id, tracking_number="SF-1001")
    assert exc.value.code == "tracking_number_taken"
    second = services.create_parcel(m, order.public_id)  # the rest: 1 tea, 1 cup
    assert sorted((i.order_line_id, i.quantity) for i in second.items.all()) == [(tea.pk, 1), (cup.pk, 1)]
    assert Order.objects.get(pk=order.pk).status == "shipped"
    # Stock left the shelf once, at payment; shipping did not take it again.
    assert shop["tea"].stock_levels.get().on_hand == 7
    with pytest.raises(Conflict) as exc:
        services.create_parcel(m, order.public_id)
    assert exc.value.code == "illegal_transition"
    track(first, "delivered")
    assert Order.objects.get(pk=order.pk).status == "shipped"  # one parcel still on its way
    track(second, "delivered")
    assert Order.objects.get(pk=order.pk).status == "delivered"


@pytest.mark.django_db
def test_events_twice_and_out_of_order(shop):
    order = paid_order(shop["customer"], [(shop["tea"], 1)])
    parcel = services.create_parcel(shop["m"], order.public_id)
    with clock.frozen(T0 + dt.timedelta(hours=30)):
        delivered = event_body(parcel.tracking_number, "delivered", at=T0 + dt.timedelta(hours=26), event_id="e4")
        assert post_webhook(delivered).json()["received"] is True
        assert post_webhook(delivered).json()["received"] is False  # the same event again
        # Older events arrive late: recorded, never applied.
        track(parcel, "out_for_delivery", at=T0 + dt.timedelta(hours=25), event_id="e3")
        track(parcel, "in_transit", at=T0 + dt.timedelta(hours=2), event_id="e2", city="广州")
        track(parcel, "picked_up", at=T0, event_id="e1")
        # Even a later exception does not take a delivered parcel back.
        track(parcel, "exception", at=T0 + dt.timedelta(hours=29), event_id="e5")
    parcel.refresh_from_db()
    assert parcel.status == "delivered" and parcel.delivered_at == T0 + dt.timedelta(hours=26)
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 5
    assert list(TrackingEvent.objects.filter(parcel=parcel, applied=True).values_list("event_id", flat=True)) == ["e4"]
    assert Order.objects.get(pk=order.pk).status == "delivered"


@pytest.mark.django_db
def test_state_follows_latest_event_time(shop):
    order = paid_order(shop["customer"], [(shop["tea"], 1)])
    parcel = services.create_parcel(shop["m"], order.public_id)
    with clock.frozen(T0 + dt.timedelta(hours=10)):
        track(parcel, "in_transit", at=T0 + dt.timedelta(hours=3), event_id="b", city="长沙")
        track(parcel, "picked_up", at=T0, event_id="a")
        parcel.refresh_from_db()
        assert (parcel.status, parcel.last_city) == ("in_transit", "长沙")
        track(parcel, "exception", at=T0 + dt.timedelta(hours=4), event_id="c", city="长沙")
        track(parcel, "in_transit", at=T0 + dt.timedelta(hours=6), event_id="d", city="深圳")
        track(parcel, "out_for_delivery", at=T0 + dt.timedelta(hours=8), event_id="f", city="深圳")
        track(parcel, "in_transit", at=T0 + dt.timedelta(hours=7), event_id="e", city="东莞")  # late
    parcel.refresh_from_db()
    assert (parcel.status, parcel.last_city) == ("out_for_delivery", "深圳")
    assert Order.objects.get(pk=order.pk).status == "shipped"


@pytest.mark.django_db
def test_forged_tampered_and_stale_webhooks_are_refused(shop, monkeypatch):
    order = paid_order(shop["customer"], [(shop["tea"], 1)])
    parcel = services.create_parcel(shop["m"], order.public_id)
    body = event_body(parcel.tracking_number, "delivered")
    now = int(clock.now().timestamp())
    forged = {"X-Carrier-Timestamp": str(now), "X-Carrier-Signature": "0" * 64}
    r = post_webhook(body, headers=forged)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"
    monkeypatch.setenv("O2O_CARRIER_SANDBOX_SECRET", "someone-elses-secret")
    from o2o.shipping import carriers

    wrong_key = carriers.signed_headers("sandbox", body, now)
    monkeypatch.delenv("O2O_CARRIER_SANDBOX_SECRET")
    assert post_webhook(body, headers=wrong_key).json()["error"]["code"] == "invalid_signature"
    good = carriers.signed_headers("sandbox", body, now)
    tampered = body.replace(b"delivered", b"exception")
    assert post_webhook(tampered, headers=good).json()["error"]["code"] == "invalid_signature"
    assert post_webhook(body, headers={}).status_code == 401
    r = post_webhook(body, timestamp=now - 3600)  # a captured request replayed an hour later
    assert r.status_code == 401 and r.json()["error"]["code"] == "stale_timestamp"
    assert not TrackingEvent.objects.exists()
    parcel.refresh_from_db()
    assert parcel.status == "created"
    r = post_webhook(b"not json")
    assert r.status_code == 422
    unknown = event_body("NOPE-0000", "delivered")
    assert post_webhook(unknown).status_code == 404
    assert post_webhook(body, headers=good).status_code == 200  # the genuine one goes through


@pytest.mark.django_db
def test_operator_drives_the_sandbox_carrier(shop, api_as, monkeypatch):
    monkeypatch.setenv("O2O_SANDBOX_CARRIER_DELIVERY", "inline")
    order = paid_order(shop["customer"], [(shop["tea"], 1)])
    parcel = services.create_parcel(shop["m"], order.public_id, carrier="sandbox")
    op = api_as(factories.operator())
    assert api_as(shop["customer"]).post(f"/operator/parcels/{parcel.public_id}/events",
                                         {"status": "picked_up"}).status_code == 403
    for status, city in [("picked_up", "深圳"), ("in_transit", "广州"), ("out_for_delivery", "北京"),
                         ("delivered", "北京")]:
        r = op.post(f"/operator/parcels/{parcel.public_id}/events", {"status": status, "city": city})
        assert r.status_code == 202, r.content
        push = CarrierPush.objects.get(event_id=r.json()["event_id"])
        assert services.deliver_push(push.pk) is True  # what the task does after commit
        assert services.deliver_push(push.pk) is False  # delivered once
    assert Parcel.objects.get(pk=parcel.pk).status == "delivered"
    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert op.post(f"/operator/parcels/{parcel.public_id}/events", {"status": "lost"}).status_code == 422
    assert op.post("/operator/parcels/prc_0000000000000000/events", {"status": "delivered"}).status_code == 404
    r = api_as(shop["customer"]).get(f"/orders/{order.public_id}/parcels")
    assert [e["status"] for e in r.json()[0]["events"]] == ["picked_up", "in_transit", "out_for_delivery",
                                                            "delivered"]
