"""Discounts in the books: the customer pays the net, the platform pays its funded part
from marketing expense as the sale is recognized, the merchant is recognized on the
gross less its own discount, commission is on that amount, refunds return the net
share only, and `ledger check` proves paid + subsidy = gross - merchant discount and
marketing spend = the platform-funded discounts of recognized sales."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from o2o.core import clock
from o2o.core.money import format_fen, split_rate
from o2o.ledger import services as ledger
from o2o.ledger.models import AccountKind, EntryKind, JournalEntry
from o2o.ledger.services import account, balance, payable, post
from o2o.ledger.services.check import marketing_spend_matches, orders_priced
from o2o.ledger.services.journal import Line
from o2o.marketing import services as marketing
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderLine
from o2o.orders.services import Item
from o2o.payments import services as payments
from o2o.payments.models import Refund
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests import factories
from tests.ledger.helpers import gateway, pay, refund_succeeds, relay  # noqa: F401
from tests.marketing import builders as mb
from tests.orders import builders as ob
from tests.shipping.helpers import ship_and_deliver
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db

MARKETING = AccountKind.PLATFORM_MARKETING


def _paid_order(customer, items, **kw) -> Order:
    (order,) = orders.place_orders(customer, items, **kw)
    pay(order)
    order.refresh_from_db()
    return order


def test_voucher_sale_with_a_platform_coupon(gateway, capsys):  # noqa: F811
    w = vb.world()
    w.merchant.commission_rate_bp = 500
    w.merchant.save(update_fields=["commission_rate_bp"])
    product = vb.service(w.merchant, price_fen=3333)
    marketing.claim(w.customer, mb.template(None, amount_off_fen=1000, threshold_fen=0).public_id)
    order = _paid_order(w.customer, [Item(product.skus.get().public_id, 3)])
    line = OrderLine.objects.get(order=order)
    assert (order.total_fen, order.platform_subsidy_fen, line.line_total_fen) == (8999, 1000, 8999)
    v1, v2, v3 = Voucher.objects.filter(order=order).order_by("seq")
    # The line's net over its units by largest remainder: 8999 = 3000 + 3000 + 2999.
    assert [v.price_fen for v in (v1, v2, v3)] == [3000, 3000, 2999]

    vouchers.redeem(w.staff, w.store.public_id, v1.code)
    relay()
    (entry,) = JournalEntry.objects.filter(kind=EntryKind.VOUCHER_REDEEMED)
    amounts = {ln.account.kind: ln.amount_fen for ln in entry.lines.select_related("account")}
    # value 3000 from held funds + 334 of subsidy (1000 over 3 units: 334, 333, 333)
    commission = split_rate(3334, 500)
    assert amounts == {AccountKind.CUSTOMER_FUNDS_HELD: 3000, MARKETING: 334,
                       AccountKind.MERCHANT_PAYABLE: -(3334 - commission),
                       AccountKind.PLATFORM_COMMISSION: -commission}

    # A refunded voucher returns its net share; the platform never pays its subsidy.
    vouchers.request_refund(w.customer, v2.public_id)
    payments.execute_voucher_refunds()
    refund = refund_succeeds(Refund.objects.get(payment__order=order))
    assert refund.amount_fen == 3000
    relay()
    assert balance(account(MARKETING)) == 334
    assert balance(account(AccountKind.CUSTOMER_FUNDS_HELD)) == 2999
    assert ledger.run_checks().ok, ledger.run_checks().problems

    # The last one expires unused without a refund: breakage of its value and subsidy.
    Voucher.objects.filter(pk=v3.pk).update(valid_until=clock.now() + dt.timedelta(minutes=1))
    product.auto_refund_on_expiry = False
    product.save(update_fields=["auto_refund_on_expiry"])
    clock.advance(dt.timedelta(minutes=2))
    assert vouchers.expire_due() == 1
    relay()
    assert balance(account(MARKETING)) == 1000 - 333
    assert balance(account(AccountKind.CUSTOMER_FUNDS_HELD)) == 0
    owed = 3334 + 2999 + 333 - split_rate(3334, 500) - split_rate(3332, 500)
    assert balance(payable(w.merchant)) == owed
    # Settlement counts the subsidy in the gross it settles.
    clock.advance(dt.timedelta(days=2))
    (stmt,) = ledger.settle_due()
    assert (stmt.gross_fen, stmt.net_fen) == (3334 + 2999 + 333, owed)
    report = ledger.run_checks()
    assert report.ok, report.problems
    call_command("ledger", "check")
    assert f"platform-funded discounts {format_fen(667)}" in capsys.readouterr().out


def test_goods_sale_with_split_funding_and_a_partial_refund(gateway):  # noqa: F811
    m = factories.merchant()
    m.commission_rate_bp = 1000
    m.save(update_fields=["commission_rate_bp"])
    sku = ob.goods(m, price_fen=10000, stock=5)
    customer = factories.user()
    # 30 yuan off, half funded by the merchant: 1500 merchant, 1500 platform.
    marketing.claim(customer, mb.template(m, amount_off_fen=3000, threshold_fen=0, merchant_share_bp=5000)
                    .public_id)
    order = _paid_order(customer, [Item(sku.public_id, 2)], shipping_address=ob.ADDRESS)
    assert (order.total_fen, order.discount_fen, order.platform_subsidy_fen) == (17000, 3000, 1500)
    assert orders_priced() == []
    ship_and_deliver(m, order)
    orders.confirm_received(customer, order.public_id)
    relay()
    (entry,) = JournalEntry.objects.filter(kind=EntryKind.GOODS_COMPLETED)
    amounts = {ln.account.kind: ln.amount_fen for ln in entry.lines.select_related("account")}
    # recognized on gross - merchant discount = 20000 - 1500 = 17000 + 1500; commission on that
    assert amounts[AccountKind.CUSTOMER_FUNDS_HELD] == 17000 and amounts[MARKETING] == 1500
    assert amounts[AccountKind.PLATFORM_COMMISSION] == -split_rate(18500, 1000)
    assert ledger.run_checks().ok, ledger.run_checks().problems


def test_check_finds_a_subsidy_that_does_not_add_up(gateway):  # noqa: F811
    w = vb.world()
    product = vb.service(w.merchant, price_fen=5000)
    marketing.claim(w.customer, mb.template(None, amount_off_fen=700, threshold_fen=0).public_id)
    order = _paid_order(w.customer, [Item(product.skus.get().public_id, 1)])
    (v,) = Voucher.objects.filter(order=order)
    vouchers.redeem(w.staff, w.store.public_id, v.code)
    relay()
    assert orders_priced() == [] and marketing_spend_matches() == []
    # An order whose subsidy is not its lines' platform-funded discount.
    Order.objects.filter(pk=order.pk).update(platform_subsidy_fen=600)
    assert any("subsidy" in p for p in orders_priced())
    Order.objects.filter(pk=order.pk).update(platform_subsidy_fen=700)
    # Marketing spend posted for an order beyond what its recognized sales carry.
    post(EntryKind.MANUAL, ("test", "extra-spend"), [
        Line(account(MARKETING), 100), Line(account(AccountKind.GATEWAY_CLEARING), -100)], order=order)
    problems = marketing_spend_matches()
    assert any(order.public_id in p for p in problems) and any("marketing spend" in p for p in problems)
