"""Delivery of webhook events: fan-out from the outbox, claiming, the POST, retries.

Writes Delivery rows (fan_out, make_ping), DeliveryAttempt rows, and the delivery fields
of Endpoint (busy_until, failing_since, last_success_at; status when a day of failures
disables it). Never inside a business transaction: fan_out runs in the outbox relay's
transaction after the business one committed; each POST runs outside any transaction.

Concurrency: a worker claims an endpoint, not a delivery. In one short transaction it
locks a due endpoint row (SKIP LOCKED on PostgreSQL, so workers pass over each other's
rows) and sets its `busy_until` lease with a conditional UPDATE; only the holder of the
lease posts that endpoint's deliveries, one at a time, so each endpoint has one request
in flight, and two workers never post the same delivery. A worker that dies leaves a
lease that runs out (timeout + a margin); its delivery is posted again with the same
`webhook-id`. A slow receiver holds one thread for at most the timeout; the other threads
go on with other endpoints. Per object, a delivery waits while an earlier event of the
same object is still pending for that endpoint (it waits for success or final failure).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from dataclasses import dataclass

from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from o2o.core import clock
from o2o.core.ids import new_id
from o2o.core.models import OutboxEvent
from o2o.webhooks import catalogue, conf, signing, transport
from o2o.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    EndpointStatus,
)

log = logging.getLogger(__name__)

BURST = 20  # deliveries posted per claim of an endpoint before it is offered to others


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def body_of(event_id: str, type_name: str, at: dt.datetime, sequence: int, data: dict) -> str:
    """The JSON body every endpoint of the event gets, byte for byte (it is what is signed)."""
    return json.dumps({"id": event_id, "type": type_name, "timestamp": _iso(at), "sequence": sequence,
                       "data": data}, ensure_ascii=False, separators=(",", ":"))


def fan_out(event: OutboxEvent) -> int:
    """Make a pending delivery of `event` for each active endpoint of its merchant that
    subscribed to its type. Idempotent: one delivery per (endpoint, event)."""
    name = catalogue.public_type(event.event_type)
    if name is None or not event.merchant_id:
        return 0
    endpoints = [e for e in Endpoint.objects.filter(merchant__public_id=event.merchant_id,
                                                    status=EndpointStatus.ACTIVE)
                 if catalogue.subscribed(e.event_types, name)]
    if not endpoints:
        return 0
    # The object's n-th event: receivers order and dedupe by (data.id, sequence).
    sequence = OutboxEvent.objects.filter(aggregate_type=event.aggregate_type, aggregate_id=event.aggregate_id,
                                          id__lte=event.id).count()
    data = catalogue.data_of(catalogue.CATALOGUE[name], event.event_type, event.aggregate_id, event.payload)
    event_id = signing.event_id(event.id)
    body = body_of(event_id, name, event.created_at, sequence, data)
    now = clock.now()
    rows = [Delivery(endpoint=e, event=event, event_public_id=event_id, event_type=name,
                     object_key=f"{event.aggregate_type}:{event.aggregate_id}", order_key=event.id,
                     body=body, next_attempt_at=now, retry_until=now + conf.retry_for(), created_at=now)
            for e in endpoints]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def make_ping(endpoint: Endpoint) -> Delivery:
    """A test event for one endpoint, due now (called inside the caller's transaction)."""
    now = clock.now()
    event_id = new_id("evt")  # a ping is no outbox event: a random id of the same form
    body = body_of(event_id, "ping", now, 0, {"object": "endpoint", "id": endpoint.public_id,
                                             "message": "ping"})
    return Delivery.objects.create(endpoint=endpoint, event=None, event_public_id=event_id, event_type="ping",
                                   body=body, next_attempt_at=now, retry_until=now + conf.retry_for(),
                                   created_at=now)


# --- claiming --------------------------------------------------------------------------

def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=conf.timeout_seconds() * 2 + 30)


def _free(now: dt.datetime) -> Q:
    return Q(busy_until__isnull=True) | Q(busy_until__lt=now)


def _due(now: dt.datetime):
    return Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)


def claim_endpoint(skip: set[int]) -> Endpoint | None:
    """Lease one active endpoint that has a due delivery and that no worker holds."""
    now = clock.now()
    passed: set[int] = set()
    for _ in range(5):
        with transaction.atomic():
            qs = (Endpoint.objects.filter(_free(now), status=EndpointStatus.ACTIVE)
                  .filter(Exists(_due(now).filter(endpoint=OuterRef("pk")))).exclude(pk__in=skip | passed)
                  .order_by("busy_until", "pk"))
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)  # one row: others stay free for others
            endpoint = qs.first()
            if endpoint is None:
                return None
            until = now + _lease()
            if Endpoint.objects.filter(_free(now), pk=endpoint.pk).update(busy_until=until):
                endpoint.busy_until = until
                return endpoint
            passed.add(endpoint.pk)
    return None


def next_deliveries(endpoint: Endpoint, limit: int = BURST) -> list[Delivery]:
    """The endpoint's oldest due deliveries whose object has no earlier delivery pending
    (so at most one per object: the next event of an object waits for this one)."""
    now = clock.now()
    earlier = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING,
                                      object_key=OuterRef("object_key"), order_key__lt=OuterRef("order_key"))
    # A ping has no object (object_key "", order_key 0): nothing is ever earlier than it.
    return list(_due(now).filter(endpoint=endpoint).exclude(Exists(earlier))
                .order_by("next_attempt_at", "id")[:limit])


def release(endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk, busy_until=endpoint.busy_until).update(busy_until=None)


def _retrying(fn, *args):
    """Run a short database step again while SQLite answers "locked" (several delivery
    threads write to one file; SQLite's shared-cache test database answers at once
    instead of waiting), so a thread never drops a recorded answer for a lock."""
    for _ in range(100):
        try:
            return fn(*args)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.02 + random.uniform(0, 0.03))
    return fn(*args)


# --- one attempt -----------------------------------------------------------------------

def secrets_in_force(endpoint: Endpoint, now: dt.datetime) -> list[str]:
    found = [signing.unseal(endpoint.secret_sealed)]
    if endpoint.previous_secret_sealed and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        found.append(signing.unseal(endpoint.previous_secret_sealed))
    return found


def backoff(attempts: int) -> dt.timedelta:
    """Exponential with equal jitter: half the step fixed, half random."""
    step = min(conf.max_backoff_seconds(), conf.first_backoff_seconds() * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=step / 2 + random.uniform(0, step / 2))


def attempt(endpoint: Endpoint, delivery: Delivery) -> bool:
    """POST the delivery once and record the answer. True on a 2xx."""
    now = clock.now()
    # The signed timestamp is the wall clock: receivers compare it with theirs.
    wall = timezone.now()
    headers = {"webhook-id": delivery.public_id, "webhook-timestamp": str(int(wall.timestamp())),
               "webhook-signature": signing.signature_header(secrets_in_force(endpoint, now), delivery.public_id,
                                                             wall, delivery.body)}
    answer = transport.post(endpoint.url, delivery.body.encode(), headers, conf.timeout_seconds())
    ok = answer.status is not None and 200 <= answer.status < 300
    _retrying(record, endpoint, delivery, answer, ok)
    return ok


def record(endpoint: Endpoint, delivery: Delivery, answer: transport.Answer, ok: bool) -> None:
    now = clock.now()
    with transaction.atomic():
        number = delivery.attempts + 1
        DeliveryAttempt.objects.create(delivery=delivery, number=number, started_at=now,
                                       response_code=answer.status, duration_ms=answer.duration_ms,
                                       error=answer.error[:500], response_body=answer.body)
        fields = {"attempts": number, "last_attempt_at": now, "response_code": answer.status,
                  "duration_ms": answer.duration_ms, "last_error": answer.error[:500]}
        retry_at = now + backoff(number)
        if ok:
            fields.update(status=DeliveryStatus.SUCCEEDED, next_attempt_at=None, finished_at=now)
        elif retry_at > delivery.retry_until:
            fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None, finished_at=now)
        else:
            fields.update(next_attempt_at=retry_at)
        # Only a pending delivery is updated: a replay in between keeps its own state.
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(**fields)
        if ok:
            if endpoint.failing_since is not None or endpoint.last_success_at is None \
                    or now - endpoint.last_success_at > dt.timedelta(seconds=60):  # fresh enough to show
                Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None, last_success_at=now)
                endpoint.failing_since, endpoint.last_success_at = None, now
        else:
            Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
            Endpoint.objects.filter(pk=endpoint.pk, status=EndpointStatus.ACTIVE,
                                    failing_since__lte=now - conf.disable_after()).update(
                status=EndpointStatus.DISABLED, disabled_reason=DisabledReason.FAILING,
                disabled_at=now, updated_at=now)


# --- the loop ----------------------------------------------------------------------------

@dataclass
class Pass:
    posted: int = 0
    succeeded: int = 0


def _work(deadline: float, tally: Pass, lock: threading.Lock) -> None:
    skip: set[int] = set()
    while time.monotonic() < deadline:
        endpoint = _retrying(claim_endpoint, skip)
        if endpoint is None:
            return
        try:
            batch = _retrying(next_deliveries, endpoint)
            if not batch:
                skip.add(endpoint.pk)  # only blocked deliveries left: look elsewhere
            for delivery in batch:
                ok = attempt(endpoint, delivery)
                with lock:
                    tally.posted += 1
                    tally.succeeded += ok
                if not ok or time.monotonic() >= deadline:
                    break  # a failing receiver gets no more this round: back-off applies
        finally:
            _retrying(release, endpoint)


def _thread(deadline: float, tally: Pass, lock: threading.Lock) -> None:
    try:
        _work(deadline, tally, lock)
    except Exception:
        log.exception("webhook delivery thread failed")
    finally:
        connection.close()


def deliver_due(*, concurrency: int | None = None, max_seconds: float = 50.0) -> Pass:
    """Post due deliveries until none is left or `max_seconds` passed, with `concurrency`
    threads (1: in this thread, as tests inside a transaction need)."""
    concurrency = concurrency or conf.concurrency()
    deadline = time.monotonic() + max_seconds
    tally, lock = Pass(), threading.Lock()
    if concurrency == 1:
        _work(deadline, tally, lock)
        return tally
    close_old_connections()
    threads = [threading.Thread(target=_thread, args=(deadline, tally, lock), name=f"o2o-webhooks-{i}",
                                daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally
