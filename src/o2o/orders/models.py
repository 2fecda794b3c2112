"""Carts, orders and their lines, and the payments applied to orders.

An order belongs to one merchant; a checkout of a cart spanning several merchants
creates one order per merchant sharing a `checkout_group`. Lines snapshot the
title, SKU name and price at the time of purchase, and the pricing pipeline's result
(o2o.marketing.pricing): the SKU's list price, the unit price after a limited-time
price, the discount allocated to the line and who funds it. A line's `line_total_fen`
is its NET: what the customer pays for it (unit price x quantity - discount), the base
of every refund and voucher value. The order's `total_fen` is the lines' net plus the
shipping fee: what the customer pays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from o2o.catalog.models import Product, ProductKind, Sku
from o2o.core import ids
from o2o.merchants.models import Merchant, Store


def _pid(prefix: str):
    # The module-level generator itself (not a fresh closure), so the field default
    # compares equal to the one in the migration and no spurious migration appears.
    return getattr(ids, f"new_{prefix}_id")

class Cart(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("cart"), editable=False)
    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="cart")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"cart of {self.customer_id}"


class CartLine(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("crt"), editable=False)
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    slot = models.ForeignKey("inventory.Slot", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAID = "paid", "Paid"
    READY_FOR_PICKUP = "ready_for_pickup", "Ready for pick-up"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    IN_USE = "in_use", "In use"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"


class OrderKind(models.TextChoices):
    GOODS = "goods", "Goods"
    SERVICE = "service", "Services"


class RefundState(models.TextChoices):
    """How much of what was paid went back to the customer (beside the order's status)."""

    NONE = "none", "Not refunded"
    PARTIAL = "partial", "Partially refunded"
    FULL = "full", "Refunded"


class Order(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("ord"), editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="orders")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING_PAYMENT, db_index=True)
    kind = models.CharField(max_length=8, choices=OrderKind.choices)
    total_fen = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="CNY")
    # {"receiver", "phone", "province", "city", "district", "detail"}; goods orders only.
    shipping_address = models.JSONField(null=True, blank=True)
    # Buy online, collect in store: the store instead of an address (goods orders only).
    pickup_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="pickup_orders")
    # Part of total_fen, computed by the merchant's shipping rule at checkout.
    shipping_fee_fen = models.PositiveIntegerField(default=0)
    # The discount of spend tiers and coupons on this order (the lines' discount_fen) and
    # the part of it the platform pays (the lines' platform_funded_fen); the rest lowers
    # the merchant's revenue. total_fen already has the whole discount taken off.
    discount_fen = models.PositiveIntegerField(default=0)
    platform_subsidy_fen = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True, default="")
    checkout_group = models.CharField(max_length=32, db_index=True)
    payment_deadline = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    gateway_txn_id = models.CharField(max_length=64, blank=True, default="")
    paid_amount_fen = models.PositiveIntegerField(null=True, blank=True)
    # Money back to the customer: the sum of the order's succeeded refunds, recorded by
    # orders.note_refund when payments settles a refund.
    refunded_fen = models.PositiveIntegerField(default=0)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True, default="")  # expired | cancelled
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "payment_deadline"], name="order_status_deadline_idx"),
            models.Index(fields=["merchant", "created_at"], name="order_merchant_created_idx"),
            models.Index(fields=["customer", "id"], name="order_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def refund_state(self) -> str:
        """none | partial | full: full once refunds reach what was paid (or the total of an
        order never marked paid, e.g. a late payment for a closed order, refunded)."""
        if self.refunded_fen <= 0:
            return RefundState.NONE
        paid = self.paid_amount_fen or self.total_fen
        return RefundState.FULL if self.refunded_fen >= paid else RefundState.PARTIAL


class OrderLine(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=_pid("oln"), editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ProductKind.choices)
    title = models.CharField(max_length=120)  # snapshots at the time of purchase
    sku_name = models.CharField(max_length=120, blank=True, default="")
    # The SKU's own price, and the unit price charged after a limited-time price.
    list_unit_price_fen = models.PositiveIntegerField(default=0)
    unit_price_fen = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    # Spend tiers and coupons allocated to this line (largest remainder), and who pays it:
    # merchant_funded_fen + platform_funded_fen == discount_fen.
    discount_fen = models.PositiveIntegerField(default=0)
    merchant_funded_fen = models.PositiveIntegerField(default=0)
    platform_funded_fen = models.PositiveIntegerField(default=0)
    # Net: unit_price_fen * quantity - discount_fen, what the customer paid for the line.
    line_total_fen = models.PositiveIntegerField()
    slot = models.ForeignKey("inventory.Slot", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="order_lines")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="order_lines")
    # A date-flexible service line that took units of the product's VoucherQuota.
    quota_taken = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_fen=models.F("merchant_funded_fen") + models.F("platform_funded_fen")),
                name="order_line_discount_funded"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"

    @property
    def subtotal_fen(self) -> int:
        """Before spend tiers and coupons: unit price x quantity."""
        return self.unit_price_fen * self.quantity

    def unit_share_fen(self, amount_fen: int, seq: int) -> int:
        """Unit `seq` (1-based) of `amount_fen` split over the line's units by largest
        remainder: equal parts, the first `amount % quantity` units one fen more, so the
        units sum exactly to the amount."""
        base, extra = divmod(amount_fen, self.quantity)
        return base + (1 if seq <= extra else 0)

    def net_of_units_fen(self, units: int) -> int:
        """What `units` of the line were paid: their share of the net, rounded up (the
        rounding fen goes to the customer; what is left of the line caps later refunds,
        so all units together never return more than the net)."""
        return -(-self.line_total_fen * units // self.quantity)


class PaymentRecord(models.Model):
    """A gateway transaction applied to an order. Unique per transaction id, so a
    notification delivered many times credits the order once."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway_txn_id = models.CharField(max_length=64, unique=True)
    amount_fen = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.gateway_txn_id} -> {self.order_id}"
