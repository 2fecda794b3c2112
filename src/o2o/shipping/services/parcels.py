"""Outbound parcels, tracking events (carrier webhook) and the sandbox carrier's pushes.

Stock: a goods order's units left the shelf of the location they were reserved at
when the payment was recorded (inventory.commit_reservations: on_hand -= n). Shipping
therefore never decrements stock again; each parcel item records that location.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django_tasks import task

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.inventory.models import Reservation, ReservationState
from o2o.merchants.models import Merchant
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderKind, OrderLine, OrderStatus
from o2o.shipping import carriers, conf
from o2o.shipping.models import (
    CarrierPush,
    Direction,
    Parcel,
    ParcelItem,
    ParcelStatus,
    TrackingEvent,
)

log = logging.getLogger(__name__)
_TRACKING_RE = re.compile(r"^[A-Za-z0-9-]{4,40}$")
# Ties between events of the same carrier time are broken by how far along they are.
RANK = {ParcelStatus.CREATED: 0, ParcelStatus.PICKED_UP: 1, ParcelStatus.IN_TRANSIT: 2,
        ParcelStatus.EXCEPTION: 2, ParcelStatus.OUT_FOR_DELIVERY: 3, ParcelStatus.DELIVERED: 4}
EVENT_STATUSES = tuple(s for s in ParcelStatus.values if s != ParcelStatus.CREATED)


def parcel_payload(parcel: Parcel, **extra) -> dict:
    return {"order": parcel.order.public_id, "parcel": parcel.public_id, "direction": parcel.direction,
            "carrier": parcel.carrier, "tracking_number": parcel.tracking_number, **extra}


def _tracking_number(carrier, tracking_number: str | None) -> str:
    if tracking_number is None or tracking_number == "":
        return carrier.new_tracking_number()
    if not isinstance(tracking_number, str) or not _TRACKING_RE.match(tracking_number):
        raise ValidationFailed("tracking_number must be 4-40 letters, digits or dashes",
                               "invalid_tracking_number")
    return tracking_number


def new_parcel(order: Order, *, direction: str, carrier_code: str, tracking_number: str | None,
               after_sale=None) -> Parcel:
    """Create a parcel row (inside the caller's transaction, order locked)."""
    carrier = carriers.get(carrier_code)
    number = _tracking_number(carrier, tracking_number)
    now = clock.now()
    try:
        with transaction.atomic():
            return Parcel.objects.create(order=order, merchant=order.merchant, direction=direction,
                                         after_sale=after_sale, carrier=carrier.code, tracking_number=number,
                                         created_at=now, updated_at=now)
    except IntegrityError as exc:
        raise Conflict("This tracking number is already used", "tracking_number_taken") from exc


def shipped_units(order: Order) -> dict[int, int]:
    """Units of each order line already put in outbound parcels."""
    rows = (ParcelItem.objects.filter(parcel__order=order, parcel__direction=Direction.OUTBOUND)
            .values("order_line_id").annotate(n=Sum("quantity")))
    return {r["order_line_id"]: r["n"] for r in rows}


def create_parcel(merchant: Merchant, order_public_id: str, *, carrier: str = "sandbox",
                  tracking_number: str | None = None,
                  items: Iterable[tuple[str, int]] | None = None) -> Parcel:
    """Ship (part of) a paid goods order in one parcel.

    `items` are (order line id, quantity) pairs; None packs every unit not yet shipped.
    A line may be split across parcels. When every unit is in a parcel the order
    becomes shipped. Conflict illegal_transition (not a paid goods order for delivery),
    nothing_to_ship, too_many_units, tracking_number_taken.
    """
    if not looks_like_id(order_public_id, "ord"):
        raise NotFound("No such order", "order_not_found")
    with transaction.atomic():
        order = orders.lock_order(public_id=order_public_id, merchant=merchant)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        if order.kind != OrderKind.GOODS or order.status != OrderStatus.PAID:
            raise Conflict(f"An order that is {order.status} cannot be shipped", "illegal_transition",
                           details={"from": order.status, "to": OrderStatus.SHIPPED})
        if order.pickup_store_id:
            raise Conflict("This order is collected in store, not shipped", "pickup_order")
        lines = {ln.public_id: ln for ln in OrderLine.objects.filter(order=order, kind="GOODS")}
        done = shipped_units(order)
        left = {ln.pk: ln.quantity - done.get(ln.pk, 0) for ln in lines.values()}
        wanted: dict[int, int] = {}
        if items is None:
            wanted = {pk: n for pk, n in left.items() if n > 0}
        else:
            for line_id, qty in items:
                line = lines.get(line_id)
                if line is None:
                    raise NotFound("No such order line", "order_line_not_found", details={"line": line_id})
                if not isinstance(qty, int) or qty < 1:
                    raise ValidationFailed("quantity must be a positive integer", "invalid_quantity")
                wanted[line.pk] = wanted.get(line.pk, 0) + qty
                if wanted[line.pk] > left[line.pk]:
                    raise Conflict(f"Only {left[line.pk]} units of {line.title} are left to ship",
                                   "too_many_units", details={"line": line_id, "left": left[line.pk]})
        if not wanted:
            raise Conflict("Every unit of this order is already in a parcel", "nothing_to_ship")
        parcel = new_parcel(order, direction=Direction.OUTBOUND, carrier_code=carrier,
                            tracking_number=tracking_number)
        where = dict(Reservation.objects.filter(order_line_id__in=list(wanted),
                                                state=ReservationState.COMMITTED)
                     .values_list("order_line_id", "location_id"))
        ParcelItem.objects.bulk_create([ParcelItem(parcel=parcel, order_line_id=pk, quantity=n,
                                                   location_id=where.get(pk)) for pk, n in wanted.items()])
        by_pk = {ln.pk: ln for ln in lines.values()}
        events.emit("parcel.created", parcel, parcel_payload(parcel, items=[
            {"line": by_pk[pk].public_id, "quantity": n} for pk, n in wanted.items()]),
            merchant_id=merchant.public_id)
        if all(left[pk] - wanted.get(pk, 0) == 0 for pk in left):
            orders.transition(order, OrderStatus.SHIPPED, {"parcels": order.parcels.count()})
    return parcel


# --- tracking ---------------------------------------------------------------------------

def _parse_time(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValidationFailed("occurred_at must be an ISO 8601 time", "invalid_event")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("occurred_at must be an ISO 8601 time", "invalid_event") from exc
    if at.tzinfo is None:
        raise ValidationFailed("occurred_at needs a time zone", "invalid_event")
    return at


def _clean_event(data: object) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed("The event must be a JSON object", "invalid_event")
    event_id, number, status = data.get("event_id"), data.get("tracking_number"), data.get("status")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 64:
        raise ValidationFailed("event_id must be 1-64 characters", "invalid_event")
    if not isinstance(number, str) or not 1 <= len(number) <= 40:
        raise ValidationFailed("tracking_number must be 1-40 characters", "invalid_event")
    if status not in EVENT_STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(EVENT_STATUSES)}", "invalid_event")
    city, text = data.get("city") or "", data.get("description") or ""
    if not isinstance(city, str) or not isinstance(text, str):
        raise ValidationFailed("city and description must be strings", "invalid_event")
    return {"event_id": event_id, "tracking_number": number, "status": status,
            "occurred_at": _parse_time(data.get("occurred_at")), "city": city[:50], "description": text[:200]}


def apply_tracking_event(carrier_code: str, data: dict) -> tuple[Parcel, bool]:
    """Record one carrier event; returns (parcel, whether it was new).

    A resend of the same event id changes nothing. The parcel's state is that of its
    latest event by carrier time (an older event arriving late is kept but not
    applied) and never leaves delivered. The order becomes delivered when its last
    outbound parcel is delivered.
    """
    carrier = carriers.get(carrier_code)
    ev = _clean_event(data)
    now = clock.now()
    with transaction.atomic():
        parcel = (Parcel.objects.select_for_update(of=("self",)).select_related("order", "merchant")
                  .filter(carrier=carrier.code, tracking_number=ev["tracking_number"]).first())
        if parcel is None:
            raise NotFound("No such parcel", "parcel_not_found")
        try:
            with transaction.atomic():
                row = TrackingEvent.objects.create(
                    parcel=parcel, carrier=carrier.code, event_id=ev["event_id"], status=ev["status"],
                    occurred_at=ev["occurred_at"], city=ev["city"], description=ev["description"],
                    received_at=now)
        except IntegrityError:
            return parcel, False  # delivered twice: already recorded
        newer = (parcel.last_event_at is None or ev["occurred_at"] > parcel.last_event_at
                 or (ev["occurred_at"] == parcel.last_event_at
                     and RANK[ev["status"]] > RANK[parcel.status]))
        applied = newer and parcel.status != ParcelStatus.DELIVERED
        if applied:
            parcel.status, parcel.last_event_at, parcel.updated_at = ev["status"], ev["occurred_at"], now
            parcel.last_city = ev["city"] or parcel.last_city
            if ev["status"] == ParcelStatus.DELIVERED:
                parcel.delivered_at = ev["occurred_at"]
            parcel.save(update_fields=["status", "last_event_at", "last_city", "delivered_at", "updated_at"])
            TrackingEvent.objects.filter(pk=row.pk).update(applied=True)
        events.emit(f"parcel.{ev['status']}", parcel, parcel_payload(
            parcel, event_id=ev["event_id"], city=ev["city"], occurred_at=ev["occurred_at"].isoformat(),
            applied=applied, parcel_status=parcel.status), merchant_id=parcel.merchant.public_id)
        if applied and parcel.status == ParcelStatus.DELIVERED and parcel.direction == Direction.OUTBOUND:
            _deliver_order_if_done(parcel.order_id)
    return parcel, True


def _deliver_order_if_done(order_pk: int) -> None:
    order = orders.lock_order(order_pk)
    if order is None or order.status != OrderStatus.SHIPPED:
        return  # still packing (paid) or already past delivery
    pending = order.parcels.filter(direction=Direction.OUTBOUND).exclude(status=ParcelStatus.DELIVERED)
    if not pending.exists():
        orders.transition(order, OrderStatus.DELIVERED, {"parcels": order.parcels.count()})


def receive_webhook(carrier_code: str, body: bytes, headers) -> tuple[Parcel, bool]:
    """Verify a carrier's signed webhook and apply its event. NotAuthenticated
    invalid_signature (forged or tampered) or stale_timestamp (replayed later)."""
    carrier = carriers.get(carrier_code)
    ts = headers.get(carriers.TIMESTAMP_HEADER) or ""
    sig = headers.get(carriers.SIGNATURE_HEADER) or ""
    expected = carriers.signature(conf.carrier_secret(carrier.code), ts, body)
    if not ts.isdigit() or not secrets.compare_digest(expected, sig):
        raise NotAuthenticated("The webhook signature is not valid", "invalid_signature")
    sent = dt.datetime.fromtimestamp(int(ts), tz=dt.UTC) if len(ts) <= 12 else None
    if sent is None or abs(clock.now() - sent) > conf.webhook_tolerance():
        raise NotAuthenticated("The webhook timestamp is too old or in the future", "stale_timestamp")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("The body is not JSON", "invalid_event") from exc
    return apply_tracking_event(carrier.code, data)


# --- the sandbox carrier's side -------------------------------------------------------

def sandbox_push(parcel_public_id: str, status: str, *, city: str = "", description: str = "",
                 occurred_at: dt.datetime | None = None, event_id: str | None = None) -> CarrierPush:
    """Make the sandbox carrier report an event of a parcel: queued, then POSTed to the
    signed webhook by a task after commit. A given event_id may be pushed again (a resend)."""
    parcel = (Parcel.objects.select_related("order").filter(public_id=parcel_public_id).first()
              if looks_like_id(parcel_public_id, "prc") else None)
    if parcel is None:
        raise NotFound("No such parcel", "parcel_not_found")
    if parcel.carrier != "sandbox":
        raise Conflict("Only sandbox parcels are driven here", "not_sandbox")
    if status not in EVENT_STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(EVENT_STATUSES)}", "invalid_status")
    at = occurred_at or clock.now()
    event_id = event_id or f"sbx_{secrets.token_hex(10)}"
    body = json.dumps({"event_id": event_id, "tracking_number": parcel.tracking_number, "status": status,
                       "occurred_at": at.isoformat(), "city": city[:50], "description": description[:200]},
                      ensure_ascii=False)
    with transaction.atomic():
        push = CarrierPush.objects.filter(event_id=event_id).first()
        if push is None:
            push = CarrierPush.objects.create(carrier="sandbox", event_id=event_id, parcel=parcel, body=body,
                                              created_at=clock.now())
        else:
            CarrierPush.objects.filter(pk=push.pk).update(delivered_at=None)
        transaction.on_commit(lambda: deliver_push_task.enqueue(push.pk))
    return push


def deliver_push(push_id: int) -> bool:
    """Send a queued sandbox event to the webhook, signed at sending time."""
    push = CarrierPush.objects.filter(pk=push_id).first()
    if push is None or push.delivered_at is not None:
        return False
    body = push.body.encode()
    headers = carriers.signed_headers(push.carrier, body, int(clock.now().timestamp()))
    error = ""
    if conf.sandbox_delivery() == "inline":
        try:
            receive_webhook(push.carrier, body, headers)
        except (NotFound, ValidationFailed, NotAuthenticated) as exc:
            error = exc.message
    else:
        import requests

        try:
            answer = requests.post(conf.sandbox_webhook_url(), data=body, timeout=10,
                                   headers={**headers, "Content-Type": "application/json"})
            error = "" if answer.status_code < 300 else f"HTTP {answer.status_code}: {answer.text[:200]}"
        except requests.RequestException as exc:
            error = str(exc)
    fields = {"attempts": push.attempts + 1, "last_error": error[:300]}
    if not error:
        fields["delivered_at"] = clock.now()
    CarrierPush.objects.filter(pk=push.pk).update(**fields)
    return not error


# Defined beside deliver_push, which it runs, so that queueing a push needs no import of
# o2o.shipping.tasks (which imports these services).
@task()
def deliver_push_task(push_id: int) -> bool:
    """The sandbox carrier POSTs one tracking event to the platform's webhook."""
    return deliver_push(push_id)
