"""Cursor pagination for every list endpoint.

Writes nothing. A list answers `{"results": [...], "next": <url or null>,
"previous": <url or null>}`; `next` and `previous` are the URL of the adjacent page,
whose `cursor` parameter is an opaque token: the position sealed with AES-GCM under a
key derived from SECRET_KEY, so a client can neither read an internal id from it nor
forge one. Error code: 422 `invalid_cursor` for a token we did not issue (tampered,
truncated, from another secret, or not a token at all).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from ninja.pagination import CursorPagination
from pydantic import ValidationError as PydanticValidationError

from o2o.core.errors import ValidationFailed

_SALT = "o2o.core.pagination.cursor"
_NONCE = 12
_MAX_TOKEN = 512


def _key() -> bytes:
    # Derived per call: settings (and so SECRET_KEY) may differ between tests.
    return salted_hmac(_SALT, "cursor-key", algorithm="sha256").digest()


def _invalid() -> ValidationFailed:
    return ValidationFailed(_("The cursor is not valid"), "invalid_cursor")


def seal(payload: dict[str, Any]) -> str:
    """An opaque, authenticated token for a cursor position."""
    nonce = os.urandom(_NONCE)
    plain = json.dumps(payload, separators=(",", ":")).encode()
    sealed = nonce + AESGCM(_key()).encrypt(nonce, plain, _SALT.encode())
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def unseal(token: str) -> dict[str, Any]:
    """The payload of a token made by `seal`; ValidationFailed `invalid_cursor` otherwise."""
    if not token or len(token) > _MAX_TOKEN:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = AESGCM(_key()).decrypt(raw[:_NONCE], raw[_NONCE:], _SALT.encode())
        payload = json.loads(plain)
    except (ValueError, binascii.Error, InvalidTag, UnicodeError) as exc:
        raise _invalid() from exc
    if not isinstance(payload, dict):
        raise _invalid()
    return payload


class Cursor(CursorPagination):
    """Newest first by internal key; the cursor token is opaque to clients."""

    class Cursor(CursorPagination.Cursor):
        @classmethod
        def from_encoded_param(cls, encoded_param: str | None, context: Any = None
                               ) -> CursorPagination.Cursor:
            if not encoded_param:
                return cls()
            payload = unseal(encoded_param)
            try:
                cursor = cls.model_validate(payload, context=context)
            except PydanticValidationError as exc:
                raise _invalid() from exc
            # Positions are integer keys: anything else was not issued by us.
            if cursor.p is not None and not cursor.p.lstrip("-").isdigit():
                raise _invalid()
            return cursor

        def encode_as_param(self) -> str:
            return seal(self.model_dump(exclude_defaults=True, exclude_none=True,
                                        exclude_unset=True))

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("ordering", ("-id",))
        kwargs.setdefault("page_size", 20)
        kwargs.setdefault("max_page_size", 100)
        super().__init__(**kwargs)
