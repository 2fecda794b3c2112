"""A customer's cart: lines of SKUs (with a slot for slot services) from any merchants,
and checkout, which turns the cart into orders (one per merchant and kind).

Writes Cart and CartLine (events cart.line_added, cart.line_updated, cart.line_removed,
cart.cleared); checkout writes the orders through place_orders. Error codes:
invalid_quantity, cart_full, slot_required, slot_not_allowed (422); sku_not_found,
slot_not_found, cart_line_not_found (404); not_purchasable, cart_empty (409).
What may be added is catalog's one purchasable rule (catalog.selectors).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from o2o.catalog import selectors as catalog
from o2o.catalog.models import BookingMode, ProductKind, Sku
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.inventory.models import Slot
from o2o.orders.models import Cart, CartLine, Order
from o2o.orders.services.checkout import MAX_LINES, MAX_QUANTITY, Item, place_orders, quote_orders
from o2o.orders.services.priced import CheckoutPrice

MAX_CART_LINES = MAX_LINES


def get_cart(customer) -> Cart:
    cart = Cart.objects.filter(customer=customer).first()
    if cart is None:
        now = clock.now()
        try:
            with transaction.atomic():
                cart = Cart.objects.create(customer=customer, created_at=now, updated_at=now)
        except IntegrityError:  # created by a concurrent request
            cart = Cart.objects.get(customer=customer)
    return cart


def cart_lines(customer) -> list[CartLine]:
    """The cart's lines with their SKU, product, merchant and slot loaded (current prices);
    each carries `available`: whether it may be bought now (the catalog's rule)."""
    lines = list(CartLine.objects.filter(cart__customer=customer)
                 .select_related("sku__product__merchant", "slot__store").order_by("id"))
    buyable = catalog.purchasable_sku_pks({ln.sku_id for ln in lines})
    for ln in lines:
        ln.available = ln.sku_id in buyable
    return lines


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"quantity must be 1..{MAX_QUANTITY}", "invalid_quantity")


def _resolve(sku_public_id: str, slot_public_id: str | None) -> tuple[Sku, Slot | None]:
    sku = (Sku.objects.select_related("product__merchant").filter(public_id=sku_public_id).first()
           if looks_like_id(sku_public_id, "sku") else None)
    if sku is None:
        raise NotFound("This SKU is not for sale", "sku_not_found")
    product = sku.product
    catalog.ensure_purchasable(product, sku)
    wants_slot = product.kind == ProductKind.SERVICE and product.booking_mode == BookingMode.SLOT
    if not wants_slot:
        if slot_public_id:
            raise ValidationFailed("This product is not booked in slots", "slot_not_allowed")
        return sku, None
    if not slot_public_id:
        raise ValidationFailed("Choose a time slot for this service", "slot_required")
    slot = (Slot.objects.filter(public_id=slot_public_id, product=product).first()
            if looks_like_id(slot_public_id, "slt") else None)
    if slot is None:
        raise NotFound("No such slot for this service", "slot_not_found")
    return sku, slot


def add_line(customer, sku_public_id: str, quantity: int = 1, slot_public_id: str | None = None) -> CartLine:
    """Add a SKU (and slot) to the cart; the same SKU and slot again adds to its quantity."""
    _check_quantity(quantity)
    sku, slot = _resolve(sku_public_id, slot_public_id)
    cart = get_cart(customer)
    now = clock.now()
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).update(updated_at=now)  # serialize edits
        line = CartLine.objects.filter(cart=cart, sku=sku, slot=slot).first()
        if line is not None:
            if not CartLine.objects.filter(pk=line.pk, quantity__lte=MAX_QUANTITY - quantity).update(
                    quantity=F("quantity") + quantity, updated_at=now):
                raise ValidationFailed(f"quantity must be 1..{MAX_QUANTITY}", "invalid_quantity")
            line.refresh_from_db()
        else:
            if CartLine.objects.filter(cart=cart).count() >= MAX_CART_LINES:
                raise ValidationFailed(f"A cart holds at most {MAX_CART_LINES} lines", "cart_full")
            line = CartLine.objects.create(cart=cart, sku=sku, slot=slot, quantity=quantity,
                                           created_at=now, updated_at=now)
        events.emit("cart.line_added", cart, {"sku": sku.public_id, "quantity": quantity})
    return line


def _own_line(customer, line_public_id: str) -> CartLine:
    line = (CartLine.objects.select_related("cart", "sku__product").filter(
        cart__customer=customer, public_id=line_public_id).first()
        if looks_like_id(line_public_id, "crt") else None)
    if line is None:
        raise NotFound("No such cart line", "cart_line_not_found")
    return line


def update_line(customer, line_public_id: str, *, quantity: int | None = None,
                slot_public_id: str | None = None) -> CartLine:
    line = _own_line(customer, line_public_id)
    fields = ["updated_at"]
    if quantity is not None:
        _check_quantity(quantity)
        line.quantity = quantity
        fields.append("quantity")
    if slot_public_id is not None:
        _, slot = _resolve(line.sku.public_id, slot_public_id)
        line.slot = slot
        fields.append("slot")
    line.updated_at = clock.now()
    with transaction.atomic():
        line.save(update_fields=fields)
        events.emit("cart.line_updated", line.cart, {"line": line.public_id})
    return line


def remove_line(customer, line_public_id: str) -> None:
    line = _own_line(customer, line_public_id)
    with transaction.atomic():
        line.delete()
        events.emit("cart.line_removed", line.cart, {"line": line_public_id})


def clear_cart(customer) -> int:
    cart = Cart.objects.filter(customer=customer).first()
    if cart is None:
        return 0
    with transaction.atomic():
        n, _ = CartLine.objects.filter(cart=cart).delete()
        events.emit("cart.cleared", cart, {"lines": n})
    return n


def _items(lines: list[CartLine], line_ids: list[str] | None) -> tuple[list[CartLine], list[Item]]:
    if line_ids is not None:
        wanted = set(line_ids)
        unknown = wanted - {ln.public_id for ln in lines}
        if unknown:
            raise NotFound("No such cart line", "cart_line_not_found", details={"lines": sorted(unknown)})
        lines = [ln for ln in lines if ln.public_id in wanted]
    if not lines:
        raise Conflict("The cart is empty", "cart_empty")
    return lines, [Item(ln.sku.public_id, ln.quantity, ln.slot.public_id if ln.slot else None) for ln in lines]


def quote_cart(customer, *, line_ids: list[str] | None = None, pickup_store: str | None = None,
               coupons: list[str] | None = None) -> CheckoutPrice:
    """What checking out the cart (or the chosen lines) would charge now; writes nothing."""
    lines = list(CartLine.objects.filter(cart__customer=customer).select_related("sku", "slot").order_by("id"))
    _, items = _items(lines, line_ids)
    return quote_orders(customer, items, pickup_store=pickup_store, coupons=coupons)


def checkout(customer, *, shipping_address: dict | None = None, note: str = "",
             line_ids: list[str] | None = None, pickup_store: str | None = None,
             coupons: list[str] | None = None) -> list[Order]:
    """Turn the cart (or the chosen lines of it) into orders, all or nothing; the lines
    that became orders leave the cart in the same transaction. `coupons` as in
    place_orders (None: the best combination of the customer's coupons).

    The cart row is locked first, so a second submit of the same cart (a double click
    without an Idempotency-Key) waits for the first and then finds its lines gone:
    409 cart_empty, never a second set of orders."""
    with transaction.atomic(savepoint=False):
        cart = Cart.objects.select_for_update().filter(customer=customer).first()
        lines = (list(CartLine.objects.filter(cart=cart).select_related("sku", "slot").order_by("id"))
                 if cart is not None else [])
        lines, items = _items(lines, line_ids)
        orders = place_orders(customer, items, shipping_address=shipping_address, note=note,
                              pickup_store=pickup_store, coupons=coupons)
        CartLine.objects.filter(pk__in=[ln.pk for ln in lines]).delete()
    return orders
