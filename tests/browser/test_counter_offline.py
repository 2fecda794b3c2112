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
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from o2o.vouchers import codes

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
