"""Console pages of webhooks (owner only): the endpoints and the event catalogue, a new
endpoint with its secret shown once, an endpoint's page with its delivery log, replay
(one delivery, or all failed since a time), secret rotation, ping, disable and enable.

Every write calls webhooks.services; reads go through webhooks.selectors. A new secret
is kept in the session only until the next page shows it."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from o2o.core import clock
from o2o.core.errors import DomainError, NotFound
from o2o.web.console.access import merchant_page
from o2o.web.console.common import done, fail, int_or_none, zone_of
from o2o.webhooks import catalogue, selectors, services
from o2o.webhooks.models import DeliveryStatus

SESSION_KEY = "console_new_webhook_secret"
OVERLAP_HOURS = (0, 1, 24, 72)


def _secret_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, {**context, "secret": request.session.pop(SESSION_KEY, None)})
    response["Referrer-Policy"] = "same-origin"  # a secret may be on the page
    return response


@merchant_page(owner_only=True)
@never_cache
def webhooks(request: HttpRequest) -> HttpResponse:
    return _secret_page(request, "web/console/webhooks.html", {
        "endpoints": selectors.endpoints_of(request.merchant),
        "catalogue": [e for e in catalogue.CATALOGUE.values() if e.name != "ping"]})


@merchant_page(owner_only=True)
@require_POST
def webhook_create(request: HttpRequest) -> HttpResponse:
    types = request.POST.getlist("event_types")
    try:
        endpoint, secret = services.create_endpoint(request.user, request.POST.get("url", ""), types,
                                                    request.POST.get("description", ""))
    except DomainError as exc:
        fail(request, exc)
        return redirect("web:console_webhooks")
    request.session[SESSION_KEY] = secret
    return redirect("web:console_webhook", endpoint_id=endpoint.public_id)


@merchant_page(owner_only=True)
@never_cache
def webhook(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = selectors.endpoint_of(request.merchant, endpoint_id)
    status = request.GET.get("status") or None
    if status not in (None, *DeliveryStatus.values):
        status = None
    return _secret_page(request, "web/console/webhook.html", {
        "endpoint": endpoint, "deliveries": selectors.deliveries_of(endpoint, status)[:50], "status": status,
        "statuses": DeliveryStatus.choices, "overlaps": OVERLAP_HOURS,
        "since_default": (clock.now() - dt.timedelta(days=1)).astimezone(zone_of(request)).strftime("%Y-%m-%dT%H:%M")})


@merchant_page(owner_only=True)
@never_cache
def webhook_delivery(request: HttpRequest, endpoint_id: str, delivery_id: str) -> HttpResponse:
    endpoint = selectors.endpoint_of(request.merchant, endpoint_id)
    delivery = selectors.delivery_of(endpoint, delivery_id)
    return render(request, "web/console/webhook_delivery.html", {
        "endpoint": endpoint, "delivery": delivery, "attempts": selectors.attempts_of(delivery)})


def _act(request: HttpRequest, endpoint_id: str, action, message) -> HttpResponse:
    """Run a write on the endpoint and say how it went; `message` is a text or a function
    of what the write returned."""
    try:
        result = action()
        done(request, message(result) if callable(message) else message)
    except NotFound:
        raise  # another merchant's endpoint: a 404 page, as for reads
    except DomainError as exc:
        fail(request, exc)
    return redirect("web:console_webhook", endpoint_id=endpoint_id)


@merchant_page(owner_only=True)
@require_POST
def webhook_toggle(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    enable = request.POST.get("enable") == "1"
    return _act(request, endpoint_id, lambda: services.set_enabled(request.user, endpoint_id, enable),
                _("Endpoint enabled.") if enable else _("Endpoint disabled."))


@merchant_page(owner_only=True)
@require_POST
def webhook_ping(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    return _act(request, endpoint_id, lambda: services.ping(request.user, endpoint_id),
                _("A ping event is on its way."))


@merchant_page(owner_only=True)
@require_POST
def webhook_rotate(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    hours = int_or_none(request.POST.get("overlap_hours"))

    def rotate() -> None:
        _endpoint, secret = services.rotate_secret(request.user, endpoint_id, hours if hours is not None else -1)
        request.session[SESSION_KEY] = secret

    return _act(request, endpoint_id, rotate, _("New secret made."))


@merchant_page(owner_only=True)
@require_POST
def webhook_replay(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """Replay one delivery (delivery=<id>) or every failed one since a local time (since=...)."""
    delivery_id = request.POST.get("delivery")
    if delivery_id:
        return _act(request, endpoint_id, lambda: services.replay(request.user, endpoint_id, delivery_id),
                    _("The delivery will be sent again."))
    try:
        since = dt.datetime.fromisoformat(request.POST.get("since", ""))
    except ValueError:
        fail(request, DomainError(_("Enter a date and time"), "invalid_since"))
        return redirect("web:console_webhook", endpoint_id=endpoint_id)
    if since.tzinfo is None:  # typed in the merchant's local time
        since = since.replace(tzinfo=zone_of(request))
    return _act(request, endpoint_id, lambda: services.replay_failed(request.user, endpoint_id, since),
                lambda count: _("%(count)d failed deliveries will be sent again.") % {"count": count})
