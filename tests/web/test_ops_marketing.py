"""The operators' coupon spend page through Django's test client: only operators get in;
platform-funded templates show their claims, uses, the platform's spend on paid orders
and the budget cap; the cap is set through marketing.manage and claims stop at it; a
platform coupon is created there; a refused form writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.core.errors import Conflict
from o2o.marketing import services as marketing
from o2o.marketing.models import CouponTemplate, TemplateStatus
from o2o.orders import services as orders
from tests import factories
from tests.marketing import builders as mb
from tests.orders import builders as ob

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _row(page: str, template: CouponTemplate) -> str:
    row = page.split(f'data-template="{template.public_id}"', 1)[1]
    return row[:row.index("</tr>")]


def test_only_operators_get_in():
    t = mb.template(None)
    assert Client().get("/ops/marketing/").status_code == 302
    customer = _client(factories.user())
    assert customer.get("/ops/marketing/").status_code == 403
    assert customer.post(f"/ops/marketing/coupons/{t.public_id}/budget/", {"budget_cap": "1"}).status_code == 403
    owner = _client(factories.merchant().owner)
    assert owner.post(f"/ops/marketing/coupons/{t.public_id}/stop/").status_code == 403
    t.refresh_from_db()
    assert t.budget_cap_fen is None and t.status == TemplateStatus.ACTIVE


def test_platform_spend_per_template_comes_from_paid_orders_only():
    m = factories.merchant()
    sku = ob.goods(m, price_fen=3000)
    platform = mb.template(None, amount_off_fen=500, threshold_fen=0)
    merchant_only = mb.template(m)  # the merchant pays it: not the platform's spend
    customer = factories.user()
    coupon = marketing.claim(customer, platform.public_id)
    (order,) = orders.place_orders(customer, [orders.Item(sku.public_id, 1)], shipping_address=ob.ADDRESS,
                                   coupons=[coupon.public_id])
    op = _client(factories.operator())
    page = op.get("/ops/marketing/").content.decode()
    assert f'data-template="{merchant_only.public_id}"' not in page
    assert 'class="ops-spend">¥0.00<' in _row(page, platform)  # reserved, unpaid: no spend yet
    orders.record_payment(order.public_id, "txn-ops-mkt", order.total_fen)
    page = op.get("/ops/marketing/").content.decode()
    row = _row(page, platform)
    assert 'class="ops-spend">¥5.00<' in row and "1 / 100" in row
    assert 'id="platform-spend">¥5.00<' in page


def test_the_budget_cap_is_set_here_and_claims_stop_at_it():
    t = mb.template(None, amount_off_fen=500, threshold_fen=0)
    op = _client(factories.operator())
    r = op.post(f"/ops/marketing/coupons/{t.public_id}/budget/", {"budget_cap": "10"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.budget_cap_fen == 1000
    marketing.claim(factories.user(), t.public_id)
    marketing.claim(factories.user(), t.public_id)
    with pytest.raises(Conflict) as refused:
        marketing.claim(factories.user(), t.public_id)
    assert refused.value.code == "budget_exhausted"
    assert "¥10.00" in _row(op.get("/ops/marketing/").content.decode(), t)
    # A negative cap is refused by the service; nothing changes.
    r = op.post(f"/ops/marketing/coupons/{t.public_id}/budget/", {"budget_cap": "-1"}, follow=True)
    t.refresh_from_db()
    assert t.budget_cap_fen == 1000 and len(list(r.context["messages"])) == 1
    # Not a number: the form says so, 422, nothing changes.
    assert op.post(f"/ops/marketing/coupons/{t.public_id}/budget/", {"budget_cap": "lots"}).status_code == 422
    assert op.post("/ops/marketing/coupons/ctp_nope/budget/", {"budget_cap": "1"}).status_code == 404


def test_a_merchants_own_template_is_not_the_platforms_to_touch():
    t = mb.template(factories.merchant())
    op = _client(factories.operator())
    assert op.post(f"/ops/marketing/coupons/{t.public_id}/pause/").status_code == 404
    assert op.post(f"/ops/marketing/coupons/{t.public_id}/budget/", {"budget_cap": "1"}).status_code == 404
    t.refresh_from_db()
    assert t.status == TemplateStatus.ACTIVE and t.budget_cap_fen is None


def test_operators_create_pause_and_stop_a_platform_coupon():
    op = _client(factories.operator())
    form = {"title": "平台无门槛券", "kind": "amount", "amount_off": "5", "threshold": "0", "product_scope": "all",
            "valid_days": "7", "total_quantity": "1000", "per_customer_limit": "1", "budget_cap": "2000"}
    assert op.post("/ops/marketing/coupons/", form).status_code == 302
    t = CouponTemplate.objects.get(title="平台无门槛券")
    assert t.merchant is None and t.merchant_share_bp == 0 and t.budget_cap_fen == 200_000
    assert op.post(f"/ops/marketing/coupons/{t.public_id}/pause/").status_code == 302
    assert op.post(f"/ops/marketing/coupons/{t.public_id}/stop/").status_code == 302
    t.refresh_from_db()
    assert t.status == TemplateStatus.STOPPED
    # A threshold below the amount off is refused, nothing written.
    r = op.post("/ops/marketing/coupons/", {**form, "title": "坏券", "threshold": "3"})
    assert r.status_code == 422 and not CouponTemplate.objects.filter(title="坏券").exists()
