"""Settings of webhook delivery, read from the environment (defaults suit the embedded set-up)."""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def timeout_seconds() -> float:
    """One delivery's connect and read timeout: a slow receiver holds a worker thread no longer."""
    return _number("O2O_WEBHOOK_TIMEOUT_SECONDS", 5)


def retry_for() -> dt.timedelta:
    """A delivery not answered with 2xx within this long after it was made is failed."""
    return dt.timedelta(hours=_number("O2O_WEBHOOK_RETRY_HOURS", 72))


def disable_after() -> dt.timedelta:
    """An endpoint whose every delivery failed for this long is disabled."""
    return dt.timedelta(hours=_number("O2O_WEBHOOK_DISABLE_AFTER_HOURS", 24))


def first_backoff_seconds() -> float:
    return _number("O2O_WEBHOOK_BACKOFF_SECONDS", 10)


def max_backoff_seconds() -> float:
    return _number("O2O_WEBHOOK_MAX_BACKOFF_SECONDS", 6 * 3600)


def concurrency() -> int:
    """Delivery threads of one delivery task; each endpoint has at most one request in flight."""
    return max(1, int(_number("O2O_WEBHOOK_CONCURRENCY", 4)))


def allow_loopback() -> bool:
    """Whether endpoints may be http://127.0.0.1 / localhost (the demo's receiver, tests).
    Off in production: there only https to public addresses is accepted. Defaults to the
    payment sandbox switch, which marks the embedded demo set-up."""
    value = os.environ.get("O2O_WEBHOOK_ALLOW_LOOPBACK")
    if value is None:
        return bool(settings.PAYMENTS.get("SANDBOX", False))
    return value.strip().lower() in {"1", "true", "yes", "on"}


MAX_ENDPOINTS_PER_MERCHANT = 20
MAX_OVERLAP_HOURS = 72
RESPONSE_BODY_KEPT = 2000  # characters of a receiver's answer kept in the delivery log
