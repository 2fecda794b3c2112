from __future__ import annotations

import datetime as dt

import pytest

from o2o.accounts.models import Role, User
from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.merchants.models import Merchant, StaffMember
from tests import factories

pytestmark = pytest.mark.django_db


def test_apply_review_and_public_visibility(api_as, anon):
    applicant = factories.user()
    client = api_as(applicant)
    r = client.post("/merchant/apply", {"name": "Hotpot King", "business_type": "food"})
    assert r.status_code == 201, r.json()
    body = r.json()
    mid = body["id"]
    assert body["status"] == "pending" and mid.startswith("mer_")
    assert User.objects.get(pk=applicant.pk).role == Role.MERCHANT_OWNER
    assert client.get("/merchant").json()["id"] == mid
    assert anon.get(f"/merchants/{mid}").status_code == 404  # pending: not public yet

    operator = api_as(factories.operator())
    pending = operator.get("/operator/merchants", {"status": "pending"}).json()["results"]
    assert [m["id"] for m in pending] == [mid]
    assert pending[0]["owner_username"] == applicant.username
    r = operator.post(f"/operator/merchants/{mid}/reject", {"reason": "blurry licence photo"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert client.get("/merchant").json()["status_reason"] == "blurry licence photo"

    r = client.post("/merchant/apply", {"name": "Hotpot King", "description": "clear photo"})
    assert r.status_code == 201 and r.json()["id"] == mid and r.json()["status"] == "pending"
    assert operator.post(f"/operator/merchants/{mid}/approve").json()["status"] == "active"
    assert anon.get(f"/merchants/{mid}").json()["name"] == "Hotpot King"

    store = client.post("/merchant/stores", {"name": "Futian", "address": "福田路 1 号",
                                             "latitude": 22.54, "longitude": 114.05}).json()
    assert anon.get(f"/stores/{store['id']}").status_code == 200

    assert operator.post(f"/operator/merchants/{mid}/suspend", {"reason": "complaints"}).status_code == 200
    assert anon.get(f"/merchants/{mid}").status_code == 404
    assert anon.get(f"/stores/{store['id']}").status_code == 404
    assert anon.get(f"/merchants/{mid}/stores").status_code == 404
    assert mid not in [m["id"] for m in anon.get("/merchants").json()["results"]]
    assert client.get("/merchant").status_code == 200  # the owner still sees their own data
    assert operator.post(f"/operator/merchants/{mid}/reinstate").json()["status"] == "active"
    assert anon.get(f"/stores/{store['id']}").status_code == 200

    events = list(OutboxEvent.objects.filter(merchant_id=mid).order_by("id")
                  .values_list("event_type", flat=True))
    assert events == ["merchant.applied", "merchant.rejected", "merchant.applied",
                      "merchant.approved", "store.created", "merchant.suspended",
                      "merchant.reinstated"]
    rejected = OutboxEvent.objects.get(merchant_id=mid, event_type="merchant.rejected")
    assert rejected.payload["reason"] == "blurry licence photo"


def test_illegal_transition_via_api_is_409(api_as):
    m = factories.merchant()
    r = api_as(factories.operator()).post(f"/operator/merchants/{m.public_id}/approve")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"


def test_apply_twice_is_409(api_as):
    client = api_as(factories.user())
    assert client.post("/merchant/apply", {"name": "One"}).status_code == 201
    r = client.post("/merchant/apply", {"name": "Two"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_member"
    assert Merchant.objects.count() == 1


def test_public_listing_search_and_pagination(anon):
    active = [factories.merchant(f"Tea House {i}") for i in range(3)]
    factories.merchant("Tea Pending", status="pending")
    factories.merchant("Tea Suspended", status="suspended")
    factories.merchant("Coffee Corner")
    r = anon.get("/merchants", {"q": "tea", "page_size": 2})
    assert r.status_code == 200
    first = r.json()
    assert len(first["results"]) == 2 and first["next"]
    second = anon.client.get(first["next"]).json()
    ids = [m["id"] for m in first["results"] + second["results"]]
    assert sorted(ids) == sorted(m.public_id for m in active)
    assert all("status" not in m for m in first["results"])


def test_store_output_shape(anon):
    m = factories.merchant()
    s = factories.store(m, lat="22.533123", lng="113.930456", time_zone="Asia/Shanghai",
                        opening_hours={d: [["00:00", "24:00"]] for d in
                                       ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    closed = factories.store(m)
    listed = anon.get(f"/merchants/{m.public_id}/stores").json()["results"]
    assert {x["id"] for x in listed} >= {s.public_id, closed.public_id}
    body = anon.get(f"/stores/{s.public_id}").json()
    assert body["id"] == s.public_id and body["merchant_id"] == m.public_id
    assert body["latitude"] == pytest.approx(22.533123) and isinstance(body["latitude"], float)
    assert body["is_open_now"] is True
    assert anon.get(f"/stores/{closed.public_id}").json()["is_open_now"] is False
    assert "is_active" not in body and isinstance(body["id"], str)


def test_deactivated_store_is_hidden_from_the_public(api_as, anon):
    m = factories.merchant()
    s = factories.store(m)
    owner = api_as(m.owner)
    r = owner.delete(f"/merchant/stores/{s.public_id}")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert anon.get(f"/stores/{s.public_id}").status_code == 404
    assert owner.get(f"/merchant/stores/{s.public_id}").status_code == 200
    r = owner.patch(f"/merchant/stores/{s.public_id}", {"is_active": True})
    assert r.json()["is_active"] is True
    assert anon.get(f"/stores/{s.public_id}").status_code == 200


def test_owner_manages_stores_and_staff(api_as):
    m = factories.merchant()
    owner = api_as(m.owner)
    r = owner.post("/merchant/stores", {
        "name": "Nanshan", "address": "科技园", "latitude": 22.53, "longitude": 113.93,
        "time_zone": "Asia/Shanghai", "opening_hours": {"mon": [["10:00", "22:00"]]}})
    assert r.status_code == 201, r.json()
    sid = r.json()["id"]
    r = owner.patch(f"/merchant/stores/{sid}", {"name": "Nanshan 2", "opening_hours": {}})
    assert r.status_code == 200 and r.json()["name"] == "Nanshan 2" and r.json()["opening_hours"] == {}
    r = owner.post("/merchant/staff", {"username": "cashier1", "password": "cashier-pass-123",
                                       "store_ids": [sid]})
    assert r.status_code == 201, r.json()
    staff = r.json()
    assert staff["store_ids"] == [sid] and staff["role"] == "staff" and staff["id"].startswith("stf_")
    cashier = api_as(User.objects.get(username="cashier1"))
    me = cashier.get("/me").json()
    assert me["merchant_id"] == m.public_id and me["store_ids"] == [sid]
    assert cashier.get("/merchant/stores").status_code == 200
    r = owner.patch(f"/merchant/staff/{staff['id']}", {"store_ids": []})
    assert r.json()["store_ids"] == []
    listed = owner.get("/merchant/staff").json()["results"]
    assert {x["role"] for x in listed} == {"owner", "staff"}
    r = owner.delete(f"/merchant/staff/{staff['id']}")
    assert r.status_code == 200 and r.json()["is_active"] is False
    # A work account ends with its membership: its token stops working.
    assert cashier.get("/merchant/stores").status_code == 401
    assert not StaffMember.objects.get(public_id=staff["id"]).is_active


def test_owner_updates_profile_staff_cannot(api_as):
    m = factories.merchant()
    staff_user = factories.staff(m)
    r = api_as(m.owner).patch("/merchant", {"description": "Since 1999"})
    assert r.status_code == 200 and r.json()["description"] == "Since 1999"
    r = api_as(staff_user).patch("/merchant", {"description": "hacked"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "owner_role_required"
    assert api_as(staff_user).get("/merchant").json()["description"] == "Since 1999"


def test_store_times_follow_the_clock(anon):
    m = factories.merchant()
    s = factories.store(m, time_zone="Asia/Shanghai", opening_hours={"mon": [["10:00", "11:00"]]})
    monday_1030 = dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai
    with clock.frozen(monday_1030):
        assert anon.get(f"/stores/{s.public_id}").json()["is_open_now"] is True
    with clock.frozen(monday_1030 + dt.timedelta(hours=1)):
        assert anon.get(f"/stores/{s.public_id}").json()["is_open_now"] is False
