"""The console's Marketing tab through Django's test client: a merchant creates, pauses,
resumes and stops a coupon, adds a spend offer and a limited-time price; bad input is
refused with the service's message and writes nothing; another merchant's ids are 404;
staff read but do not write; claimed / used / GMV driven come from real paid orders."""

from __future__ import annotations

import datetime as dt
import html
import zoneinfo

import pytest
from django.test import Client

from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.marketing import manage
from o2o.marketing import services as marketing
from o2o.marketing.models import CouponTemplate, SkuPrice, SpendTier, TemplateStatus
from o2o.orders import services as orders
from o2o.web.console.forms_marketing import TemplateForm
from tests import factories
from tests.marketing import builders as mb
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _coupon_form(**over) -> dict:
    data = {"title": "满100减20", "kind": "amount", "amount_off": "20", "percent_off": "", "max_off": "",
            "threshold": "100", "product_scope": "all", "valid_days": "30", "valid_from": "",
            "valid_until": "", "total_quantity": "50", "per_customer_limit": "1", "exclusive_group": ""}
    data.update(over)
    return data


def test_the_tab_is_in_the_console_and_readable_by_staff_not_customers():
    w = vb.world()
    page = _client(w.owner).get("/console/marketing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "营销" in html and 'id="new-coupon"' in html
    staff_page = _client(w.staff).get("/console/marketing/").content.decode()
    assert "营销" in staff_page and 'id="new-coupon"' not in staff_page
    assert _client(w.customer).get("/console/marketing/").status_code == 403
    assert _client(w.staff).post("/console/marketing/coupons/", _coupon_form()).status_code == 403
    assert not CouponTemplate.objects.exists()


def test_owner_creates_a_coupon_and_pauses_resumes_and_stops_it():
    w = vb.world()
    c = _client(w.owner)
    r = c.post("/console/marketing/coupons/", _coupon_form())
    assert r.status_code == 302 and r["Location"] == "/console/marketing/"
    t = CouponTemplate.objects.get(merchant=w.merchant)
    assert (t.amount_off_fen, t.threshold_fen, t.valid_days, t.total_quantity) == (2000, 10000, 30, 50)
    assert t.merchant_share_bp == 10_000 and t.created_by == w.owner
    assert "满100减20" in c.get("/console/marketing/").content.decode()
    for action, status in (("pause", TemplateStatus.PAUSED), ("resume", TemplateStatus.ACTIVE),
                           ("stop", TemplateStatus.STOPPED)):
        assert c.post(f"/console/marketing/coupons/{t.public_id}/{action}/").status_code == 302
        t.refresh_from_db()
        assert t.status == status
    # A stopped coupon cannot be resumed: the service's refusal is shown, nothing changes.
    r = c.post(f"/console/marketing/coupons/{t.public_id}/resume/", follow=True)
    t.refresh_from_db()
    assert t.status == TemplateStatus.STOPPED and "未完成" in r.content.decode()


def test_a_percent_coupon_with_fixed_dates_is_read_in_the_merchants_zone():
    w = vb.world()
    r = _client(w.owner).post("/console/marketing/coupons/", _coupon_form(
        title="8折券", kind="percent", amount_off="", percent_off="20", max_off="50", threshold="0",
        valid_days="30", valid_from="2030-01-01", valid_until="2030-01-31"))
    assert r.status_code == 302
    t = CouponTemplate.objects.get()
    assert (t.percent_off, t.max_off_fen, t.valid_days) == (20, 5000, None)
    assert t.valid_from.isoformat() == "2029-12-31T16:00:00+00:00"  # midnight in Shanghai
    assert t.valid_until.isoformat() == "2030-01-31T16:00:00+00:00"  # the end day is inclusive


@pytest.mark.parametrize(("over", "code"), [
    ({"kind": "percent", "amount_off": "", "percent_off": "120"}, "invalid_percent"),
    ({"amount_off": "-5"}, "negative_amount"),
    ({"amount_off": "30", "threshold": "20"}, "threshold_below_amount"),
    ({"valid_days": "", "valid_from": "2030-02-01", "valid_until": "2030-01-01"}, "invalid_window"),
])
def test_bad_coupons_are_refused_with_the_services_message_and_nothing_written(over, code):
    w = vb.world()
    form = _coupon_form(**over)
    r = _client(w.owner).post("/console/marketing/coupons/", form)
    assert r.status_code == 422
    # The page shows the message the service refuses with (the API's, for the same input).
    with pytest.raises(DomainError) as refused:
        manage.create_template(w.owner, _spec(form), merchant=w.merchant, by_platform=False)
    assert refused.value.code == code
    alert = r.content.decode().split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert html.escape(refused.value.message) in alert
    assert not CouponTemplate.objects.exists()


def _spec(form: dict):
    f = TemplateForm(form, products=[], stores=[])
    assert f.is_valid(), f.errors
    return f.spec(zoneinfo.ZoneInfo("Asia/Shanghai"))


def test_spend_offers_and_limited_time_prices_are_created_and_stopped():
    w = vb.world()
    goods = factories.product(w.merchant, price_fen=9900)
    sku = goods.skus.get()
    c = _client(w.owner)
    today = clock.now().date()
    r = c.post("/console/marketing/tiers/", {"threshold": "200", "amount_off": "30", "starts": today.isoformat(),
                                             "ends": (today + dt.timedelta(days=30)).isoformat()})
    assert r.status_code == 302
    tier = SpendTier.objects.get(merchant=w.merchant)
    assert (tier.threshold_fen, tier.amount_off_fen) == (20000, 3000)
    starts = (clock.now() - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    ends = starts + dt.timedelta(days=3)
    r = c.post("/console/marketing/prices/", {"sku": sku.public_id, "price": "79",
                                              "starts": starts.strftime("%Y-%m-%dT%H:%M"),
                                              "ends": ends.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302
    price = SkuPrice.objects.get(sku=sku)
    assert price.price_fen == 7900
    assert price.starts_at == starts.replace(second=0, microsecond=0)
    page = c.get("/console/marketing/").content.decode()
    assert "¥79.00" in page and "满200减30" in page or "¥30 off over ¥200" in page
    assert c.post(f"/console/marketing/tiers/{tier.public_id}/stop/").status_code == 302
    assert c.post(f"/console/marketing/prices/{price.public_id}/stop/").status_code == 302
    tier.refresh_from_db()
    price.refresh_from_db()
    assert tier.status == price.status == "stopped"


def test_a_price_not_below_the_skus_and_a_tier_below_its_amount_are_refused():
    w = vb.world()
    goods = factories.product(w.merchant, price_fen=9900)
    c = _client(w.owner)
    now = clock.now()
    r = c.post("/console/marketing/prices/", {"sku": goods.skus.get().public_id, "price": "120",
                                              "starts": now.strftime("%Y-%m-%dT%H:%M"),
                                              "ends": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 422 and not SkuPrice.objects.exists()
    r = c.post("/console/marketing/tiers/", {"threshold": "20", "amount_off": "30",
                                             "starts": now.date().isoformat(), "ends": now.date().isoformat()})
    assert r.status_code == 422 and not SpendTier.objects.exists()


def test_another_merchants_coupons_tiers_and_prices_are_404():
    w = vb.world()
    theirs = mb.template(w.rival)
    their_goods = factories.product(w.rival)
    c = _client(w.owner)
    tier = SpendTier.objects.create(merchant=w.rival, threshold_fen=20000, amount_off_fen=3000,
                                    starts_at=clock.now(), ends_at=clock.now() + dt.timedelta(days=1),
                                    created_at=clock.now())
    price = SkuPrice.objects.create(sku=their_goods.skus.get(), price_fen=100, starts_at=clock.now(),
                                    ends_at=clock.now() + dt.timedelta(days=1), created_at=clock.now())
    for path in (f"/console/marketing/coupons/{theirs.public_id}/pause/", "/console/marketing/coupons/nope/stop/",
                 f"/console/marketing/tiers/{tier.public_id}/stop/",
                 f"/console/marketing/prices/{price.public_id}/stop/"):
        assert c.post(path).status_code == 404, path
    theirs.refresh_from_db()
    tier.refresh_from_db()
    price.refresh_from_db()
    assert theirs.status == TemplateStatus.ACTIVE and tier.status == price.status == "active"
    assert theirs.public_id not in c.get("/console/marketing/").content.decode()
    # A limited-time price for their SKU is refused (sku_not_found), nothing written.
    now = clock.now()
    r = c.post("/console/marketing/prices/", {"sku": their_goods.skus.get().public_id, "price": "1",
                                              "starts": now.strftime("%Y-%m-%dT%H:%M"),
                                              "ends": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 422 and SkuPrice.objects.count() == 1


def test_claimed_used_and_gmv_driven_count_paid_orders():
    w = vb.world()
    service = vb.service(w.merchant, price_fen=15000)
    t = mb.template(w.merchant, amount_off_fen=2000, threshold_fen=10000)
    coupon = marketing.claim(w.customer, t.public_id)
    other = factories.user()
    marketing.claim(other, t.public_id)
    (order,) = orders.place_orders(w.customer, [orders.Item(service.skus.get().public_id, 1)],
                                   coupons=[coupon.public_id])
    page = _client(w.owner).get("/console/marketing/").content.decode()
    row = page[page.index(f'data-template="{t.public_id}"'):]
    row = row[:row.index("</tr>")]
    assert "2 / 100" in row and 'class="cs-used">0<' in row  # reserved by an unpaid order: not used yet
    orders.record_payment(order.public_id, "txn-mkt-1", order.total_fen)
    page = _client(w.owner).get("/console/marketing/").content.decode()
    row = page[page.index(f'data-template="{t.public_id}"'):]
    row = row[:row.index("</tr>")]
    assert 'class="cs-used">1<' in row and "¥130.00" in row and "¥20.00" in row
