from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from o2o.accounts.models import Role
from o2o.core.models import OutboxEvent
from o2o.merchants import services
from o2o.merchants.models import Merchant, Store
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(factories.user(Role.OPERATOR))
    return client


@pytest.mark.parametrize("model", [
    "accounts/user", "accounts/apitoken", "merchants/merchant", "merchants/store",
    "merchants/staffmember", "merchants/staffinvitation", "core/outboxevent", "core/periodicrun",
    "core/idempotencyrecord",
])
def test_changelists_with_search_and_filters(admin_client, model):
    m = factories.merchant("Searchable Noodles")
    factories.staff(m, [factories.store(m)])
    services.create_invitation(m, m.owner, label="Searchable invitee")
    factories.token_for(m.owner)
    url = f"/admin/{model}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Searchable"}).status_code == 200


def test_filters_by_role_and_status(admin_client):
    owner = factories.merchant("Pending Place", status="pending").owner
    r = admin_client.get("/admin/accounts/user/", {"role__exact": "merchant_owner"})
    assert owner.username in r.content.decode()
    r = admin_client.get("/admin/merchants/merchant/", {"status__exact": "pending"})
    assert "Pending Place" in r.content.decode()


def test_approve_and_suspend_actions_use_the_services(admin_client):
    pending = factories.merchant(status="pending")
    active = factories.merchant()
    url = reverse("admin:merchants_merchant_changelist")
    r = admin_client.post(url, {"action": "approve", "_selected_action": [pending.pk, active.pk]})
    assert r.status_code == 302
    pending.refresh_from_db()
    active.refresh_from_db()
    assert (pending.status, active.status) == ("active", "active")  # the illegal one is skipped
    assert OutboxEvent.objects.filter(merchant_id=pending.public_id,
                                      event_type="merchant.approved").count() == 1
    admin_client.post(url, {"action": "suspend", "_selected_action": [active.pk]})
    active.refresh_from_db()
    assert active.status == "suspended" and active.status_reason
    assert OutboxEvent.objects.filter(merchant_id=active.public_id,
                                      event_type="merchant.suspended").exists()


def test_store_edit_in_admin_goes_through_the_service(admin_client):
    m = factories.merchant()
    s = factories.store(m)
    url = reverse("admin:merchants_store_change", args=[s.pk])
    form = {"name": "Renamed", "name_en": "", "address": s.address, "city": s.city, "phone": "",
            "latitude": "39.900000", "longitude": "116.400000", "time_zone": "Asia/Shanghai",
            "opening_hours": '{"mon": [["10:00", "22:00"]]}', "is_active": "on"}
    cell = s.h3_cell
    r = admin_client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    s.refresh_from_db()
    assert s.name == "Renamed" and s.h3_cell != cell
    assert OutboxEvent.objects.filter(aggregate_id=s.public_id, event_type="store.updated").exists()
    r = admin_client.post(url, {**form, "opening_hours": '{"mon": [["25:00", "26:00"]]}'})
    assert r.status_code == 200  # the form shows the error
    s.refresh_from_db()
    assert s.opening_hours == {"mon": [["10:00", "22:00"]]}
    assert Store.objects.count() == 1 and Merchant.objects.count() == 1


def test_tokens_are_read_only_in_admin(admin_client):
    user = factories.user()
    secret = factories.token_for(user)
    token = user.api_tokens.get()
    r = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert r.status_code == 200 and secret not in r.content.decode()
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_an_invitation_shows_without_its_code(admin_client):
    m = factories.merchant()
    invitation, code = services.create_invitation(m, m.owner, label="Front desk")
    r = admin_client.get(reverse("admin:merchants_staffinvitation_change", args=[invitation.pk]))
    page = r.content.decode()
    assert r.status_code == 200 and "Front desk" in page
    assert code not in page and invitation.code_digest not in page
