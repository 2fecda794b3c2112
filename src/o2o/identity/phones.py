"""Phone numbers as people type them, made E.164. Writes nothing. Error code:
invalid_phone (422)."""

from __future__ import annotations

import re

from o2o.core.errors import ValidationFailed

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalise(raw: str) -> str:
    """`138 1234 5678`, `+86-138-1234-5678`, `008613812345678` -> `+8613812345678`. A
    number without a country code is a mainland China mobile number."""
    text = re.sub(r"[\s\-().]", "", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if _CN_MOBILE.match(text):
        return "+86" + text
    if text.startswith("+86") and not _CN_MOBILE.match(text[3:]):
        raise ValidationFailed("not a mainland China mobile number", "invalid_phone")
    if not _E164.match(text):
        raise ValidationFailed("not a phone number", "invalid_phone")
    return text
