"""Every write of orders: cart, checkout, the order state machine, payment, and the
hooks (on_paid, set_paid_canceller) through which apps above orders join its
transactions. Other apps call these names from `o2o.orders.services`.
"""

from o2o.orders.services.cart import (
    add_line,
    cart_lines,
    checkout,
    clear_cart,
    get_cart,
    quote_cart,
    remove_line,
    update_line,
)
from o2o.orders.services.checkout import (
    Item,
    clean_address,
    payment_window,
    place_orders,
    quote_orders,
)
from o2o.orders.services.hooks import CancelRefund, on_paid, set_paid_canceller
from o2o.orders.services.lifecycle import (
    TRANSITIONS,
    can_transition,
    cancel_order,
    cancellable,
    close_expired_orders,
    confirm_received,
    has_paid_order,
    lock_order,
    record_payment,
    sync_service_order,
    transition,
)
from o2o.orders.services.refunds_state import note_refund

__all__ = [
    "TRANSITIONS", "CancelRefund", "Item", "add_line", "can_transition", "cancel_order", "cancellable",
    "cart_lines", "checkout", "clean_address", "clear_cart", "close_expired_orders", "confirm_received", "get_cart",
    "has_paid_order", "lock_order", "note_refund", "on_paid", "payment_window", "place_orders", "quote_cart",
    "quote_orders", "record_payment", "remove_line",
    "set_paid_canceller", "sync_service_order", "transition", "update_line",
]
