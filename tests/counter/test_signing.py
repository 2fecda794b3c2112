"""Signed voucher payloads: verification with rotated, retired-expired and revoked keys,
and tampered payloads; the online lookup and redemption take a payload like a code."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from o2o.core import clock
from o2o.core.errors import DomainError, NotFound, ValidationFailed
from o2o.vouchers import offline, qr, services, signing
from o2o.vouchers.models import MerchantSigningKey, Voucher
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


def _parts(payload: str) -> tuple[str, dict, str]:
    prefix, body, sig = payload.split(".")
    return prefix, json.loads(signing.b64d(body)), sig


def _voucher(w, **kw) -> Voucher:
    return b.vouchers_of(b.buy(w.customer, b.service(w.merchant, **kw)))[0]


def test_payload_carries_the_claims_and_verifies_with_the_public_key():
    w = b.world()
    v = _voucher(w, price_fen=9900, uses=3, stores=[w.store])
    payload = offline.signed_payload(v)
    prefix, body, sig = _parts(payload)
    assert prefix == "O2O1"
    assert body["v"] == v.public_id and body["m"] == w.merchant.public_id
    assert body["s"] == [w.store.public_id] and body["u"] == 3 and body["p"] == 9900
    assert body["n"] == int(v.valid_from.timestamp()) and body["x"] == int(v.valid_until.timestamp())
    assert "sl" not in body
    key = MerchantSigningKey.objects.get(kid=body["k"])
    # What a counter does with the bundle's key: raw 32 bytes, base64url, over "O2O1.<body>".
    Ed25519PublicKey.from_public_bytes(signing.b64d(key.public_key)).verify(
        signing.b64d(sig), payload.rsplit(".", 1)[0].encode())
    assert signing.read(payload).voucher == v.public_id
    assert key.not_after >= v.valid_until  # the key verifies as long as the voucher is valid
    assert "private" not in key.private_sealed and len(signing.b64d(key.private_sealed)) == 12 + 32 + 16


def test_booked_voucher_carries_its_slot_and_window():
    w = b.world()
    product, slot = b.slot_service(w.merchant, w.store)
    v = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
    _, body, _ = _parts(offline.signed_payload(v))
    assert body["sl"] == [int(slot.starts_at.timestamp()), int(slot.ends_at.timestamp())]
    opens, closes = offline.redeem_window(v)
    assert body["w"] == [int(opens.timestamp()), int(closes.timestamp())]
    assert body["s"] == [w.store.public_id]


def test_rotation_new_key_signs_old_key_keeps_verifying_until_its_vouchers_expire():
    w = b.world()
    v = _voucher(w)
    old = offline.signed_payload(v)
    old_kid = _parts(old)[1]["k"]
    new_key = signing.rotate(w.merchant.pk)
    new = offline.signed_payload(v)
    assert _parts(new)[1]["k"] == new_key.kid != old_kid
    assert signing.read(old).kid == old_kid  # retired, still verifying
    assert signing.read(new).kid == new_key.kid
    kids = {k.kid for k in signing.verifying_keys(w.merchant.pk)}
    assert kids == {old_kid, new_key.kid}
    # Once every voucher the old key signed has expired, it verifies no more.
    with clock.frozen(v.valid_until + dt.timedelta(seconds=2)):
        with pytest.raises(ValidationFailed) as exc:
            signing.read(old)
        assert exc.value.code == "invalid_signature"
        assert old_kid not in {k.kid for k in signing.verifying_keys(w.merchant.pk)}


def test_revoked_key_stops_verifying_at_once_and_new_qrs_use_a_fresh_key():
    w = b.world()
    v = _voucher(w)
    payload = offline.signed_payload(v)
    kid = _parts(payload)[1]["k"]
    assert signing.revoke(w.merchant.pk, kid) == 1
    with pytest.raises(ValidationFailed) as exc:
        signing.read(payload)
    assert exc.value.code == "invalid_signature"
    fresh = offline.signed_payload(v)
    assert _parts(fresh)[1]["k"] != kid
    assert signing.read(fresh).voucher == v.public_id


def _resign(payload: str, change) -> str:
    prefix, body, sig = _parts(payload)
    change(body)
    text = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{prefix}.{text}.{sig}"


@pytest.mark.parametrize("tamper", [
    lambda p: _resign(p, lambda body: body.update(u=99)),  # more uses
    lambda p: _resign(p, lambda body: body.update(x=body["x"] + 86400 * 365)),  # longer validity
    lambda p: _resign(p, lambda body: body.update(s="*")),  # every store
    lambda p: p[:-3] + ("AAA" if not p.endswith("AAA") else "BBB"),  # signature bits flipped
])
def test_tampered_payload_is_refused(tamper):
    w = b.world()
    payload = offline.signed_payload(_voucher(w, stores=[w.store]))
    with pytest.raises(ValidationFailed) as exc:
        signing.read(tamper(payload))
    assert exc.value.code == "invalid_signature"


def test_another_merchants_key_does_not_verify_a_payload_naming_this_merchant():
    w = b.world()
    mine = offline.signed_payload(_voucher(w))
    rival_voucher = b.vouchers_of(b.buy(w.customer, b.service(w.rival)))[0]
    theirs = offline.signed_payload(rival_voucher)
    # The rival's body and signature under this merchant's name: the key is the rival's.
    forged = _resign(theirs, lambda body: body.update(m=w.merchant.public_id))
    with pytest.raises(ValidationFailed) as exc:
        signing.read(forged)
    assert exc.value.code == "invalid_signature"
    assert signing.read(mine).merchant == w.merchant.public_id


@pytest.mark.parametrize("raw", [
    "O2O1.", "O2O1.a.b.c", "O2O1.!!!.AAAA", "O2O1." + signing.b64e(b"\xff\xfe") + ".AAAA",
    "O2O1." + signing.b64e(b"[1,2]") + ".AAAA", "O2O1." + signing.b64e(b'{"v":1}') + ".AAAA",
    "O2O1." + signing.b64e(b'{"v":"x","m":"y","s":"*","u":true,"p":1,"n":1,"x":2,"k":"k"}') + ".AAAA",
    "O2O1." + "A" * 3000 + ".AAAA",
])
def test_malformed_payload_is_invalid_payload(raw):
    with pytest.raises(ValidationFailed) as exc:
        signing.read(raw)
    assert exc.value.code == "invalid_payload"


def test_online_lookup_and_redeem_take_the_payload():
    w = b.world()
    v = _voucher(w, uses=2)
    payload = offline.signed_payload(v)
    found, store = services.lookup(w.staff, w.store.public_id, payload, 1)
    assert found.pk == v.pk and store.pk == w.store.pk
    redemption = services.redeem(w.staff, w.store.public_id, payload, 2)
    assert redemption.voucher_id == v.pk
    v.refresh_from_db()
    assert (v.uses_left, v.status) == (0, "used")
    with pytest.raises(DomainError) as exc:
        services.redeem(w.staff, w.store.public_id, payload, 1)
    assert exc.value.code == "fully_used"
    # Another merchant's staff: the payload reveals nothing.
    with pytest.raises(NotFound) as exc:
        services.lookup(w.rival_staff, w.rival_store.public_id, payload, 1)
    assert exc.value.code == "not_your_voucher"


def test_qr_endpoints_encode_the_signed_payload(api_as):
    w = b.world()
    v = _voucher(w)
    api = api_as(w.customer)
    svg = api.get(f"/vouchers/{v.public_id}/qr.svg")
    png = api.get(f"/vouchers/{v.public_id}/qr.png")
    assert svg.status_code == 200 and png.status_code == 200
    assert svg["Cache-Control"] == "private, no-store"
    # Ed25519 signatures are deterministic: the same key signs the same claims alike.
    payload = offline.signed_payload(v)
    assert svg.content == qr.svg(payload) and png.content == qr.png(payload)
    assert svg.content != qr.svg(v.code)
    assert MerchantSigningKey.objects.filter(merchant=w.merchant).count() == 1


def test_storefront_voucher_page_shows_the_signed_payload(client):
    w = b.world()
    v = _voucher(w)
    client.force_login(w.customer)
    page = client.get(f"/vouchers/{v.public_id}/")
    assert page.status_code == 200
    svg = qr.svg(offline.signed_payload(v), scale=4).decode()
    assert svg[svg.index("<svg"):] in page.content.decode()
