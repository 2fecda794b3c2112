"""Helpers shared by the storefront views: where the customer is, labels, errors."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from o2o.core.errors import DomainError

# The city picker: a centre for "nearby" when the browser gives no location.
CITIES = [
    ("nanshan", _("Shenzhen Nanshan"), 22.5176, 113.9360),
    ("futian", _("Shenzhen Futian"), 22.5431, 114.0579),
    ("tianhe", _("Guangzhou Tianhe"), 23.1291, 113.3240),
    ("jingan", _("Shanghai Jing'an"), 31.2286, 121.4480),
]
DEFAULT_CITY = CITIES[0]

ORDER_STATUS = {
    "pending_payment": _("Awaiting payment"), "paid": _("Paid"), "ready_for_pickup": _("Ready for pick-up"),
    "shipped": _("Shipped"), "delivered": _("Delivered"), "in_use": _("In use"),
    "completed": _("Completed"), "closed": _("Closed"),
}
VOUCHER_STATUS = {
    "active": _("Unused"), "partially_used": _("Partly used"), "used": _("Used"), "refunded": _("Refunded"),
    "expired": _("Expired"), "expired_refunded": _("Expired, refunded"),
}
PARCEL_STATUS = {
    "created": _("Label created"), "picked_up": _("Picked up"), "in_transit": _("In transit"),
    "out_for_delivery": _("Out for delivery"), "delivered": _("Delivered"), "exception": _("Problem"),
    "returned": _("Returned"),
}
EVENT_LABELS = {
    "order.created": _("Order placed"), "order.paid": _("Paid"), "order.shipped": _("Shipped"),
    "order.delivered": _("Delivered"), "order.completed": _("Completed"), "order.closed": _("Closed"),
    "order.in_use": _("In use"), "order.ready_for_pickup": _("Ready for pick-up"),
    "order.reopened": _("Back in use: a redemption was undone"),
    "parcel.created": _("Parcel handed to the carrier"), "parcel.status_changed": _("Parcel update"),
    "parcel.delivered": _("Parcel delivered"), "refund.created": _("Refund requested"),
    "refund.succeeded": _("Refund paid"), "refund.failed": _("Refund failed"),
}


def event_label(event_type: str) -> str:
    if event_type in EVENT_LABELS:
        return str(EVENT_LABELS[event_type])
    kind, _dot, state = event_type.partition(".")
    if kind == "parcel" and state in PARCEL_STATUS:
        return str(PARCEL_STATUS[state])
    return event_type


def _coord(value, low: float, high: float) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and low <= f <= high else None


def where(request: HttpRequest) -> tuple[float | None, float | None, str]:
    """The customer's point: ?lat=&lng= (from the browser), else ?city=, else the last
    one kept in the session. Returns (lat, lng, source) with source 'gps', a city key or ''."""
    lat, lng = _coord(request.GET.get("lat"), -90, 90), _coord(request.GET.get("lng"), -180, 180)
    if lat is not None and lng is not None:
        request.session["where"] = [lat, lng, "gps"]
        return lat, lng, "gps"
    city = request.GET.get("city")
    for key, _label, clat, clng in CITIES:
        if key == city:
            request.session["where"] = [clat, clng, key]
            return clat, clng, key
    kept = request.session.get("where")
    if isinstance(kept, list) and len(kept) == 3:
        return kept[0], kept[1], kept[2]
    return None, None, ""


def refuse(request: HttpRequest, exc: DomainError, to: str) -> HttpResponseRedirect:
    """Show a service's refusal as a message and go back to `to`."""
    messages.error(request, exc.message)
    return HttpResponseRedirect(to)


def login_url(next_url: str) -> str:
    return f"{reverse('web:login')}?{urlencode({'next': next_url})}"


def local_path(request: HttpRequest, raw: str | None, default: str) -> str:
    """`raw` when it is a path on this site, else `default`: a return link never sends the
    customer elsewhere (Django's check also refuses `/\\evil.example` and `//evil.example`)."""
    if raw and raw.startswith("/") and url_has_allowed_host_and_scheme(
            raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return raw
    return default
