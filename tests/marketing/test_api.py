"""The marketing API: templates (merchant and platform) with their validations,
claims, the coupon centre and the wallet, grants, spend tiers, limited-time prices;
bad input and other tenants' ids answer 4xx JSON and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.catalog.models import ProductKind
from o2o.core import clock
from o2o.marketing.models import Coupon, CouponTemplate, SkuPrice, SpendTier
from tests import factories

pytestmark = pytest.mark.django_db


def _iso(delta: dt.timedelta = dt.timedelta()) -> str:
    return (clock.now() + delta).isoformat()


def _body(**over) -> dict:
    body = {"title": "满100减20", "kind": "amount", "amount_off_fen": 2000, "threshold_fen": 10000,
            "valid_days": 7, "total_quantity": 10}
    body.update(over)
    return body


@pytest.fixture
def shop(api_as):
    m = factories.merchant()
    owner = m.staff.get().user
    return m, api_as(owner)


def _code(r) -> str:
    return r.json()["error"]["code"]


def test_merchant_creates_pauses_resumes_stops(shop, api_as):
    m, owner = shop
    r = owner.post("/merchant/coupon-templates", _body())
    assert r.status_code == 201, r.content
    t = r.json()
    assert (t["merchant_id"], t["merchant_share_bp"], t["status"], t["claimed"]) == (m.public_id, 10000, "active", 0)
    assert t["label"] == "满100减20"  # the default language
    customer = api_as(factories.user())
    assert customer.post("/coupons/claim", {"template": t["id"], "source": "product_page"}).status_code == 201
    assert owner.post(f"/merchant/coupon-templates/{t['id']}/pause").json()["status"] == "paused"
    r = api_as(factories.user()).post("/coupons/claim", {"template": t["id"]})
    assert (r.status_code, _code(r)) == (409, "template_paused")
    assert owner.post(f"/merchant/coupon-templates/{t['id']}/resume").json()["status"] == "active"
    assert owner.post(f"/merchant/coupon-templates/{t['id']}/stop").json()["status"] == "stopped"
    r = owner.post(f"/merchant/coupon-templates/{t['id']}/resume")
    assert (r.status_code, _code(r)) == (409, "invalid_transition")
    listed = owner.get("/merchant/coupon-templates").json()["results"]
    assert [(x["id"], x["claimed"], x["used"]) for x in listed] == [(t["id"], 1, 0)]


@pytest.mark.parametrize(("over", "status", "code"), [
    ({"kind": "percent", "percent_off": 0, "amount_off_fen": 0}, 422, "invalid_percent"),
    ({"kind": "percent", "percent_off": 100, "amount_off_fen": 0}, 422, "invalid_percent"),
    ({"amount_off_fen": -1}, 422, "negative_amount"),
    ({"threshold_fen": -100}, 422, "negative_amount"),
    ({"amount_off_fen": 0}, 422, "invalid_amount"),
    ({"threshold_fen": 1000, "amount_off_fen": 2000}, 422, "threshold_below_amount"),
    ({"valid_days": None, "valid_from": _iso(dt.timedelta(days=2)), "valid_until": _iso()}, 422, "invalid_window"),
    ({"valid_days": None}, 422, "invalid_validity"),
    ({"valid_from": _iso(), "valid_until": _iso(dt.timedelta(days=1))}, 422, "invalid_validity"),
    ({"total_quantity": 0}, 422, "invalid_quantity"),
    ({"per_customer_limit": 0}, 422, "invalid_quantity"),
    ({"merchant_share_bp": 0}, 403, "platform_template_forbidden"),
    ({"merchant_share_bp": 5000}, 403, "platform_template_forbidden"),
    ({"products": ["prd_0000000000000000"]}, 422, "scope_not_found"),
    ({"total_quantity": True}, 422, "validation_error"),
    ({"amount_off_fen": "twenty"}, 422, "validation_error"),
    ({"products": "prd_0000000000000000"}, 422, "validation_error"),
    ({"kind": "cash"}, 422, "validation_error"),
    ({"title": "   "}, 422, "invalid_title"),
    ({"valid_days": None, "valid_from": "2026-01-01T00:00:00", "valid_until": "2026-02-01T00:00:00"},
     422, "validation_error"),  # naive datetimes
])
def test_bad_templates_are_refused_and_nothing_is_written(shop, over, status, code):
    _m, owner = shop
    r = owner.post("/merchant/coupon-templates", _body(**over))
    assert (r.status_code, _code(r)) == (status, code), r.content
    assert CouponTemplate.objects.count() == 0


def test_a_merchant_cannot_scope_another_merchants_products_or_reach_its_templates(shop, api_as):
    m, owner = shop
    other = factories.merchant()
    theirs = factories.product(other)
    r = owner.post("/merchant/coupon-templates", _body(products=[theirs.public_id]))
    assert (r.status_code, _code(r)) == (422, "scope_not_found")
    other_owner = api_as(other.staff.get().user)
    t = other_owner.post("/merchant/coupon-templates", _body()).json()
    for path in (f"/merchant/coupon-templates/{t['id']}",):
        assert owner.get(path).status_code == 404
    for action in ("pause", "stop", "grants"):
        body = {"customers": [factories.user().public_id]} if action == "grants" else None
        r = owner.post(f"/merchant/coupon-templates/{t['id']}/{action}", body)
        assert (r.status_code, _code(r)) == (404, "template_not_found")
    assert owner.patch(f"/merchant/coupon-templates/{t['id']}", {"title": "x"}).status_code == 404
    assert CouponTemplate.objects.get(public_id=t["id"]).status == "active"
    assert not Coupon.objects.exists()


def test_customers_and_staff_cannot_reach_operator_templates(shop, api_as):
    _m, owner = shop
    r = owner.post("/operator/coupon-templates", _body(merchant_share_bp=0))
    assert (r.status_code, _code(r)) == (403, "operator_role_required")
    r = api_as(factories.user()).post("/merchant/coupon-templates", _body())
    assert r.status_code == 403
    assert CouponTemplate.objects.count() == 0


def test_platform_template_budget_cap_stops_claims(api_as):
    op = api_as(factories.operator())
    r = op.post("/operator/coupon-templates", _body(threshold_fen=0, amount_off_fen=500, total_quantity=100,
                                                    budget_cap_fen=1200))
    assert r.status_code == 201, r.content
    t = r.json()
    assert (t["merchant_id"], t["merchant_share_bp"], t["budget_cap_fen"]) == (None, 0, 1200)
    codes = []
    for _ in range(3):
        r = api_as(factories.user()).post("/coupons/claim", {"template": t["id"]})
        codes.append(r.status_code if r.status_code == 201 else _code(r))
    assert codes == [201, 201, "budget_exhausted"]  # 2 x 500 <= 1200 < 3 x 500
    r = op.post("/operator/coupon-templates", _body(kind="percent", percent_off=20, amount_off_fen=0,
                                                    threshold_fen=0, budget_cap_fen=1000))
    assert (r.status_code, _code(r)) == (422, "budget_needs_cap")
    r = op.post("/operator/coupon-templates", _body(merchant_share_bp=3000))
    assert (r.status_code, _code(r)) == (422, "invalid_share")  # no merchant to pay 30 %
    spend = op.get("/operator/marketing/spend").json()
    assert spend == {"platform_funded_fen": 0, "discount_fen": 0}
    assert [x["id"] for x in op.get("/operator/coupon-templates").json()["results"]] == [t["id"]]


def test_operator_co_funds_a_merchant_coupon(api_as):
    m = factories.merchant()
    op = api_as(factories.operator())
    r = op.post("/operator/coupon-templates", _body(merchant=m.public_id, merchant_share_bp=4000))
    assert r.status_code == 201
    assert (r.json()["merchant_id"], r.json()["merchant_share_bp"]) == (m.public_id, 4000)
    r = op.post("/operator/coupon-templates", _body(merchant="mer_0000000000000000"))
    assert (r.status_code, _code(r)) == (404, "merchant_not_found")


def test_coupon_centre_wallet_and_claim_errors(shop, api_as, anon):
    m, owner = shop
    product = factories.product(m, kind=ProductKind.SERVICE)
    goods_only = owner.post("/merchant/coupon-templates", _body(product_scope="goods")).json()
    everything = owner.post("/merchant/coupon-templates", _body(per_customer_limit=2)).json()
    hidden = owner.post("/merchant/coupon-templates", _body(claimable=False)).json()
    centre = anon.get("/coupon-centre", {"product": product.public_id}).json()["results"]
    assert [o["id"] for o in centre] == [everything["id"]]
    assert {o["id"] for o in anon.get("/coupon-centre", {"merchant": m.public_id}).json()["results"]} == {
        goods_only["id"], everything["id"]}
    assert anon.get("/coupon-centre", {"product": "nope"}).json()["results"] == []
    me = factories.user()
    client = api_as(me)
    assert client.post("/coupons/claim", {"template": everything["id"]}).status_code == 201
    assert client.post("/coupons/claim", {"template": everything["id"]}).status_code == 201
    r = client.post("/coupons/claim", {"template": everything["id"]})
    assert (r.status_code, _code(r)) == (409, "claim_limit_reached")
    r = client.post("/coupons/claim", {"template": hidden["id"]})
    assert (r.status_code, _code(r)) == (409, "not_claimable")
    r = client.post("/coupons/claim", {"template": "ctp_0000000000000000"})
    assert (r.status_code, _code(r)) == (404, "template_not_found")
    for bad in ({"template": True}, {"template": 5}, [], {"template": everything["id"], "source": "spam"}):
        r = client.post("/coupons/claim", bad)
        assert (r.status_code, _code(r)) == (422, "validation_error")
    wallet = client.get("/me/coupons", {"status": "available"}).json()["results"]
    assert len(wallet) == 2 and {c["source"] for c in wallet} == {"coupon_centre"}
    assert client.get("/me/coupons", {"status": "used"}).json()["results"] == []
    assert client.get("/me/coupons", {"status": "nope"}).status_code == 422
    r = api_as(factories.operator()).post("/coupons/claim", {"template": everything["id"]})
    assert (r.status_code, _code(r)) == (403, "customer_role_required")
    assert Coupon.objects.filter(customer=me).count() == 2


def test_grants_skip_who_cannot_get_one(shop):
    m, owner = shop
    t = owner.post("/merchant/coupon-templates", _body(total_quantity=2, claimable=False)).json()
    a, b_, c = factories.user(), factories.user(), factories.user()
    r = owner.post(f"/merchant/coupon-templates/{t['id']}/grants",
                   {"customers": [a.public_id, a.public_id, "usr_0000000000000000", b_.public_id, c.public_id]})
    assert r.status_code == 200, r.content
    out = r.json()
    assert len(out["granted"]) == 2
    assert {(s["customer"], s["code"]) for s in out["skipped"]} == {
        ("usr_0000000000000000", "customer_not_found"), (c.public_id, "sold_out")}
    assert set(Coupon.objects.values_list("source", flat=True)) == {"grant"}


def test_spend_tiers_and_sku_prices(shop, api_as):
    m, owner = shop
    window = {"starts_at": _iso(), "ends_at": _iso(dt.timedelta(days=3))}
    r = owner.post("/merchant/spend-tiers", {"threshold_fen": 20000, "amount_off_fen": 3000, **window})
    assert r.status_code == 201 and r.json()["label"] == "满200减30"
    for body, code in [({"threshold_fen": 2000, "amount_off_fen": 3000}, "threshold_below_amount"),
                       ({"threshold_fen": 2000, "amount_off_fen": -1}, "negative_amount"),
                       ({"threshold_fen": 2000, "amount_off_fen": 0}, "invalid_amount"),
                       ({"threshold_fen": 2000, "amount_off_fen": 100, "ends_at": _iso(-dt.timedelta(days=1))},
                        "invalid_window"),
                       ({"threshold_fen": True, "amount_off_fen": 100}, "validation_error")]:
        r = owner.post("/merchant/spend-tiers", {**window, **body})
        assert (r.status_code, _code(r)) == (422, code), body
    assert SpendTier.objects.count() == 1
    tier = r = owner.get("/merchant/spend-tiers").json()["results"][0]
    assert owner.post(f"/merchant/spend-tiers/{tier['id']}/stop").json()["status"] == "stopped"

    sku = factories.product(m, price_fen=5000).skus.get()
    r = owner.post("/merchant/sku-prices", {"sku": sku.public_id, "price_fen": 3900, **window})
    assert r.status_code == 201 and r.json()["list_price_fen"] == 5000
    r = owner.post("/merchant/sku-prices", {"sku": sku.public_id, "price_fen": 3500, **window})
    assert (r.status_code, _code(r)) == (409, "price_overlap")
    r = owner.post("/merchant/sku-prices", {"sku": sku.public_id, "price_fen": 5000, **window})
    assert (r.status_code, _code(r)) == (422, "price_not_lower")
    theirs = factories.product(factories.merchant()).skus.get()
    r = owner.post("/merchant/sku-prices", {"sku": theirs.public_id, "price_fen": 1, **window})
    assert (r.status_code, _code(r)) == (404, "sku_not_found")
    assert SkuPrice.objects.count() == 1
    other_owner = api_as(factories.merchant().staff.get().user)
    price_id = SkuPrice.objects.get().public_id
    assert other_owner.post(f"/merchant/sku-prices/{price_id}/stop").status_code == 404
    assert other_owner.post(f"/merchant/spend-tiers/{tier['id']}/stop").status_code == 404


def test_budget_spent_templates_leave_the_coupon_centre_and_grants_ignore_the_claim_window(api_as, anon):
    op = api_as(factories.operator())
    capped = op.post("/operator/coupon-templates", _body(threshold_fen=0, amount_off_fen=500,
                                                         budget_cap_fen=500)).json()
    closing = op.post("/operator/coupon-templates", _body(
        claimable=False, claim_ends_at=_iso(dt.timedelta(hours=1)))).json()
    assert {o["id"] for o in anon.get("/coupon-centre").json()["results"]} == {capped["id"]}
    assert api_as(factories.user()).post("/coupons/claim", {"template": capped["id"]}).status_code == 201
    assert anon.get("/coupon-centre").json()["results"] == []
    clock.advance(dt.timedelta(hours=2))
    who = factories.user()
    r = op.post(f"/operator/coupon-templates/{closing['id']}/grants", {"customers": [who.public_id]})
    assert len(r.json()["granted"]) == 1 and r.json()["skipped"] == []
    r = api_as(factories.user()).post("/coupons/claim", {"template": closing["id"]})
    assert (r.status_code, _code(r)) == (409, "not_claimable")


def test_amounts_beyond_what_the_books_hold_are_refused_not_a_server_error(shop):
    """Was: a 20-digit threshold reached the database and answered 500."""
    m, owner = shop
    huge = 10**20
    window = {"starts_at": _iso(), "ends_at": _iso(dt.timedelta(days=3))}
    r = owner.post("/merchant/spend-tiers", {"threshold_fen": huge, "amount_off_fen": 100, **window})
    assert (r.status_code, _code(r)) == (422, "amount_too_large"), r.content
    r = owner.post("/merchant/coupon-templates", _body(threshold_fen=huge))
    assert (r.status_code, _code(r)) == (422, "amount_too_large"), r.content
    sku = factories.product(m, price_fen=5000).skus.get()
    r = owner.post("/merchant/sku-prices", {"sku": sku.public_id, "price_fen": -huge, **window})
    assert (r.status_code, _code(r)) == (422, "negative_amount"), r.content
    assert not SpendTier.objects.exists() and not CouponTemplate.objects.exists()
    assert not SkuPrice.objects.exists()
