"""Secrets and signatures of webhook deliveries (Standard Webhooks).

A secret is `whsec_` + base64 of 24 random bytes. It is stored sealed with AES-GCM under
a key derived from SECRET_KEY and shown to the merchant once. Every delivery carries
`webhook-signature: v1,<sig> [v1,<sig>]`: one signature per secret in force, two during
a rotation's overlap. Writes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.crypto import salted_hmac
from standardwebhooks import Webhook

_SALT = "o2o.webhooks.secret"
_NONCE = 12
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _key() -> bytes:
    return salted_hmac(_SALT, "secret-key", algorithm="sha256").digest()


def seal(secret: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = nonce + AESGCM(_key()).encrypt(nonce, secret.encode(), _SALT.encode())
    return base64.b64encode(sealed).decode("ascii")


def unseal(sealed: str) -> str:
    raw = base64.b64decode(sealed)
    return AESGCM(_key()).decrypt(raw[:_NONCE], raw[_NONCE:], _SALT.encode()).decode()


def signature_header(secrets_in_force: list[str], msg_id: str, timestamp: dt.datetime, body: str) -> str:
    """`v1,<base64>` per secret, space-separated, as `standardwebhooks` verifies it."""
    utc = timestamp.astimezone(dt.UTC)  # sign() reads the wall time as UTC
    return " ".join(Webhook(s).sign(msg_id, utc, body) for s in secrets_in_force)


def event_id(outbox_pk: int) -> str:
    """The public id of an outbox event: stable, the same for every endpoint, and opaque
    (an HMAC of the row id, so it does not count the platform's events)."""
    digest = hmac.new(_key(), f"event:{outbox_pk}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(16):
        number, rest = divmod(number, 32)
        chars.append(_CROCKFORD[rest])
    return "evt_" + "".join(chars)
