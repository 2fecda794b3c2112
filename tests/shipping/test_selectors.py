"""Shipping and order reads are scoped by their first argument: the customer who asked,
the merchant who sold, or an operator. Another tenant's ids answer 404 like unknown
ones; a non-operator asking an operator read is refused."""

from __future__ import annotations

import pytest

from o2o.core.errors import NotAuthenticated, NotFound, PermissionDenied
from o2o.orders import selectors as orders
from o2o.shipping import selectors, services
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, paid_order, ship_and_deliver  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(gateway):  # noqa: F811
    m, rival = factories.merchant(), factories.merchant()
    tea = b.goods(m, price_fen=2500, stock=10, loc=b.location(m))
    return {"m": m, "rival": rival, "tea": tea, "customer": factories.user(), "stranger": factories.user(),
            "staff": factories.staff(m), "rival_staff": factories.staff(rival), "operator": factories.operator()}


def _refused(call, code: str) -> None:
    with pytest.raises(NotFound) as exc:
        call()
    assert exc.value.code == code


def test_an_order_is_seen_by_its_customer_its_merchant_and_operators(world):
    order = paid_order(world["customer"], [(world["tea"], 1)])
    for viewer in (world["customer"], world["staff"], world["m"].owner, world["operator"]):
        assert orders.order_for(viewer, order.public_id).pk == order.pk
    for viewer in (world["stranger"], world["rival_staff"], world["rival"].owner):
        _refused(lambda v=viewer: orders.order_for(v, order.public_id), "order_not_found")
    _refused(lambda: orders.order_for(world["operator"], "not-an-id"), "order_not_found")
    with pytest.raises(NotAuthenticated):
        orders.order_for(None, order.public_id)


def test_the_consoles_order_lists_hold_the_merchants_orders_only(world):
    waiting = paid_order(world["customer"], [(world["tea"], 1)])
    shipped = paid_order(world["customer"], [(world["tea"], 1)])
    services.create_parcel(world["m"], shipped.public_id)
    assert list(orders.merchant_orders(world["m"], orders.TO_SHIP)) == [waiting]
    assert list(orders.merchant_orders(world["m"], "shipped")) == [shipped]
    assert set(orders.merchant_orders(world["m"])) == {waiting, shipped}
    assert not orders.merchant_orders(world["rival"]).exists()
    assert orders.merchant_order(world["m"], waiting.public_id).pk == waiting.pk
    _refused(lambda: orders.merchant_order(world["rival"], waiting.public_id), "order_not_found")


def test_parcels_are_read_by_their_merchant_and_their_customer(world):
    order = paid_order(world["customer"], [(world["tea"], 2)])
    parcel = services.create_parcel(world["m"], order.public_id)
    got = selectors.merchant_parcel(world["m"], parcel.public_id)
    assert [i.quantity for i in got.items.all()] == [2]
    assert selectors.customer_parcel(world["customer"], parcel.public_id).pk == parcel.pk
    assert [p.pk for p in selectors.order_parcels(order)] == [parcel.pk]
    _refused(lambda: selectors.merchant_parcel(world["rival"], parcel.public_id), "parcel_not_found")
    _refused(lambda: selectors.customer_parcel(world["stranger"], parcel.public_id), "parcel_not_found")


def test_after_sales_requests_are_scoped_to_customer_merchant_and_operator(world):
    order = paid_order(world["customer"], [(world["tea"], 1)])
    ship_and_deliver(world["m"], order)
    ret = services.request_after_sale(world["customer"], order.public_id, kind="refund_only", reason="broken")
    rid = ret.public_id
    assert selectors.customer_after_sale(world["customer"], rid).pk == ret.pk
    assert selectors.merchant_after_sale(world["m"], rid).pk == ret.pk
    assert selectors.operator_after_sale(world["operator"], rid).pk == ret.pk
    _refused(lambda: selectors.customer_after_sale(world["stranger"], rid), "after_sale_not_found")
    _refused(lambda: selectors.merchant_after_sale(world["rival"], rid), "after_sale_not_found")
    _refused(lambda: selectors.merchant_after_sale(world["m"], "ret_unknown"), "after_sale_not_found")
    assert not selectors.merchant_after_sales(world["rival"]).exists()
    assert list(selectors.customer_after_sales(world["customer"], "requested")) == [ret]
    assert not selectors.customer_after_sales(world["customer"], "refunded").exists()
    for not_operator in (world["m"].owner, world["customer"]):
        with pytest.raises(PermissionDenied):
            selectors.operator_after_sales(not_operator)

    assert not selectors.disputed(world["operator"]).exists()
    services.reject(world["m"], rid, "used already")
    services.dispute(world["customer"], rid, "it arrived broken")
    assert list(selectors.disputed(world["operator"])) == [ret]
    assert selectors.dispute_reason(selectors.dispute(world["operator"], rid)) == "it arrived broken"
