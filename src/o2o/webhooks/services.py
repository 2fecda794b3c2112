"""Merchant-facing writes of webhooks: endpoints, secret rotation, ping, replay.

Writes Endpoint (create, update, enable/disable, rotate) and Delivery (a ping; replay
puts deliveries back to pending, due now, with a fresh retry window). Only the
merchant's owner may do any of it (the secrets and the data leaving the platform are
the owner's call). Delivery itself is in delivery.py; nothing here makes an HTTP call.

Lock order: the endpoint row, then its deliveries.

Error codes: 401 not_authenticated; 403 merchant_role_required, owner_role_required;
404 endpoint_not_found, delivery_not_found; 409 too_many_endpoints, endpoint_disabled;
422 invalid_url, url_not_allowed (https to a public address only; see transport),
unknown_event_type, no_event_types, invalid_overlap, invalid_description.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from o2o.core import clock
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants.access import merchant_of
from o2o.merchants.models import Merchant
from o2o.webhooks import catalogue, conf, delivery, signing, transport
from o2o.webhooks.models import Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointStatus
from o2o.webhooks.tasks import kick


def _owner_merchant(user) -> Merchant:
    return merchant_of(user, owner_only=True)


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        transport.resolve(url)
    except transport.UrlRefused as exc:
        raise ValidationFailed(exc.message, exc.code) from None
    return url


def _check_types(event_types: list[str]) -> list[str]:
    if not isinstance(event_types, list) or not event_types:
        raise ValidationFailed(_("Choose at least one event type"), "no_event_types")
    unknown = [t for t in event_types if not isinstance(t, str) or not catalogue.valid_pattern(t)]
    if unknown:
        raise ValidationFailed(_("Unknown event type"), "unknown_event_type", details={"unknown": unknown[:10]})
    return sorted(set(event_types))


def _check_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationFailed(_("The description is longer than 200 characters"), "invalid_description")
    return description


def _locked(merchant: Merchant, endpoint_id: str) -> Endpoint:
    if not looks_like_id(endpoint_id, "whk"):
        raise NotFound(_("No such webhook endpoint"), "endpoint_not_found")
    endpoint = Endpoint.objects.select_for_update().filter(merchant=merchant, public_id=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint"), "endpoint_not_found")
    return endpoint


def create_endpoint(user, url: str, event_types: list[str], description: str = "") -> tuple[Endpoint, str]:
    """A new active endpoint and its secret, which is returned here only."""
    merchant = _owner_merchant(user)
    url, types, description = _check_url(url), _check_types(event_types), _check_description(description)
    secret = signing.new_secret()
    now = clock.now()
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()  # serialize the count
        if Endpoint.objects.filter(merchant=merchant).count() >= conf.MAX_ENDPOINTS_PER_MERCHANT:
            raise Conflict(_("This merchant has the most endpoints allowed"), "too_many_endpoints",
                           details={"max": conf.MAX_ENDPOINTS_PER_MERCHANT})
        endpoint = Endpoint.objects.create(merchant=merchant, url=url, event_types=types, description=description,
                                           secret_sealed=signing.seal(secret), created_at=now, updated_at=now)
    return endpoint, secret


def update_endpoint(user, endpoint_id: str, *, url: str | None = None, event_types: list[str] | None = None,
                    description: str | None = None) -> Endpoint:
    merchant = _owner_merchant(user)
    changes: dict = {}
    if url is not None:
        changes["url"] = _check_url(url)
    if event_types is not None:
        changes["event_types"] = _check_types(event_types)
    if description is not None:
        changes["description"] = _check_description(description)
    with transaction.atomic():
        endpoint = _locked(merchant, endpoint_id)
        for name, value in changes.items():
            setattr(endpoint, name, value)
        endpoint.updated_at = clock.now()
        endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


def set_enabled(user, endpoint_id: str, enabled: bool) -> Endpoint:
    """Enable (its failure streak starts anew) or disable an endpoint. A disabled endpoint
    is sent nothing: new events are not fanned out to it, pending ones wait."""
    merchant = _owner_merchant(user)
    now = clock.now()
    with transaction.atomic():
        endpoint = _locked(merchant, endpoint_id)
        if enabled:
            endpoint.status, endpoint.disabled_reason, endpoint.disabled_at = EndpointStatus.ACTIVE, "", None
            endpoint.failing_since = None
        elif endpoint.status == EndpointStatus.ACTIVE:
            endpoint.status, endpoint.disabled_reason = EndpointStatus.DISABLED, DisabledReason.MERCHANT
            endpoint.disabled_at = now
        endpoint.updated_at = now
        endpoint.save(update_fields=["status", "disabled_reason", "disabled_at", "failing_since", "updated_at"])
    if enabled:
        kick()
    return endpoint


def rotate_secret(user, endpoint_id: str, overlap_hours: int = 24) -> tuple[Endpoint, str]:
    """A new secret; the old one keeps signing beside it for `overlap_hours` (0 to 72)."""
    merchant = _owner_merchant(user)
    if isinstance(overlap_hours, bool) or not isinstance(overlap_hours, int) \
            or not 0 <= overlap_hours <= conf.MAX_OVERLAP_HOURS:
        raise ValidationFailed(_("The overlap must be 0 to 72 hours"), "invalid_overlap",
                               details={"max": conf.MAX_OVERLAP_HOURS})
    secret = signing.new_secret()
    now = clock.now()
    with transaction.atomic():
        endpoint = _locked(merchant, endpoint_id)
        endpoint.previous_secret_sealed = endpoint.secret_sealed if overlap_hours else ""
        endpoint.previous_secret_until = now + dt.timedelta(hours=overlap_hours) if overlap_hours else None
        endpoint.secret_sealed = signing.seal(secret)
        endpoint.updated_at = now
        endpoint.save(update_fields=["previous_secret_sealed", "previous_secret_until", "secret_sealed",
                                     "updated_at"])
    return endpoint, secret


def _active(endpoint: Endpoint) -> None:
    if endpoint.status != EndpointStatus.ACTIVE:
        raise Conflict(_("This endpoint is disabled; enable it first"), "endpoint_disabled")


def ping(user, endpoint_id: str) -> Delivery:
    """Send a test `ping` event to the endpoint (the worker posts it within seconds)."""
    merchant = _owner_merchant(user)
    with transaction.atomic():
        endpoint = _locked(merchant, endpoint_id)
        _active(endpoint)
        made = delivery.make_ping(endpoint)
    kick()
    return made


def _replay(qs, now: dt.datetime) -> int:
    return qs.update(status=DeliveryStatus.PENDING, next_attempt_at=now, finished_at=None,
                     retry_until=now + conf.retry_for())


def replay(user, endpoint_id: str, delivery_id: str) -> Delivery:
    """Send one delivery again, whatever its state, with the same webhook-id and body."""
    merchant = _owner_merchant(user)
    now = clock.now()
    with transaction.atomic():
        endpoint = _locked(merchant, endpoint_id)
        _active(endpoint)
        qs = Delivery.objects.filter(endpoint=endpoint, public_id=delivery_id)
        if not looks_like_id(delivery_id, "whd") or not _replay(qs, now):
            raise NotFound(_("No such delivery"), "delivery_not_found")
    kick()
    return qs.get()


def replay_failed(user, endpoint_id: str, since: dt.datetime) -> int:
    """Send again every failed delivery of the endpoint made at or after `since`."""
    merchant = _owner_merchant(user)
    now = clock.now()
    with transaction.atomic():
        endpoint = _locked(merchant, endpoint_id)
        _active(endpoint)
        count = _replay(Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.FAILED,
                                                created_at__gte=since), now)
    if count:
        kick()
    return count
