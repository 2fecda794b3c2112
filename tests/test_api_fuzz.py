"""Fuzz every operation of the OpenAPI document (schemathesis): whatever the
input, the API answers without a server error, and every refusal is JSON with the
documented error envelope."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from o2o.accounts.models import Role
from o2o.wsgi import application
from tests import factories

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calls go straight to the WSGI app, not through Django's test client, so detach the
    end-of-request connection cleanup as the test client does: it would close the
    connection that holds the test's transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens():
    merchant = factories.merchant()
    store = factories.store(merchant)
    factories.product(merchant)
    staff = factories.staff(merchant, [store])
    return {
        "operator": factories.token_for(factories.user(Role.OPERATOR)),
        "owner": factories.token_for(merchant.owner),
        "staff": factories.token_for(staff),
        "customer": factories.token_for(factories.user()),
    }


def _role_for(path: str) -> str:
    if path.startswith("/api/v1/operator"):
        return "operator"
    if path.startswith("/api/v1/merchant/redemptions") or path.startswith("/api/v1/merchant/vouchers"):
        return "staff"
    if path.startswith("/api/v1/merchant/") or path == "/api/v1/merchant":
        return "owner"
    return "customer"


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=int(os.environ.get("O2O_FUZZ_EXAMPLES", "15")), deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_error_envelope(case, tokens):
    token = tokens[_role_for(case.path)]
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])
    if response.status_code >= 400:
        # Every refusal under /api/ is JSON with the envelope, whoever produced it.
        content_type = response.headers.get("content-type") or [""]
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/json"), (response.status_code, content_type)
        body = response.json()
        assert set(body) == {"error"}, body
        assert body["error"]["code"] and body["error"]["message"], body
