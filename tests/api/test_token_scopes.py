"""API tokens with scopes and per-token rate limits: a token without the scope of an
operation is refused 403 scope_required, the console's session is not scoped, a token
past its calls per minute gets 429 rate_limited with Retry-After, and the OpenAPI
document names the scope of each merchant operation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from o2o.accounts import services as accounts
from o2o.api.scopes import scope_for
from o2o.core import clock
from o2o.core.errors import ValidationFailed
from tests import factories
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _client(user, scopes=None, rate=None) -> ApiClient:
    _token, secret = accounts.create_token(user, "scoped", scopes, rate)
    return ApiClient(secret)


def test_a_token_only_reaches_the_operations_of_its_scopes() -> None:
    m = factories.merchant()
    catalogue_reader = _client(m.owner, ["catalog:read"])
    assert catalogue_reader.get("/merchant/products").status_code == 200
    r = catalogue_reader.post("/merchant/products", {"kind": "goods", "title": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "scope_required"
    assert r.json()["error"]["details"] == {"scope": "catalog:write"}
    r = catalogue_reader.get("/merchant/orders")
    assert r.status_code == 403 and r.json()["error"]["code"] == "scope_required"
    assert _client(m.owner, ["orders"]).get("/merchant/orders").status_code == 200
    assert catalogue_reader.get("/merchant/settlements").status_code == 403
    assert _client(m.owner, ["finance"]).get("/merchant/settlements").status_code == 200
    # A path of no family takes any token.
    assert _client(m.owner, []).get("/me").status_code == 200


def test_a_token_made_without_scopes_has_them_all_and_the_session_is_not_scoped() -> None:
    m = factories.merchant()
    assert _client(m.owner).get("/merchant/settlements").status_code == 200
    browser = Client()
    browser.force_login(m.owner)
    assert browser.get("/api/v1/merchant/orders").status_code == 200


def test_past_its_rate_a_token_gets_429_with_retry_after() -> None:
    start = dt.datetime(2026, 12, 1, 4, 0, 10, tzinfo=dt.UTC)
    owner = factories.merchant().owner
    client = _client(owner, rate=3)
    other = _client(owner, rate=3)
    with clock.frozen(start):
        assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]
        r = client.get("/me")
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
        assert r["Retry-After"] == "50"
        assert other.get("/me").status_code == 200  # counted per token
    with clock.frozen(start + dt.timedelta(minutes=1)):
        assert client.get("/me").status_code == 200  # a new minute


def test_bad_scopes_and_rates_are_refused(api_as) -> None:
    user = factories.user()
    for scopes, rate, code in ((["everything"], None, "invalid_scope"), (None, 0, "invalid_rate_limit")):
        with pytest.raises(ValidationFailed) as exc:
            accounts.create_token(user, "x", scopes, rate)
        assert exc.value.code == code
    r = api_as(user).post("/me/tokens", {"name": "ci", "scopes": ["orders"], "rate_per_minute": 60})
    assert r.status_code == 201 and r.json()["scopes"] == ["orders"] and r.json()["rate_per_minute"] == 60


def test_the_openapi_document_names_each_operations_scope(anon) -> None:
    doc = anon.get("/api/openapi.json").json()
    paths = doc["paths"]
    assert paths["/api/v1/merchant/products"]["get"]["x-scopes"] == ["catalog:read"]
    assert {"BearerTokenAuth": ["catalog:write"]} in paths["/api/v1/merchant/products"]["post"]["security"]
    assert paths["/api/v1/merchant/redemptions"]["post"]["x-scopes"] == ["redemption"]
    assert "x-scopes" not in paths["/api/v1/me"]["get"]
    assert "finance" in doc["components"]["securitySchemes"]["BearerTokenAuth"]["description"]
    assert scope_for("/merchant/productsx", "GET") is None  # families match whole segments
