"""Signed voucher payloads: what a voucher's QR carries so a counter can check it
offline (docs/offline-counter.md).

    O2O1.<base64url(compact JSON claims)>.<base64url(Ed25519 signature)>

The signature covers the ASCII text before the second dot. Each merchant signs with its
newest MerchantSigningKey; private keys are sealed at rest with AES-GCM under a key
derived from SECRET_KEY by HKDF (the key id is the associated data, so a sealed key
cannot be moved to another row).

Writes MerchantSigningKey rows: created on first use, `not_after` pushed forward to the
validity end of each payload signed, retired on rotation, revoked on compromise.

Error codes of read():
    invalid_payload 422    not O2O1.<b64>.<b64>, not JSON, or claims missing or mistyped
    invalid_signature 422  wrong signature, or the key is unknown, revoked or past not_after
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from o2o.core import clock
from o2o.core.errors import ValidationFailed
from o2o.vouchers.models import MerchantSigningKey

PREFIX = "O2O1"
MAX_LENGTH = 2048  # a real payload is ~400 characters; refuse anything absurd before decoding
_RAW = serialization.Encoding.Raw


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Strict base64url without padding; ValueError otherwise."""
    if not text or any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# --- sealing private keys at rest ---------------------------------------------------------

def _sealing_key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"o2o.vouchers.signing",
                info=b"merchant signing key seal v1").derive(settings.SECRET_KEY.encode())


def seal(private: Ed25519PrivateKey, kid: str) -> str:
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    nonce = os.urandom(12)
    return b64e(nonce + AESGCM(_sealing_key()).encrypt(nonce, raw, kid.encode()))


def unseal(key: MerchantSigningKey) -> Ed25519PrivateKey:
    blob = b64d(key.private_sealed)
    raw = AESGCM(_sealing_key()).decrypt(blob[:12], blob[12:], key.kid.encode())
    return Ed25519PrivateKey.from_private_bytes(raw)


# --- keys ------------------------------------------------------------------------------

def _new_key(merchant_id: int, now: dt.datetime) -> MerchantSigningKey:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = MerchantSigningKey(merchant_id=merchant_id, public_key=b64e(public), created_at=now,
                             not_after=now)
    key.private_sealed = seal(private, key.kid)
    key.save()
    return key


def current_key(merchant_id: int) -> MerchantSigningKey:
    """The key that signs now: the newest neither retired nor revoked (made on first use;
    two first uses at once make two keys, both valid, the newer one signs)."""
    key = (MerchantSigningKey.objects.filter(merchant_id=merchant_id, retired_at__isnull=True,
                                             revoked_at__isnull=True).order_by("-id").first())
    return key or _new_key(merchant_id, clock.now())


def rotate(merchant_id: int) -> MerchantSigningKey:
    """A new key signs from now on; the old ones retire but verify until their not_after."""
    now = clock.now()
    with transaction.atomic():
        MerchantSigningKey.objects.filter(merchant_id=merchant_id, retired_at__isnull=True).update(retired_at=now)
        return _new_key(merchant_id, now)


def revoke(merchant_id: int, kid: str) -> int:
    """A compromised key stops verifying at once (QRs it signed are re-signed on view)."""
    now = clock.now()
    return MerchantSigningKey.objects.filter(merchant_id=merchant_id, kid=kid, revoked_at__isnull=True).update(
        revoked_at=now, retired_at=now)


def verifying_keys(merchant_id: int, now: dt.datetime | None = None) -> list[MerchantSigningKey]:
    """Every key of the merchant a payload may still be signed with, newest first."""
    now = now or clock.now()
    return list(MerchantSigningKey.objects.filter(merchant_id=merchant_id, revoked_at__isnull=True,
                                                  not_after__gt=now).order_by("-id"))


# --- sign and read -------------------------------------------------------------------------

@dataclass(frozen=True)
class Claims:
    voucher: str
    merchant: str
    stores: tuple[str, ...] | None  # None: every store of the merchant
    uses: int
    price_fen: int
    valid_from: int
    valid_until: int
    slot: tuple[int, int] | None
    window: tuple[int, int] | None
    kid: str


def sign(merchant_id: int, claims: dict) -> str:
    """Sign `claims` (everything but `k`) with the merchant's current key, and keep that
    key verifying at least until the payload's validity ends."""
    key = current_key(merchant_id)
    body = dict(claims, k=key.kid)
    text = f"{PREFIX}." + b64e(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    # x is the validity end rounded down to the second: the key outlives it by one.
    until = dt.datetime.fromtimestamp(int(claims["x"]) + 1, tz=dt.UTC)
    if until > key.not_after:
        MerchantSigningKey.objects.filter(pk=key.pk).update(not_after=Greatest(F("not_after"), until))
    return f"{text}.{b64e(unseal(key).sign(text.encode('ascii')))}"


def looks_signed(raw: object) -> bool:
    return isinstance(raw, str) and raw.startswith(PREFIX + ".")


def _bad(message: str = "This is not a voucher QR code") -> ValidationFailed:
    return ValidationFailed(message, "invalid_payload")


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad()
    return value


def _pair(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise _bad()
    return _int(value[0]), _int(value[1])


def _claims(body: object) -> Claims:
    if not isinstance(body, dict):
        raise _bad()
    stores = body.get("s")
    if stores == "*":
        stores = None
    elif isinstance(stores, list) and all(isinstance(s, str) for s in stores):
        stores = tuple(stores)
    else:
        raise _bad()
    for name in ("v", "m", "k"):
        if not isinstance(body.get(name), str):
            raise _bad()
    return Claims(voucher=body["v"], merchant=body["m"], stores=stores, uses=_int(body.get("u")),
                  price_fen=_int(body.get("p")), valid_from=_int(body.get("n")),
                  valid_until=_int(body.get("x")), slot=_pair(body.get("sl")), window=_pair(body.get("w")),
                  kid=body["k"])


def read(raw: object, now: dt.datetime | None = None) -> Claims:
    """The claims of a payload whose signature verifies with a live key of the merchant it
    names. Says nothing of the voucher's state: the caller checks that."""
    if not looks_signed(raw) or len(raw) > MAX_LENGTH:
        raise _bad()
    parts = raw.split(".")
    if len(parts) != 3:
        raise _bad()
    try:
        body = json.loads(b64d(parts[1]).decode("utf-8"))
        signature = b64d(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise _bad() from None
    claims = _claims(body)
    now = now or clock.now()
    key = (MerchantSigningKey.objects.select_related("merchant")
           .filter(kid=claims.kid, revoked_at__isnull=True, not_after__gt=now).first())
    refused = ValidationFailed("This QR code's signature is not valid", "invalid_signature")
    if key is None or key.merchant.public_id != claims.merchant:
        raise refused
    try:
        Ed25519PublicKey.from_public_bytes(b64d(key.public_key)).verify(
            signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, ValueError):
        raise refused from None
    return claims
