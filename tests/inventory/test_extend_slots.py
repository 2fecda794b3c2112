from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.inventory import services, tasks
from o2o.inventory.models import Slot
from tests import factories

pytestmark = pytest.mark.django_db


def test_slots_roll_forward_with_the_clock_and_only_once():
    m = factories.merchant()
    store = factories.store(m)
    product = factories.product(m, kind="SERVICE", booking_mode="slot", duration_minutes=60)
    services.create_schedule(m, product_public_id=product.public_id, store_public_id=store.public_id,
                             weekdays=[1, 2, 3, 4, 5, 6, 7], start_time=dt.time(10),
                             end_time=dt.time(12), slot_minutes=60, capacity=3,
                             valid_from=clock.now().date())
    first = tasks.extend_slots.call()
    assert first > 0
    assert tasks.extend_slots.call() == 0  # idempotent
    latest = Slot.objects.order_by("-starts_at").first().starts_at
    clock.advance(dt.timedelta(days=3))
    assert tasks.extend_slots.call() == 3 * 2  # three new days of two slots each
    assert Slot.objects.order_by("-starts_at").first().starts_at > latest
