"""Order reads of the customer API, the merchant API and the storefront go through
orders.selectors, scoped by their first argument: another customer's or another
tenant's ids answer 404 like unknown ones, lists hold the scope's orders only, and the
lines come with the order in a fixed number of queries."""

from __future__ import annotations

import pytest

from o2o.core.errors import NotFound
from o2o.orders import selectors
from o2o.orders.services import Item, place_orders
from tests import factories
from tests.orders import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    m, rival = factories.merchant("Tea House"), factories.merchant("Rival Tea")
    store = factories.store(m)
    return {"m": m, "rival": rival, "store": store, "customer": factories.user(), "other": factories.user(),
            "tea": b.goods(m, price_fen=2500, stock=20), "rival_tea": b.goods(rival, price_fen=900, stock=20),
            "card": b.voucher_service(m, price_fen=5000), "staff": factories.staff(m),
            "rival_staff": factories.staff(rival)}


def _order(customer, sku, quantity: int = 1):
    (order,) = place_orders(customer, [Item(sku.public_id, quantity)], shipping_address=b.ADDRESS)
    return order


def _refused(call, code: str = "order_not_found") -> None:
    with pytest.raises(NotFound) as exc:
        call()
    assert exc.value.code == code


def test_a_customer_reads_their_own_orders_only(w):
    mine, theirs = _order(w["customer"], w["tea"]), _order(w["other"], w["tea"])
    assert list(selectors.customer_orders(w["customer"])) == [mine]
    assert selectors.customer_order(w["customer"], mine.public_id).pk == mine.pk
    _refused(lambda: selectors.customer_order(w["customer"], theirs.public_id))
    _refused(lambda: selectors.customer_order(w["customer"], "ord_unknown"))
    _refused(lambda: selectors.customer_order(w["customer"], "prd_" + mine.public_id[4:]))
    # The merchant's staff are not the order's customer.
    _refused(lambda: selectors.customer_order(w["staff"], mine.public_id))


def test_customer_orders_filter_by_state_and_checkout_group(w):
    first, second = _order(w["customer"], w["tea"]), _order(w["customer"], w["tea"])
    assert list(selectors.customer_orders(w["customer"], "pending_payment").order_by("id")) == [first, second]
    assert not selectors.customer_orders(w["customer"], "paid").exists()
    assert list(selectors.customer_orders(w["customer"], checkout_group=second.checkout_group)) == [second]


def test_lines_come_with_the_orders_in_two_queries(w, django_assert_num_queries):
    for _ in range(3):
        _order(w["customer"], w["tea"], 2)
    with django_assert_num_queries(2):
        orders = list(selectors.customer_orders(w["customer"]))
        seen = [(o.merchant.name, o.pickup_store, [(ln.sku.public_id, ln.product.title, ln.quantity)
                                                   for ln in o.prefetched_lines]) for o in orders]
    assert len(seen) == 3 and all(lines == [(w["tea"].public_id, w["tea"].product.title, 2)]
                                  for _, _, lines in seen)
    # The storefront's templates read the same lines under their own name.
    with django_assert_num_queries(2):
        order = selectors.customer_order(w["customer"], orders[0].public_id, lines_attr="line_list")
        assert [ln.quantity for ln in order.line_list] == [2]


def test_the_merchants_search_holds_its_orders_only(w):
    tea, card = _order(w["customer"], w["tea"]), _order(w["customer"], w["card"])
    rival = _order(w["customer"], w["rival_tea"])
    assert set(selectors.merchant_order_search(w["m"])) == {tea, card}
    assert list(selectors.merchant_order_search(w["m"], kind="service")) == [card]
    assert list(selectors.merchant_order_search(w["rival"])) == [rival]
    assert not selectors.merchant_order_search(w["m"], status="paid").exists()
    today = tea.created_at.date()
    assert set(selectors.merchant_order_search(w["m"], created_from=today, created_to=today)) == {tea, card}
    assert selectors.merchant_order_with_lines(w["m"], tea.public_id).prefetched_lines[0].quantity == 1
    _refused(lambda: selectors.merchant_order_with_lines(w["m"], rival.public_id))
    _refused(lambda: selectors.merchant_order_with_lines(w["rival"], tea.public_id))


def test_an_order_line_is_found_for_its_customer_only(w):
    order = _order(w["customer"], w["tea"])
    line = order.lines.get()
    found = selectors.customer_order_line(w["customer"], line.public_id)
    assert found.pk == line.pk and found.order.pk == order.pk and found.product.pk == w["tea"].product.pk
    for customer, line_id in ((w["other"], line.public_id), (w["customer"], "oln_unknown"),
                              (w["customer"], order.public_id)):
        _refused(lambda c=customer, lid=line_id: selectors.customer_order_line(c, lid), "order_line_not_found")


def test_the_api_answers_404_for_another_customers_and_another_tenants_orders(w, api_as):
    mine, rival = _order(w["customer"], w["tea"]), _order(w["customer"], w["rival_tea"])
    theirs = _order(w["other"], w["tea"])
    customer = api_as(w["customer"])
    assert customer.get(f"/orders/{mine.public_id}").status_code == 200
    for r in (customer.get(f"/orders/{theirs.public_id}"), customer.post(f"/orders/{theirs.public_id}/cancel", {})):
        assert r.status_code == 404 and r.json()["error"]["code"] == "order_not_found"
    assert {o["id"] for o in customer.get("/orders").json()["results"]} == {mine.public_id, rival.public_id}

    staff = api_as(w["staff"])
    assert staff.get(f"/merchant/orders/{mine.public_id}").status_code == 200
    r = staff.get(f"/merchant/orders/{rival.public_id}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "order_not_found"
    listed = {o["id"] for o in staff.get("/merchant/orders").json()["results"]}
    assert listed == {mine.public_id, theirs.public_id}
    assert [o["id"] for o in api_as(w["rival_staff"]).get("/merchant/orders").json()["results"]] == [rival.public_id]
