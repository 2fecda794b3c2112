"""The customer's order timeline speaks in words: no raw event code, and the order's
bookkeeping echo of a refund does not repeat the refund's own line."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.payments import services as payments
from o2o.payments.models import Refund
from o2o.shipping import services as shipping
from o2o.web.storefront.common import event_label
from tests import factories
from tests.orders import builders as b
from tests.shipping.helpers import gateway, paid_order  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_cancelled_and_refunded_order_reads_in_words(gateway):  # noqa: F811
    m = factories.merchant()
    customer = factories.user()
    order = paid_order(customer, [(b.goods(m, price_fen=3000, stock=5), 1)])
    c = Client()
    c.force_login(customer)
    assert c.post(f"/orders/{order.public_id}/cancel/").status_code == 302
    refund = Refund.objects.get(payment__order=order)
    payments.submit_refund(refund.public_id)
    payments.settle_refund(refund.out_refund_no, "SUCCESS")

    events = [e.event_type for e in shipping.timeline(order)]
    assert "refund.succeeded" in events and "order.refund_recorded" not in events
    assert all(event_label(t) != t for t in events), events
    page = c.get(f"/orders/{order.public_id}/").content.decode()
    assert "order.refund_recorded" not in page and "refund.succeeded" not in page
