"""The payments API with a stand-in gateway: validation, ownership, idempotency, operator lists."""

from __future__ import annotations

import pytest

from tests import factories
from tests.payments import helpers as h
from tests.payments.stub_gateway import installed_stub


@pytest.fixture
def stub():
    with installed_stub() as gw:
        yield gw


@pytest.mark.django_db
def test_pay_validation_ownership_and_idempotency(stub, api_as):
    order = h.goods_order()
    me = api_as(order.customer)
    assert me.post(f"/orders/{order.public_id}/pay", {"channel": "card"}).status_code == 422
    jsapi = me.post(f"/orders/{order.public_id}/pay", {"channel": "jsapi"})
    assert jsapi.status_code == 422 and jsapi.json()["error"]["code"] == "openid_required"
    assert api_as(factories.user()).post(f"/orders/{order.public_id}/pay", {"channel": "native"}).status_code == 404
    assert me.post("/orders/ord_nonsense/pay", {"channel": "native"}).status_code == 404
    first = me.post(f"/orders/{order.public_id}/pay", {"channel": "native"}, headers={"Idempotency-Key": "k1"})
    second = me.post(f"/orders/{order.public_id}/pay", {"channel": "native"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 200 and second.json()["id"] == first.json()["id"]
    reused = me.post(f"/orders/{order.public_id}/pay", {"channel": "h5"}, headers={"Idempotency-Key": "k1"})
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    # Retries repeat the same parameters, so the gateway hands back the same prepay.
    assert len({(c.out_trade_no, c.amount_fen, c.time_expire) for c in stub.calls}) == 1
    pid = first.json()["id"]
    assert me.get(f"/payments/{pid}").json()["status"] == "pending"
    assert api_as(factories.user()).get(f"/payments/{pid}").status_code == 404
    assert api_as(factories.operator()).get(f"/payments/{pid}").status_code == 200


@pytest.mark.django_db
def test_operator_lists_are_for_operators(stub, api_as):
    order = h.goods_order()
    api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    for path in ("/operator/payments", "/operator/refunds", "/operator/held-payments"):
        assert api_as(order.customer).get(path).status_code == 403
        assert api_as(factories.operator()).get(path).status_code == 200
    listed = api_as(factories.operator()).get("/operator/payments", {"status": "pending"}).json()["results"]
    assert [p["order_id"] for p in listed] == [order.public_id]


@pytest.mark.django_db
def test_a_paid_order_cannot_be_paid_again(stub, api_as):
    from o2o.orders import services as orders

    order = h.goods_order()
    orders.record_payment(order.public_id, "wx-elsewhere", order.total_fen)
    resp = api_as(order.customer).post(f"/orders/{order.public_id}/pay", {"channel": "native"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "not_payable"
