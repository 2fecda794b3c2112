"""After-sales: cancel before shipment, returns within the window, caps on refunds,
refund-only requests, disputes arbitrated by operators, auto-confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.payments.models import Payment, Refund
from o2o.shipping import services
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, paid_order, track  # noqa: F401


@pytest.fixture
def shop(gateway):  # noqa: F811
    m = factories.merchant()
    loc = b.location(m)
    return {"m": m, "loc": loc, "tea": b.goods(m, price_fen=2500, stock=10, loc=loc),
            "cup": b.goods(m, price_fen=1000, stock=10, loc=loc), "customer": factories.user()}


def _delivered(shop, items):
    order = paid_order(shop["customer"], items)
    parcel = services.create_parcel(shop["m"], order.public_id)
    track(parcel, "delivered")
    order.refresh_from_db()
    assert order.status == "delivered"
    return order


def _refunded(order) -> int:
    return sum(Refund.objects.filter(payment__order=order).values_list("amount_fen", flat=True))


@pytest.mark.django_db
def test_cancel_before_shipment_refunds_everything_and_restocks(shop):
    order = paid_order(shop["customer"], [(shop["tea"], 2)])
    assert shop["tea"].stock_levels.get().on_hand == 8
    orders.cancel_order(shop["customer"], order.public_id, "changed my mind")
    order.refresh_from_db()
    assert (order.status, order.close_reason) == ("closed", "cancelled")
    assert _refunded(order) == order.paid_amount_fen == 5000
    assert shop["tea"].stock_levels.get().on_hand == 10
    with pytest.raises(Conflict):
        services.create_parcel(shop["m"], order.public_id)
    shipped = paid_order(shop["customer"], [(shop["tea"], 1)])
    services.create_parcel(shop["m"], shipped.public_id)
    with pytest.raises(Conflict) as exc:
        orders.cancel_order(shop["customer"], shipped.public_id)
    assert exc.value.code == "illegal_transition"


@pytest.mark.django_db
def test_return_after_the_deadline_is_refused(shop):
    order = _delivered(shop, [(shop["tea"], 1)])
    clock.advance(dt.timedelta(days=7, minutes=1))
    for kind in ("return", "refund_only"):
        with pytest.raises(Conflict) as exc:
            services.request_after_sale(shop["customer"], order.public_id, kind=kind, reason="too late")
        assert exc.value.code == "after_sales_window_closed"
    undelivered = paid_order(shop["customer"], [(shop["tea"], 1)])
    with pytest.raises(Conflict) as exc:
        services.request_after_sale(shop["customer"], undelivered.public_id, kind="return", reason="early")
    assert exc.value.code == "not_delivered"


@pytest.mark.django_db
def test_return_refund_never_exceeds_what_was_paid_for_the_lines(shop):
    m, customer = shop["m"], shop["customer"]
    order = _delivered(shop, [(shop["tea"], 3), (shop["cup"], 1)])
    tea, cup = order.lines.order_by("id")
    with pytest.raises(Conflict) as exc:  # 2 teas are worth 5000
        services.request_after_sale(customer, order.public_id, kind="return", reason="wrong taste",
                                    lines=[(tea.public_id, 2)], amount_fen=5001)
    assert exc.value.code == "refund_exceeds_paid"
    ret = services.request_after_sale(customer, order.public_id, kind="return", reason="wrong taste",
                                      lines=[(tea.public_id, 2)], photos=["https://img.example/1.jpg"])
    assert ret.requested_fen == 5000
    with pytest.raises(Conflict) as exc:  # only 1 tea left to claim
        services.request_after_sale(customer, order.public_id, kind="return", reason="again",
                                    lines=[(tea.public_id, 2)])
    assert exc.value.code == "too_many_units"
    services.approve(m, ret.public_id, "ok, send it back")
    parcel = services.ship_return(customer, ret.public_id, tracking_number="RET-0001")
    track(parcel, "delivered")
    parcel.refresh_from_db()
    assert parcel.direction == "return" and parcel.status == "delivered"
    with pytest.raises(Conflict) as exc:
        services.receive_return(m, ret.public_id, amount_fen=5001)
    assert exc.value.code == "refund_exceeds_paid"
    # Agreed partially (one tin was opened); the opened tin is not resold.
    done = services.receive_return(m, ret.public_id, amount_fen=4000, resellable=True,
                                   location=shop["loc"].public_id)
    assert (done.status, done.refunded_fen) == ("refunded", 4000)
    assert shop["tea"].stock_levels.get().on_hand == 7 + 2
    with pytest.raises(Conflict):
        services.receive_return(m, ret.public_id)  # once
    # The last tea and the cup: caps count what was already refunded per line.
    rest = services.request_after_sale(customer, order.public_id, kind="refund_only", reason="damaged")
    assert rest.requested_fen == 2500 + 1000
    services.approve(m, rest.public_id)
    rest.refresh_from_db()
    assert rest.status == "refunded"
    assert _refunded(order) == 4000 + 3500 <= order.paid_amount_fen
    assert tea.after_sale_lines.count() == 2 and cup.after_sale_lines.get().refunded_fen == 1000
    with pytest.raises(Conflict):
        services.request_after_sale(customer, order.public_id, kind="refund_only", reason="more")


@pytest.mark.django_db
def test_refund_only_rejected_disputed_and_arbitrated(shop, api_as):
    order = _delivered(shop, [(shop["cup"], 2)])
    me, owner, op = api_as(shop["customer"]), api_as(shop["m"].owner), api_as(factories.operator())
    r = me.post(f"/orders/{order.public_id}/after-sales",
                {"kind": "refund_only", "reason": "one cup missing", "lines": [
                    {"line": order.lines.get().public_id, "quantity": 1}]})
    assert r.status_code == 201, r.content
    ret_id = r.json()["id"]
    assert r.json()["refundable_fen"] == 1000
    assert owner.post(f"/merchant/after-sales/{ret_id}/reject", {}).status_code == 422  # a reason is needed
    r = owner.post(f"/merchant/after-sales/{ret_id}/reject", {"reason": "the courier photo shows two"})
    assert r.json()["status"] == "rejected"
    assert op.post(f"/operator/after-sales/{ret_id}/arbitrate",
                   {"decision": "approve", "note": "x"}).status_code == 409  # not disputed yet
    assert me.post(f"/after-sales/{ret_id}/dispute", {"reason": "box had one"}).json()["status"] == "disputed"
    assert [x["id"] for x in op.get("/operator/after-sales", {"status": "disputed"}).json()["results"]] == [ret_id]
    assert owner.get("/operator/after-sales").status_code == 403
    r = op.post(f"/operator/after-sales/{ret_id}/arbitrate", {"decision": "approve", "note": "weight says one"})
    assert r.json()["status"] == "refunded" and r.json()["refunded_fen"] == 1000
    assert _refunded(order) == 1000
    assert api_as(factories.merchant().owner).get(f"/merchant/after-sales/{ret_id}").status_code == 404
    types = [e["type"] for e in owner.get(f"/orders/{order.public_id}/timeline").json()]
    for t in ("after_sale.requested", "after_sale.rejected", "after_sale.disputed", "after_sale.arbitrated",
              "after_sale.approved", "after_sale.refunded", "refund.created"):
        assert t in types


@pytest.mark.django_db
def test_auto_confirmation_with_a_controllable_clock(shop):
    quiet = _delivered(shop, [(shop["tea"], 1)])
    disputed = _delivered(shop, [(shop["cup"], 1)])
    services.request_after_sale(shop["customer"], disputed.public_id, kind="return", reason="broken")
    clock.advance(dt.timedelta(days=6, hours=23))
    assert services.auto_confirm_due() == 0
    clock.advance(dt.timedelta(hours=2))
    assert services.auto_confirm_due() == 1
    assert services.auto_confirm_due() == 0  # once
    quiet.refresh_from_db()
    assert quiet.status == "completed" and quiet.completed_at is not None
    assert Order.objects.get(pk=disputed.pk).status == "delivered"  # held by the open request
    from o2o.core.models import OutboxEvent

    ev = OutboxEvent.objects.get(aggregate_id=quiet.public_id, event_type="order.completed")
    assert ev.payload["auto"] is True


@pytest.mark.django_db
def test_auto_confirm_period_is_configurable(shop, monkeypatch):
    monkeypatch.setenv("O2O_AUTO_CONFIRM_DAYS", "2")
    order = _delivered(shop, [(shop["tea"], 1)])
    clock.advance(dt.timedelta(days=1))
    from o2o.shipping import tasks

    assert tasks.auto_confirm.call() == 0
    clock.advance(dt.timedelta(days=1, seconds=1))
    assert tasks.auto_confirm.call() == 1
    assert Order.objects.get(pk=order.pk).status == "completed"
    assert Payment.objects.filter(order=order).exists()
