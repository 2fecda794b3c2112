"""Text messages out: the SmsProvider interface and its two built-in providers.

The environment variable O2O_SMS_PROVIDER (or settings.O2O_SMS["PROVIDER"], which wins)
names the provider: "sandbox" (the default) keeps every
message in identity.SmsMessage, where the demo sign-in page and the tests read the code;
"log" writes a masked line to the log and sends nothing (a development machine without
an SMS account); any other value is the dotted path of a class with `send(phone, text)`
and a constructor that takes the O2O_SMS settings dict (a production SMS account).
Writes identity.SmsMessage (sandbox only). Error codes: none (a provider raises on failure
and the code request answers 503 sms_unavailable).
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from o2o.accounts.masking import mask_phone
from o2o.core import clock
from o2o.identity.models import SmsMessage

log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver `text` to `phone` (E.164) or raise."""


class SandboxSmsProvider:
    """Keeps messages in the database instead of sending them."""

    def __init__(self, conf: dict | None = None) -> None:
        self.conf = conf or {}

    def send(self, phone: str, text: str) -> None:
        SmsMessage.objects.create(phone=phone, text=text[:300], sent_at=clock.now())


class LogSmsProvider:
    """Sends nothing; logs that a message would have gone (number masked, no text)."""

    def __init__(self, conf: dict | None = None) -> None:
        self.conf = conf or {}

    def send(self, phone: str, text: str) -> None:
        log.info("sms to %s not sent (log provider), %d characters", mask_phone(phone), len(text))


def conf() -> dict:
    return {"PROVIDER": os.environ.get("O2O_SMS_PROVIDER", "sandbox"), **getattr(settings, "O2O_SMS", {})}


def is_sandbox() -> bool:
    return conf()["PROVIDER"] == "sandbox"


def provider() -> SmsProvider:
    name = conf()["PROVIDER"]
    if name == "sandbox":
        return SandboxSmsProvider(conf())
    if name == "log":
        return LogSmsProvider(conf())
    return import_string(name)(conf())


def sandbox_inbox(phone: str, limit: int = 5) -> list[SmsMessage]:
    """The latest sandbox messages to `phone` (empty unless the sandbox provider is on)."""
    if not is_sandbox():
        return []
    return list(SmsMessage.objects.filter(phone=phone)[:limit])
