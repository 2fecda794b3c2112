"""Webhook endpoints of the signed-in merchant owner: register, change, enable/disable,
rotate the secret, ping, read the delivery log, replay. Thin: the rules and error codes
are in services.py; reads go through selectors.py, scoped to the caller's merchant."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.merchants.access import merchant_of
from o2o.webhooks import catalogue, selectors, services
from o2o.webhooks.models import Delivery, Endpoint

router = Router(tags=["webhooks"], auth=api_auth)


class EndpointIn(Schema):
    url: str = Field(..., max_length=2000, description="https URL (http to loopback only in the demo)")
    event_types: list[str] = Field(..., min_length=1, max_length=50,
                                   description="catalogue types, a family such as `after_sale.*`, or `*`")
    description: str = Field("", max_length=200)


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=2000)
    event_types: list[str] | None = Field(None, min_length=1, max_length=50)
    description: str | None = Field(None, max_length=200)


class RotateIn(Schema):
    overlap_hours: int = Field(24, ge=0, le=72, description="how long the old secret keeps signing too")


class ReplayIn(Schema):
    since: dt.datetime = Field(..., description="replay failed deliveries made at or after this time")


class EndpointOut(Schema):
    id: str
    url: str
    description: str
    event_types: list[str]
    status: str
    disabled_reason: str
    disabled_at: dt.datetime | None
    previous_secret_until: dt.datetime | None
    failing_since: dt.datetime | None
    last_success_at: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(..., description="shown only in this answer; `whsec_` + base64")


class DeliveryOut(Schema):
    id: str = Field(..., description="the `webhook-id` header, the same on every attempt and replay")
    event_id: str
    event_type: str
    status: str
    attempts: int
    response_code: int | None
    duration_ms: int | None
    last_error: str
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_id(obj: Delivery) -> str:
        return obj.public_id

    @staticmethod
    def resolve_event_id(obj: Delivery) -> str:
        return obj.event_public_id


class AttemptOut(Schema):
    number: int
    started_at: dt.datetime
    response_code: int | None
    duration_ms: int
    error: str
    response_body: str


class DeliveryDetailOut(DeliveryOut):
    request_body: str
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_request_body(obj: Delivery) -> str:
        return obj.body

    @staticmethod
    def resolve_attempt_log(obj: Delivery) -> list:
        return list(selectors.attempts_of(obj))


class EventTypeOut(Schema):
    type: str
    object: str
    description: str


class ReplayedOut(Schema):
    replayed: int


def _endpoint(e: Endpoint, secret: str | None = None) -> dict:
    out = {"id": e.public_id, "url": e.url, "description": e.description, "event_types": e.event_types,
           "status": e.status, "disabled_reason": e.disabled_reason, "disabled_at": e.disabled_at,
           "previous_secret_until": e.previous_secret_until, "failing_since": e.failing_since,
           "last_success_at": e.last_success_at, "created_at": e.created_at}
    return {**out, "secret": secret} if secret is not None else out


def _own(request, endpoint_id: str) -> Endpoint:
    return selectors.endpoint_of(merchant_of(request.auth, owner_only=True), endpoint_id)


@router.get("/merchant/webhooks/event-types", response=list[EventTypeOut])
def event_types(request):
    """The event catalogue an endpoint may subscribe to (payloads: see the OpenAPI `webhooks`)."""
    return [{"type": e.name, "object": e.obj, "description": e.description} for e in catalogue.CATALOGUE.values()]


@router.get("/merchant/webhooks", response={200: list[EndpointOut], **ERRORS})
def list_endpoints(request):
    """The owner's webhook endpoints (secrets are never shown again)."""
    return [_endpoint(e) for e in selectors.endpoints_of(merchant_of(request.auth, owner_only=True))]


@router.post("/merchant/webhooks", response={201: EndpointWithSecretOut, **ERRORS})
def create_endpoint(request, body: EndpointIn):
    """Register an endpoint; the answer holds its signing secret, shown this once."""
    endpoint, secret = services.create_endpoint(request.auth, body.url, body.event_types, body.description)
    return Status(201, _endpoint(endpoint, secret))


@router.get("/merchant/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS})
def get_endpoint(request, endpoint_id: str):
    return _endpoint(_own(request, endpoint_id))


@router.patch("/merchant/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS})
def update_endpoint(request, endpoint_id: str, body: EndpointPatch):
    return _endpoint(services.update_endpoint(request.auth, endpoint_id, url=body.url,
                                              event_types=body.event_types, description=body.description))


@router.post("/merchant/webhooks/{endpoint_id}/disable", response={200: EndpointOut, **ERRORS})
def disable(request, endpoint_id: str):
    """Stop sending to the endpoint; events meanwhile are not queued for it."""
    return _endpoint(services.set_enabled(request.auth, endpoint_id, False))


@router.post("/merchant/webhooks/{endpoint_id}/enable", response={200: EndpointOut, **ERRORS})
def enable(request, endpoint_id: str):
    return _endpoint(services.set_enabled(request.auth, endpoint_id, True))


@router.post("/merchant/webhooks/{endpoint_id}/rotate", response={200: EndpointWithSecretOut, **ERRORS})
def rotate(request, endpoint_id: str, body: RotateIn):
    """A new secret, shown this once; the old one signs beside it for `overlap_hours`."""
    endpoint, secret = services.rotate_secret(request.auth, endpoint_id, body.overlap_hours)
    return _endpoint(endpoint, secret)


@router.post("/merchant/webhooks/{endpoint_id}/ping", response={202: DeliveryOut, **ERRORS})
def ping(request, endpoint_id: str):
    """Send a test `ping` event to the endpoint."""
    return Status(202, services.ping(request.auth, endpoint_id))


@router.get("/merchant/webhooks/{endpoint_id}/deliveries", response=list[DeliveryOut])
@paginate(Cursor)
def deliveries(request, endpoint_id: str, status: str | None = None):
    """The endpoint's delivery log, newest first; `status` = pending, succeeded or failed."""
    return selectors.deliveries_of(_own(request, endpoint_id), status)


@router.get("/merchant/webhooks/{endpoint_id}/deliveries/{delivery_id}",
            response={200: DeliveryDetailOut, **ERRORS})
def delivery_detail(request, endpoint_id: str, delivery_id: str):
    """One delivery with its request body and every attempt (response code, duration)."""
    return selectors.delivery_of(_own(request, endpoint_id), delivery_id)


@router.post("/merchant/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay",
             response={202: DeliveryOut, **ERRORS})
def replay(request, endpoint_id: str, delivery_id: str):
    """Send one delivery again (same webhook-id and body), whatever its state."""
    return Status(202, services.replay(request.auth, endpoint_id, delivery_id))


@router.post("/merchant/webhooks/{endpoint_id}/replay", response={202: ReplayedOut, **ERRORS})
def replay_failed(request, endpoint_id: str, body: ReplayIn):
    """Send again every failed delivery of the endpoint made at or after `since`."""
    return Status(202, {"replayed": services.replay_failed(request.auth, endpoint_id, body.since)})
