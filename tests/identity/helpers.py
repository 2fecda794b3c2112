"""Helpers for identity tests: codes are read from the sandbox SMS inbox, as the demo does."""

from __future__ import annotations

import re

from o2o.identity import phones, sms


def last_code(phone: str) -> str:
    [message, *_] = sms.sandbox_inbox(phones.normalise(phone), limit=1)
    return re.search(r"\b(\d{6})\b", message.text).group(1)
