"""Console pages of counter devices and offline conflicts, and the operators' page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from o2o.counter import services
from o2o.counter.models import CounterDevice, OfflineConflict
from o2o.orders.models import Order
from tests import factories
from tests.counter import helpers as h
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def _conflict(w) -> OfflineConflict:
    d1, _ = h.device(w, name="Front desk")
    d2, _ = h.device(w, name="Back room")
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, price_fen=6600)))[0]
    services.upload(d1, [h.item(v, w.store)])
    (lost,), _ = services.upload(d2, [h.item(v, w.store)])
    return OfflineConflict.objects.get(public_id=lost["conflict"])


def test_owner_sets_caps_and_revokes_a_device():
    w = b.world()
    device, _ = h.device(w, name="Front desk")
    owner = _client(w.owner)
    page = owner.get("/console/counter/devices/")
    assert page.status_code == 200 and b"Front desk" in page.content
    owner.post(f"/console/counter/devices/{device.public_id}/caps/",
               {"max_offline_uses": "7", "max_offline_value_yuan": "300"})
    device.refresh_from_db()
    assert (device.max_offline_uses, device.max_offline_value_fen) == (7, 30000)
    r = owner.post(f"/console/counter/devices/{device.public_id}/caps/", {"max_offline_uses": "-3"}, follow=True)
    assert b"Not done" in r.content
    device.refresh_from_db()
    assert device.max_offline_uses == 7
    owner.post(f"/console/counter/devices/{device.public_id}/revoke/")
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert _client(w.staff).get("/console/counter/devices/").status_code == 403
    rival = _client(w.rival.owner)
    rival.post(f"/console/counter/devices/{device.public_id}/caps/", {"max_offline_uses": "1"})
    assert CounterDevice.objects.get(pk=device.pk).max_offline_uses == 7


def test_conflicts_page_shows_both_facts_and_the_owner_charges():
    w = b.world()
    conflict = _conflict(w)
    staff_page = _client(w.staff).get("/console/counter/conflicts/").content.decode()
    assert conflict.public_id in staff_page and conflict.winner_id in staff_page
    assert "Back room" in staff_page and "the owner resolves it" in staff_page
    assert f"/console/counter/conflicts/{conflict.public_id}/charge/" not in staff_page
    _client(w.staff).post(f"/console/counter/conflicts/{conflict.public_id}/absorb/")
    conflict.refresh_from_db()
    assert conflict.status == "open"
    owner = _client(w.owner)
    r = owner.post(f"/console/counter/conflicts/{conflict.public_id}/charge/", follow=True)
    conflict.refresh_from_db()
    assert conflict.status == "charged"
    order = Order.objects.get(pk=conflict.order_id)
    assert order.public_id in r.content.decode() and order.status == "pending_payment"
    charged = owner.get("/console/counter/conflicts/?status=charged").content.decode()
    assert order.public_id in charged


def test_operator_sees_every_merchants_conflicts():
    w = b.world()
    conflict = _conflict(w)
    page = _client(factories.operator()).get("/ops/counter/conflicts/")
    assert page.status_code == 200 and conflict.public_id in page.content.decode()
    assert _client(w.owner).get("/ops/counter/conflicts/").status_code == 403
