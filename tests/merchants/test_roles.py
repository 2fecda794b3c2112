"""Who may call what: customers never reach /merchant/* or /operator/*, staff read but
never write stores and staff, merchants never reach /operator/*."""

from __future__ import annotations

import pytest

from tests import factories
from tests.merchants.conftest import db_state

pytestmark = pytest.mark.django_db

STORE_BODY = {"name": "S", "address": "x", "latitude": 1.0, "longitude": 1.0}
STAFF_BODY = {"username": "newbie", "password": "long-enough-pw"}

MERCHANT_PATHS = [
    ("get", "/merchant", None), ("patch", "/merchant", {"name": "X"}),
    ("get", "/merchant/stores", None), ("post", "/merchant/stores", STORE_BODY),
    ("get", "/merchant/stores/{store}", None), ("patch", "/merchant/stores/{store}", {"name": "X"}),
    ("delete", "/merchant/stores/{store}", None),
    ("get", "/merchant/staff", None), ("post", "/merchant/staff", STAFF_BODY),
    ("get", "/merchant/staff/{staff}", None), ("patch", "/merchant/staff/{staff}", {"store_ids": []}),
    ("delete", "/merchant/staff/{staff}", None),
]
OPERATOR_PATHS = [
    ("get", "/operator/merchants", None), ("get", "/operator/merchants/{merchant}", None),
    ("post", "/operator/merchants/{merchant}/approve", {}),
    ("post", "/operator/merchants/{merchant}/reject", {"reason": "no"}),
    ("post", "/operator/merchants/{merchant}/suspend", {"reason": "no"}),
    ("post", "/operator/merchants/{merchant}/reinstate", {}),
]
STAFF_WRITES = [p for p in MERCHANT_PATHS
                if p[0] != "get" or "/staff" in p[1]]  # staff management is owner-only, reads too


def _call(client, method, template, body, t):
    path = template.format(store=t.store.public_id, staff=t.staff.public_id,
                           merchant=t.merchant.public_id)
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize(("method", "template", "body"), MERCHANT_PATHS + OPERATOR_PATHS)
def test_customers_are_forbidden(tenants, api_as, method, template, body):
    a, _ = tenants
    client = api_as(factories.user())
    before = db_state()
    r = _call(client, method, template, body, a)
    assert r.status_code == 403, r.json()
    expected = "operator_role_required" if "/operator" in template else "merchant_role_required"
    assert r.json()["error"]["code"] == expected
    assert db_state() == before


@pytest.mark.parametrize(("method", "template", "body"), MERCHANT_PATHS + OPERATOR_PATHS)
def test_anonymous_is_401(tenants, anon, method, template, body):
    a, _ = tenants
    before = db_state()
    r = _call(anon, method, template, body, a)
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    assert db_state() == before


@pytest.mark.parametrize(("method", "template", "body"), STAFF_WRITES)
def test_staff_cannot_write_stores_or_manage_staff(tenants, api_as, method, template, body):
    a, _ = tenants
    client = api_as(a.staff_user)
    before = db_state()
    r = _call(client, method, template, body, a)
    assert r.status_code == 403, r.json()
    assert r.json()["error"]["code"] == "owner_role_required"
    assert db_state() == before


@pytest.mark.parametrize("who", ["owner", "staff_user"])
@pytest.mark.parametrize(("method", "template", "body"), OPERATOR_PATHS)
def test_merchants_cannot_operate(tenants, api_as, who, method, template, body):
    a, _ = tenants
    client = api_as(getattr(a, who))
    before = db_state()
    r = _call(client, method, template, body, a)
    assert r.status_code == 403 and r.json()["error"]["code"] == "operator_role_required"
    assert db_state() == before


def test_staff_may_read_stores(tenants, api_as):
    a, _ = tenants
    client = api_as(a.staff_user)
    assert client.get("/merchant/stores").status_code == 200
    assert client.get(f"/merchant/stores/{a.store.public_id}").json()["id"] == a.store.public_id
    assert client.get("/merchant").status_code == 200


def test_operators_cannot_apply(api_as):
    r = api_as(factories.operator()).post("/merchant/apply", {"name": "Op"})
    assert r.status_code == 403
