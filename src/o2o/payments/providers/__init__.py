"""Payment gateways: the interface and the configured provider."""

from __future__ import annotations

from o2o.payments.providers.base import (
    Bill,
    GatewayError,
    Notification,
    NotificationRejected,
    PaymentGateway,
    PrepayRequest,
    PrepayResult,
    RefundRequest,
)
from o2o.payments.providers.wechatpay import provider_from_settings

_override: PaymentGateway | None = None


def get_gateway() -> PaymentGateway:
    """The gateway configured in settings.PAYMENTS (tests may install another one)."""
    if _override is not None:
        return _override
    return provider_from_settings()


def use_gateway(gateway: PaymentGateway | None) -> None:
    global _override
    _override = gateway


__all__ = ["Bill", "GatewayError", "Notification", "NotificationRejected", "PaymentGateway",
           "PrepayRequest", "PrepayResult", "RefundRequest", "get_gateway", "use_gateway"]
