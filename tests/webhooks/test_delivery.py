"""Delivery to a real receiver on loopback: signatures verified by `standardwebhooks`,
the payload's stable schema, retries while the receiver is down, order per object,
the same webhook-id on every try, replay, disabled endpoints, tenancy, auto-disable."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.webhooks import selectors, services
from o2o.webhooks.models import Delivery, DeliveryStatus, DisabledReason, EndpointStatus
from tests import factories
from tests.webhooks.helpers import deliver, endpoint_at, pay, place_order, relay

pytestmark = pytest.mark.django_db


def test_an_order_event_arrives_signed_with_the_stable_schema(receiver) -> None:
    endpoint = endpoint_at(receiver, types=["order.created"])
    order = place_order(endpoint.merchant)
    relay()
    assert deliver().succeeded == 1
    (got,) = receiver.got
    assert got.verified
    assert set(got.payload) == {"id", "type", "timestamp", "sequence", "data"}
    assert got.payload["type"] == "order.created"
    assert got.payload["id"].startswith("evt_") and got.payload["sequence"] == 1
    data = got.payload["data"]
    assert data["object"] == "order" and data["id"] == order.public_id
    assert data["total_fen"] == order.total_fen
    assert "customer" not in data and "checkout_group" not in data  # not the merchant's to know
    d = Delivery.objects.get()
    assert got.webhook_id == d.public_id and d.status == DeliveryStatus.SUCCEEDED
    assert d.attempts == 1 and d.response_code == 204 and d.body == got.raw_body


def test_only_subscribed_types_are_sent(receiver) -> None:
    endpoint = endpoint_at(receiver, types=["order.paid"])
    order = place_order(endpoint.merchant)
    pay(order)
    relay()
    deliver()
    assert receiver.types() == ["order.paid"]


def test_receiver_down_then_up_gets_every_event_once_in_order_with_the_same_ids(receiver) -> None:
    endpoint = endpoint_at(receiver, types=["order.*"])
    port = receiver.port
    receiver.stop()
    order = place_order(endpoint.merchant)
    pay(order)
    relay()
    assert deliver().succeeded == 0
    created = Delivery.objects.get(event_type="order.created")
    paid = Delivery.objects.get(event_type="order.paid")
    # order.paid waits behind order.created: only the first was tried.
    assert (created.attempts, paid.attempts) == (1, 0)
    for _ in range(3):  # still down: retried with back-off, never given up early
        clock.advance(dt.timedelta(hours=7))
        deliver()
    created.refresh_from_db()
    assert created.attempts == 4 and created.status == DeliveryStatus.PENDING
    receiver.start(port)
    clock.advance(dt.timedelta(hours=7))
    assert deliver().succeeded == 2
    assert receiver.types() == ["order.created", "order.paid"]
    assert [r.payload["sequence"] for r in receiver.got] == [1, 2]
    assert [r.webhook_id for r in receiver.got] == [created.public_id, paid.public_id]
    assert all(r.verified for r in receiver.got)


def test_a_duplicate_carries_the_same_webhook_id(receiver) -> None:
    endpoint = endpoint_at(receiver, types=["order.created"])
    place_order(endpoint.merchant)
    relay()
    receiver.status = 500  # the receiver took it but answered an error: it comes again
    deliver()
    receiver.status = 200
    clock.advance(dt.timedelta(minutes=5))
    deliver()
    first, second = receiver.got
    assert first.webhook_id == second.webhook_id and first.payload == second.payload
    assert Delivery.objects.get().attempts == 2


def test_after_three_days_a_delivery_fails_for_good(receiver, monkeypatch) -> None:
    # The endpoint is not disabled meanwhile (as if its other deliveries succeeded).
    monkeypatch.setenv("O2O_WEBHOOK_DISABLE_AFTER_HOURS", "1000")
    endpoint = endpoint_at(receiver, types=["order.created"])
    receiver.status = 503
    place_order(endpoint.merchant)
    relay()
    for _ in range(60):  # a worker that is always there: each retry runs when it is due
        deliver()
        due = Delivery.objects.get().next_attempt_at
        if due is None:
            break
        clock.advance(max(due - clock.now(), dt.timedelta(0)))
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.FAILED and d.finished_at is not None
    assert d.finished_at - d.created_at <= dt.timedelta(days=3)
    assert d.attempts > 5 and d.attempt_log.count() == d.attempts


def test_replay_one_delivery_and_all_failed_since(receiver, monkeypatch) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_RETRY_HOURS", "0")  # the first failure is final
    endpoint = endpoint_at(receiver, types=["order.created"])
    owner = endpoint.merchant.owner
    receiver.status = 500
    place_order(endpoint.merchant)
    relay()
    deliver()
    clock.advance(dt.timedelta(hours=1))
    since = clock.now()
    place_order(endpoint.merchant)
    relay()
    deliver()
    older, newer = Delivery.objects.order_by("id")
    assert {older.status, newer.status} == {DeliveryStatus.FAILED} and len(receiver.got) == 2
    receiver.status = 204
    assert services.replay_failed(owner, endpoint.public_id, since) == 1
    deliver()
    assert receiver.got[-1].webhook_id == newer.public_id and receiver.got[-1].verified
    services.replay(owner, endpoint.public_id, older.public_id)
    deliver()
    assert receiver.got[-1].webhook_id == older.public_id and len(receiver.got) == 4
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    # A delivered one may be replayed too (a receiver that lost it), with the same id and body.
    services.replay(owner, endpoint.public_id, older.public_id)
    deliver()
    assert receiver.got[-1].webhook_id == older.public_id and receiver.got[-1].raw_body == older.body


def test_a_disabled_endpoint_gets_nothing(receiver) -> None:
    endpoint = endpoint_at(receiver)
    owner = endpoint.merchant.owner
    place_order(endpoint.merchant)
    services.set_enabled(owner, endpoint.public_id, False)
    relay()
    deliver()
    assert receiver.got == [] and not Delivery.objects.exists()


def test_a_merchant_never_receives_another_merchants_events(make_receiver) -> None:
    a, b = make_receiver(), make_receiver()
    ea, eb = endpoint_at(a), endpoint_at(b)
    order_a, order_b = place_order(ea.merchant), place_order(eb.merchant)
    relay()
    deliver()
    assert [r.payload["data"]["id"] for r in a.got] == [order_a.public_id]
    assert [r.payload["data"]["id"] for r in b.got] == [order_b.public_id]


def test_a_day_of_failures_disables_the_endpoint_and_tells_the_merchant(receiver) -> None:
    endpoint = endpoint_at(receiver, types=["order.created"])
    receiver.status = 500
    place_order(endpoint.merchant)
    relay()
    deliver()
    assert not selectors.failing_notices(endpoint.merchant).exists()
    for _ in range(5):
        clock.advance(dt.timedelta(hours=6))
        deliver()
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.DISABLED and endpoint.disabled_reason == DisabledReason.FAILING
    assert list(selectors.failing_notices(endpoint.merchant)) == [endpoint]
    # Disabled: the next event is not even queued for it.
    place_order(endpoint.merchant)
    relay()
    assert Delivery.objects.count() == 1
    services.set_enabled(endpoint.merchant.owner, endpoint.public_id, True)
    assert not selectors.failing_notices(endpoint.merchant).exists()


def test_rotation_signs_with_both_secrets_during_the_overlap(receiver) -> None:
    endpoint = endpoint_at(receiver, types=["*"])
    old = receiver.secret
    _, new = services.rotate_secret(endpoint.merchant.owner, endpoint.public_id, overlap_hours=2)
    services.ping(endpoint.merchant.owner, endpoint.public_id)
    deliver()
    assert len(receiver.got[-1].signature.split(" ")) == 2
    assert receiver.got[-1].verified  # with the old secret the receiver still holds
    receiver.secret = new
    services.ping(endpoint.merchant.owner, endpoint.public_id)
    deliver()
    assert receiver.got[-1].verified
    clock.advance(dt.timedelta(hours=3))
    receiver.secret = old
    services.ping(endpoint.merchant.owner, endpoint.public_id)
    deliver()
    assert len(receiver.got[-1].signature.split(" ")) == 1 and not receiver.got[-1].verified


def test_ping_reaches_only_its_endpoint(make_receiver) -> None:
    a, b = make_receiver(), make_receiver()
    m = factories.merchant()
    ea = endpoint_at(a, m)
    endpoint_at(b, m)
    services.ping(m.owner, ea.public_id)
    deliver()
    assert a.types() == ["ping"] and b.got == []
    assert a.got[0].payload["data"] == {"object": "endpoint", "id": ea.public_id, "message": "ping"}


def test_the_next_event_of_an_object_goes_once_the_earlier_one_failed_for_good(receiver, monkeypatch) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_RETRY_HOURS", "0.01")  # 36 s to succeed
    endpoint = endpoint_at(receiver, types=["order.*"])
    order = place_order(endpoint.merchant)
    pay(order)
    relay()
    receiver.status = 500
    deliver()
    assert receiver.types() == ["order.created"]  # order.paid waits behind it
    clock.advance(dt.timedelta(minutes=1))
    deliver()  # order.created fails for good, which lets order.paid go
    created, paid = (Delivery.objects.get(event_type=t) for t in ("order.created", "order.paid"))
    assert created.status == DeliveryStatus.FAILED and created.attempts == 2
    assert receiver.types() == ["order.created", "order.created", "order.paid"]
    assert paid.attempts == 1


def test_one_delivery_pass_is_enqueued_per_relay(receiver, django_capture_on_commit_callbacks) -> None:
    endpoint = endpoint_at(receiver, types=["order.*"])
    for _ in range(3):
        place_order(endpoint.merchant)
    with django_capture_on_commit_callbacks() as callbacks:
        relay()
    assert Delivery.objects.count() == 3
    assert len([c for c in callbacks if c.__name__ == "_enqueue"]) == 1
