"""The SSRF guard: only https to public addresses in production; loopback http only when
the setting allows it; the address is checked again when a delivery is posted."""

from __future__ import annotations

import pytest

from o2o.core.errors import ValidationFailed
from o2o.webhooks import services, transport
from o2o.webhooks.models import Delivery
from tests import factories
from tests.webhooks.helpers import deliver, endpoint_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "https://10.0.0.5/hook", "https://192.168.1.2/hook", "https://172.16.0.1/hook",
    "https://169.254.169.254/latest/meta-data", "https://100.100.100.200/latest/meta-data",
    "https://[fd00:ec2::254]/", "https://[::ffff:10.0.0.1]/", "https://0.0.0.0/", "https://224.0.0.1/",
])
def test_internal_addresses_are_refused(url) -> None:
    owner = factories.merchant().owner
    with pytest.raises(ValidationFailed) as exc:
        services.create_endpoint(owner, url, ["*"])
    assert exc.value.code == "url_not_allowed"


@pytest.mark.parametrize("url", ["ftp://example.com/", "https://user:pw@8.8.8.8/", "not a url", "https:///x"])
def test_malformed_urls_are_refused(url) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.create_endpoint(factories.merchant().owner, url, ["*"])
    assert exc.value.code == "invalid_url"


def test_http_is_refused_for_a_public_address() -> None:
    with pytest.raises(transport.UrlRefused) as exc:
        transport.resolve("http://8.8.8.8/")
    assert exc.value.code == "url_not_allowed"


def test_loopback_is_refused_in_production(monkeypatch) -> None:
    monkeypatch.setenv("O2O_WEBHOOK_ALLOW_LOOPBACK", "0")
    owner = factories.merchant().owner
    for url in ("http://127.0.0.1:8900/hooks", "https://localhost/hooks", "https://[::1]/"):
        with pytest.raises(ValidationFailed) as exc:
            services.create_endpoint(owner, url, ["*"])
        assert exc.value.code == "url_not_allowed"


def test_the_address_is_checked_again_at_delivery(receiver, monkeypatch) -> None:
    endpoint = endpoint_at(receiver)
    services.ping(endpoint.merchant.owner, endpoint.public_id)
    monkeypatch.setenv("O2O_WEBHOOK_ALLOW_LOOPBACK", "0")  # e.g. the name now resolves inside
    deliver()
    assert receiver.got == []
    d = Delivery.objects.get()
    assert d.attempts == 1 and d.last_error.startswith("url_not_allowed") and d.response_code is None


def test_unknown_event_types_are_refused() -> None:
    owner = factories.merchant().owner
    for types, code in ((["order.exploded"], "unknown_event_type"), ([], "no_event_types"),
                        (["ping"], "unknown_event_type")):
        with pytest.raises(ValidationFailed) as exc:
            services.create_endpoint(owner, "http://127.0.0.1:9/hooks", types)
        assert exc.value.code == code
