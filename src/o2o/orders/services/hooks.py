"""Where apps above orders plug into the order's life, so orders never imports them.

Orders sits below vouchers, payments and shipping in the import graph. When an order
needs them inside its own transaction, it calls what they registered here from their
AppConfig.ready():

    on_paid(hook)              vouchers: issue the vouchers of a paid service order.
                               Runs inside record_payment's transaction; an exception
                               rolls the payment back (never a paid order without them).
    set_paid_canceller(fn)     shipping: refund and restock a paid goods order that has
                               not left, returning the refund that lets orders close it.
                               Exactly one owner; a second, different one is refused.

This module writes nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

from o2o.orders.models import Order


class CancelRefund(NamedTuple):
    """The refund that pays back a cancelled paid order (its public id and amount)."""

    refund: str
    amount_fen: int


PaidHook = Callable[[Order], object]
PaidCanceller = Callable[[Order, str], CancelRefund]

_paid_hooks: list[PaidHook] = []
_paid_canceller: list[PaidCanceller] = []


def on_paid(hook: PaidHook) -> PaidHook:
    """Call `hook(order)` in the transaction that marks an order paid (once per hook,
    however often ready() runs)."""
    if hook not in _paid_hooks:
        _paid_hooks.append(hook)
    return hook


def set_paid_canceller(fn: PaidCanceller) -> PaidCanceller:
    if _paid_canceller and _paid_canceller[0] is not fn:
        raise ImproperlyConfigured("A canceller of paid orders is registered already")
    _paid_canceller[:] = [fn]
    return fn


def run_paid_hooks(order: Order) -> None:
    for hook in list(_paid_hooks):
        hook(order)


def cancel_paid(order: Order, reason: str) -> CancelRefund:
    if not _paid_canceller:
        raise ImproperlyConfigured("No app registered a canceller of paid orders (is shipping installed?)")
    return _paid_canceller[0](order, reason)
