"""Posting rules, one business fact at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from o2o.catalog.models import Category
from o2o.core import clock
from o2o.core.money import split_rate
from o2o.ledger.models import AccountKind, EntryKind, JournalEntry, JournalLine
from o2o.ledger.services import Line, Unbalanced, account, balance, payable, post, posting
from o2o.orders import services as orders
from o2o.payments import services as payments
from o2o.payments.models import Refund
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests import factories
from tests.ledger.helpers import buy, gateway, pay, refund_succeeds, relay  # noqa: F401
from tests.shipping.helpers import ship_and_deliver
from tests.vouchers import builders as vb

HELD, CLEARING, COMMISSION = (AccountKind.CUSTOMER_FUNDS_HELD, AccountKind.GATEWAY_CLEARING,
                              AccountKind.PLATFORM_COMMISSION)


def lines_of(entry) -> dict[str, int]:
    return {ln.account.kind: ln.amount_fen for ln in entry.lines.select_related("account")}


def held_for(order) -> int:
    return -sum(JournalLine.objects.filter(entry__order=order, account__kind=HELD)
                .values_list("amount_fen", flat=True))


@pytest.fixture
def w():
    return vb.world()


@pytest.mark.django_db
def test_post_refuses_unbalanced_and_posts_a_fact_once():
    a, b = account(CLEARING), account(HELD)
    with pytest.raises(Unbalanced):
        post(EntryKind.MANUAL, ("test", "1"), [Line(a, 100), Line(b, -99)])
    with pytest.raises(Unbalanced):
        post(EntryKind.MANUAL, ("test", "1"), [Line(a, 100)])
    with pytest.raises(Unbalanced):
        post(EntryKind.MANUAL, ("test", "1"), [Line(a, 1.0), Line(b, -1.0)])  # type: ignore[arg-type]
    assert not JournalEntry.objects.exists()
    first, created = post(EntryKind.MANUAL, ("test", "1"), [Line(a, 100), Line(b, -100)])
    again, created_again = post(EntryKind.MANUAL, ("test", "1"), [Line(a, 500), Line(b, -500)])
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert balance(a) == 100 and balance(b) == 100  # b is a credit account: shown positive


@pytest.mark.django_db
def test_payment_is_held_once_whichever_event_posts_it(gateway, w):  # noqa: F811
    order = buy(w.customer, vb.service(w.merchant, price_fen=5000).skus.get())
    relay()
    relay()
    (entry,) = JournalEntry.objects.filter(kind=EntryKind.PAYMENT_RECEIVED)
    assert lines_of(entry) == {CLEARING: 5000, HELD: -5000}
    assert (entry.order_id, entry.merchant_id, entry.source_id) == (order.pk, w.merchant.pk, order.gateway_txn_id)


@pytest.mark.django_db
def test_order_paid_directly_is_held_too(w):
    order = vb.buy(w.customer, vb.service(w.merchant, price_fen=1234))  # orders.record_payment only
    relay()
    assert held_for(order) == 1234


@pytest.mark.django_db
def test_redemption_recognizes_use_value_less_commission(gateway, w):  # noqa: F811
    product = vb.service(w.merchant, price_fen=100, uses=3)
    order = buy(w.customer, product.skus.get())
    v = Voucher.objects.get(order=order)
    vouchers.redeem(w.staff, w.store.public_id, v.code, 1)
    relay()
    entry = JournalEntry.objects.get(kind=EntryKind.VOUCHER_REDEEMED)
    rate = w.merchant.commission_rate_bp
    assert lines_of(entry) == {HELD: 33, AccountKind.MERCHANT_PAYABLE: -(33 - split_rate(33, rate)),
                               COMMISSION: -split_rate(33, rate)}
    assert entry.voucher_id == v.pk and entry.commission_rate_bp == rate
    # the three uses together are worth exactly the price
    vouchers.redeem(w.staff, w.store.public_id, v.code, 2)
    relay()
    assert held_for(order) == 0
    assert balance(account(COMMISSION)) == split_rate(100, rate)
    assert balance(payable(w.merchant)) == 100 - split_rate(100, rate)


@pytest.mark.django_db
def test_reversal_of_the_latest_redemption_is_the_exact_opposite(gateway, w):  # noqa: F811
    product = vb.service(w.merchant, price_fen=100, uses=3)
    v = Voucher.objects.get(order=buy(w.customer, product.skus.get()))
    vouchers.redeem(w.staff, w.store.public_id, v.code, 1)
    relay()  # each redemption posted as it happens (the worker relays every few seconds)
    second = vouchers.redeem(w.staff, w.store.public_id, v.code, 1)
    relay()
    vouchers.reverse(w.staff, second.public_id)
    relay()
    redeemed = JournalEntry.objects.get(source_type="redemption", source_id=second.public_id)
    reversed_ = JournalEntry.objects.get(kind=EntryKind.REDEMPTION_REVERSED)
    assert lines_of(reversed_) == {k: -a for k, a in lines_of(redeemed).items()}
    assert reversed_.business_date == redeemed.business_date


@pytest.mark.django_db
def test_reversing_an_older_redemption_keeps_the_value_of_the_uses(gateway, w):  # noqa: F811
    product = vb.service(w.merchant, price_fen=100, uses=3)
    order = buy(w.customer, product.skus.get())
    v = Voucher.objects.get(order=order)
    first = vouchers.redeem(w.staff, w.store.public_id, v.code, 1)
    vouchers.redeem(w.staff, w.store.public_id, v.code, 2)
    vouchers.reverse(w.staff, first.public_id)  # 2 uses remain used: worth 66, not 67
    relay()
    assert held_for(order) == 100 - vouchers.used_value_fen(100, 3, 2)
    vouchers.request_refund(w.customer, v.public_id)
    payments.execute_voucher_refunds()
    refund_succeeds(Refund.objects.get())
    relay()
    assert held_for(order) == 0  # used value + refund == price, to the fen
    call_command("ledger", "check")


@pytest.mark.django_db
def test_refund_goes_back_out_of_held_funds(gateway, w):  # noqa: F811
    product = vb.service(w.merchant, price_fen=6000)
    order = buy(w.customer, product.skus.get(), 2)
    v1, _ = Voucher.objects.filter(order=order).order_by("seq")
    vouchers.request_refund(w.customer, v1.public_id)
    payments.execute_voucher_refunds()
    refund = Refund.objects.get()
    relay()
    assert held_for(order) == 12000  # not yet: the gateway has not paid it back
    refund_succeeds(refund)
    relay()
    entry = JournalEntry.objects.get(kind=EntryKind.REFUND_PAID)
    assert lines_of(entry) == {HELD: 6000, CLEARING: -6000}
    assert held_for(order) == 6000
    call_command("ledger", "check")


@pytest.mark.django_db
def test_expiry_without_refund_is_breakage_with_refund_is_not(gateway, w):  # noqa: F811
    keep = vb.service(w.merchant, price_fen=800, auto_refund_on_expiry=False)
    give_back = vb.service(w.merchant, price_fen=900)
    kept = buy(w.customer, keep.skus.get())
    returned = buy(w.customer, give_back.skus.get())
    clock.advance(dt.timedelta(days=31))
    assert vouchers.expire_due() == 2
    payments.execute_voucher_refunds()
    refund_succeeds(Refund.objects.get())
    relay()
    breakage = JournalEntry.objects.get(kind=EntryKind.VOUCHER_BREAKAGE)
    assert breakage.order_id == kept.pk and lines_of(breakage)[HELD] == 800
    assert held_for(kept) == 0 and held_for(returned) == 0
    assert not JournalEntry.objects.filter(order=returned, kind__in=posting.RECOGNITION_KINDS).exists()
    call_command("ledger", "check")


@pytest.mark.django_db
def test_payment_for_a_closed_order_is_held_then_refunded(gateway, w):  # noqa: F811
    product = vb.service(w.merchant, price_fen=700)
    (order,) = orders.place_orders(w.customer, [orders.Item(product.skus.get().public_id, 1)])
    view = payments.start_payment(w.customer, order.public_id, "native")
    orders.cancel_order(w.customer, order.public_id)
    payments.apply_transaction({"out_trade_no": view.payment.out_trade_no, "trade_state": "SUCCESS",
                                "transaction_id": "4200999", "amount": {"total": 700, "currency": "CNY"}})
    refund_succeeds(Refund.objects.get(source="closed_order"))
    relay()
    kinds = sorted(JournalEntry.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == [EntryKind.PAYMENT_RECEIVED, EntryKind.REFUND_PAID]
    assert held_for(order) == 0
    call_command("ledger", "check")


@pytest.mark.django_db
def test_category_rate_overrides_the_merchant_rate(gateway, w):  # noqa: F811
    cat = Category.objects.create(name="Spa", slug="spa", commission_rate_bp=1234)
    product = vb.service(w.merchant, price_fen=10001, category=cat)
    v = Voucher.objects.get(order=buy(w.customer, product.skus.get()))
    vouchers.redeem(w.staff, w.store.public_id, v.code, 1)
    relay()
    entry = JournalEntry.objects.get(kind=EntryKind.VOUCHER_REDEEMED)
    assert entry.commission_rate_bp == 1234
    assert lines_of(entry)[COMMISSION] == -split_rate(10001, 1234)


@pytest.mark.django_db
def test_goods_refund_before_shipping_lowers_what_is_recognized(gateway):  # noqa: F811
    from tests.orders import builders as ob

    m = factories.merchant()
    customer = factories.user()
    order = buy(customer, ob.goods(m, price_fen=5000), 2, address=ob.ADDRESS)
    refund_succeeds(payments.refund_order(order, 3000, reason="one broken"))
    ship_and_deliver(m, order)
    orders.confirm_received(customer, order.public_id)
    relay()
    entry = JournalEntry.objects.get(kind=EntryKind.GOODS_COMPLETED)
    assert lines_of(entry)[HELD] == 7000
    assert held_for(order) == 0
    call_command("ledger", "check")


@pytest.mark.django_db
def test_a_failing_handler_leaves_the_event_for_the_next_relay(gateway, w, monkeypatch):  # noqa: F811
    from o2o.core.models import OutboxEvent

    product = vb.service(w.merchant, price_fen=500)
    order = buy(w.customer, product.skus.get())

    def boom(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(posting, "post_receipt", boom)
    relay()
    assert held_for(order) == 0
    assert OutboxEvent.objects.filter(event_type="order.paid", relayed_at__isnull=True).exists()
    monkeypatch.undo()
    relay()
    assert held_for(order) == 500


@pytest.mark.django_db
def test_held_payment_and_its_refund_stay_out_of_the_books(gateway, w):  # noqa: F811
    from o2o.payments.models import HeldPayment
    from o2o.payments.services import refund_held_payment

    product = vb.service(w.merchant, price_fen=900)
    (order,) = orders.place_orders(w.customer, [orders.Item(product.skus.get().public_id, 1)])
    pay(order, amount_fen=800)  # the gateway says 800 arrived for a 900 order: held for an operator
    held = HeldPayment.objects.get()
    refund = refund_held_payment(factories.operator(), held.public_id, "gave it back")
    refund_succeeds(refund)
    relay()
    assert not JournalEntry.objects.filter(order=order).exists()
    call_command("ledger", "check")
