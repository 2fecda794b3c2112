"""Refund requests: the amount rule, who may ask, capacity given back, the order."""

from __future__ import annotations

import random

import pytest

from o2o.core.errors import Conflict
from o2o.core.models import OutboxEvent
from o2o.inventory import services as inventory
from o2o.inventory.models import Slot, VoucherQuota
from o2o.orders.models import Order
from o2o.vouchers import services
from o2o.vouchers.models import Voucher, VoucherRefund
from o2o.vouchers.services import refund_amount_fen, used_value_fen
from tests.vouchers import builders as b


def test_refund_amount_rule_examples():
    # 100.00 yuan for 3 uses: uses are worth 33.33, 33.33, 33.34 (the last takes the remainder).
    assert [refund_amount_fen(10000, 3, unused) for unused in (3, 2, 1, 0)] == [10000, 6667, 3334, 0]
    assert [used_value_fen(10000, 3, k) for k in (0, 1, 2, 3)] == [0, 3333, 6666, 10000]
    assert refund_amount_fen(1, 10, 9) == 1 and refund_amount_fen(0, 5, 5) == 0
    with pytest.raises(ValueError):
        refund_amount_fen(100, 3, 4)


def test_refund_amount_never_exceeds_price_and_nothing_is_lost():
    rng = random.Random(7)
    for _ in range(2000):
        price, total = rng.randint(0, 10**7), rng.randint(1, 50)
        per_use = [used_value_fen(price, total, k + 1) - used_value_fen(price, total, k)
                   for k in range(total)]
        assert sum(per_use) == price and all(v >= 0 for v in per_use)
        for used in range(total + 1):
            refund = refund_amount_fen(price, total, total - used)
            assert 0 <= refund <= price
            assert used_value_fen(price, total, used) + refund == price
            # At least the exact pro-rata share, never a whole fen more.
            assert price * (total - used) <= refund * total < price * (total - used) + total


@pytest.mark.django_db
class TestRequests:
    @pytest.fixture
    def w(self):
        return b.world()

    def test_partial_refund_of_a_card(self, w, api_as):
        card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=3, price_fen=10000)))[0]
        services.redeem(w.staff, w.store.public_id, card.code, 1)
        r = api_as(w.customer).post(f"/vouchers/{card.public_id}/refund", {"reason": "moving away"})
        assert r.status_code == 201, r.content
        body = r.json()
        assert (body["uses"], body["amount_fen"], body["source"], body["status"]) == \
            (2, 6667, "customer", "requested")
        card.refresh_from_db()
        assert (card.status, card.uses_left) == ("refunded", 0)
        assert OutboxEvent.objects.filter(event_type="voucher.refund_requested",
                                          aggregate_id=body["id"]).exists()
        # Used once, the rest refunded: nothing usable is left, the order is completed.
        assert Order.objects.get(pk=card.order_id).status == "completed"
        again = api_as(w.customer).post(f"/vouchers/{card.public_id}/refund", {})
        assert (again.status_code, again.json()["error"]["code"]) == (409, "already_refunded")
        assert VoucherRefund.objects.count() == 1

    def test_only_the_owner_may_ask(self, w, api_as):
        v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
        for who in (b.factories.user(), w.staff, w.owner):
            r = api_as(who).post(f"/vouchers/{v.public_id}/refund", {})
            assert (r.status_code, r.json()["error"]["code"]) == (404, "voucher_not_found")
        assert Voucher.objects.get(pk=v.pk).status == "active"

    def test_not_allowed_by_the_deal(self, w):
        v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, refund_anytime=False)))[0]
        with pytest.raises(Conflict) as exc:
            services.request_refund(w.customer, v.public_id, "")
        assert exc.value.code == "refund_not_allowed"
        assert not VoucherRefund.objects.exists()

    def test_fully_used_cannot_be_refunded(self, w):
        v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
        services.redeem(w.staff, w.store.public_id, v.code)
        with pytest.raises(Conflict) as exc:
            services.request_refund(w.customer, v.public_id, "")
        assert exc.value.code == "fully_used"

    def test_refund_gives_back_quota(self, w):
        p = b.service(w.merchant)
        inventory.set_quota(w.merchant, p.public_id, 5)
        order = b.buy(w.customer, p, quantity=2)
        assert VoucherQuota.objects.get(product=p).sold == 2
        first, second = b.vouchers_of(order)
        services.request_refund(w.customer, first.public_id, "")
        assert VoucherQuota.objects.get(product=p).sold == 1
        # One voucher of the order remains usable: the order is still paid.
        assert Order.objects.get(pk=order.pk).status == "paid"
        services.request_refund(w.customer, second.public_id, "")
        assert VoucherQuota.objects.get(product=p).sold == 0
        assert Order.objects.get(pk=order.pk).status == "completed"

    def test_refund_gives_back_the_seat(self, w):
        product, slot = b.slot_service(w.merchant, w.store, capacity=2)
        v = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
        assert Slot.objects.get(pk=slot.pk).booked == 1
        services.request_refund(w.customer, v.public_id, "")
        assert Slot.objects.get(pk=slot.pk).booked == 0

    def test_bad_reason(self, w, api_as):
        v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
        r = api_as(w.customer).post(f"/vouchers/{v.public_id}/refund", {"reason": "x" * 201})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")
        assert Voucher.objects.get(pk=v.pk).status == "active"
