"""Voucher refund requests become gateway refunds, once each; outcomes settle once."""

from __future__ import annotations

import pytest

from o2o.catalog.models import ProductKind
from o2o.orders import services as orders
from o2o.orders.services import Item
from o2o.payments import services
from o2o.payments.models import Payment, Refund
from tests import factories
from tests.payments.stub_gateway import installed_stub


@pytest.fixture
def stub():
    with installed_stub() as gw:
        yield gw


@pytest.mark.django_db
def test_voucher_refund_requests_are_executed_once(stub):
    from o2o.vouchers import services as vouchers
    from o2o.vouchers.models import Voucher, VoucherRefund

    m = factories.merchant()
    factories.store(m)
    p = factories.product(m, kind=ProductKind.SERVICE, price_fen=6000, refund_anytime=True)
    customer = factories.user()
    (order,) = orders.place_orders(customer, [Item(p.skus.get().public_id, 2)])
    view = services.start_payment(customer, order.public_id, "native")
    services.apply_transaction({"out_trade_no": view.payment.out_trade_no, "trade_state": "SUCCESS",
                                "transaction_id": "4200000000000000000000000001",
                                "amount": {"total": 12000, "currency": "CNY"}})
    order.refresh_from_db()
    assert order.status == "paid"
    v1, v2 = Voucher.objects.filter(order=order)
    vouchers.request_refund(customer, v1.public_id, "plans changed")
    assert services.execute_voucher_refunds() == 1
    assert services.execute_voucher_refunds() == 0  # a request is executed once
    request = VoucherRefund.objects.get(voucher=v1)
    assert request.status == "processing"
    refund = Refund.objects.get()
    assert (refund.source, refund.amount_fen) == ("voucher", 6000)
    services.submit_refund(refund.public_id)
    services.submit_refund(refund.public_id)  # already accepted: not sent twice
    assert len(stub.refunds) == 1 and stub.refunds[0].total_fen == 12000
    services.settle_refund(refund.out_refund_no, "SUCCESS")
    services.settle_refund(refund.out_refund_no, "ABNORMAL")  # a late contrary outcome changes nothing
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    request.refresh_from_db()
    assert request.status == "succeeded"  # the voucher side follows the gateway's outcome
    payment = Payment.objects.get(pk=view.payment.pk)
    assert services.refundable_fen(payment) == 6000
    vouchers.request_refund(customer, v2.public_id)
    services.execute_voucher_refunds()
    assert services.refundable_fen(payment) == 0
