"""The order follows its vouchers both ways (a reversal reopens it), and a refund
request is for every unused use, exactly the amount it says."""

from __future__ import annotations

import pytest

from o2o.core.models import OutboxEvent
from o2o.orders.models import Order
from o2o.vouchers import services
from o2o.vouchers.models import Voucher, VoucherRefund
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


def _status(order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_reversing_the_last_redemption_reopens_a_completed_order(w, api_as):
    """Was: the voucher came back active while the order stayed completed."""
    order = b.buy(w.customer, b.service(w.merchant))
    [voucher] = b.vouchers_of(order)
    r = services.redeem(w.staff, w.store.public_id, voucher.code)
    assert _status(order) == "completed"
    resp = api_as(w.staff).post(f"/merchant/redemptions/{r.public_id}/reverse")
    assert resp.status_code == 200, resp.content
    voucher.refresh_from_db()
    assert (voucher.status, voucher.uses_left) == ("active", 1)
    reopened = Order.objects.get(pk=order.pk)
    assert (reopened.status, reopened.completed_at) == ("paid", None)
    event = OutboxEvent.objects.get(aggregate_id=order.public_id, event_type="order.reopened")
    assert (event.payload["from"], event.payload["to"]) == ("completed", "paid")
    services.redeem(w.staff, w.store.public_id, voucher.code)  # usable again, and it completes again
    done = Order.objects.get(pk=order.pk)
    assert done.status == "completed" and done.completed_at is not None


def test_reversal_keeps_the_order_in_use_while_another_use_stands(w):
    order = b.buy(w.customer, b.service(w.merchant, uses=3))
    [card] = b.vouchers_of(order)
    services.redeem(w.staff, w.store.public_id, card.code, 2)
    last = services.redeem(w.staff, w.store.public_id, card.code, 1)
    assert _status(order) == "completed"
    services.reverse(w.staff, last.public_id)
    assert _status(order) == "in_use"  # two uses were taken and stand


def test_reversal_in_an_order_in_use_back_to_paid(w):
    order = b.buy(w.customer, b.service(w.merchant), quantity=2)
    first, _ = b.vouchers_of(order)
    r = services.redeem(w.staff, w.store.public_id, first.code)
    assert _status(order) == "in_use"
    services.reverse(w.staff, r.public_id)
    assert _status(order) == "paid"


def test_refund_amount_must_be_the_unused_uses(w, api_as):
    """Was: {"amount_fen": 1} refunded the full price."""
    order = b.buy(w.customer, b.service(w.merchant, price_fen=9000, uses=3, refund_anytime=True))
    [card] = b.vouchers_of(order)
    services.redeem(w.staff, w.store.public_id, card.code, 1)
    api = api_as(w.customer)
    for body in ({"amount_fen": 1}, {"amount_fen": 9000}, {"uses": 1}, {"uses": 3, "amount_fen": 6000}):
        r = api.post(f"/vouchers/{card.public_id}/refund", body)
        assert r.status_code == 422, (body, r.content)
        err = r.json()["error"]
        assert err["code"] == "refund_amount_mismatch"
        assert err["details"] == {"uses": 2, "amount_fen": 6000}
    assert not VoucherRefund.objects.exists()
    card.refresh_from_db()
    assert (card.status, card.uses_left) == ("partially_used", 2)
    r = api.post(f"/vouchers/{card.public_id}/refund", {"amount_fen": 0})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_amount"

    r = api.post(f"/vouchers/{card.public_id}/refund", {"amount_fen": 6000, "uses": 2, "reason": "moving"})
    assert r.status_code == 201, r.content
    assert (r.json()["amount_fen"], r.json()["uses"]) == (6000, 2)
    assert Voucher.objects.get(pk=card.pk).status == "refunded"


def test_refund_without_an_amount_is_every_unused_use(w, api_as):
    order = b.buy(w.customer, b.service(w.merchant, price_fen=9000, uses=3, refund_anytime=True))
    [card] = b.vouchers_of(order)
    r = api_as(w.customer).post(f"/vouchers/{card.public_id}/refund", {})
    assert r.status_code == 201 and r.json()["amount_fen"] == 9000
    assert _status(order) == "completed"  # nothing usable is left
