"""System checks of payments: the sandbox gateway must not run unnoticed in production.

Writes nothing. Check ids: payments.W001 (DEBUG is off and the sandbox gateway is on).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning as CheckWarning


def sandbox_in_production_message() -> str:
    """The warning when DEBUG is off and payments go to the built-in sandbox, else ''."""
    if settings.DEBUG or not settings.PAYMENTS["SANDBOX"]:
        return ""
    return ("PAYMENTS ARE IN SANDBOX MODE with DEBUG off: orders are 'paid' at the built-in sandbox "
            "cashier and no money moves. Fine for a demo; in production set O2O_PAY_SANDBOX=0 and "
            "the WECHATPAY_* settings (docs/operations.md).")


def sandbox_gateway_check(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    message = sandbox_in_production_message()
    if not message:
        return []
    return [CheckWarning(message, hint="Set O2O_PAY_SANDBOX=0 and WECHATPAY_MCHID, WECHATPAY_* for the "
                                       "real gateway, or O2O_DEBUG=1 on a development machine.",
                         id="payments.W001")]
