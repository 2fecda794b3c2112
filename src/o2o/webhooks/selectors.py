"""Reads of webhooks for the API and the console, scoped to one merchant. No writes."""

from __future__ import annotations

from django.db.models import QuerySet

from o2o.core.errors import NotFound
from o2o.core.ids import looks_like_id
from o2o.merchants.models import Merchant
from o2o.webhooks.models import Delivery, DeliveryAttempt, DisabledReason, Endpoint, EndpointStatus


def endpoints_of(merchant: Merchant) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(merchant=merchant).order_by("id")


def endpoint_of(merchant: Merchant, endpoint_id: str) -> Endpoint:
    """The merchant's endpoint; NotFound endpoint_not_found for another merchant's id."""
    found = (endpoints_of(merchant).filter(public_id=endpoint_id).first()
             if looks_like_id(endpoint_id, "whk") else None)
    if found is None:
        raise NotFound("No such webhook endpoint", "endpoint_not_found")
    return found


def deliveries_of(endpoint: Endpoint, status: str | None = None) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(endpoint=endpoint).order_by("-id")
    return qs.filter(status=status) if status else qs


def delivery_of(endpoint: Endpoint, delivery_id: str) -> Delivery:
    found = (deliveries_of(endpoint).filter(public_id=delivery_id).first()
             if looks_like_id(delivery_id, "whd") else None)
    if found is None:
        raise NotFound("No such delivery", "delivery_not_found")
    return found


def attempts_of(delivery: Delivery) -> QuerySet[DeliveryAttempt]:
    return DeliveryAttempt.objects.filter(delivery=delivery).order_by("-id")


def failing_notices(merchant: Merchant) -> QuerySet[Endpoint]:
    """Endpoints the platform disabled because every delivery failed for a day: the
    console shows them to the merchant until they are enabled again."""
    return endpoints_of(merchant).filter(status=EndpointStatus.DISABLED, disabled_reason=DisabledReason.FAILING)
