"""Weekly schedules created from the console's services page, through inventory.services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client

from o2o.catalog.models import BookingMode, ProductKind
from o2o.core import clock
from o2o.inventory.models import Schedule, Slot
from tests import factories
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db

URL = "/console/services/schedules/"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _slot_service(m, stores=None):
    p = factories.product(m, kind=ProductKind.SERVICE, booking_mode=BookingMode.SLOT, duration_minutes=60,
                          all_stores=not stores)
    if stores:
        p.stores.set(stores)
    return p


def _form(product_, store_, **over) -> dict:
    data = {"product": product_.public_id, "store": store_.public_id,
            "weekdays": ["1", "2", "3", "4", "5", "6", "7"],
            "start_time": "10:00", "end_time": "12:00", "slot_minutes": "60", "capacity": "3",
            "valid_from": dt.date.today().isoformat(), "valid_until": ""}
    data.update(over)
    return data


def test_the_owner_sees_the_form_with_only_slot_services_and_their_stores():
    w = vb.world()
    slot = _slot_service(w.merchant, [w.store])
    voucher_only = vb.service(w.merchant, stores=[w.other_store])
    page = _client(w.owner).get("/console/services/").content.decode()
    assert 'id="new-schedule"' in page and 'name="csrfmiddlewaretoken"' in page
    start = page.index('id="new-schedule"')
    form = page[start:page.index("</form>", start)]
    assert slot.public_id in form and voucher_only.public_id not in form
    assert w.store.public_id in form and w.other_store.public_id not in form
    shanghai_today = clock.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    assert f'name="valid_from" value="{shanghai_today.isoformat()}"' in form
    for name in ["product", "store", "start_time", "end_time", "slot_minutes", "capacity", "valid_from",
                 "valid_until", "weekdays_0"]:
        assert f'for="sc-{name}"' in form and f'id="sc-{name}"' in form, name
    staff_page = _client(w.staff).get("/console/services/").content.decode()
    assert 'id="new-schedule"' not in staff_page


def test_owner_creates_a_schedule_and_its_slots_are_generated():
    w = vb.world()
    p = _slot_service(w.merchant)
    r = _client(w.owner).post(URL, _form(p, w.other_store))
    assert r.status_code == 302 and r["Location"] == "/console/services/"
    schedule = Schedule.objects.get(product=p)
    assert schedule.store == w.other_store and schedule.weekdays == [1, 2, 3, 4, 5, 6, 7]
    assert (schedule.start_time, schedule.end_time) == (dt.time(10), dt.time(12))
    assert schedule.capacity == 3 and schedule.valid_until is None
    slots = Slot.objects.filter(schedule=schedule)
    # Two one-hour slots a day over the coming two weeks (today's may already be past).
    assert 26 <= slots.count() <= 30
    assert all(s.capacity == 3 and s.store == w.other_store for s in slots)
    page = _client(w.owner).get("/console/services/").content.decode()
    assert "10:00–12:00" in page


@pytest.mark.parametrize("over", [
    {"start_time": "12:00", "end_time": "10:00"},
    {"capacity": "0"},
    {"slot_minutes": "2"},
    {"weekdays": []},
    {"start_time": "soon"},
    {"valid_from": "2030-01-10", "valid_until": "2030-01-01"},
])
def test_bad_input_is_a_form_error_and_creates_nothing(over):
    w = vb.world()
    p = _slot_service(w.merchant)
    r = _client(w.owner).post(URL, _form(p, w.store, **over))
    assert r.status_code == 200
    assert r.context["schedule_form"].errors
    assert 'class="errorlist' in r.content.decode()
    assert not Schedule.objects.exists() and not Slot.objects.exists()


def test_service_errors_are_shown_as_the_form_error():
    w = vb.world()
    p = _slot_service(w.merchant, [w.store])
    _slot_service(w.merchant, [w.other_store])  # so both stores are offered
    r = _client(w.owner).post(URL, _form(p, w.store, capacity="0"))
    assert r.context["schedule_form"].non_field_errors() == ["capacity must be 1..10000"]
    r = _client(w.owner).post(URL, _form(p, w.other_store))
    assert r.context["schedule_form"].non_field_errors() == ["this service is not offered at that store"]
    assert not Schedule.objects.exists()


def test_another_merchants_product_or_store_is_refused():
    w = vb.world()
    mine = _slot_service(w.merchant)
    theirs = _slot_service(w.rival)
    owner = _client(w.owner)
    for data in [_form(theirs, w.store), _form(mine, w.rival_store), _form(mine, w.store, product="prd_nope")]:
        r = owner.post(URL, data)
        assert r.status_code == 200 and r.context["schedule_form"].errors
    assert not Schedule.objects.exists() and not Slot.objects.exists()


def test_staff_and_strangers_cannot_create_schedules():
    w = vb.world()
    p = _slot_service(w.merchant)
    assert _client(w.staff).post(URL, _form(p, w.store)).status_code == 403
    assert _client(factories.user()).post(URL, _form(p, w.store)).status_code == 403
    assert Client().post(URL, _form(p, w.store)).status_code == 302
    assert _client(w.owner).get(URL).status_code == 405
    assert not Schedule.objects.exists()
