"""Orders and carts of one customer account handed to another (account merging in
o2o.identity), and the shipping addresses of a deleted customer's orders blanked.

Writes: orders.Order (customer, shipping_address), orders.Cart, orders.CartLine. Joins the
caller's transaction. Error codes: none.
"""

from __future__ import annotations

from django.db import transaction

from o2o.orders.models import Cart, CartLine, Order, OrderStatus

#: Orders whose money or goods are still moving: a customer with one cannot be deleted.
OPEN_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.READY_FOR_PICKUP,
                 OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.IN_USE)
_ADDRESS_KEPT = ("province", "city", "district")  # the region stays for the merchant's numbers


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    """Every order of `from_user_id` becomes `to_user_id`'s; the cart's lines join the
    survivor's cart (a SKU and slot already there keeps the survivor's line)."""
    with transaction.atomic():
        orders = Order.objects.filter(customer_id=from_user_id).update(customer_id=to_user_id)
        moved_lines = 0
        source = Cart.objects.select_for_update().filter(customer_id=from_user_id).first()
        if source is not None:
            target = Cart.objects.select_for_update().filter(customer_id=to_user_id).first()
            if target is None:
                Cart.objects.filter(pk=source.pk).update(customer_id=to_user_id)
                moved_lines = CartLine.objects.filter(cart=source).count()
            else:
                held = set(CartLine.objects.filter(cart=target).values_list("sku_id", "slot_id"))
                for line in CartLine.objects.filter(cart=source):
                    if (line.sku_id, line.slot_id) not in held:
                        CartLine.objects.filter(pk=line.pk).update(cart=target)
                        moved_lines += 1
                CartLine.objects.filter(cart=source).delete()
                source.delete()
    return {"orders": orders, "cart_lines": moved_lines}


def has_open_orders(customer_id: int) -> bool:
    return Order.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).exists()


def anonymise_customer(customer_id: int) -> int:
    """Blank the receiver, phone and street of every (finished) order of the customer and
    empty the cart; the orders themselves and their amounts stay for the books."""
    with transaction.atomic():
        changed = 0
        for order in Order.objects.select_for_update().filter(customer_id=customer_id,
                                                               shipping_address__isnull=False):
            kept = {k: v for k, v in (order.shipping_address or {}).items() if k in _ADDRESS_KEPT}
            Order.objects.filter(pk=order.pk).update(shipping_address={
                **kept, "receiver": "", "phone": "", "detail": ""})
            changed += 1
        CartLine.objects.filter(cart__customer_id=customer_id).delete()
    return changed
