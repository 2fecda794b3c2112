from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from o2o.core import clock, events, schedule
from o2o.core.models import OutboxEvent, PeriodicRun
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    user = factories.user()
    with pytest.raises(RuntimeError):
        events.emit("x.happened", user)


def test_relay_hands_events_to_subscribers_once():
    seen: list[int] = []
    events.subscribe("test.relayed")(lambda e: seen.append(e.pk))
    user = factories.user()
    with transaction.atomic():
        ev = events.emit("test.relayed", user, {"a": 1})
    assert events.relay() >= 1
    assert events.relay() == 0
    assert seen == [ev.pk]
    assert OutboxEvent.objects.get(pk=ev.pk).relayed_at is not None


def test_failing_subscriber_leaves_event_pending():
    def boom(e):
        raise ValueError("subscriber bug")

    events.subscribe("test.failing")(boom)
    user = factories.user()
    with transaction.atomic():
        ev = events.emit("test.failing", user)
    events.relay()
    ev.refresh_from_db()
    assert ev.relayed_at is None and ev.attempts == 1 and "subscriber bug" in ev.last_error


def test_periodic_task_is_enqueued_once_per_interval():
    first = schedule.tick()
    assert "core.relay_outbox" in first
    assert "core.relay_outbox" not in schedule.tick()
    clock.advance(dt.timedelta(minutes=5))
    assert "core.relay_outbox" in schedule.tick()
    assert PeriodicRun.objects.get(name="core.relay_outbox").next_run_at > clock.now()
