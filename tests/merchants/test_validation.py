"""A table of bad requests per endpoint: each gets its documented 4xx status and
machine-readable code, and the database is left exactly as it was."""

from __future__ import annotations

import json

import pytest

from o2o.merchants.models import StaffMember
from tests import factories
from tests.merchants.conftest import db_state, make_tenant

pytestmark = pytest.mark.django_db

STORE = {"name": "S", "address": "x", "latitude": 22.5, "longitude": 113.9}
NO_ID = "sto_0000000000000000"
LONG = "x" * 501

# (who, method, path, body: dict | list | str (raw text), status, code)
CASES = [
    # application
    ("customer", "post", "/merchant/apply", {}, 422, "validation_error"),
    ("customer", "post", "/merchant/apply", {"name": ""}, 422, "validation_error"),
    ("customer", "post", "/merchant/apply", {"name": "   "}, 422, "validation_error"),
    ("customer", "post", "/merchant/apply", {"name": 123}, 422, "validation_error"),
    ("customer", "post", "/merchant/apply", {"name": "n" * 101}, 422, "validation_error"),
    ("customer", "post", "/merchant/apply", {"name": "a\u0000b"}, 422, "invalid_characters"),
    ("customer", "post", "/merchant/apply", ["name"], 422, "validation_error"),
    ("customer", "post", "/merchant/apply", '{"name": "x"', 400, "invalid_json"),
    ("owner", "post", "/merchant/apply", {"name": "Again"}, 409, "already_member"),
    # profile
    ("owner", "patch", "/merchant", {"name": ""}, 422, "validation_error"),
    ("owner", "patch", "/merchant", {"name": None}, 422, "validation_error"),
    ("owner", "patch", "/merchant", {"contact_phone": "1" * 21}, 422, "validation_error"),
    ("owner", "patch", "/merchant", "not json", 400, "invalid_json"),
    # stores: create
    ("owner", "post", "/merchant/stores", {**STORE, "latitude": 91}, 422, "invalid_coordinates"),
    ("owner", "post", "/merchant/stores", {**STORE, "latitude": -90.0001}, 422, "invalid_coordinates"),
    ("owner", "post", "/merchant/stores", {**STORE, "longitude": 180.5}, 422, "invalid_coordinates"),
    ("owner", "post", "/merchant/stores", '{"name": "S", "address": "x", "latitude": NaN, '
                                          '"longitude": 1}', 422, "invalid_coordinates"),
    ("owner", "post", "/merchant/stores", {**STORE, "latitude": "north"}, 422, "validation_error"),
    ("owner", "post", "/merchant/stores", {**STORE, "latitude": None}, 422, "validation_error"),
    ("owner", "post", "/merchant/stores", {"name": "S", "latitude": 1, "longitude": 1}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/stores", {**STORE, "name": ["S"]}, 422, "validation_error"),
    ("owner", "post", "/merchant/stores", {**STORE, "time_zone": "Mars/Olympus"}, 422,
     "invalid_time_zone"),
    ("owner", "post", "/merchant/stores", {**STORE, "time_zone": ""}, 422, "invalid_time_zone"),
    ("owner", "post", "/merchant/stores", {**STORE, "time_zone": "../../etc/passwd"}, 422,
     "invalid_time_zone"),
    ("owner", "post", "/merchant/stores", {**STORE, "opening_hours": "always"}, 422,
     "invalid_opening_hours"),
    ("owner", "post", "/merchant/stores", {**STORE, "opening_hours": {"funday": []}}, 422,
     "invalid_opening_hours"),
    ("owner", "post", "/merchant/stores", {**STORE, "opening_hours": {"mon": [["10:00", "25:00"]]}},
     422, "invalid_opening_hours"),
    ("owner", "post", "/merchant/stores", {**STORE, "opening_hours": {"mon": [["10:00"]]}}, 422,
     "invalid_opening_hours"),
    ("owner", "post", "/merchant/stores", {**STORE, "opening_hours": {"mon": [[1000, 2200]]}}, 422,
     "invalid_opening_hours"),
    ("owner", "post", "/merchant/stores", '{"name": "S",', 400, "invalid_json"),
    # stores: update
    ("owner", "patch", "/merchant/stores/{store}", {"latitude": 91}, 422, "invalid_coordinates"),
    ("owner", "patch", "/merchant/stores/{store}", {"latitude": None}, 422, "invalid_coordinates"),
    ("owner", "patch", "/merchant/stores/{store}", {"name": None}, 422, "validation_error"),
    ("owner", "patch", "/merchant/stores/{store}", {"name": ""}, 422, "validation_error"),
    ("owner", "patch", "/merchant/stores/{store}", {"is_active": "maybe"}, 422, "validation_error"),
    ("owner", "patch", "/merchant/stores/{store}", {"is_active": None}, 422, "validation_error"),
    ("owner", "patch", "/merchant/stores/{store}", {"time_zone": "UTC+8"}, 422, "invalid_time_zone"),
    ("owner", "patch", "/merchant/stores/{store}", {"opening_hours": {"mon": [["22:00", "22:00"]]}},
     422, "invalid_opening_hours"),
    ("owner", "patch", "/merchant/stores/{store}",
     {"opening_hours": {"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}}, 422,
     "invalid_opening_hours"),
    ("owner", "patch", "/merchant/stores/{store}", "{]", 400, "invalid_json"),
    ("owner", "patch", "/merchant/stores/not-an-id", {"name": "X"}, 404, "store_not_found"),
    ("owner", "patch", f"/merchant/stores/{NO_ID}", {"name": "X"}, 404, "store_not_found"),
    ("owner", "get", "/merchant/stores/sto_'; DROP TABLE x;--", None, 404, "store_not_found"),
    ("owner", "delete", "/merchant/stores/12", None, 404, "store_not_found"),
    # staff
    ("owner", "post", "/merchant/staff", {}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "", "password": "long-enough"}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "a", "password": "short"}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "a", "password": "password"}, 422,
     "weak_password"),
    ("owner", "post", "/merchant/staff", {"username": "a", "password": "long-enough",
                                          "store_ids": "{store}"}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "a", "password": "long-enough",
                                          "store_ids": [1]}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "a", "password": "long-enough",
                                          "store_ids": ["garbage"]}, 404, "store_not_found"),
    ("owner", "post", "/merchant/staff", {"username": "{owner_name}", "password": "long-enough"},
     409, "username_taken"),
    # The old attach-by-username call: one answer whether the name exists or not.
    ("owner", "post", "/merchant/staff", {"username": "nobody-at-all"}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "{staff_name}"}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "{customer_name}"}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "{customer_name}", "password": None}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/staff", {"username": "{customer_name}", "password": "long-enough"},
     409, "username_taken"),
    # staff invitations
    ("owner", "post", "/merchant/staff/invitations", {"expires_in_hours": 0}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff/invitations", {"expires_in_hours": 721}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/staff/invitations", {"expires_in_hours": True}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/staff/invitations", {"expires_in_hours": "24"}, 422,
     "validation_error"),
    ("owner", "post", "/merchant/staff/invitations", {"label": "x" * 101}, 422, "validation_error"),
    ("owner", "post", "/merchant/staff/invitations", {"store_ids": ["garbage"]}, 404,
     "store_not_found"),
    ("owner", "post", "/merchant/staff/invitations", {"store_ids": [NO_ID]}, 404, "store_not_found"),
    ("owner", "post", "/merchant/staff/invitations", "{", 400, "invalid_json"),
    ("owner", "delete", "/merchant/staff/invitations/sti_zzzz", None, 404, "invitation_not_found"),
    ("owner", "delete", "/merchant/staff/invitations/{store}", None, 404, "invitation_not_found"),
    ("customer", "post", "/staff/invitations/accept", {}, 422, "validation_error"),
    ("customer", "post", "/staff/invitations/accept", {"code": 5}, 422, "validation_error"),
    ("customer", "post", "/staff/invitations/accept", {"code": ""}, 422, "validation_error"),
    ("customer", "post", "/staff/invitations/accept", {"code": "nope"}, 404, "invitation_not_found"),
    ("customer", "post", "/staff/invitations/accept", {"code": "A" * 24}, 404,
     "invitation_not_found"),
    ("customer", "post", "/staff/invitations/accept", {"code": "x" * 65}, 422, "validation_error"),
    ("owner", "patch", "/merchant/staff/{staff}", {"store_ids": "all"}, 422, "validation_error"),
    ("owner", "patch", "/merchant/staff/{staff}", {"store_ids": [NO_ID]}, 404, "store_not_found"),
    ("owner", "patch", "/merchant/staff/{owner_staff}", {"store_ids": ["{store}"]}, 409,
     "owner_not_bindable"),
    ("owner", "delete", "/merchant/staff/{owner_staff}", None, 409, "cannot_remove_owner"),
    ("owner", "get", "/merchant/staff/stf_zzzz", None, 404, "staff_not_found"),
    ("owner", "patch", "/merchant/staff/{staff}", "nope", 400, "invalid_json"),
    # operator review
    ("operator", "post", "/operator/merchants/{pending}/reject", {}, 422, "validation_error"),
    ("operator", "post", "/operator/merchants/{pending}/reject", {"reason": ""}, 422, "reason_required"),
    ("operator", "post", "/operator/merchants/{pending}/reject", {"reason": "  "}, 422,
     "reason_required"),
    ("operator", "post", "/operator/merchants/{pending}/reject", {"reason": 5}, 422, "validation_error"),
    ("operator", "post", "/operator/merchants/{pending}/reject", {"reason": LONG}, 422,
     "validation_error"),
    ("operator", "post", "/operator/merchants/{pending}/reject", "reason=bad", 400, "invalid_json"),
    ("operator", "post", "/operator/merchants/{active}/suspend", {"reason": ""}, 422, "reason_required"),
    ("operator", "post", "/operator/merchants/{active}/approve", {}, 409, "illegal_transition"),
    ("operator", "post", "/operator/merchants/{pending}/suspend", {"reason": "x"}, 409,
     "illegal_transition"),
    ("operator", "post", "/operator/merchants/{pending}/reinstate", {}, 409, "illegal_transition"),
    ("operator", "post", "/operator/merchants/mer_bad/approve", {}, 404, "merchant_not_found"),
    ("operator", "post", f"/operator/merchants/{NO_ID.replace('sto', 'mer')}/approve", {}, 404,
     "merchant_not_found"),
    ("operator", "post", "/operator/merchants/{store}/approve", {}, 404, "merchant_not_found"),
    ("operator", "get", "/operator/merchants?status=bogus", None, 422, "validation_error"),
    ("operator", "get", "/operator/merchants/1", None, 404, "merchant_not_found"),
    # public
    ("anon", "get", "/merchants?q=" + "q" * 101, None, 422, "validation_error"),
    ("anon", "get", "/merchants?page_size=many", None, 422, "validation_error"),
    ("anon", "get", "/merchants?cursor=cD1hYmM%3D", None, 422, "invalid_cursor"),
    ("anon", "get", "/merchants/{pending}", None, 404, "merchant_not_found"),
    ("anon", "get", "/merchants/1/stores", None, 404, "merchant_not_found"),
    ("anon", "get", "/stores/{inactive_store}", None, 404, "store_not_found"),
    ("anon", "get", "/stores/x", None, 404, "store_not_found"),
]


@pytest.fixture
def ctx():
    t = make_tenant("Gamma Grill")
    inactive = factories.store(t.merchant)
    inactive.is_active = False
    inactive.save()
    pending = factories.merchant("Delta Pending", status="pending")
    customer = factories.user()
    return {
        "tenant": t,
        "fmt": {"store": t.store.public_id, "staff": t.staff.public_id,
                "owner_staff": StaffMember.objects.get(user=t.owner).public_id,
                "owner_name": t.owner.username, "staff_name": t.staff_user.username,
                "customer_name": customer.username,
                "pending": pending.public_id, "active": t.merchant.public_id,
                "inactive_store": inactive.public_id},
        "users": {"owner": t.owner, "customer": customer,
                  "operator": factories.operator(), "anon": None},
    }


def _fill(value, fmt):
    if isinstance(value, str):
        for key, replacement in fmt.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, list):
        return [_fill(v, fmt) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, fmt) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("who", "method", "path", "body", "status", "code"), CASES,
                         ids=[f"{c[1]} {c[2]} {str(c[3])[:40]}" for c in CASES])
def test_bad_request_is_refused_cleanly(ctx, api_as, who, method, path, body, status, code):
    client = api_as(ctx["users"][who])
    url = client._url(_fill(path, ctx["fmt"]))
    headers = client._headers(None)
    before = db_state()
    if method in ("get", "delete"):
        r = client.client.generic(method.upper(), url, headers=headers)
    else:
        # str bodies are sent as raw text (not valid JSON), others as JSON.
        data = body if isinstance(body, str) else json.dumps(_fill(body, ctx["fmt"]))
        r = client.client.generic(method.upper(), url, data, content_type="application/json",
                                  headers=headers)
    assert r.status_code == status, r.content
    payload = r.json()
    assert set(payload) == {"error"} and payload["error"]["message"]
    assert payload["error"]["code"] == code
    assert db_state() == before
