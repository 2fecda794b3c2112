"""The counter keeps redeeming offline (issue 16, docs/offline-counter.md), in Chromium.

- The counter's own checks (static/web/counter/verify.js) on payloads signed here with
  Ed25519: a good one, a tampered one, a rotated key, a revoked key, the store, the
  validity window, the revocation list, the local use count and the device's caps.
- The whole flow on the demo data: the counter loads online and registers the device,
  the context goes offline, three vouchers are redeemed (one twice: refused locally the
  second time), the context comes back online, the uploads apply once, and the voucher
  states and the ledger are exact; a second counter redeems the same single-use voucher
  offline: one success, one conflict, the ledger check passes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth import get_user_model
from django.core.management import call_command

from o2o.catalog.models import Product
from o2o.core import clock
from o2o.counter import services as devices
from o2o.counter.models import CounterDevice, OfflineConflict
from o2o.demo import loader
from o2o.demo.data import DEMO_PASSWORD
from o2o.inventory import services as inventory
from o2o.ledger import services as ledger
from o2o.ledger.models import EntryKind, JournalEntry
from o2o.merchants.models import Store
from o2o.orders import services as orders
from o2o.vouchers import codes, offline
from o2o.vouchers.models import Redemption, Voucher, VoucherStatus
from tests.browser.conftest import PHONE, login, shot

pytestmark = pytest.mark.django_db(transaction=True)

STORE, OTHER_STORE, MERCHANT = "sto_here", "sto_there", "mer_one"
# A code that passes the check character (vouchers/codes.py), for the typed-code cases.
TYPED = "ABCDEFGHJKMNPQR"


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public(key: Ed25519PrivateKey) -> str:
    return b64e(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def signed(key: Ed25519PrivateKey, kid: str, **claims) -> str:
    now = int(time.time())
    body = {"v": "vch_a", "m": MERCHANT, "s": [STORE], "u": 1, "p": 9900, "n": now - 60,
            "x": now + 3600, "k": kid} | claims
    text = "O2O1." + b64e(json.dumps(body, separators=(",", ":")).encode())
    return f"{text}.{b64e(key.sign(text.encode('ascii')))}"


def typed_code() -> str:
    return TYPED + codes.check_character(TYPED)


DECIDE = """async ([text, bundle, store, uses, pending]) => {
  const m = await import("/static/web/counter/verify.js");
  return await m.decide(text, {bundle, store, uses, pending});
}"""


def test_the_counter_verifies_signed_payloads_itself(phone, live_server):
    old, new, revoked, stranger = (Ed25519PrivateKey.generate() for _ in range(4))
    later = "2099-01-01T00:00:00+00:00"
    bundle = {
        "merchant": MERCHANT, "store": {"id": STORE, "name": "here"},
        "device": {"id": "dev_x", "caps": {"max_offline_uses": 3, "max_offline_value_fen": 25000}},
        # Rotated: the old key still verifies until its not_after; the revoked one is absent.
        "keys": [{"kid": "k_new", "key": public(new), "not_after": later},
                 {"kid": "k_old", "key": public(old), "not_after": later}],
        "revoked": [{"v": "vch_refunded", "status": "refunded", "uses_left": 0},
                    {"v": "vch_part", "status": "partially_used", "uses_left": 1}],
        "bookings": [{"v": "vch_booked", "code": typed_code(), "customer": "张*", "title": "套餐",
                      "slot": None, "uses_left": 1, "uses_total": 1, "price_fen": 5000,
                      "valid_from": "2020-01-01T00:00:00+00:00", "valid_until": later}],
    }
    phone.goto("/login/")

    def decide(text: str, uses: int = 1, pending: list | None = None, store: str = STORE) -> dict:
        return phone.evaluate(DECIDE, [text, bundle, store, uses, pending or []])

    good = signed(new, "k_new")
    verdict = decide(good)
    assert verdict["ok"] is True and verdict["voucher"]["voucher"] == "vch_a"
    assert verdict["voucher"]["value_fen"] == 9900
    assert decide(signed(old, "k_old"))["ok"] is True  # signed before the rotation

    # Tampered: another voucher id under the same signature, or a flipped signature byte.
    head, body, sig = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged = b64e(json.dumps(claims | {"v": "vch_b", "u": 10}, separators=(",", ":")).encode())
    assert decide(f"{head}.{forged}.{sig}")["reason"] == "bad_signature"
    flipped = bytearray(base64.urlsafe_b64decode(sig + "=="))
    flipped[0] ^= 1
    assert decide(f"{head}.{body}.{b64e(bytes(flipped))}")["reason"] == "bad_signature"
    assert decide(signed(stranger, "k_new"))["reason"] == "bad_signature"  # right kid, wrong key
    assert decide(signed(revoked, "k_revoked"))["reason"] == "unknown_key"
    assert decide("O2O1.not-json.AAAA")["reason"] == "bad_signature"

    now = int(time.time())
    assert decide(signed(new, "k_new", m="mer_other"))["reason"] == "wrong_merchant"
    assert decide(good, store=OTHER_STORE)["reason"] == "wrong_store"
    assert decide(signed(new, "k_new", s="*"), store=OTHER_STORE)["ok"] is True
    assert decide(signed(new, "k_new", n=now + 600))["reason"] == "not_yet_valid"
    assert decide(signed(new, "k_new", x=now - 1))["reason"] == "expired"
    assert decide(signed(new, "k_new", w=[now + 3600, now + 7200]))["reason"] == "slot_not_today"
    assert decide(signed(new, "k_new", w=[now - 60, now + 60]))["ok"] is True
    assert decide(signed(new, "k_new", v="vch_refunded"))["reason"] == "refunded"

    # Uses left: the server's count from the revocation list, less what is queued here.
    part = signed(new, "k_new", v="vch_part", u=5)
    assert decide(part)["voucher"]["uses_left"] == 1
    assert decide(part, uses=2)["reason"] == "fully_used"
    queued = [{"voucher": "vch_part", "uses": 1, "value_fen": 1980}]
    assert decide(part, pending=queued)["reason"] == "used_offline"
    assert decide(good, pending=[{"voucher": "vch_a", "uses": 1, "value_fen": 9900}])["reason"] == "used_offline"

    # The device's caps: 3 uses, ¥250 of value pending at most.
    three = [{"voucher": f"vch_{i}", "uses": 1, "value_fen": 100} for i in range(3)]
    assert decide(good, pending=three) == {"ok": False, "reason": "cap_uses", "params": {"cap": 3}}
    dear = [{"voucher": "vch_z", "uses": 1, "value_fen": 20000}]
    assert decide(good, pending=dear)["reason"] == "cap_value"

    # Typed codes: only the ones the bundle lists (today's bookings), with any typing.
    code = typed_code()
    listed = decide(f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}".lower())
    assert listed["ok"] is True and listed["voucher"]["voucher"] == "vch_booked"
    other = "ZZZZZZZZZZZZZZZ"
    assert decide(other + codes.check_character(other))["reason"] == "not_in_bundle"
    assert decide(code[:-1] + ("0" if code[-1] != "0" else "1"))["reason"] == "invalid_code"


# --- the whole flow on the demo data ------------------------------------------------------

TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def platters():
    """Three paid single-use vouchers of alice's for a set meal valid at 川味坊 科技园店."""
    loader.load(tokens=False)
    alice = get_user_model().objects.get(username="alice")
    sku = Product.objects.get(title="毛肚鸭肠拼盘单人餐").skus.filter(is_active=True).first()
    (order,) = orders.place_orders(alice, [orders.Item(sku.public_id, 3)])
    orders.record_payment(order.public_id, "txn-browser-offline", order.total_fen)
    return list(Voucher.objects.filter(order=order).order_by("seq"))


def counter(browser, live_server, viewport, errors: list):
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "hotpot_staff_hitech", DEMO_PASSWORD)
    page.goto("/counter/")
    page.click("#ct-register")
    page.wait_for_selector("#ct-cap")  # registered, and the offline bundle is in IndexedDB
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return context, page


def scan(page, text: str) -> str:
    """Type a scan into the code field as a wedge scanner does; the verdict's kind."""
    page.fill("#ct-code", text)
    page.press("#ct-code", "Enter")
    found = page.wait_for_selector("#ct-confirm, [data-verdict]")
    if found.get_attribute("id") == "ct-confirm":
        page.click("#ct-confirm")
        found = page.wait_for_selector("[data-verdict]")
    return found.get_attribute("data-verdict")


def pending(page) -> int:
    return int(page.get_attribute("#ct-net", "data-pending"))


def test_offline_redemptions_sync_once_and_a_second_counter_gets_the_conflict(browser, live_server, platters):
    one, two, three = platters
    payloads = [offline.signed_payload(v) for v in platters]
    errors: list[str] = []  # script errors on either counter
    ctx_a, a = counter(browser, live_server, TABLET, errors)
    ctx_b, b = counter(browser, live_server, PHONE, errors)
    assert a.get_attribute("#ct-net", "data-state") == "online"
    cdp = ctx_a.new_cdp_session(a)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith("/static/web/counter/manifest.webmanifest")
    # Installable: the only objection is the test browser's private profile.
    objections = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert {o["errorId"] for o in objections} <= {"in-incognito"}

    ctx_a.set_offline(True)
    ctx_b.set_offline(True)
    # The page itself loads with the network down: the service worker serves the shell.
    reloaded = a.reload()
    assert reloaded is not None and reloaded.from_service_worker
    a.wait_for_selector("#ct-net[data-state=offline]")
    assert "离线 — 将同步" in a.inner_text("#ct-net")

    assert scan(a, payloads[0]) == "queued"
    assert scan(a, payloads[0]) == "refused"  # the second time: refused here, no network needed
    assert "已在本机离线核销" in a.inner_text("#ct-verdict")
    assert scan(a, payloads[1]) == "queued"
    assert scan(a, payloads[2]) == "queued"
    # A typed code that is not in today's bookings proves nothing offline: refused, with why.
    assert scan(a, codes.display(three.code)) == "refused"
    assert "离线时只能核销今日预约" in a.inner_text("#ct-verdict")
    assert pending(a) == 3
    assert "待同步 3 笔" in a.inner_text("#ct-net")
    shot(a, "counter-offline")
    # The other counter does not know: it redeems the first voucher too.
    assert scan(b, payloads[0]) == "queued"
    assert pending(b) == 1
    assert Redemption.objects.count() == 0  # nothing reached the server yet

    ctx_a.set_offline(False)
    a.wait_for_selector("#ct-net[data-pending='0'][data-state=online]", timeout=40_000)
    applied = a.locator("#ct-sync tr[data-result=applied]")
    assert applied.count() == 3
    assert "已入账 3 笔" in a.inner_text("[data-verdict=synced]")
    a.wait_for_function("document.querySelectorAll('#ct-recent tbody tr').length === 3")
    for v in platters:
        v.refresh_from_db()
        assert (v.status, v.uses_left) == (VoucherStatus.USED, 0)
    redemptions = set(Redemption.objects.values_list("public_id", flat=True))
    assert len(redemptions) == 3
    shot(a, "counter-synced")

    # A retried upload (the answer lost on the way back) changes nothing: every nonce is a duplicate.
    again = a.evaluate("""async () => {
      const db = await import("/static/web/counter/db.js");
      const device = await db.get("device");
      const items = (await db.results()).map((r) => ({nonce: r.nonce, payload: r.payload, store: r.store,
                                                      uses: r.uses, redeemed_at: r.redeemed_at}));
      const res = await fetch("/api/v1/counter/offline/redemptions", {method: "POST",
        headers: {"Authorization": `Bearer ${device.token}`, "Content-Type": "application/json"},
        body: JSON.stringify({items})});
      return (await res.json()).results.map((r) => r.result);
    }""")
    assert again == ["duplicate"] * 3
    assert set(Redemption.objects.values_list("public_id", flat=True)) == redemptions

    ctx_b.set_offline(False)
    b.wait_for_selector("#ct-net[data-pending='0'][data-state=online]", timeout=40_000)
    row = b.locator("#ct-sync tr[data-result=conflict]")
    assert row.count() == 1
    assert "冲突" in row.inner_text() and "此券已用完" in row.inner_text()
    shot(b, "counter-conflict")
    assert Redemption.objects.count() == 3
    assert OfflineConflict.objects.filter(voucher=one, reason="fully_used").count() == 1

    # Online, the counter reads the same signed QR: the voucher is used, and it says so.
    assert scan(b, payloads[0]) == "refused"
    assert "此券已用完" in b.inner_text("#ct-verdict")
    assert "QR" in b.inner_text("#ct-verdict") and payloads[0] not in b.inner_text("#ct-verdict")

    ledger.relay_pending()
    recognized = JournalEntry.objects.filter(kind=EntryKind.VOUCHER_REDEEMED)
    assert set(recognized.values_list("source_id", flat=True)) == redemptions  # the conflict is not posted
    assert sum(v.price_fen for v in platters) == sum(
        line.amount_fen for e in recognized for line in e.lines.all() if line.amount_fen > 0)
    call_command("ledger", "check")  # raises CommandError when the books do not check out
    assert two.redemptions.get().uses == 1
    assert errors == []
    ctx_a.close()
    ctx_b.close()


def test_a_booked_typed_code_the_device_cap_and_a_revoked_device(browser, live_server, platters):
    one, two, _ = platters
    owner = get_user_model().objects.get(username="hotpot_owner")
    alice = get_user_model().objects.get(username="alice")
    store = one.stores.get()
    # Today's booking at this store: its typed code is in the offline bundle.
    feast = Product.objects.get(title="生日火锅宴六人套餐")
    slot = inventory.create_slot(store.merchant, product_public_id=feast.public_id, store_public_id=store.public_id,
                                 starts_at=clock.now() + dt.timedelta(minutes=1), minutes=120, capacity=2)
    (order,) = orders.place_orders(alice, [orders.Item(feast.skus.get(is_active=True).public_id, 1, slot.public_id)])
    orders.record_payment(order.public_id, "txn-browser-feast", order.total_fen)
    booked = Voucher.objects.get(order=order)
    # The customers' QRs, signed when their voucher pages were shown (before the bundle).
    qr_one, qr_two = offline.signed_payload(one), offline.signed_payload(two)

    errors: list[str] = []
    ctx, a = counter(browser, live_server, TABLET, errors)
    device = CounterDevice.objects.get()
    devices.set_caps(owner, device.public_id, max_offline_uses=2)
    a.reload()
    a.wait_for_function("document.getElementById('ct-cap')?.textContent.includes('2 次')")

    ctx.set_offline(True)
    a.wait_for_selector("#ct-net[data-state=offline]")
    assert scan(a, codes.display(booked.code).lower()) == "queued"  # typed, from today's bookings
    assert "生日火锅宴六人套餐" in a.inner_text("#ct-verdict")
    assert scan(a, qr_one) == "queued"
    assert scan(a, qr_two) == "refused"  # a third use offline is over the cap
    assert "已达本设备离线核销次数上限（2 次）" in a.inner_text("#ct-verdict")
    shot(a, "counter-offline-cap")
    assert pending(a) == 2

    # The owner revokes the device meanwhile: its queued uploads are refused and reported.
    devices.revoke_device(owner, device.public_id)
    ctx.set_offline(False)
    a.wait_for_selector("#ct-net[data-pending='0'][data-state=online]", timeout=40_000)
    refused = a.locator("#ct-sync tr[data-result=refused]")
    assert refused.count() == 2
    assert "被拒绝" in refused.first.inner_text() and "本设备已被停用" in refused.first.inner_text()
    a.wait_for_selector("#ct-device .ct-warn")
    assert "本设备已被停用" in a.inner_text("#ct-device")
    for v in (booked, one, two):
        v.refresh_from_db()
        assert (v.status, v.uses_left) == (VoucherStatus.ACTIVE, 1)
    assert Redemption.objects.count() == 0
    assert errors == []
    ctx.close()


def test_the_service_worker_keeps_only_the_redemption_screen_as_its_shell(client):
    loader.load(tokens=False)
    sw = client.get("/counter/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert sw["Service-Worker-Allowed"] == "/counter/" and b"X-Counter-Shell" in sw.content
    client.force_login(get_user_model().objects.get(username="hotpot_owner"))
    assert "X-Counter-Shell" not in client.get("/counter/")  # two stores: the picker first
    assert "X-Counter-Shell" not in client.get("/counter/?pick=1")
    store = Store.objects.get(name="川味坊 科技园店")
    client.post("/counter/store/", {"store": store.public_id})
    assert client.get("/counter/")["X-Counter-Shell"] == store.public_id
    assert "X-Counter-Shell" not in client.get("/counter/?pick=1")


def test_a_device_registered_at_one_store_does_not_redeem_offline_at_another(browser, live_server, platters):
    errors: list[str] = []
    context = browser.new_context(viewport=TABLET, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, "hotpot_owner", DEMO_PASSWORD)
    page.goto("/counter/")
    page.check("input[name=store] >> nth=0")
    hitech = page.locator("input[name=store]").nth(0).get_attribute("value")
    page.click(".ct-go")
    page.click("#ct-register")
    page.wait_for_selector("#ct-cap")
    page.goto("/counter/?pick=1")
    other = page.locator(f"input[name=store]:not([value={hitech}])").first
    other.check()
    page.click(".ct-go")
    page.wait_for_selector("#ct-device >> text=本机登记在另一家门店")
    context.set_offline(True)
    page.wait_for_selector("#ct-net[data-state=offline]")
    assert scan(page, offline.signed_payload(platters[0])) == "refused"
    assert "本机登记在另一家门店" in page.inner_text("#ct-verdict")
    assert pending(page) == 0 and errors == []
    context.close()
