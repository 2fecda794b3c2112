"""Issue "done when": through the API alone, a customer buys a 10-visit card, a slot
service and a goods item from the demo merchants; staff redeem the vouchers at the
right store and are refused at the wrong one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from o2o.accounts.models import User
from o2o.core import clock
from o2o.demo import loader
from o2o.merchants.models import Store
from o2o.orders import services as orders

pytestmark = pytest.mark.django_db

ADDRESS = {"receiver": "李爱丽", "phone": "13800000000", "province": "广东省", "city": "深圳市",
           "district": "南山区", "detail": "科技园南区 1 栋 101"}


def _client(api_as, username: str):
    return api_as(User.objects.get(username=username))


def _product(anon, title: str) -> dict:
    found = anon.get("/products", {"q": title, "page_size": 100}).json()["results"]
    [summary] = [p for p in found if p["title"] == title]
    detail = anon.get(f"/products/{summary['id']}")
    assert detail.status_code == 200
    return detail.json()


def _store(name: str) -> str:
    return Store.objects.get(name=name).public_id


def test_buy_card_slot_and_goods_then_redeem_at_the_counter(api_as, anon):
    loader.load(tokens=False)
    alice = _client(api_as, "alice")

    card = _product(anon, "洗剪吹十次卡")
    cut = _product(anon, "资深发型师精剪造型")
    lashes = _product(anon, "睫毛嫁接自然款")  # valid at Sea World only
    tea = _product(anon, "英德红茶 250g")
    seaworld, qianhai = _store("青丝 海上世界店"), _store("青丝 前海店")

    # A slot of today at Sea World, still ahead of us (store-local time).
    today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    slots = []
    for day in (today, today + dt.timedelta(days=1)):
        r = anon.get(f"/products/{cut['id']}/slots", {"date": day.isoformat(), "store": seaworld})
        assert r.status_code == 200, r.content
        body = r.json()
        slots += body if isinstance(body, list) else body.get("results", body.get("slots", []))
    assert slots, "the demo schedule yields bookable slots"
    slot = slots[0]

    for sku, qty, slot_id in ((card["skus"][0]["id"], 1, None), (cut["skus"][0]["id"], 1, slot["id"]),
                              (lashes["skus"][0]["id"], 1, None), (tea["skus"][0]["id"], 2, None)):
        line = {"sku": sku, "quantity": qty}
        if slot_id:
            line["slot"] = slot_id
        assert alice.post("/cart/lines", line).status_code in (200, 201)

    checkout = alice.post("/checkout", {"shipping_address": ADDRESS}, headers={"Idempotency-Key": "co-1"})
    assert checkout.status_code in (200, 201), checkout.content
    again = alice.post("/checkout", {"shipping_address": ADDRESS}, headers={"Idempotency-Key": "co-1"})
    assert again.json() == checkout.json()  # a retry returns the first answer
    placed = checkout.json()["orders"]
    assert len(placed) >= 2  # split per merchant (salon services, shop goods)

    # Money arrives (the payments issue's provider calls this service).
    for i, o in enumerate(placed):
        orders.record_payment(o["id"], f"4200000000{i:018d}", o["total_fen"])
    mine = {o["id"]: o for o in alice.get("/orders").json()["results"]}
    assert all(mine[o["id"]]["status"] == "paid" for o in placed)

    vouchers = {v["title"]: v for v in alice.get("/vouchers", {"page_size": 50}).json()["results"]}
    assert vouchers["洗剪吹十次卡"]["uses_left"] == 10
    assert vouchers["资深发型师精剪造型"]["slot"]["id"] == slot["id"]

    # Staff at the counter: the 10-visit card, one visit at a time.
    staff = _client(api_as, "salon_staff")
    code = vouchers["洗剪吹十次卡"]["code"]
    preview = staff.get("/merchant/vouchers/lookup", {"code": code, "store_id": qianhai})
    assert preview.status_code == 200, preview.content
    r = staff.post("/merchant/redemptions", {"store_id": qianhai, "code": code, "uses": 1})
    assert r.status_code == 201, r.content
    assert r.json()["voucher"]["uses_left"] == 9

    # The lashes voucher is valid at Sea World only.
    code = vouchers["睫毛嫁接自然款"]["code"]
    wrong = staff.post("/merchant/redemptions", {"store_id": qianhai, "code": code})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "wrong_store")
    right = staff.post("/merchant/redemptions", {"store_id": seaworld, "code": code})
    assert right.status_code == 201, right.content

    # Another merchant's staff learn nothing about the voucher.
    hotpot = _client(api_as, "hotpot_staff_hitech")
    hotpot_store = _store("川味坊 科技园店")
    other = hotpot.post("/merchant/redemptions", {"store_id": hotpot_store, "code": code})
    assert other.status_code == 404

    # The booked haircut is redeemed at its slot's store, on its day.
    with clock.frozen(dt.datetime.fromisoformat(slot["starts_at"])):
        code = vouchers["资深发型师精剪造型"]["code"]
        r = staff.post("/merchant/redemptions", {"store_id": seaworld, "code": code})
        assert r.status_code == 201, r.content

    history = staff.get("/merchant/redemptions").json()["results"]
    assert len(history) == 3
