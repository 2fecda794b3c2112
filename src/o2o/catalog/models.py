from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from o2o.core.ids import id_factory
from o2o.merchants.models import Merchant, Store


class Category(models.Model):
    """A node of the platform-wide category tree."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("cat"), editable=False)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children")
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=60)
    name_en = models.CharField(max_length=60, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    # Overrides the merchant's commission rate for products in this category.
    commission_rate_bp = models.PositiveIntegerField(null=True, blank=True,
                                                     validators=[MaxValueValidator(10000)])

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    GOODS = "GOODS", "Goods (shipped)"
    SERVICE = "SERVICE", "Local service (voucher)"


class BookingMode(models.TextChoices):
    SLOT = "slot", "Booked time slot"
    VOUCHER = "voucher", "Date-flexible voucher"


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class Product(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=id_factory("prd"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="products")
    kind = models.CharField(max_length=8, choices=ProductKind.choices)
    title = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120, blank=True, default="")
    description = models.TextField(blank=True, default="")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="products")
    status = models.CharField(max_length=12, choices=ProductStatus.choices,
                              default=ProductStatus.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # --- goods ---
    weight_grams = models.PositiveIntegerField(null=True, blank=True)

    # --- services ---
    booking_mode = models.CharField(max_length=8, choices=BookingMode.choices, blank=True, default="")
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    uses_per_voucher = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    # Validity: N days after purchase, or a fixed window (valid_from .. valid_until).
    validity_days = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    refund_anytime = models.BooleanField(default=True)
    auto_refund_on_expiry = models.BooleanField(default=True)
    all_stores = models.BooleanField(default=True)
    stores = models.ManyToManyField(Store, blank=True, related_name="products")

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "kind"], name="product_status_kind_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_service(self) -> bool:
        return self.kind == ProductKind.SERVICE

    @property
    def is_published(self) -> bool:
        return self.status == ProductStatus.PUBLISHED


class Sku(models.Model):
    """A variant of a product with its own price (in fen) and attributes."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("sku"), editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=120, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    price_fen = models.PositiveIntegerField()
    original_price_fen = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="CNY")
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_fen__gte=0), name="sku_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(original_price_fen__isnull=True)
                | models.Q(original_price_fen__gte=models.F("price_fen")),
                name="sku_original_price_not_below_price"),
            # A merchant's own code (barcode, article number) names one SKU of a product.
            models.UniqueConstraint(fields=["product", "code"], condition=~models.Q(code=""),
                                    name="sku_code_unique_per_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} {self.name}".strip()


class ProductImage(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=id_factory("img"), editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    url = models.CharField(max_length=500, blank=True, default="")
    file = models.FileField(upload_to="products/%Y/%m/", blank=True)
    alt = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt or self.url or self.file.name
