"""The console's webhook pages: the owner adds an endpoint and sees its secret once, reads
the delivery log, replays, rotates, pings, disables; a disabled-for-failing endpoint shows
a notice on every console page; staff and other merchants are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from o2o.core import clock
from o2o.webhooks.models import Delivery, Endpoint, EndpointStatus
from tests import factories
from tests.webhooks.helpers import deliver, endpoint_at, place_order, relay

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_owner_adds_an_endpoint_and_sees_the_secret_once(receiver) -> None:
    m = factories.merchant()
    c = _client(m.owner)
    r = c.post("/console/webhooks/create/", {"url": receiver.url, "event_types": ["order.created", "ping"]})
    assert r.status_code == 302  # "ping" is no subscription: refused, nothing made
    assert not Endpoint.objects.exists()
    r = c.post("/console/webhooks/create/", {"url": receiver.url, "event_types": ["order.created"]}, follow=True)
    page = r.content.decode()
    secret = re.search(r'id="wh-secret" readonly value="(whsec_[^"]+)"', page).group(1)
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "whsec_" not in c.get(r.redirect_chain[-1][0]).content.decode()  # shown once
    receiver.secret = secret
    place_order(m)
    relay()
    deliver()
    assert receiver.got[0].verified
    endpoint = Endpoint.objects.get()
    page = c.get(f"/console/webhooks/{endpoint.public_id}/").content.decode()
    assert "order.created" in page and "204" in page
    d = Delivery.objects.get()
    page = c.get(f"/console/webhooks/{endpoint.public_id}/deliveries/{d.public_id}/").content.decode()
    assert d.public_id in page and "total_fen" in page


def test_replay_rotate_ping_and_disable_from_the_console(receiver) -> None:
    endpoint = endpoint_at(receiver)
    c = _client(endpoint.merchant.owner)
    base = f"/console/webhooks/{endpoint.public_id}"
    c.post(f"{base}/ping/")
    deliver()
    d = Delivery.objects.get()
    c.post(f"{base}/replay/", {"delivery": d.public_id})
    deliver()
    assert [r.webhook_id for r in receiver.got] == [d.public_id, d.public_id]
    r = c.post(f"{base}/rotate/", {"overlap_hours": "1"}, follow=True)
    assert "whsec_" in r.content.decode()
    c.post(f"{base}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.DISABLED
    c.post(f"{base}/toggle/", {"enable": "1"})
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.ACTIVE


def test_a_failing_endpoint_is_announced_on_the_console(receiver) -> None:
    endpoint = endpoint_at(receiver)
    receiver.status = 500
    c = _client(endpoint.merchant.owner)
    c.post(f"/console/webhooks/{endpoint.public_id}/ping/")
    for _ in range(6):
        deliver()
        clock.advance(dt.timedelta(hours=6))
    page = c.get("/console/").content.decode()
    notice = f'<a href="/console/webhooks/{endpoint.public_id}/">{endpoint.url}</a>'
    assert 'class="card cs-notice" role="alert"' in page and notice in page


def test_staff_and_other_merchants_are_refused(receiver) -> None:
    endpoint = endpoint_at(receiver)
    staff = factories.staff(endpoint.merchant)
    assert _client(staff).get("/console/webhooks/").status_code == 403
    other = _client(factories.merchant().owner)
    assert other.get(f"/console/webhooks/{endpoint.public_id}/").status_code == 404
    assert other.post(f"/console/webhooks/{endpoint.public_id}/ping/").status_code == 404
    assert other.post(f"/console/webhooks/{endpoint.public_id}/toggle/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.status == EndpointStatus.ACTIVE and not Delivery.objects.exists()
