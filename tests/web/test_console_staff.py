"""The owner's staff page and the /join/ page through Django's test client: the code is
shown once, invitations are withdrawn, work accounts need a new name and a password,
and a signed-in person accepts by link without losing their customer side."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from o2o.accounts.models import Role, User
from o2o.merchants import services
from o2o.merchants.models import StaffInvitation, StaffMember
from tests import factories
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db

CODE = re.compile(r'id="inv-code" readonly value="([0-9A-Z-]+)"')


def _client(user, language: str = "en") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return c


def test_owner_invites_sees_the_link_once_and_withdraws():
    w = vb.world()
    c = _client(w.owner)
    r = c.post("/console/staff/invite/", {"label": "Lin", "days": "3",
                                          "stores": [w.store.public_id]})
    assert r.status_code == 302
    page = c.get("/console/staff/")
    assert page["Referrer-Policy"] == "same-origin"
    html = page.content.decode()
    code = CODE.search(html).group(1)
    assert f"/join/?code={code}" in html and "Lin" in html
    assert code not in c.get("/console/staff/").content.decode()  # shown once
    invitation = StaffInvitation.objects.get(merchant=w.merchant)
    assert [s.pk for s in invitation.stores.all()] == [w.store.pk]
    assert (invitation.expires_at - invitation.created_at).days == 3
    c.post(f"/console/staff/invitations/{invitation.public_id}/revoke/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_staff_page_is_the_owners_and_scoped_to_the_merchant():
    w = vb.world()
    other = factories.merchant()
    theirs, _code = services.create_invitation(other, other.owner)
    assert _client(w.staff).get("/console/staff/").status_code == 403
    assert _client(w.staff).post("/console/staff/invite/").status_code == 403
    assert _client(factories.user()).post("/console/staff/invite/").status_code == 403
    c = _client(w.owner)
    assert c.post(f"/console/staff/invitations/{theirs.public_id}/revoke/").status_code == 404
    other_member = StaffMember.objects.get(user=other.owner)
    assert c.post(f"/console/staff/{other_member.public_id}/remove/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and other_member.is_active


def test_work_accounts_need_a_new_name_and_a_password():
    w = vb.world()
    bob = factories.user(username="bob")
    c = _client(w.owner)
    r = c.post("/console/staff/add/", {"username": "bob"}, follow=True)
    assert "Enter a password for the new account." in r.content.decode()
    r = c.post("/console/staff/add/", {"username": "bob", "password": "s3cret-pass-123"}, follow=True)
    assert "This username is taken." in r.content.decode()
    bob.refresh_from_db()
    assert bob.role == Role.CUSTOMER and not StaffMember.objects.filter(user=bob).exists()
    c.post("/console/staff/add/", {"username": "counter-2", "password": "s3cret-pass-123"})
    member = StaffMember.objects.get(user__username="counter-2")
    assert member.merchant == w.merchant and member.user.role == Role.MERCHANT_STAFF
    c.post(f"/console/staff/{member.public_id}/remove/")
    assert not User.objects.get(username="counter-2").is_active


def test_join_asks_first_then_accepts_and_the_customer_side_stays():
    w = vb.world()
    _invitation, code = services.create_invitation(w.merchant, w.owner, stores=[w.store.public_id])
    anon = Client()
    r = anon.get(f"/join/?code={code}")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")
    lin = factories.user(username="lin")
    c = _client(lin)
    page = c.get(f"/join/?code={code}")
    assert page.status_code == 200 and w.merchant.name in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    assert not StaffMember.objects.filter(user=lin).exists()  # a GET never accepts
    r = c.post("/join/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/counter/"
    member = StaffMember.objects.get(user=lin)
    assert member.merchant == w.merchant and list(member.stores.all()) == [w.store]
    assert c.get("/counter/").status_code == 200
    assert c.get("/orders/").status_code == 200 and c.get("/vouchers/").status_code == 200
    lin.refresh_from_db()
    assert lin.role == Role.CUSTOMER
    # The link is used up.
    again = _client(factories.user()).post("/join/", {"code": code})
    assert again.status_code == 409 and "already used" in again.content.decode()


def test_join_explains_bad_codes():
    w = vb.world()
    person = factories.user()
    c = _client(person)
    r = c.get("/join/?code=NOT-A-CODE")
    assert r.status_code == 404 and "No invitation has this code" in r.content.decode()
    invitation, code = services.create_invitation(w.merchant, w.owner)
    services.revoke_invitation(w.merchant, invitation.public_id)
    r = c.get(f"/join/?code={code}")
    assert "withdrawn" in r.content.decode()
    r = c.post("/join/", {"code": code})
    assert r.status_code == 409 and not StaffMember.objects.filter(user=person).exists()


def test_staff_pages_and_refusals_speak_chinese_by_default(api_as):
    w = vb.world()
    _invitation, code = services.create_invitation(w.merchant, w.owner)
    staff_page = _client(w.owner, "zh-hans").get("/console/staff/").content.decode()
    assert "邀请员工" in staff_page and "创建工作账号" in staff_page
    c = _client(factories.user(), "zh-hans")
    assert "接受邀请" in c.get(f"/join/?code={code}").content.decode()
    c.post("/join/", {"code": code})
    r = _client(factories.user(), "zh-hans").post("/join/", {"code": code})
    assert "该邀请已被使用。" in r.content.decode()
    r = api_as(factories.user()).post("/staff/invitations/accept", {"code": code},
                                      headers={"Accept-Language": "zh-hans"})
    assert r.json()["error"] == {"code": "invitation_used", "message": "该邀请已被使用"}
