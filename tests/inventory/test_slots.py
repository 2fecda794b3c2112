"""Schedules, slot generation in store-local time (including DST), closures, booking."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict, ValidationFailed
from o2o.inventory import services
from o2o.inventory.models import Slot
from tests import factories
from tests.orders import builders as b

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _service(m, store):
    return factories.product(m, kind="SERVICE", booking_mode="slot", duration_minutes=60)


def _schedule(m, store, product, **kw):
    fields = {"weekdays": [1, 2, 3, 4, 5], "start_time": dt.time(9), "end_time": dt.time(12),
              "slot_minutes": 60, "capacity": 4, "valid_from": dt.date(2026, 1, 1)}
    fields.update(kw)
    return services.create_schedule(m, product_public_id=product.public_id,
                                    store_public_id=store.public_id, **fields)


def test_generation_in_shanghai_is_idempotent():
    m = factories.merchant()
    store = factories.store(m)
    product = _service(m, store)
    sch = _schedule(m, store, product)
    monday_midnight = dt.datetime(2026, 5, 31, 16, 0, tzinfo=UTC)  # 2026-06-01 00:00 +08:00
    assert services.generate_slots(sch, 6, now=monday_midnight) == 15
    assert services.generate_slots(sch, 6, now=monday_midnight) == 0
    first = Slot.objects.order_by("starts_at").first()
    assert first.starts_at == dt.datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 local
    assert first.ends_at - first.starts_at == dt.timedelta(hours=1)
    assert first.capacity == 4
    local_days = {s.starts_at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoweekday()
                  for s in Slot.objects.all()}
    assert local_days == {1, 2, 3, 4, 5}
    # A longer horizon only adds the new days.
    assert services.generate_slots(sch, 13, now=monday_midnight) == 15


def test_generation_across_dst_in_new_york():
    m = factories.merchant()
    store = factories.store(m, time_zone="America/New_York")
    product = _service(m, store)
    sch = _schedule(m, store, product, weekdays=[1, 2, 3, 4, 5, 6, 7], start_time=dt.time(1),
                    end_time=dt.time(4), valid_from=dt.date(2026, 3, 7), valid_until=dt.date(2026, 3, 9))
    services.generate_slots(sch, 10, now=dt.datetime(2026, 3, 6, 12, tzinfo=UTC))
    starts = {d: sorted(s.starts_at for s in Slot.objects.all()
                        if s.starts_at.astimezone(store_zone := services.store_zone(store)).date() == d)
              for d in (dt.date(2026, 3, 7), dt.date(2026, 3, 8), dt.date(2026, 3, 9))}
    # Saturday (EST, UTC-5): 01:00, 02:00, 03:00 local.
    assert starts[dt.date(2026, 3, 7)] == [dt.datetime(2026, 3, 7, h, tzinfo=UTC) for h in (6, 7, 8)]
    # Spring forward: 02:00 does not exist; 01:00 EST = 06:00Z, 03:00 EDT = 07:00Z.
    assert starts[dt.date(2026, 3, 8)] == [dt.datetime(2026, 3, 8, 6, tzinfo=UTC),
                                           dt.datetime(2026, 3, 8, 7, tzinfo=UTC)]
    # Monday (EDT, UTC-4).
    assert starts[dt.date(2026, 3, 9)] == [dt.datetime(2026, 3, 9, h, tzinfo=UTC) for h in (5, 6, 7)]
    assert all(s.ends_at - s.starts_at == dt.timedelta(hours=1) for s in Slot.objects.all())
    assert store_zone.key == "America/New_York"


def test_fall_back_keeps_each_slot_once():
    m = factories.merchant()
    store = factories.store(m, time_zone="America/New_York")
    sch = _schedule(m, store, _service(m, store), weekdays=[7], start_time=dt.time(0),
                    end_time=dt.time(3), valid_from=dt.date(2026, 11, 1), valid_until=dt.date(2026, 11, 1))
    assert services.generate_slots(sch, 5, now=dt.datetime(2026, 10, 31, tzinfo=UTC)) == 3
    starts = sorted(Slot.objects.values_list("starts_at", flat=True))
    # 00:00 EDT, 01:00 (first, EDT), 02:00 EST.
    assert starts == [dt.datetime(2026, 11, 1, 4, tzinfo=UTC), dt.datetime(2026, 11, 1, 5, tzinfo=UTC),
                      dt.datetime(2026, 11, 1, 7, tzinfo=UTC)]


def test_closures_and_booking_rules():
    m = factories.merchant()
    store = factories.store(m)
    product = _service(m, store)
    sch = _schedule(m, store, product, weekdays=[1, 2, 3, 4, 5, 6, 7])
    now = dt.datetime(2026, 6, 1, 0, tzinfo=UTC)
    with clock.frozen(now):
        services.close_date(m, store_public_id=store.public_id, date=dt.date(2026, 6, 3))
        services.generate_slots(sch, 3)
        closure, n = services.close_date(m, store_public_id=store.public_id, date=dt.date(2026, 6, 2),
                                          product_public_id=product.public_id)
        assert n == 3
        closed_days = {s.starts_at.date() for s in Slot.objects.filter(is_closed=True)}
        assert closed_days == {dt.date(2026, 6, 2), dt.date(2026, 6, 3)}
        slot = Slot.objects.filter(is_closed=True).first()
        with pytest.raises(Conflict) as exc:
            services.book_seat(slot.pk, 1)
        assert exc.value.code == "slot_closed"
        services.set_slot_closed(m, slot.public_id, False)
        services.book_seat(slot.pk, 4)
        with pytest.raises(Conflict) as exc:
            services.book_seat(slot.pk, 1)
        assert exc.value.code == "slot_full"
        services.release_seat(slot.pk, 2)
        services.release_seat(slot.pk, 5)  # never below zero
        assert Slot.objects.get(pk=slot.pk).booked == 2
    with clock.frozen(slot.starts_at), pytest.raises(Conflict) as exc:
        services.book_seat(slot.pk, 1)
    assert exc.value.code == "slot_past"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("weekdays", [0], "invalid_weekdays"),
    ("weekdays", [], "invalid_weekdays"),
    ("start_time", dt.time(13), "invalid_time_range"),
    ("slot_minutes", 240, "invalid_time_range"),
    ("slot_minutes", 1, "invalid_slot_minutes"),
    ("capacity", 0, "invalid_capacity"),
    ("valid_until", dt.date(2025, 1, 1), "invalid_date_range"),
])
def test_schedule_validation(field, value, code):
    m = factories.merchant()
    store = factories.store(m)
    with pytest.raises(ValidationFailed) as exc:
        _schedule(m, store, _service(m, store), **{field: value})
    assert exc.value.code == code


def test_slots_only_for_slot_services_at_their_stores():
    m = factories.merchant()
    store, other = factories.store(m), factories.store(m)
    voucher = b.voucher_service(m).product
    with pytest.raises(ValidationFailed) as exc:
        _schedule(m, store, voucher)
    assert exc.value.code == "not_slot_service"
    product = _service(m, store)
    product.all_stores = False
    product.save(update_fields=["all_stores"])
    product.stores.set([store])
    with pytest.raises(ValidationFailed) as exc:
        _schedule(m, other, product)
    assert exc.value.code == "store_not_allowed"
    assert _schedule(m, store, product).store == store


def test_public_slots_endpoint(anon):
    m = factories.merchant()
    store = factories.store(m)
    sku, slot = b.slot_service(m, store, capacity=3, starts_in=dt.timedelta(hours=30))
    services.book_seat(slot.pk, 1)
    day = slot.starts_at.astimezone(services.store_zone(store)).date()
    r = anon.get(f"/products/{sku.product.public_id}/slots", {"date": day.isoformat()})
    assert r.status_code == 200
    assert [(s["id"], s["remaining"]) for s in r.json()] == [(slot.public_id, 2)]
    assert anon.get(f"/products/{sku.product.public_id}/slots",
                    {"date": (day + dt.timedelta(days=1)).isoformat()}).json() == []
    assert anon.get(f"/products/{sku.product.public_id}/slots", {"date": "june"}).status_code == 422
    assert anon.get("/products/prd_0000000000000000/slots", {"date": "2026-01-01"}).status_code == 404
    r = anon.get(f"/products/{sku.product.public_id}/slots", {"date": day.isoformat(), "store": "sto_x"})
    assert r.status_code == 404
