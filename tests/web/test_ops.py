"""Operator pages through Django's test client: only operators get in; merchant review,
dispute arbitration, reconciliation differences, held payments and the ledger check all go
through the same services as the API, and a refused form changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from o2o.core import clock
from o2o.core.models import OutboxEvent
from o2o.merchants import services as merchants
from o2o.merchants.models import MerchantStatus
from o2o.payments.models import (
    HeldPayment,
    HeldResolution,
    ReconciliationDifference,
    ReconciliationRun,
)
from o2o.shipping import services as shipping
from tests import factories
from tests.orders import builders as b
from tests.payments.test_held_payments import _held_by_notification
from tests.shipping.helpers import gateway, paid_order, track  # noqa: F401

pytestmark = pytest.mark.django_db

PAGES = ["/ops/", "/ops/merchants/", "/ops/merchants/mer_x/", "/ops/disputes/", "/ops/disputes/ret_x/",
         "/ops/reconciliation/", "/ops/reconciliation/rec_x/", "/ops/held/", "/ops/ledger/"]
POSTS = ["/ops/merchants/mer_x/approve/", "/ops/merchants/mer_x/reject/", "/ops/merchants/mer_x/suspend/",
         "/ops/merchants/mer_x/reinstate/", "/ops/disputes/ret_x/arbitrate/", "/ops/reconciliation/run/",
         "/ops/differences/rcd_x/resolve/", "/ops/held/hld_x/refund/", "/ops/held/hld_x/dismiss/", "/ops/ledger/"]


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def op() -> Client:
    return _client(factories.operator())


def test_non_operators_get_403_on_every_ops_page():
    m = factories.merchant()
    for user in (factories.user(), m.owner, factories.staff(m)):
        c = _client(user)
        for path in PAGES:
            assert c.get(path).status_code == 403, (user.role, path)
        for path in POSTS:
            assert c.post(path, {"reason": "x", "note": "x"}).status_code == 403, (user.role, path)
    assert m.status == MerchantStatus.ACTIVE


def test_visitors_are_sent_to_sign_in():
    for path in PAGES:
        r = Client().get(path)
        assert r.status_code == 302 and r["Location"].startswith("/login/?next=")


def test_every_page_renders_for_an_operator(op):
    for path in ["/ops/", "/ops/merchants/", "/ops/disputes/", "/ops/reconciliation/", "/ops/held/",
                 "/ops/ledger/"]:
        r = op.get(path)
        assert r.status_code == 200, path
        assert r.content.count(b"<h1") == 1, path


def test_forms_need_csrf():
    c = Client(enforce_csrf_checks=True)
    c.force_login(factories.operator())
    pending = merchants.apply_merchant(factories.user(), "无令牌")
    assert c.post(f"/ops/merchants/{pending.public_id}/approve/").status_code == 403
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.PENDING
    page = c.get(f"/ops/merchants/{pending.public_id}/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # approve, reject, sign-out, language


def test_pending_application_is_listed_with_its_details_and_approved(op):
    owner = factories.user()
    pending = merchants.apply_merchant(owner, "小王理发", business_type="salon")
    factories.store(pending, name="科技园店")
    page = op.get("/ops/merchants/").content.decode()
    assert "小王理发" in page and "salon" in page
    detail = op.get(f"/ops/merchants/{pending.public_id}/").content.decode()
    assert "科技园店" in detail and owner.username in detail and "merchant.applied" not in detail

    r = op.post(f"/ops/merchants/{pending.public_id}/approve/")
    assert r.status_code == 302 and r["Location"] == f"/ops/merchants/{pending.public_id}/"
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.ACTIVE and pending.reviewed_by.username == "factory-operator"
    event = OutboxEvent.objects.filter(merchant_id=pending.public_id, event_type="merchant.approved").get()
    assert event.payload["to"] == "active"
    assert f'href="/ops/merchants/{pending.public_id}/"' not in op.get("/ops/merchants/").content.decode()
    # A second approval is an illegal transition: refused in words, nothing written.
    r = op.post(f"/ops/merchants/{pending.public_id}/approve/", follow=True)
    assert r.status_code == 200 and "当前状态下无法执行" in r.content.decode()
    assert OutboxEvent.objects.filter(merchant_id=pending.public_id, event_type="merchant.approved").count() == 1


def test_reject_with_a_reason_then_history_shows_it(op):
    pending = merchants.apply_merchant(factories.user(), "证照不全")
    r = op.post(f"/ops/merchants/{pending.public_id}/reject/", {"reason": "营业执照模糊"})
    assert r.status_code == 302
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.REJECTED and pending.status_reason == "营业执照模糊"
    event = OutboxEvent.objects.get(merchant_id=pending.public_id, event_type="merchant.rejected")
    assert event.payload["reason"] == "营业执照模糊"
    page = op.get(f"/ops/merchants/{pending.public_id}/").content.decode()
    assert "营业执照模糊" in page


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_is_refused_and_nothing_changes(op, reason):
    pending = merchants.apply_merchant(factories.user(), "没有理由")
    before = OutboxEvent.objects.count()
    r = op.post(f"/ops/merchants/{pending.public_id}/reject/", {"reason": reason})
    assert r.status_code == 422
    page = r.content.decode()
    assert 'class="ops-error"' in page and 'id="id_reject_reason_error"' in page
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.PENDING and pending.status_reason == ""
    assert OutboxEvent.objects.count() == before


def test_suspend_and_reinstate(op):
    m = factories.merchant()
    assert op.post(f"/ops/merchants/{m.public_id}/suspend/", {"reason": ""}).status_code == 422
    m.refresh_from_db()
    assert m.status == MerchantStatus.ACTIVE
    op.post(f"/ops/merchants/{m.public_id}/suspend/", {"reason": "投诉核查"})
    m.refresh_from_db()
    assert m.status == MerchantStatus.SUSPENDED
    op.post(f"/ops/merchants/{m.public_id}/reinstate/")
    m.refresh_from_db()
    assert m.status == MerchantStatus.ACTIVE
    types = list(OutboxEvent.objects.filter(merchant_id=m.public_id).values_list("event_type", flat=True))
    assert types[-2:] == ["merchant.suspended", "merchant.reinstated"]


def test_unknown_and_malformed_ids_are_404(op):
    for path in ["/ops/merchants/mer_nope/", "/ops/merchants/../", "/ops/disputes/ret_nope/",
                 "/ops/reconciliation/rec_nope/"]:
        assert op.get(path).status_code == 404, path
    assert op.post("/ops/merchants/mer_nope/approve/").status_code == 404
    assert op.post("/ops/held/hld_nope/dismiss/", {"note": "x"}).status_code == 404


def _disputed(gw):
    m = factories.merchant()
    loc = b.location(m)
    cup = b.goods(m, price_fen=1000, stock=10, loc=loc)
    customer = factories.user()
    order = paid_order(customer, [(cup, 2)])
    track(shipping.create_parcel(m, order.public_id), "delivered")
    ret = shipping.request_after_sale(customer, order.public_id, kind="refund_only", reason="少了一个杯子",
                                      lines=[(order.lines.get().public_id, 1)],
                                      photos=["https://img.example/cup.jpg"])
    shipping.reject(m, ret.public_id, "快递称重显示两个")
    shipping.dispute(customer, ret.public_id, "盒子里只有一个")
    return ret


def test_dispute_shows_the_case_and_is_arbitrated(op, gateway):  # noqa: F811
    ret = _disputed(gateway)
    listing = op.get("/ops/disputes/").content.decode()
    assert ret.public_id in listing
    page = op.get(f"/ops/disputes/{ret.public_id}/").content.decode()
    for text in ("少了一个杯子", "快递称重显示两个", "盒子里只有一个", "¥10.00", "https://img.example/cup.jpg"):
        assert text in page
    r = op.post(f"/ops/disputes/{ret.public_id}/arbitrate/", {"decision": "approve", "note": ""})
    assert r.status_code == 422
    ret.refresh_from_db()
    assert ret.status == "disputed"
    r = op.post(f"/ops/disputes/{ret.public_id}/arbitrate/", {"decision": "approve", "note": "重量只够一个"})
    assert r.status_code == 302
    ret.refresh_from_db()
    assert ret.status == "refunded" and ret.refunded_fen == 1000
    assert OutboxEvent.objects.filter(aggregate_id=ret.public_id, event_type="after_sale.arbitrated").exists()
    assert ret.public_id not in op.get("/ops/disputes/").content.decode()


def _run_with_difference() -> ReconciliationDifference:
    now = clock.now()
    run = ReconciliationRun.objects.create(bill_date=dt.date(2026, 1, 5), status="differences", unresolved_count=1,
                                           difference_count=1, reconciled_at=now, created_at=now, updated_at=now)
    return ReconciliationDifference.objects.create(
        run=run, kind="amount_mismatch", type="payment", out_trade_no="T20260105001", transaction_id="4200001",
        platform_amount_fen=12345, bill_amount_fen=12300, platform_status="SUCCESS", bill_status="SUCCESS",
        created_at=now)


def test_reconciliation_difference_is_shown_and_resolved_with_a_note(op):
    diff = _run_with_difference()
    runs = op.get("/ops/reconciliation/").content.decode()
    assert "2026-01-05" in runs
    page = op.get(f"/ops/reconciliation/{diff.run.public_id}/").content.decode()
    assert "T20260105001" in page and "¥123.45" in page and "¥123.00" in page
    assert op.post(f"/ops/differences/{diff.public_id}/resolve/", {"note": ""}).status_code == 422
    diff.refresh_from_db()
    assert diff.resolved_at is None
    r = op.post(f"/ops/differences/{diff.public_id}/resolve/", {"note": "网关手续费调整"})
    assert r.status_code == 302
    diff.refresh_from_db()
    diff.run.refresh_from_db()
    assert diff.resolved_at is not None and diff.note == "网关手续费调整" and diff.run.status == "resolved"
    assert OutboxEvent.objects.filter(event_type="reconciliation.difference_resolved",
                                      aggregate_id=diff.public_id).exists()


def test_reconcile_a_future_day_is_refused_in_words(op):
    tomorrow = (clock.now() + dt.timedelta(days=2)).date().isoformat()
    r = op.post("/ops/reconciliation/run/", {"bill_date": tomorrow})
    assert r.status_code == 422
    assert not ReconciliationRun.objects.exists()
    assert op.post("/ops/reconciliation/run/", {"bill_date": "not-a-day"}).status_code == 422


def test_held_payment_dismissed_with_a_note(op):
    held = _held_by_notification()
    page = op.get("/ops/held/").content.decode()
    assert held.public_id in page and "¥50.00" in page and "¥0.01" in page
    assert op.post(f"/ops/held/{held.public_id}/dismiss/", {"note": ""}).status_code == 422
    assert not HeldResolution.objects.exists()
    assert op.post(f"/ops/held/{held.public_id}/dismiss/", {"note": "线下已退"}).status_code == 302
    held.refresh_from_db()
    assert held.status == "resolved" and HeldResolution.objects.get(held=held).action == "dismiss"


def test_held_payment_refunded(op):
    held = _held_by_notification(received_fen=4000)
    assert op.post(f"/ops/held/{held.public_id}/refund/", {"note": ""}).status_code == 302
    held.refresh_from_db()
    resolution = HeldResolution.objects.get(held=held)
    assert held.status == "resolved" and resolution.refund.amount_fen == 4000
    assert HeldPayment.objects.filter(status="open").count() == 0


def test_ledger_check_page_shows_each_check_and_rerun_relays(op):
    factories.merchant()  # leaves events in the outbox
    page = op.get("/ops/ledger/").content.decode()
    assert page.count('class="card ops-check ops-pass"') == 8 and "ops-fail" not in page
    assert "平台营销支出与平台出资的优惠相符" in page  # the two checks of coupons have their words too
    assert OutboxEvent.objects.filter(relayed_at__isnull=True).exists()
    r = op.post("/ops/ledger/")
    assert r.status_code == 200
    assert not OutboxEvent.objects.filter(relayed_at__isnull=True).exists()
    assert r.content.decode().count("ops-pass") >= 8
