"""Settings of shipping, read from the environment (defaults suit the embedded set-up)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def auto_confirm_after() -> dt.timedelta:
    """Delivered goods orders are confirmed automatically this long after delivery."""
    return dt.timedelta(days=_int("O2O_AUTO_CONFIRM_DAYS", 7))


def return_window() -> dt.timedelta:
    """After-sales requests are accepted up to this long after delivery."""
    return dt.timedelta(days=_int("O2O_RETURN_DAYS", 7))


def webhook_tolerance() -> dt.timedelta:
    """A carrier webhook older (or newer) than this is refused as stale."""
    return dt.timedelta(seconds=_int("O2O_CARRIER_WEBHOOK_TOLERANCE_SECONDS", 300))


def carrier_secret(code: str) -> bytes:
    """The shared webhook secret of a carrier: O2O_CARRIER_<CODE>_SECRET, or one derived
    from SECRET_KEY so the embedded set-up works without configuration."""
    env = os.environ.get(f"O2O_CARRIER_{code.upper()}_SECRET")
    if env:
        return env.encode()
    return hmac.new(settings.SECRET_KEY.encode(), f"carrier-webhook:{code}".encode(),
                    hashlib.sha256).hexdigest().encode()


def sandbox_delivery() -> str:
    """How the sandbox carrier delivers its events: "http" (POST to the webhook URL, as a
    real aggregator does) or "inline" (the same signed request, handed over in-process)."""
    return os.environ.get("O2O_SANDBOX_CARRIER_DELIVERY", "http")


def sandbox_webhook_url() -> str:
    base = os.environ.get("O2O_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    return os.environ.get("O2O_SANDBOX_CARRIER_WEBHOOK_URL",
                          f"{base}/api/v1/shipping/carriers/sandbox/webhook")
