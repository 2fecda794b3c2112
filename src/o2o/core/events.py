"""Domain events through the transactional outbox.

`emit()` must be called inside the transaction that changes the state; the
worker's `relay_outbox` task later hands each event to the subscribers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from o2o.core import clock
from o2o.core.models import OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def emit(event_type: str, aggregate: Any, payload: dict | None = None, *,
         merchant_id: str = "") -> OutboxEvent:
    """Record `event_type` about `aggregate` (a model with a public_id)."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the state change")
    return OutboxEvent.objects.create(
        event_type=event_type,
        aggregate_type=aggregate._meta.model_name,
        aggregate_id=getattr(aggregate, "public_id", str(aggregate.pk)),
        merchant_id=merchant_id,
        payload=payload or {},
        created_at=clock.now(),
    )


def subscribe(event_type: str) -> Callable[[Handler], Handler]:
    """Register a handler for an event type ("*" for all). Handlers must be idempotent."""

    def register(handler: Handler) -> Handler:
        _subscribers[event_type].append(handler)
        return handler

    return register


def relay(batch_size: int = 200) -> int:
    """Hand pending events to subscribers, oldest first. Returns how many were relayed.

    Rows are locked with SKIP LOCKED on PostgreSQL so several workers share the work.
    A failing handler leaves the event pending, to be retried on the next run.
    """
    relayed = 0
    with transaction.atomic():
        qs = OutboxEvent.objects.filter(relayed_at__isnull=True).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        for event in qs[:batch_size]:
            handlers = _subscribers.get(event.event_type, []) + _subscribers.get("*", [])
            try:
                with transaction.atomic():
                    for handler in handlers:
                        handler(event)
            except Exception as exc:  # a subscriber's bug must not block the queue
                log.exception("outbox handler failed for event %s", event.pk)
                event.attempts += 1
                event.last_error = repr(exc)[:2000]
                event.save(update_fields=["attempts", "last_error"])
                continue
            event.relayed_at = clock.now()
            event.attempts += 1
            event.save(update_fields=["relayed_at", "attempts"])
            relayed += 1
    return relayed
