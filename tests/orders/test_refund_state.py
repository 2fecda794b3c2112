"""An order records the money refunded on it: the API, the storefront and the console show
"partially refunded" / "refunded" beside the status, and today's revenue is net of it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client

from o2o.catalog.models import ProductKind
from o2o.core.models import OutboxEvent
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.orders.services import Item
from o2o.payments import services as payments
from o2o.payments.models import Refund
from o2o.vouchers.models import Voucher
from tests import factories
from tests.ledger.helpers import gateway, pay  # noqa: F401  (gateway is a fixture)

pytestmark = pytest.mark.django_db

PRICE = 6000


def _paid_voucher_order():
    m = factories.merchant()
    factories.store(m)
    p = factories.product(m, kind=ProductKind.SERVICE, price_fen=PRICE, refund_anytime=True)
    customer = factories.user()
    (order,) = orders.place_orders(customer, [Item(p.skus.get().public_id, 2)])
    pay(order)
    order.refresh_from_db()
    assert order.status == "paid"
    return m, customer, order


def _refund_voucher(api, voucher: Voucher, status: str = "SUCCESS") -> None:
    """The customer asks for the voucher's money back; the gateway answers `status`."""
    r = api.post(f"/vouchers/{voucher.public_id}/refund", {"reason": "plans changed"})
    assert r.status_code in (200, 201), r.content
    assert payments.execute_voucher_refunds() == 1
    refund = Refund.objects.filter(status="processing").get()
    payments.submit_refund(refund.public_id)
    payments.settle_refund(refund.out_refund_no, status)


def test_refunds_show_on_the_order_in_the_api(gateway, api_as):  # noqa: F811
    m, customer, order = _paid_voucher_order()
    api = api_as(customer)
    first, second = Voucher.objects.filter(order=order).order_by("id")
    body = api.get(f"/orders/{order.public_id}").json()
    assert (body["refunded_fen"], body["refund_state"]) == (0, "none")

    _refund_voucher(api, first)
    body = api.get(f"/orders/{order.public_id}").json()
    assert (body["refunded_fen"], body["refund_state"]) == (PRICE, "partial")
    settle_again = Refund.objects.get()
    payments.settle_refund(settle_again.out_refund_no, "SUCCESS")  # a repeated outcome counts once
    assert Order.objects.get(pk=order.pk).refunded_fen == PRICE

    _refund_voucher(api, second)
    body = api.get(f"/orders/{order.public_id}").json()
    assert (body["refunded_fen"], body["refund_state"]) == (2 * PRICE, "full")
    merchant_view = api_as(m.owner).get(f"/merchant/orders/{order.public_id}").json()
    assert (merchant_view["refunded_fen"], merchant_view["refund_state"]) == (2 * PRICE, "full")
    recorded = OutboxEvent.objects.filter(event_type="order.refund_recorded", aggregate_id=order.public_id)
    assert [e.payload["refund_state"] for e in recorded.order_by("id")] == ["partial", "full"]


def test_a_failed_refund_is_not_counted(gateway, api_as):  # noqa: F811
    _, customer, order = _paid_voucher_order()
    first = Voucher.objects.filter(order=order).order_by("id").first()
    _refund_voucher(api_as(customer), first, status="ABNORMAL")
    order.refresh_from_db()
    assert (order.refunded_fen, order.refund_state) == (0, "none")


def test_pages_show_the_badge_and_the_dashboard_nets_refunds(gateway, api_as):  # noqa: F811
    m, customer, order = _paid_voucher_order()
    _, _, untouched = _paid_voucher_order()
    shopper, owner = Client(), Client()
    shopper.force_login(customer)
    owner.force_login(m.owner)
    assert 'data-refund=' not in shopper.get(f"/orders/{order.public_id}/").content.decode()
    revenue = owner.get("/console/").context["revenue_today"]
    assert revenue == 2 * PRICE

    first, second = Voucher.objects.filter(order=order).order_by("id")
    _refund_voucher(api_as(customer), first)
    assert 'data-refund="partial"' in shopper.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-refund="partial"' in shopper.get("/orders/").content.decode()
    assert owner.get("/console/").context["revenue_today"] == PRICE
    _refund_voucher(api_as(customer), second)
    page = shopper.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-refund="full"' in page and 'id="order-refunded"' in page
    listing = owner.get("/console/orders/?status=all").content.decode()
    assert listing.count('data-refund="full"') == 1
    assert owner.get("/console/").context["revenue_today"] == 0
    untouched.refresh_from_db()
    assert (untouched.refunded_fen, untouched.refund_state) == (0, "none")


def test_the_migration_backfills_refunded_money_from_succeeded_refunds(gateway, api_as):  # noqa: F811
    _, customer, order = _paid_voucher_order()
    first, second = Voucher.objects.filter(order=order).order_by("id")
    _refund_voucher(api_as(customer), first)
    _refund_voucher(api_as(customer), second, status="ABNORMAL")
    Order.objects.filter(pk=order.pk).update(refunded_fen=0)  # as before the column existed
    migration = importlib.import_module("o2o.orders.migrations.0003_order_refunded_fen")
    migration._backfill(apps, None)
    assert Order.objects.get(pk=order.pk).refunded_fen == PRICE
