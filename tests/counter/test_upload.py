"""Uploads of offline redemptions: applied once per nonce, first applied wins, conflicts
recorded with both facts and never posted, revoked devices and caps refused server-side."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import ValidationFailed
from o2o.counter import resolve, services
from o2o.counter.models import OfflineConflict, OfflineRedemption
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Redemption
from tests.counter import helpers as h
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


def _one(device, it):
    results, _ = services.upload(device, [it])
    return results[0]


def test_applied_once_per_nonce_and_a_retried_upload_changes_nothing():
    w = b.world()
    device, _ = h.device(w)
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=5)))[0]
    items = [h.item(card, w.store, uses=2), h.item(card, w.store, typed=True)]
    first, used = services.upload(device, items)
    assert [r["result"] for r in first] == ["applied", "applied"]
    assert used == (3, card.price_fen * 3 // 5)
    again, _ = services.upload(device, items)
    assert [r["result"] for r in again] == ["duplicate", "duplicate"]
    assert [r["reason"] for r in again] == ["applied", "applied"]
    assert [r["redemption"] for r in again] == [r["redemption"] for r in first]
    card.refresh_from_db()
    assert (card.uses_left, card.status) == (2, "partially_used")
    assert Redemption.objects.filter(voucher=card).count() == 2
    offline = OfflineRedemption.objects.get(nonce=items[0]["nonce"])
    assert offline.device == device and offline.redeemed_at == items[0]["redeemed_at"]
    assert offline.redemption.staff == w.staff  # who registered the counter


def test_second_counter_on_a_single_use_voucher_is_a_conflict_with_both_facts():
    w = b.world()
    d1, _ = h.device(w, name="A")
    d2, _ = h.device(w, name="B")
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, price_fen=8800)))[0]
    at = clock.now()
    won = _one(d1, h.item(v, w.store, at=at))
    lost = _one(d2, h.item(v, w.store, at=at + dt.timedelta(seconds=5)))
    assert won["result"] == "applied"
    assert (lost["result"], lost["reason"]) == ("conflict", "fully_used")
    conflict = OfflineConflict.objects.get(public_id=lost["conflict"])
    assert conflict.status == "open" and conflict.offline.device == d2
    assert (conflict.winner_kind, conflict.winner_id, conflict.winner_store) == (
        "redemption", won["redemption"], w.store.public_id)
    assert conflict.offline.value_fen == 8800 and conflict.offline.redemption is None
    assert Redemption.objects.filter(voucher=v).count() == 1  # never counted twice
    # A retry of the losing upload is a duplicate of the conflict, not a second conflict.
    retry = _one(d2, {**h.item(v, w.store), "nonce": lost["nonce"]})
    assert (retry["result"], retry["reason"], retry["conflict"]) == ("duplicate", "conflict:fully_used",
                                                                     lost["conflict"])
    assert OfflineConflict.objects.count() == 1


def test_voucher_refunded_meanwhile_is_a_conflict_naming_the_refund():
    w = b.world()
    device, _ = h.device(w)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, refund_anytime=True)))[0]
    it = h.item(v, w.store)
    refund = vouchers.request_refund(w.customer, v.public_id)
    r = _one(device, it)
    assert (r["result"], r["reason"]) == ("conflict", "refunded")
    conflict = OfflineConflict.objects.get(public_id=r["conflict"])
    assert (conflict.winner_kind, conflict.winner_id) == ("refund", refund.public_id)


def test_partial_fit_is_a_conflict_and_takes_nothing():
    w = b.world()
    device, _ = h.device(w)
    card = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=3)))[0]
    vouchers.redeem(w.staff, w.store.public_id, card.code, 2)
    r = _one(device, h.item(card, w.store, uses=2))
    assert (r["result"], r["reason"]) == ("conflict", "fully_used")
    card.refresh_from_db()
    assert card.uses_left == 1


def test_revoked_device_uploads_are_refused_and_recorded():
    w = b.world()
    device, _ = h.device(w)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    services.revoke_device(w.owner, device.public_id)
    r = _one(device, h.item(v, w.store))
    assert (r["result"], r["reason"]) == ("refused", "device_revoked")
    v.refresh_from_db()
    assert v.uses_left == 1
    assert OfflineRedemption.objects.get(nonce=r["nonce"]).reason == "device_revoked"


@pytest.mark.parametrize(("cap", "value", "reason"), [(2, 10**9, "offline_cap_uses"), (10, 2 * 3000, "offline_cap_value")])
def test_caps_are_enforced_per_offline_period(cap, value, reason):
    w = b.world()
    device, _ = h.device(w)
    services.set_caps(w.owner, device.public_id, max_offline_uses=cap, max_offline_value_fen=value)
    device.refresh_from_db()
    vs = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, price_fen=3000), 3))
    results, used = services.upload(device, [h.item(v, w.store) for v in vs])
    assert [r["result"] for r in results] == ["applied", "applied", "refused"]
    assert results[2]["reason"] == reason and used == (2, 6000)
    # Back online: a bundle fetch starts a new period.
    services.note_bundle(device)
    assert _one(device, h.item(vs[2], w.store))["result"] == "applied"


@pytest.mark.parametrize(("change", "reason"), [
    (lambda w, it: {**it, "store": w.other_store.public_id}, "store_not_allowed"),
    (lambda w, it: {**it, "redeemed_at": clock.now() + dt.timedelta(hours=1)}, "invalid_time"),
    (lambda w, it: {**it, "uses": 2}, "invalid_uses"),
    (lambda w, it: {**it, "payload": it["payload"][:-4] + "AAAA"}, "invalid_signature"),
    (lambda w, it: {**it, "payload": "O2O1.x.y"}, "invalid_payload"),
])
def test_items_a_counter_should_not_have_accepted_are_refused(change, reason):
    w = b.world()
    device, _ = h.device(w)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    r = _one(device, change(w, h.item(v, w.store)))
    assert (r["result"], r["reason"]) == ("refused", reason)
    v.refresh_from_db()
    assert v.uses_left == 1


def test_wrong_store_and_other_merchant():
    w = b.world()
    device, _ = h.device(w)
    elsewhere = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, stores=[w.other_store])))[0]
    theirs = b.vouchers_of(b.buy(w.customer, b.service(w.rival)))[0]
    results, _ = services.upload(device, [h.item(elsewhere, w.store), h.item(theirs, w.store)])
    assert [(r["result"], r["reason"]) for r in results] == [("refused", "wrong_store"),
                                                              ("refused", "not_your_voucher")]


def test_redeemed_offline_before_expiry_applies_after_it():
    w = b.world()
    device, _ = h.device(w)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    it = h.item(v, w.store, at=v.valid_until - dt.timedelta(minutes=1))
    with clock.frozen(v.valid_until + dt.timedelta(minutes=10)):
        assert _one(device, it)["result"] == "applied"


@pytest.mark.parametrize(("items", "code"), [
    ([{"nonce": "xyz"}], "invalid_nonce"),
    ([{"nonce": "0" * 32, "store": "sto_x", "uses": 1, "redeemed_at": dt.datetime(2026, 1, 1)}], "invalid_item"),
    ([{"nonce": "0" * 32, "code": "A", "store": "sto_x", "uses": True,
       "redeemed_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}], "invalid_uses"),
    ([{"nonce": "0" * 32, "code": "A", "store": "sto_x", "uses": 1, "redeemed_at": dt.datetime(2026, 1, 1)}],
     "invalid_time"),
    ([{"nonce": "a" * 32, "code": "A", "store": "s", "uses": 1, "redeemed_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
      {"nonce": "A" * 32, "code": "A", "store": "s", "uses": 1,
       "redeemed_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}], "duplicate_nonce"),
])
def test_malformed_upload_is_refused_whole(items, code):
    w = b.world()
    device, _ = h.device(w)
    with pytest.raises(ValidationFailed) as exc:
        services.upload(device, items)
    assert exc.value.code == code
    assert not OfflineRedemption.objects.exists()


def test_base64url_nonce_is_the_same_nonce_as_its_hex():
    raw = bytes(range(16))
    b64 = "AAECAwQFBgcICQoLDA0ODw"
    assert services.normalize_nonce(b64) == raw.hex() == services.normalize_nonce(raw.hex().upper())
    with pytest.raises(ValidationFailed):
        services.normalize_nonce("AAECAwQFBgcICQoLDA0OD3")  # stray low bits: not canonical


def test_absorb_closes_the_conflict_once():
    w = b.world()
    d1, _ = h.device(w)
    d2, _ = h.device(w)
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    _one(d1, h.item(v, w.store))
    conflict_id = _one(d2, h.item(v, w.store))["conflict"]
    done = resolve.absorb(w.owner, conflict_id)
    assert done.status == "absorbed" and done.resolved_by == w.owner
    with pytest.raises(Exception) as exc:
        resolve.absorb(w.owner, conflict_id)
    assert exc.value.code == "conflict_resolved"
    with pytest.raises(Exception) as exc:
        resolve.absorb(w.staff, conflict_id)
    assert exc.value.code == "owner_role_required"
