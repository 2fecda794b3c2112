"""The merchant console through Django's test client: access, tenancy (another
merchant's ids are 404), and the writes going through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.accounts.models import ApiToken
from o2o.catalog.models import ProductStatus
from o2o.merchants.models import StaffMember
from tests import factories
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db

PAGES = ["/console/", "/console/products/", "/console/services/", "/console/orders/",
         "/console/orders/?status=all", "/console/after-sales/", "/console/redemptions/",
         "/console/tokens/"]
OWNER_PAGES = ["/console/money/", "/console/staff/"]


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_visitors_go_to_login_and_customers_are_refused(client):
    r = client.get("/console/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")
    c = _client(factories.user())
    for path in PAGES + OWNER_PAGES:
        assert c.get(path).status_code == 403, path


def test_every_page_renders_for_the_owner_and_staff_see_what_their_role_allows():
    w = vb.world()
    owner, staff = _client(w.owner), _client(w.staff)
    for path in PAGES + OWNER_PAGES:
        assert owner.get(path).status_code == 200, path
    for path in PAGES:
        assert staff.get(path).status_code == 200, path
    for path in OWNER_PAGES:
        assert staff.get(path).status_code == 403, path


def test_another_merchants_ids_are_404():
    w = vb.world()
    goods = factories.product(w.rival)
    slot_product, slot = vb.slot_service(w.rival, w.rival_store)
    order = vb.buy(factories.user(), vb.service(w.rival))
    c = _client(w.staff)
    owner = _client(w.owner)
    sku = goods.skus.get()
    for path in [f"/console/products/{goods.public_id}/", f"/console/services/{slot_product.public_id}/slots/",
                 f"/console/orders/{order.public_id}/", "/console/products/prd_nope/",
                 "/console/orders/garbage/"]:
        assert c.get(path).status_code == 404, path
        assert owner.get(path).status_code == 404, path
    for path in [f"/console/products/{goods.public_id}/publish/",
                 f"/console/products/{goods.public_id}/skus/{sku.public_id}/price/",
                 f"/console/services/{slot_product.public_id}/slots/{slot.public_id}/",
                 f"/console/orders/{order.public_id}/ship/", "/console/after-sales/ret_nope/",
                 "/console/tokens/tok_nope/revoke/"]:
        assert owner.post(path, {"price": "1", "publish": "0", "closed": "1"}).status_code == 404, path
    goods.refresh_from_db()
    assert goods.status == ProductStatus.PUBLISHED and sku.price_fen == goods.skus.get().price_fen


def test_owner_edits_price_and_unpublishes_through_the_services():
    w = vb.world()
    p = factories.product(w.merchant, price_fen=9900)
    sku = p.skus.get()
    c = _client(w.owner)
    assert c.post(f"/console/products/{p.public_id}/skus/{sku.public_id}/price/", {"price": "12.50"}).status_code == 302
    sku.refresh_from_db()
    assert sku.price_fen == 1250
    c.post(f"/console/products/{p.public_id}/skus/{sku.public_id}/price/", {"price": "1.234"})
    sku.refresh_from_db()
    assert sku.price_fen == 1250  # refused: more than two decimals
    c.post(f"/console/products/{p.public_id}/publish/", {"publish": "0"})
    p.refresh_from_db()
    assert p.status == ProductStatus.UNPUBLISHED
    # Staff may read the product but not change it.
    staff = _client(w.staff)
    assert staff.get(f"/console/products/{p.public_id}/").status_code == 200
    assert staff.post(f"/console/products/{p.public_id}/publish/", {"publish": "1"}).status_code == 403


def test_slot_view_shows_booked_over_capacity():
    w = vb.world()
    product, slot = vb.slot_service(w.merchant, w.store, capacity=4)
    vb.buy(w.customer, product, slot=slot)
    day = slot.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date()
    body = _client(w.owner).get(f"/console/services/{product.public_id}/slots/?day={day}").content.decode()
    assert "1 / 4" in body


def test_tokens_are_shown_once_and_revoked():
    w = vb.world()
    c = _client(w.staff)
    c.post("/console/tokens/create/", {"name": "pos"})
    first = c.get("/console/tokens/").content.decode()
    token = ApiToken.objects.get(user=w.staff, name="pos")
    assert token.prefix in first and 'id="tk-secret"' in first
    assert 'id="tk-secret"' not in c.get("/console/tokens/").content.decode()
    c.post(f"/console/tokens/{token.public_id}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_owner_adds_staff_bound_to_a_store():
    w = vb.world()
    c = _client(w.owner)
    c.post("/console/staff/add/", {"username": "newbie", "password": "s3cret-pass-123",
                                   "stores": [w.other_store.public_id]})
    member = StaffMember.objects.get(user__username="newbie")
    assert member.merchant == w.merchant and list(member.stores.all()) == [w.other_store]
