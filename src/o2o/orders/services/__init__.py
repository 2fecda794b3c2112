"""Every write of orders: cart, checkout, the order state machine, payment.

Other apps call these names from `o2o.orders.services`.
"""

from o2o.orders.services.cart import (
    add_line,
    cart_lines,
    checkout,
    clear_cart,
    get_cart,
    remove_line,
    update_line,
)
from o2o.orders.services.checkout import Item, clean_address, payment_window, place_orders
from o2o.orders.services.lifecycle import (
    TRANSITIONS,
    can_transition,
    cancel_order,
    close_expired_orders,
    confirm_received,
    lock_order,
    mark_delivered,
    mark_shipped,
    note_redemption,
    note_vouchers_finished,
    record_payment,
    transition,
)

__all__ = [
    "TRANSITIONS", "Item", "add_line", "can_transition", "cancel_order", "cart_lines", "checkout",
    "clean_address", "clear_cart", "close_expired_orders", "confirm_received", "get_cart",
    "lock_order", "mark_delivered", "mark_shipped", "note_redemption", "note_vouchers_finished", "payment_window",
    "place_orders", "record_payment", "remove_line", "transition", "update_line",
]
