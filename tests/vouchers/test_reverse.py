"""Reversal: same merchant, within the window (a controllable clock), once, atomically."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict, PermissionDenied
from o2o.vouchers import services
from o2o.vouchers.models import Redemption, Voucher
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


@pytest.fixture
def card(w):
    return b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=10), quantity=2))[0]


def _reverse(api, redemption_id):
    return api.post(f"/merchant/redemptions/{redemption_id}/reverse")


def test_reverse_within_window_gives_uses_back_once(w, card, api_as):
    r = services.redeem(w.staff, w.store.public_id, card.code, 3)
    clock.advance(dt.timedelta(minutes=29))
    resp = _reverse(api_as(w.staff), r.public_id)
    assert resp.status_code == 200, resp.content
    assert resp.json()["reversed_at"] and resp.json()["voucher"]["uses_left"] == 10
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (10, "active")
    again = _reverse(api_as(w.owner), r.public_id)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_reversed")
    assert Voucher.objects.get(pk=card.pk).uses_left == 10


def test_reversal_window_closes(w, card, api_as, settings):
    r = services.redeem(w.staff, w.store.public_id, card.code, 2)
    clock.advance(dt.timedelta(minutes=settings.O2O["REDEMPTION_REVERSAL_MINUTES"], seconds=1))
    resp = _reverse(api_as(w.staff), r.public_id)
    assert (resp.status_code, resp.json()["error"]["code"]) == (409, "reversal_window_closed")
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (8, "partially_used")
    assert Redemption.objects.get(pk=r.pk).reversed_at is None


def test_reverse_partial_keeps_partially_used(w, card):
    services.redeem(w.staff, w.store.public_id, card.code, 2)
    second = services.redeem(w.staff, w.store.public_id, card.code, 3)
    services.reverse(w.staff, second.public_id)
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (8, "partially_used")


def test_reverse_fully_used_voucher_makes_it_usable_again(w, card):
    r = services.redeem(w.staff, w.store.public_id, card.code, 10)
    assert Voucher.objects.get(pk=card.pk).status == "used"
    services.reverse(w.staff, r.public_id)
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (10, "active")
    assert services.redeem(w.staff, w.store.public_id, card.code, 1).voucher.uses_left == 9


def test_other_merchant_cannot_reverse(w, card, api_as):
    r = services.redeem(w.staff, w.store.public_id, card.code)
    for rid in (r.public_id, "rdm_doesnotexist00", "garbage"):
        resp = _reverse(api_as(w.rival_staff), rid)
        assert (resp.status_code, resp.json()["error"]["code"]) == (404, "redemption_not_found")
    assert Voucher.objects.get(pk=card.pk).uses_left == 9


def test_staff_of_another_store_cannot_reverse(w, card):
    r = services.redeem(w.owner, w.other_store.public_id, card.code)
    with pytest.raises(PermissionDenied) as exc:
        services.reverse(w.staff, r.public_id)
    assert exc.value.code == "store_not_allowed"


def test_no_reversal_after_refund(w, card):
    r = services.redeem(w.staff, w.store.public_id, card.code, 1)
    services.request_refund(w.customer, card.public_id, "")
    with pytest.raises(Conflict) as exc:
        services.reverse(w.staff, r.public_id)
    assert exc.value.code == "voucher_closed"
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (0, "refunded")
    assert Redemption.objects.get(pk=r.pk).reversed_at is None


def test_reverse_after_the_order_completed_lets_the_voucher_be_used_again(w):
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    r = services.redeem(w.staff, w.store.public_id, v.code)
    assert v.order.__class__.objects.get(pk=v.order_id).status == "completed"
    services.reverse(w.staff, r.public_id)
    assert Voucher.objects.get(pk=v.pk).status == "active"
    # The order state machine has no way back from completed; redeeming again still works.
    assert services.redeem(w.staff, w.store.public_id, v.code).voucher.status == "used"
