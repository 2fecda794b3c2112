"""Token format and hashing. Tokens carry 256 bits of randomness, so a fast
digest (SHA-256) is safe to store; a slow password hash would only cost latency."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "o2o_"  # noqa: S105 - a label, not a secret


def generate() -> tuple[str, str, str]:
    """Return (full_token, lookup_prefix, digest)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    return token, prefix, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split(token: str) -> str | None:
    """The lookup prefix of a well-formed token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    body = token[len(TOKEN_PREFIX):]
    prefix, sep, secret = body.partition("_")
    if not sep or len(prefix) != 12 or not secret:
        return None
    return prefix


def matches(token: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(token), stored_digest)
