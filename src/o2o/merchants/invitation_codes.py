"""Staff invitation codes: 24 Crockford base32 characters (120 random bits), shown in
groups of four so a person can type one from a phone. Only a SHA-256 digest is
stored: with this much randomness a fast digest is safe, and a lookup by digest
reveals nothing about other codes."""

from __future__ import annotations

import hashlib
import re
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LENGTH = 24
# Crockford's reading rules: I and L are 1, O is 0; separators and case are ignored.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")
_WELL_FORMED = re.compile(rf"^[{_ALPHABET}]{{{_LENGTH}}}$")


def generate() -> tuple[str, str]:
    """A new code (grouped for display) and the digest to store."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _LENGTH, 4)), digest_of(raw)


def normalize(code: object) -> str | None:
    """The canonical form of a typed or pasted code, or None when it cannot be one."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    raw = _SEPARATORS.sub("", code).upper().translate(_READ_AS)
    return raw if _WELL_FORMED.match(raw) else None


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
