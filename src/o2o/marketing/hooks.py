"""What marketing needs to know from apps above it, registered by them (writes nothing).

Marketing sits below orders, so it cannot ask orders whether a customer has paid
before (for new-customer coupons). Orders registers the answer from its AppConfig:

    set_paid_history(fn)   fn(customer_id) -> True when the customer has a paid order.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

PaidHistory = Callable[[int], bool]
_paid_history: list[PaidHistory] = []


def set_paid_history(fn: PaidHistory) -> PaidHistory:
    _paid_history[:] = [fn]
    return fn


def has_paid_order(customer_id: int) -> bool:
    if not _paid_history:
        raise ImproperlyConfigured("No app told marketing about paid orders (is orders installed?)")
    return _paid_history[0](customer_id)
