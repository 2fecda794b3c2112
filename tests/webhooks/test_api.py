"""The /merchant/webhooks API: owner only, scoped to the merchant, secrets shown once,
the delivery log with attempts, replay and ping, errors in the JSON envelope, and the
webhook payloads in the OpenAPI document."""

from __future__ import annotations

import pytest

from tests import factories
from tests.webhooks.helpers import deliver, pay, place_order, relay

pytestmark = pytest.mark.django_db


def _create(client, receiver, types=("*",)):
    r = client.post("/merchant/webhooks", {"url": receiver.url, "event_types": list(types)})
    assert r.status_code == 201, r.content
    receiver.secret = r.json()["secret"]
    return r.json()


def test_register_see_log_replay_and_rotate(api_as, receiver) -> None:
    m = factories.merchant()
    client = api_as(m.owner)
    created = _create(client, receiver, ["order.*"])
    assert created["secret"].startswith("whsec_") and created["status"] == "active"
    listed = client.get("/merchant/webhooks").json()
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    order = place_order(m)
    pay(order)
    relay()
    deliver()
    log = client.get(f"/merchant/webhooks/{created['id']}/deliveries").json()["results"]
    assert [d["event_type"] for d in log] == ["order.paid", "order.created"]
    assert all(d["status"] == "succeeded" and d["attempts"] == 1 and d["response_code"] == 204 for d in log)
    detail = client.get(f"/merchant/webhooks/{created['id']}/deliveries/{log[1]['id']}").json()
    assert detail["request_body"] == receiver.got[0].raw_body
    assert detail["attempt_log"][0]["response_code"] == 204
    r = client.post(f"/merchant/webhooks/{created['id']}/deliveries/{log[1]['id']}/replay")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    deliver()
    assert receiver.got[-1].webhook_id == log[1]["id"]
    rotated = client.post(f"/merchant/webhooks/{created['id']}/rotate", {"overlap_hours": 1}).json()
    assert rotated["secret"] != created["secret"] and rotated["previous_secret_until"]
    assert client.post(f"/merchant/webhooks/{created['id']}/ping").status_code == 202
    deliver()
    assert receiver.got[-1].verified and receiver.got[-1].payload["type"] == "ping"


def test_another_merchants_endpoint_is_not_found(api_as, receiver) -> None:
    a = _create(api_as(factories.merchant().owner), receiver)
    intruder = api_as(factories.merchant().owner)
    for method, path in (("get", ""), ("post", "/ping"), ("post", "/disable"), ("get", "/deliveries")):
        r = getattr(intruder, method)(f"/merchant/webhooks/{a['id']}{path}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "endpoint_not_found"


def test_only_the_owner_manages_webhooks(api_as) -> None:
    m = factories.merchant()
    r = api_as(factories.staff(m)).get("/merchant/webhooks")
    assert r.status_code == 403 and r.json()["error"]["code"] == "owner_role_required"
    r = api_as(factories.user()).get("/merchant/webhooks")
    assert r.status_code == 403


@pytest.mark.parametrize(("body", "code"), [
    ({"url": "https://10.1.2.3/h", "event_types": ["*"]}, "url_not_allowed"),
    ({"url": "gopher://x", "event_types": ["*"]}, "invalid_url"),
    ({"url": "http://127.0.0.1:9/h", "event_types": ["order.exploded"]}, "unknown_event_type"),
    ({"url": "http://127.0.0.1:9/h", "event_types": []}, "validation_error"),
])
def test_bad_input_is_a_4xx_envelope(api_as, body, code) -> None:
    r = api_as(factories.merchant().owner).post("/merchant/webhooks", body)
    assert r.status_code == 422 and r.json()["error"]["code"] == code


def test_disabled_endpoint_refuses_ping_and_replay(api_as, receiver) -> None:
    client = api_as(factories.merchant().owner)
    e = _create(client, receiver)
    assert client.post(f"/merchant/webhooks/{e['id']}/disable").json()["status"] == "disabled"
    r = client.post(f"/merchant/webhooks/{e['id']}/ping")
    assert r.status_code == 409 and r.json()["error"]["code"] == "endpoint_disabled"
    r = client.post(f"/merchant/webhooks/{e['id']}/replay", {"since": "2020-01-01T00:00:00Z"})
    assert r.status_code == 409


def test_openapi_describes_every_webhook_payload(anon) -> None:
    doc = anon.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    hooks = doc["webhooks"]
    assert {"order.created", "voucher.redeemed", "refund.succeeded", "parcel.updated", "after_sale.requested",
            "settlement.created", "payout.paid", "review.created", "ping"} <= set(hooks)
    body = hooks["order.paid"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["id", "type", "timestamp", "sequence", "data"]
    assert body["properties"]["data"]["properties"]["amount_fen"] == {"type": "integer"}
