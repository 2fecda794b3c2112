"""The counter's HTTP API: devices (register with the token shown once, list, caps,
revoke), device-token endpoints (the device, the bundle with its ETag, the lookup, the
upload) and conflicts; bad input is a JSON 4xx, never a 500 or a half write."""

from __future__ import annotations

import json

import pytest

from o2o.counter.models import CounterDevice, OfflineRedemption
from o2o.vouchers import offline
from o2o.vouchers import services as vouchers
from tests.conftest import ApiClient
from tests.counter import helpers as h
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


def _device(w, api_as) -> tuple[dict, ApiClient]:
    r = api_as(w.staff).post("/counter/devices", {"name": "前台 iPad", "store": w.store.public_id})
    assert r.status_code == 201, r.content
    body = r.json()
    return body, ApiClient(body["token"])


def _error(r, status: int, code: str) -> None:
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code


def test_register_list_caps_revoke(api_as):
    w = b.world()
    body, _ = _device(w, api_as)
    assert body["token"].startswith("ctd_") and body["store"]["id"] == w.store.public_id
    device = CounterDevice.objects.get(public_id=body["id"])
    assert body["token"] not in device.token_hash  # only the hash is kept
    owner = api_as(w.owner)
    listed = owner.get("/counter/devices").json()["items"]
    assert [d["id"] for d in listed] == [body["id"]] and "token" not in listed[0]
    capped = owner.patch(f"/counter/devices/{body['id']}", {"max_offline_uses": 3, "max_offline_value_fen": 900})
    assert capped.json()["caps"] == {"max_offline_uses": 3, "max_offline_value_fen": 900}
    _error(owner.patch(f"/counter/devices/{body['id']}", {"max_offline_uses": True}), 422, "validation_error")
    _error(owner.patch(f"/counter/devices/{body['id']}", {"max_offline_uses": -1}), 422, "invalid_cap")
    _error(api_as(w.staff).get("/counter/devices"), 403, "owner_role_required")
    _error(api_as(w.staff).post(f"/counter/devices/{body['id']}/revoke"), 403, "owner_role_required")
    _error(api_as(w.rival.owner).post(f"/counter/devices/{body['id']}/revoke"), 404, "device_not_found")
    revoked = owner.post(f"/counter/devices/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def test_register_refuses_bad_input_and_other_stores(api_as):
    w = b.world()
    staff = api_as(w.staff)
    _error(staff.post("/counter/devices", {"name": " ", "store": w.store.public_id}), 422, "invalid_name")
    _error(staff.post("/counter/devices", {"name": "x", "store": w.rival_store.public_id}), 404, "store_not_found")
    _error(staff.post("/counter/devices", {"name": "x", "store": w.other_store.public_id}), 403,
           "store_not_allowed")
    _error(api_as(w.customer).post("/counter/devices", {"name": "x", "store": w.store.public_id}), 403,
           "merchant_role_required")
    _error(api_as().post("/counter/devices", {"name": "x", "store": w.store.public_id}), 401, "not_authenticated")
    assert not CounterDevice.objects.exists()


def test_device_token_works_only_on_device_endpoints(api_as):
    w = b.world()
    body, device = _device(w, api_as)
    assert device.get("/counter/device").json()["id"] == body["id"]
    _error(device.get("/vouchers"), 401, "not_authenticated")
    _error(api_as(w.staff).get("/counter/offline/bundle"), 401, "not_authenticated")
    _error(ApiClient("ctd_nope").get("/counter/device"), 401, "not_authenticated")


def test_bundle_keys_revocations_bookings_and_etag(api_as):
    w = b.world()
    _, device = _device(w, api_as)
    used = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    fresh = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    product, slot = b.slot_service(w.merchant, w.store, starts_in=__import__("datetime").timedelta(hours=2))
    booked = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
    offline.signed_payload(fresh)  # the merchant's key exists once a QR was shown
    vouchers.redeem(w.staff, w.store.public_id, used.code, 1)
    r = device.get("/counter/offline/bundle", {"store": w.store.public_id})
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
    bundle = r.json()
    assert r["ETag"] == f'"{bundle["version"]}"'
    assert bundle["merchant"] == w.merchant.public_id and bundle["store"]["timezone"] == "Asia/Shanghai"
    assert [k["alg"] for k in bundle["keys"]] == ["Ed25519"]
    assert {x["v"]: (x["status"], x["uses_left"]) for x in bundle["revoked"]} == {used.public_id: ("used", 0)}
    assert [(x["v"], x["code"], x["customer"]) for x in bundle["bookings"]] == [(booked.public_id, booked.code,
                                                                                 "王*明")]
    same = device.get("/counter/offline/bundle", headers={"If-None-Match": r["ETag"]})
    assert same.status_code == 304 and same.content == b""
    vouchers.redeem(w.staff, w.store.public_id, fresh.code, 1)
    changed = device.get("/counter/offline/bundle", headers={"If-None-Match": r["ETag"]})
    assert changed.status_code == 200 and changed.json()["version"] != bundle["version"]
    _error(device.get("/counter/offline/bundle", {"store": w.other_store.public_id}), 403, "store_not_allowed")


def test_revoked_device_gets_403_on_the_bundle_and_refusals_on_upload(api_as):
    w = b.world()
    body, device = _device(w, api_as)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    api_as(w.owner).post(f"/counter/devices/{body['id']}/revoke")
    _error(device.get("/counter/offline/bundle"), 403, "device_revoked")
    _error(device.get("/counter/lookup", {"code": v.code}), 403, "device_revoked")
    r = device.post("/counter/offline/redemptions", {"items": [h.as_json(h.item(v, w.store))]})
    assert r.status_code == 200
    assert [(x["result"], x["reason"]) for x in r.json()["results"]] == [("refused", "device_revoked")]
    v.refresh_from_db()
    assert v.uses_left == 1


def test_upload_and_lookup_over_http(api_as):
    w = b.world()
    _, device = _device(w, api_as)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=2)))[0]
    look = device.get("/counter/lookup", {"code": offline.signed_payload(v), "uses": 2})
    assert look.status_code == 200 and look.json()["voucher"]["id"] == v.public_id
    items = [h.as_json(h.item(v, w.store))]
    first = device.post("/counter/offline/redemptions", {"items": items}).json()
    again = device.post("/counter/offline/redemptions", {"items": items}).json()
    assert first["results"][0]["result"] == "applied" and again["results"][0]["result"] == "duplicate"
    assert first["offline_used"] == {"uses": 1, "value_fen": v.price_fen // 2}
    v.refresh_from_db()
    assert v.uses_left == 1


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"items": [{"nonce": "0" * 32, "code": "X", "store": "s", "uses": True,
                 "redeemed_at": "2026-12-01T04:00:00Z"}]}, 422, "validation_error"),
    ({"items": [{"nonce": "zz", "code": "X", "store": "s", "uses": 1, "redeemed_at": "2026-12-01T04:00:00Z"}]},
     422, "invalid_nonce"),
    ({"items": [{"nonce": "0" * 32, "code": "X", "store": "s", "uses": 1, "redeemed_at": "2026-12-01T04:00:00"}]},
     422, "invalid_time"),
    ({"items": [{"nonce": "0" * 32, "code": "X", "payload": "Y", "store": "s", "uses": 1,
                 "redeemed_at": "2026-12-01T04:00:00Z"}]}, 422, "invalid_item"),
    ({"items": "nope"}, 422, "validation_error"),
    ({"items": [{"nonce": "0" * 32, "code": "X", "store": "s", "uses": 1, "redeemed_at": "yesterday"}]},
     422, "validation_error"),
])
def test_bad_upload_is_a_json_4xx_and_writes_nothing(api_as, body, status, code):
    w = b.world()
    _, device = _device(w, api_as)
    _error(device.post("/counter/offline/redemptions", body), status, code)
    assert not OfflineRedemption.objects.exists()


def test_non_utf8_upload_is_invalid_json(api_as):
    w = b.world()
    _, device = _device(w, api_as)
    r = device.client.post("/api/v1/counter/offline/redemptions", b'{"items": ["\xff\xfe"]}',
                           content_type="application/json", headers={"Authorization": f"Bearer {device.token}"})
    _error(r, 400, "invalid_json")
    r = device.post("/counter/offline/redemptions", raw=json.dumps({"items": []})[:-1])
    _error(r, 400, "invalid_json")
    assert not OfflineRedemption.objects.exists()


def test_conflicts_listed_for_staff_resolved_by_the_owner(api_as):
    w = b.world()
    _, d1 = _device(w, api_as)
    _, d2 = _device(w, api_as)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    d1.post("/counter/offline/redemptions", {"items": [h.as_json(h.item(v, w.store))]})
    lost = d2.post("/counter/offline/redemptions", {"items": [h.as_json(h.item(v, w.store))]}).json()["results"][0]
    listed = api_as(w.staff).get("/counter/conflicts", {"status": "open"}).json()["items"]
    assert [c["id"] for c in listed] == [lost["conflict"]]
    assert listed[0]["winner"]["kind"] == "redemption" and listed[0]["customer"] == "王*明"
    assert api_as(w.rival.owner).get("/counter/conflicts").json()["items"] == []
    _error(api_as(w.staff).get("/counter/conflicts", {"status": "bogus"}), 422, "invalid_status")
    _error(api_as(w.staff).post(f"/counter/conflicts/{lost['conflict']}/absorb"), 403, "owner_role_required")
    _error(api_as(w.rival.owner).post(f"/counter/conflicts/{lost['conflict']}/absorb"), 404, "conflict_not_found")
    done = api_as(w.owner).post(f"/counter/conflicts/{lost['conflict']}/absorb")
    assert done.status_code == 200 and done.json()["status"] == "absorbed"
    _error(api_as(w.owner).post(f"/counter/conflicts/{lost['conflict']}/charge"), 409, "conflict_resolved")
