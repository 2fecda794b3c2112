"""Staff join by invitation (or as a new work account), never by taking over an account.

The owner invites; the person accepts while signed in to their own account and keeps
their customer side. Invitations are single use, expire, can be withdrawn, and are
scoped to their merchant like every other merchant row."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from o2o.accounts import services as accounts
from o2o.accounts.models import Role, User
from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.merchants import access, services
from o2o.merchants.models import StaffInvitation, StaffMember
from tests import factories
from tests.merchants.conftest import db_state
from tests.orders import builders as b

pytestmark = pytest.mark.django_db


def _invite(api, **body) -> dict:
    r = api.post("/merchant/staff/invitations", body)
    assert r.status_code == 201, r.json()
    return r.json()


def test_the_old_takeover_call_is_refused_and_reveals_nothing(tenants, api_as):
    """POST /merchant/staff {"username": "bob"} used to make Bob staff (his orders then
    403, his name overwritten) and answered differently for unknown names."""
    a, _b = tenants
    bob = factories.user(username="bob")
    owner = api_as(a.owner)
    before = db_state()
    known = owner.post("/merchant/staff", {"username": "bob", "display_name": "Mine now"})
    unknown = owner.post("/merchant/staff", {"username": "no-such-person", "display_name": "Mine now"})
    assert known.status_code == unknown.status_code == 422
    assert known.json() == unknown.json()
    assert db_state() == before
    bob.refresh_from_db()
    assert (bob.role, bob.display_name) == (Role.CUSTOMER, "bob")
    assert not StaffMember.objects.filter(user=bob).exists()
    assert api_as(bob).get("/me").json()["merchant_id"] is None


def test_a_customer_who_becomes_staff_keeps_the_customer_side(tenants, api_as):
    a, _b = tenants
    sku = b.goods(factories.merchant("Tea shop"))
    lin = factories.user(username="lin")
    me = api_as(lin)
    r = me.post("/orders", {"lines": [{"sku": sku.public_id}], "shipping_address": b.ADDRESS})
    assert r.status_code == 201, r.json()
    order_id = r.json()["orders"][0]["id"]

    created = _invite(api_as(a.owner), label="Lin, weekends", store_ids=[a.store.public_id])
    assert created["state"] == "pending" and created["code"] in created["accept_url"]
    r = me.post("/staff/invitations/accept", {"code": created["code"]})
    assert r.status_code == 201, r.json()
    staff = r.json()
    assert (staff["merchant_id"], staff["role"], staff["work_account"], staff["store_ids"]) == (
        a.merchant.public_id, "staff", False, [a.store.public_id])

    lin.refresh_from_db()
    assert (lin.role, lin.display_name, lin.is_active) == (Role.CUSTOMER, "lin", True)
    profile = me.get("/me").json()
    assert (profile["role"], profile["merchant_id"], profile["merchant_role"]) == (
        "customer", a.merchant.public_id, "staff")
    # Still a customer: own orders, cart and vouchers.
    assert me.get(f"/orders/{order_id}").status_code == 200
    assert [o["id"] for o in me.get("/orders").json()["results"]] == [order_id]
    assert me.post("/cart/lines", {"sku": sku.public_id}).status_code == 201
    assert me.get("/vouchers").status_code == 200
    # And staff of merchant A, at the invited store only.
    assert me.get("/merchant/stores").status_code == 200
    assert access.may_act_at(lin, a.store) and not access.may_act_at(lin, a.other_store)
    listed = api_as(a.owner).get("/merchant/staff/invitations").json()["results"]
    assert [(i["id"], i["state"], i["accepted_username"]) for i in listed] == [
        (created["id"], "accepted", "lin")]
    assert "code" not in listed[0]


def test_removing_an_invited_person_leaves_their_account(tenants, api_as):
    a, _b = tenants
    lin = factories.user(username="lin")
    _inv, code = services.create_invitation(a.merchant, a.owner)
    member = services.accept_invitation(lin, code)
    r = api_as(a.owner).delete(f"/merchant/staff/{member.public_id}")
    assert r.status_code == 200 and r.json()["is_active"] is False
    lin.refresh_from_db()
    assert (lin.role, lin.is_active) == (Role.CUSTOMER, True)
    me = api_as(lin)
    assert me.get("/merchant/stores").json()["error"]["code"] == "merchant_role_required"
    assert me.get("/orders").status_code == 200
    # Removed, they may be invited again (by any merchant): the one membership row is reused.
    _inv, code = services.create_invitation(_b.merchant, _b.owner)
    again = services.accept_invitation(lin, code)
    assert again.pk == member.pk and again.merchant_id == _b.merchant.pk and again.is_active


def test_invitations_are_single_use_expire_and_can_be_withdrawn(tenants, api_as):
    a, _b = tenants
    owner = api_as(a.owner)
    first, second = factories.user(), factories.user()

    used = _invite(owner)
    assert api_as(first).post("/staff/invitations/accept", {"code": used["code"]}).status_code == 201
    for who in (first, second):
        r = api_as(who).post("/staff/invitations/accept", {"code": used["code"]})
        assert r.status_code == 409 and r.json()["error"]["code"] == "invitation_used"
    r = owner.delete(f"/merchant/staff/invitations/{used['id']}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invitation_used"

    withdrawn = _invite(owner)
    for _ in range(2):  # idempotent
        r = owner.delete(f"/merchant/staff/invitations/{withdrawn['id']}")
        assert r.status_code == 200 and r.json()["state"] == "revoked"
    r = api_as(second).post("/staff/invitations/accept", {"code": withdrawn["code"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invitation_revoked"

    short = _invite(owner, expires_in_hours=1)
    clock.advance(dt.timedelta(hours=1, seconds=1))
    r = api_as(second).post("/staff/invitations/accept", {"code": short["code"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invitation_expired"
    states = {i["id"]: i["state"] for i in owner.get("/merchant/staff/invitations").json()["results"]}
    assert states == {used["id"]: "accepted", withdrawn["id"]: "revoked", short["id"]: "expired"}
    assert not StaffMember.objects.filter(user=second).exists()
    kinds = list(OutboxEvent.objects.filter(merchant_id=a.merchant.public_id,
                                            event_type__startswith="staff.invit")
                 .values_list("event_type", flat=True))
    assert sorted(kinds) == ["staff.invitation_accepted", "staff.invitation_revoked",
                             "staff.invited", "staff.invited", "staff.invited"]


def test_the_code_is_forgiving_to_type_and_only_its_digest_is_stored(tenants):
    a, _b = tenants
    invitation, code = services.create_invitation(a.merchant, a.owner)
    assert len(code) == 29 and code.count("-") == 5
    assert code.replace("-", "") not in StaffInvitation.objects.get(pk=invitation.pk).code_digest
    typed = " " + code.lower().replace("-", " ").replace("1", "l").replace("0", "o") + " "
    member = services.accept_invitation(factories.user(), typed)
    assert member.merchant_id == a.merchant.pk


def test_who_may_not_accept(tenants, api_as):
    a, b_ = tenants
    created = _invite(api_as(a.owner))
    refusals = [(b_.owner, 409, "already_member"),  # works for merchant B
                (b_.staff_user, 409, "already_member"),  # a work account of merchant B
                (a.owner, 409, "already_member"),
                (factories.operator(), 403, "customer_role_required")]
    for user, status, code in refusals:
        client = api_as(user)
        before = db_state()
        r = client.post("/staff/invitations/accept", {"code": created["code"]})
        assert (r.status_code, r.json()["error"]["code"]) == (status, code)
        assert db_state() == before  # the invitation is still unused
    assert api_as(factories.user()).post("/staff/invitations/accept",
                                         {"code": created["code"]}).status_code == 201


def test_invitations_are_tenant_scoped_and_owner_only(tenants, api_as):
    a, b_ = tenants
    a_inv = _invite(api_as(a.owner))
    b_owner = api_as(b_.owner)
    r = b_owner.delete(f"/merchant/staff/invitations/{a_inv['id']}")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "invitation_not_found")
    # A's staff: another merchant's id is 404 before the owner check, their own is 403.
    r = api_as(b_.staff_user).delete(f"/merchant/staff/invitations/{a_inv['id']}")
    assert r.status_code == 404
    r = api_as(a.staff_user).delete(f"/merchant/staff/invitations/{a_inv['id']}")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "owner_role_required")
    for method, path in (("get", "/merchant/staff/invitations"),
                         ("post", "/merchant/staff/invitations")):
        r = getattr(api_as(a.staff_user), method)(path)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "owner_role_required")
        r = getattr(api_as(factories.user()), method)(path)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "merchant_role_required")
    assert b_owner.get("/merchant/staff/invitations").json()["results"] == []
    r = b_owner.post("/merchant/staff/invitations", {"store_ids": [a.store.public_id]})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "store_not_found")
    assert StaffInvitation.objects.get(public_id=a_inv["id"]).revoked_at is None


def test_new_work_accounts_get_a_new_name_only(tenants, api_as):
    a, _b = tenants
    owner = api_as(a.owner)
    r = owner.post("/merchant/staff", {"username": "counter-1", "password": "a-long-password",
                                       "display_name": "Counter one"})
    assert r.status_code == 201 and r.json()["work_account"] is True
    work = User.objects.get(username="counter-1")
    assert (work.role, work.display_name) == (Role.MERCHANT_STAFF, "Counter one")
    sku = b.goods(factories.merchant("Tea shop"))
    r = api_as(work).post("/orders", {"lines": [{"sku": sku.public_id}], "shipping_address": b.ADDRESS})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "customer_role_required")
    r = owner.post("/merchant/staff", {"username": "counter-1", "password": "a-long-password"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "username_taken")


def test_the_migration_gives_taken_over_customers_their_role_back():
    migration = import_module("o2o.merchants.migrations.0003_staff_invitations")
    taken = factories.user(username="taken")
    accounts.set_role(taken, Role.MERCHANT_STAFF)  # what the old attach-by-username did
    m = factories.merchant()
    work = services.add_staff(m, "work-1", "a-long-password").user
    migration.restore_taken_over_customers(apps, None)
    taken.refresh_from_db()
    work.refresh_from_db()
    assert (taken.role, work.role) == (Role.CUSTOMER, Role.MERCHANT_STAFF)
