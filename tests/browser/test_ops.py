"""The operator's desk in a real browser: review a new merchant application and approve
it; the ledger check shows every check green on the demo data."""

from __future__ import annotations

import pytest

from o2o.core.models import OutboxEvent
from o2o.demo import loader
from o2o.demo.data import DEMO_PASSWORD
from o2o.merchants import services as merchants
from o2o.merchants.models import Merchant, MerchantStatus
from tests import factories
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_operator_reviews_and_approves_a_new_application(desk):
    loader.load(tokens=False)
    applicant = factories.user(username="chen-florist")
    pending = merchants.apply_merchant(applicant, "陈记花店", business_type="鲜花", contact_phone="13800001234",
                                       description="社区花店，提供鲜花配送与花艺课程。")
    factories.store(pending, name="陈记花店 海岸城店", address="南山区文心五路33号")

    login(desk, "operator", DEMO_PASSWORD)
    desk.get_by_role("link", name="平台运营").click()
    desk.get_by_role("navigation", name="平台运营").get_by_role("link", name="商家").click()
    row = desk.get_by_role("row").filter(has_text="陈记花店")
    assert "鲜花" in row.inner_text()
    row.get_by_role("link", name="陈记花店").click()
    assert desk.get_by_role("heading", level=1).inner_text().startswith("陈记花店")
    assert desk.get_by_text("陈记花店 海岸城店").is_visible()
    assert desk.get_by_text("chen-florist", exact=False).first.is_visible()
    shot(desk, "ops-merchants")

    # Reject without a reason: the browser refuses (required), nothing changes.
    desk.get_by_role("button", name="驳回").click()
    assert Merchant.objects.get(pk=pending.pk).status == MerchantStatus.PENDING

    desk.get_by_role("button", name="通过").click()
    desk.wait_for_load_state()
    assert "已通过审核" in desk.get_by_role("status").first.inner_text()
    assert "已开通" in desk.get_by_role("heading", level=1).inner_text()
    history = desk.locator(".ops-history").inner_text()
    assert "入驻审核通过" in history and "已申请入驻" in history  # from the outbox, newest first
    assert history.index("入驻审核通过") < history.index("已申请入驻")
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.ACTIVE
    assert OutboxEvent.objects.filter(merchant_id=pending.public_id, event_type="merchant.approved").exists()


def test_ledger_status_is_all_green_on_the_demo(desk):
    loader.load(tokens=False)
    login(desk, "operator", DEMO_PASSWORD)
    desk.goto("/ops/ledger/")
    checks = desk.locator(".ops-check")
    assert checks.count() == 8  # the two coupon checks of the ledger included
    assert desk.locator(".ops-check.ops-pass").count() == 8
    assert desk.locator(".banner.ok").is_visible()
    desk.get_by_role("button", name="入账待处理事件并重新检查").click()
    desk.wait_for_load_state()
    assert desk.locator(".ops-check.ops-pass").count() == 8
    assert "¥" in desk.locator(".ops-dl").inner_text()
    desk.evaluate("window.scrollTo(0, 0)")
    shot(desk, "ops-ledger")
