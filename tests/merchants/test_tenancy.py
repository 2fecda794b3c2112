"""Merchant A's owner and staff cannot read or write merchant B's stores and staff:
every such request is a 404 that reveals nothing, and nothing changes."""

from __future__ import annotations

import pytest

from tests.merchants.conftest import db_state

pytestmark = pytest.mark.django_db

STORE_BODY = {"name": "Taken over", "address": "x", "latitude": 1.0, "longitude": 1.0}

# (method, path template, body); {store} / {staff} are merchant B's ids.
FOREIGN_ID_REQUESTS = [
    ("get", "/merchant/stores/{store}", None),
    ("patch", "/merchant/stores/{store}", {"name": "Taken over"}),
    ("patch", "/merchant/stores/{store}", {}),
    ("delete", "/merchant/stores/{store}", None),
    ("get", "/merchant/staff/{staff}", None),
    ("patch", "/merchant/staff/{staff}", {"store_ids": []}),
    ("patch", "/merchant/staff/{staff}", {"display_name": "mine now"}),
    ("delete", "/merchant/staff/{staff}", None),
]


def _call(client, method: str, path: str, body):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize("who", ["owner", "staff_user"])
@pytest.mark.parametrize(("method", "template", "body"), FOREIGN_ID_REQUESTS)
def test_other_merchants_ids_are_not_found(tenants, api_as, who, method, template, body):
    a, b = tenants
    client = api_as(getattr(a, who))
    path = template.format(store=b.store.public_id, staff=b.staff.public_id)
    before = db_state()
    r = _call(client, method, path, body)
    assert r.status_code == 404, r.json()
    assert r.json()["error"]["code"] in ("store_not_found", "staff_not_found")
    assert db_state() == before


def test_binding_staff_to_another_merchants_store_is_not_found(tenants, api_as):
    a, b = tenants
    owner = api_as(a.owner)
    before = db_state()
    r = owner.patch(f"/merchant/staff/{a.staff.public_id}", {"store_ids": [b.store.public_id]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "store_not_found"
    r = owner.patch(f"/merchant/staff/{a.staff.public_id}",
                    {"store_ids": [a.store.public_id, b.store.public_id]})
    assert r.status_code == 404
    r = owner.post("/merchant/staff", {"username": "spy", "password": "long-enough-pw",
                                       "store_ids": [b.store.public_id]})
    assert r.status_code == 404
    assert db_state() == before


@pytest.mark.parametrize("who", ["owner", "staff_user"])
def test_lists_show_only_the_callers_merchant(tenants, api_as, who):
    a, b = tenants
    client = api_as(getattr(a, who))
    stores = {s["id"] for s in client.get("/merchant/stores").json()["results"]}
    assert stores == {a.store.public_id, a.other_store.public_id}
    assert client.get("/merchant").json()["id"] == a.merchant.public_id
    if who == "owner":
        staff = {s["id"] for s in client.get("/merchant/staff").json()["results"]}
        assert b.staff.public_id not in staff and a.staff.public_id in staff


def test_new_store_belongs_to_the_callers_merchant(tenants, api_as):
    a, b = tenants
    r = api_as(a.owner).post("/merchant/stores", STORE_BODY)
    assert r.status_code == 201 and r.json()["merchant_id"] == a.merchant.public_id
    assert r.json()["id"] not in {s.public_id for s in b.merchant.stores.all()}
