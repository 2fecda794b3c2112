"""The redemption screen through Django's test client: who may open it, the two steps,
a double tap redeeming once, refusals in plain words, undo, and plain posts without htmx."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.vouchers import codes
from o2o.vouchers.models import Redemption
from o2o.web.counter.views import REASONS
from tests import factories
from tests.vouchers import builders as vb

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _at(user, store) -> Client:
    c = _client(user)
    assert c.post("/counter/store/", {"store": store.public_id}).status_code == 302
    return c


def test_visitors_go_to_login_and_customers_are_refused(client):
    r = client.get("/counter/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")
    customer = _client(factories.user())
    assert customer.get("/counter/").status_code == 403
    assert customer.post("/counter/lookup/", {"code": "X"}).status_code == 403


def test_store_picker_lists_only_the_stores_staff_may_act_at():
    w = vb.world()
    owner_page = _client(w.owner).get("/counter/").content.decode()
    assert w.store.name in owner_page and w.other_store.name in owner_page
    # Staff bound to one store go straight to the screen of that store.
    page = _client(w.staff).get("/counter/").content.decode()
    assert 'id="ct-code"' in page and w.store.name in page
    # Picking a store of another merchant (or one not allowed) changes nothing.
    c = _client(w.staff)
    c.post("/counter/store/", {"store": w.rival_store.public_id})
    assert c.session.get("counter_store") in (None, w.store.public_id)


def test_lookup_shows_who_and_what_then_confirm_redeems_once_even_on_a_double_tap():
    w = vb.world()
    product = vb.service(w.merchant, uses=3, title="洗剪吹三次卡")
    voucher = vb.vouchers_of(vb.buy(w.customer, product))[0]
    c = _at(w.staff, w.store)
    r = c.post("/counter/lookup/", {"code": voucher.code}, **HX)
    body = r.content.decode()
    assert r.status_code == 200 and "洗剪吹三次卡" in body and "王*明" in body
    assert 'name="token"' in body and 'id="ct-uses"' in body
    token = body.split('name="token" value="')[1].split('"')[0]
    for _ in range(2):
        r = c.post("/counter/redeem/", {"code": voucher.code, "uses": "2", "token": token}, **HX)
        assert 'data-verdict="redeemed"' in r.content.decode()
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    voucher.refresh_from_db()
    assert voucher.uses_left == 1


@pytest.mark.parametrize("case", ["wrong_store", "unknown_code", "invalid_code", "fully_used"])
def test_refusals_are_red_with_the_reason_in_plain_words(case):
    w = vb.world()
    product = vb.service(w.merchant, stores=[w.other_store] if case == "wrong_store" else None)
    voucher = vb.vouchers_of(vb.buy(w.customer, product))[0]
    c = _at(w.owner, w.store)
    if case == "fully_used":
        c.post("/counter/redeem/", {"code": voucher.code, "uses": "1", "token": "t1"})
    # unknown_code: a well-formed code (valid check character) that no voucher has.
    code = {"unknown_code": codes.generate(), "invalid_code": "??"}.get(case, voucher.code)
    assert case != "unknown_code" or codes.is_valid(code)
    body = c.post("/counter/lookup/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-verdict="refused"' in body
    assert str(REASONS[case]).replace("'", "&#x27;") in body


def test_another_merchants_voucher_is_refused_without_revealing_it():
    w = vb.world()
    voucher = vb.vouchers_of(vb.buy(w.customer, vb.service(w.rival)))[0]
    body = _at(w.staff, w.store).post("/counter/lookup/", {"code": voucher.code}).content.decode()
    assert 'data-verdict="refused"' in body and voucher.title not in body


def test_undo_within_the_window_gives_the_uses_back_and_plain_posts_render_the_page():
    w = vb.world()
    voucher = vb.vouchers_of(vb.buy(w.customer, vb.service(w.merchant)))[0]
    c = _at(w.staff, w.store)
    page = c.post("/counter/redeem/", {"code": voucher.code, "uses": "1", "token": "abc"}).content.decode()
    assert 'data-verdict="redeemed"' in page and 'id="ct-code"' in page  # the whole screen
    redemption = Redemption.objects.get(voucher=voucher)
    r = c.post(f"/counter/undo/{redemption.public_id}/", **HX)
    assert 'data-verdict="undone"' in r.content.decode()
    voucher.refresh_from_db()
    assert voucher.uses_left == 1
    # Undo of another merchant's redemption id: 404.
    assert c.post("/counter/undo/rdm_nope/").status_code == 404
