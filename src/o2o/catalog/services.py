"""Every write of the catalog: categories (operators), products, SKUs and images
(the merchant owner). Each write is one transaction with its outbox event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from o2o.accounts.models import User
from o2o.catalog import rules, selectors
from o2o.catalog.models import Category, Product, ProductImage, ProductKind, ProductStatus, Sku
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id, new_id
from o2o.merchants.access import require_operator
from o2o.merchants.models import Merchant, Store

# --------------------------------------------------------------------------- lookups


def _by_public_id(qs, public_id: Any, what: str, *, lock: bool = False):
    """The row of `qs` with this public id, or 404 (malformed ids too: they reveal nothing)."""
    prefix = {"category": "cat", "product": "prd", "sku": "sku", "image": "img", "store": "sto"}[what]
    if not looks_like_id(public_id, prefix):
        raise NotFound(f"no such {what}", f"{what}_not_found")
    if lock:
        qs = qs.select_for_update()
    obj = qs.filter(public_id=public_id).first()
    if obj is None:
        raise NotFound(f"no such {what}", f"{what}_not_found")
    return obj


def get_category(public_id: str) -> Category:
    return _by_public_id(Category.objects.all(), public_id, "category")


def merchant_product(merchant: Merchant, product_id: str, *, lock: bool = False) -> Product:
    """A product of this merchant; another merchant's id answers 404."""
    return _by_public_id(Product.objects.filter(merchant=merchant), product_id, "product", lock=lock)


def _product_sku(product: Product, sku_id: str, *, lock: bool = False) -> Sku:
    return _by_public_id(Sku.objects.filter(product=product), sku_id, "sku", lock=lock)


def _merchant_stores(merchant: Merchant, store_ids: Any) -> list[Store]:
    if not isinstance(store_ids, list | tuple) or len(store_ids) > 500:
        raise ValidationFailed("store_ids must be a list of store ids", "invalid_store_ids")
    wanted = list(dict.fromkeys(store_ids))  # de-duplicated, order kept
    if not all(looks_like_id(sid, "sto") for sid in wanted):
        raise NotFound("no such store", "store_not_found")
    found = {s.public_id: s for s in Store.objects.filter(merchant=merchant, public_id__in=wanted)}
    if len(found) != len(wanted):
        raise NotFound("no such store", "store_not_found")
    return [found[sid] for sid in wanted]


# --------------------------------------------------------------------------- categories


def _category_fields(category: Category, data: dict) -> None:
    if "name" in data:
        category.name = rules.text(data["name"], "name", max_len=60, required=True)
    if "name_en" in data:
        category.name_en = rules.text(data["name_en"], "name_en", max_len=60)
    if "position" in data:
        category.position = rules.integer(data["position"], "position", hi=1_000_000)
    if "commission_rate_bp" in data:
        category.commission_rate_bp = rules.integer(data["commission_rate_bp"], "commission_rate_bp",
                                                    hi=10_000, nullable=True)
    if data.get("slug") is not None:
        category.slug = rules.slug(data["slug"])


def _save_category(category: Category) -> None:
    if Category.objects.filter(slug=category.slug).exclude(pk=category.pk).exists():
        raise Conflict("this slug is taken", "slug_taken")
    category.save()


def create_category(operator: User, data: dict) -> Category:
    """data: name (required), name_en, slug, parent_id, position, commission_rate_bp."""
    require_operator(operator)
    category = Category(name="")
    if "name" not in data:
        raise ValidationFailed("name is required", "name_required")
    _category_fields(category, data)
    if not category.slug:
        category.slug = slugify(category.name)[:40] or new_id("cat").replace("_", "-")
        if Category.objects.filter(slug=category.slug).exists():
            category.slug = f"{category.slug[:40]}-{new_id('cat')[4:12]}"
    try:
        with transaction.atomic():
            if data.get("parent_id") is not None:
                category.parent = get_category(data["parent_id"])
            _save_category(category)
            events.emit("category.created", category, {"name": category.name,
                                                       "parent_id": _public(category.parent)})
    except IntegrityError as exc:  # a concurrent create took the slug
        raise Conflict("this slug is taken", "slug_taken") from exc
    return category


def update_category(operator: User, category_id: str, data: dict) -> Category:
    """Rename, re-rank, change the commission override, or move (data["parent_id"]; None = root)."""
    require_operator(operator)
    try:
        with transaction.atomic():
            category = _by_public_id(Category.objects.all(), category_id, "category", lock=True)
            _category_fields(category, data)
            moved = False
            if "parent_id" in data:
                parent = None
                if data["parent_id"] is not None:
                    parent = get_category(data["parent_id"])
                    if parent.pk in selectors.descendant_pks(category):
                        raise Conflict("a category cannot move under itself or its descendants",
                                       "category_cycle")
                moved = parent != category.parent
                category.parent = parent
            _save_category(category)
            events.emit("category.moved" if moved else "category.updated", category,
                        {"fields": sorted(data), "parent_id": _public(category.parent)})
    except IntegrityError as exc:
        raise Conflict("this slug is taken", "slug_taken") from exc
    return category


def move_category(operator: User, category_id: str, parent_id: str | None) -> Category:
    return update_category(operator, category_id, {"parent_id": parent_id})


def delete_category(operator: User, category_id: str) -> None:
    """Only an empty category (no sub-categories, no products) may go."""
    require_operator(operator)
    with transaction.atomic():
        category = _by_public_id(Category.objects.all(), category_id, "category", lock=True)
        if category.children.exists() or category.products.exists():
            raise Conflict("the category still holds sub-categories or products",
                           "category_not_empty")
        events.emit("category.deleted", category, {"name": category.name})
        category.delete()


def _public(obj) -> str | None:
    return obj.public_id if obj is not None else None


# --------------------------------------------------------------------------- products

_PRODUCT_TEXT = ("title", "title_en", "description")
_PRODUCT_PLAIN = ("weight_grams", "booking_mode", "duration_minutes", "uses_per_voucher",
                  "validity_days", "valid_from", "valid_until", "refund_anytime",
                  "auto_refund_on_expiry", "all_stores")


def _apply_product_data(product: Product, data: dict) -> list[Store] | None:
    """Copy `data` onto `product` and check it; returns the new store list when it changes."""
    if product.kind == ProductKind.GOODS:
        extra = [f for f in rules.SERVICE_FIELDS if data.get(f) is not None]
        if extra:
            raise ValidationFailed(f"goods take no service fields: {', '.join(extra)}",
                                   "service_fields_on_goods")
    elif any(data.get(f) is not None for f in rules.GOODS_FIELDS):
        raise ValidationFailed("a service takes no goods fields (weight_grams)",
                               "goods_fields_on_service")
    for field in (*_PRODUCT_TEXT, *_PRODUCT_PLAIN):
        if field in data:
            value = data[field]
            if value is None and field in _PRODUCT_TEXT + ("booking_mode",):
                value = ""
            if value is None and field in ("uses_per_voucher", "refund_anytime",
                                           "auto_refund_on_expiry", "all_stores"):
                continue  # null means "keep the default"
            setattr(product, field, value)
    if "category_id" in data:
        product.category = (get_category(data["category_id"])
                            if data["category_id"] is not None else None)
    stores = None
    if data.get("store_ids") is not None:
        stores = _merchant_stores(product.merchant, data["store_ids"])
        if data.get("all_stores") is None:
            product.all_stores = not stores
        elif product.all_stores and stores:
            raise ValidationFailed("give all_stores=true or a list of store_ids, not both",
                                   "stores_conflict")
    if product.kind == ProductKind.SERVICE and not product.all_stores:
        if stores is None and (product.pk is None or not product.stores.exists()):
            raise ValidationFailed("a service for some stores needs store_ids", "stores_required")
        if stores is not None and not stores:
            raise ValidationFailed("a service for some stores needs store_ids", "stores_required")
    rules.check_product(product)
    return stores


def create_product(merchant: Merchant, data: dict) -> Product:
    """A draft product. data: kind (GOODS|SERVICE), title, title_en, description, category_id,
    weight_grams (goods); booking_mode, duration_minutes, uses_per_voucher, validity_days |
    valid_from+valid_until, refund_anytime, auto_refund_on_expiry, all_stores, store_ids (services).
    """
    kind = data.get("kind")
    if kind not in ProductKind.values:
        raise ValidationFailed("kind must be GOODS or SERVICE", "invalid_kind")
    now = clock.now()
    product = Product(merchant=merchant, kind=kind, title="", created_at=now, updated_at=now)
    if "title" not in data:
        raise ValidationFailed("title is required", "title_required")
    with transaction.atomic():
        stores = _apply_product_data(product, data)
        product.save()
        if stores:
            product.stores.set(stores)
        events.emit("product.created", product, {"kind": kind, "title": product.title},
                    merchant_id=merchant.public_id)
    return product


def update_product(merchant: Merchant, product_id: str, data: dict) -> Product:
    """Change some fields (only the keys present in `data`). The kind never changes."""
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        if "kind" in data and data["kind"] != product.kind:
            raise Conflict("a product's kind cannot change after creation", "kind_immutable")
        stores = _apply_product_data(product, data)
        product.updated_at = clock.now()
        product.save()
        if stores is not None:
            product.stores.set(stores)
        elif product.all_stores and product.kind == ProductKind.SERVICE:
            product.stores.clear()
        if product.is_published:
            _check_publishable(product)  # a live product must stay sellable
        events.emit("product.updated", product, {"fields": sorted(data)},
                    merchant_id=merchant.public_id)
    return product


def _check_publishable(product: Product) -> None:
    if not product.merchant.is_active:
        raise Conflict("the merchant is not active", "merchant_not_active")
    if not product.skus.filter(is_active=True).exists():
        raise Conflict("the product needs at least one active SKU", "product_has_no_sku")
    try:
        rules.check_product(product)
    except ValidationFailed as exc:
        raise Conflict(f"the product is incomplete: {exc.message}", "product_incomplete",
                       details={"reason": exc.code}) from exc
    if product.valid_until is not None and product.valid_until <= clock.now():
        raise Conflict("the service's validity window has ended", "validity_window_ended")
    if product.kind == ProductKind.SERVICE and not selectors.usable_stores(product).exists():
        raise Conflict("the service needs at least one active store", "service_has_no_store")


def publish(merchant: Merchant, product_id: str) -> Product:
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        if product.is_published:
            raise Conflict("the product is already published", "already_published")
        _check_publishable(product)
        now = clock.now()
        product.status, product.published_at, product.updated_at = ProductStatus.PUBLISHED, now, now
        product.save(update_fields=["status", "published_at", "updated_at"])
        events.emit("product.published", product, {"kind": product.kind},
                    merchant_id=merchant.public_id)
    return product


def unpublish(merchant: Merchant, product_id: str) -> Product:
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        if not product.is_published:
            raise Conflict("the product is not published", "not_published")
        product.status, product.updated_at = ProductStatus.UNPUBLISHED, clock.now()
        product.save(update_fields=["status", "updated_at"])
        events.emit("product.unpublished", product, {}, merchant_id=merchant.public_id)
    return product


# --------------------------------------------------------------------------- SKUs


def _apply_sku_data(sku: Sku, data: dict) -> None:
    if "name" in data:
        sku.name = rules.text(data["name"], "name", max_len=120)
    if "code" in data:
        sku.code = rules.text(data["code"], "code", max_len=64)
    if "price_fen" in data:
        sku.price_fen = rules.price(data["price_fen"])
    if "original_price_fen" in data:
        sku.original_price_fen = rules.price(data["original_price_fen"], "original_price_fen",
                                             nullable=True)
    if "attributes" in data:
        sku.attributes = rules.attributes(data["attributes"])
    if "position" in data:
        sku.position = rules.integer(data["position"], "position", hi=1_000_000)
    if "is_active" in data:
        sku.is_active = rules.boolean(data["is_active"], "is_active")
    if sku.original_price_fen is not None and sku.original_price_fen < sku.price_fen:
        raise ValidationFailed("original_price_fen must not be below price_fen",
                               "original_price_below_price")
    if sku.code and Sku.objects.filter(product_id=sku.product_id, code=sku.code).exclude(
            pk=sku.pk).exists():
        raise Conflict("another SKU of this product has this code", "sku_code_taken")


def add_sku(merchant: Merchant, product_id: str, data: dict) -> Sku:
    """data: price_fen (required), name, code, original_price_fen, attributes, position."""
    if "price_fen" not in data:
        raise ValidationFailed("price_fen is required", "price_required")
    try:
        with transaction.atomic():
            product = merchant_product(merchant, product_id, lock=True)
            now = clock.now()
            sku = Sku(product=product, price_fen=0, created_at=now, updated_at=now)
            _apply_sku_data(sku, data)
            sku.save()
            events.emit("sku.created", sku, {"product_id": product.public_id,
                                             "price_fen": sku.price_fen},
                        merchant_id=merchant.public_id)
    except IntegrityError as exc:  # a concurrent add took the code
        raise Conflict("another SKU of this product has this code", "sku_code_taken") from exc
    return sku


def _guard_last_sku(product: Product, sku: Sku) -> None:
    if (product.is_published and not sku.is_active
            and not product.skus.filter(is_active=True).exclude(pk=sku.pk).exists()):
        raise Conflict("a published product keeps at least one active SKU; unpublish it first",
                       "last_active_sku")


def update_sku(merchant: Merchant, product_id: str, sku_id: str, data: dict) -> Sku:
    try:
        with transaction.atomic():
            product = merchant_product(merchant, product_id, lock=True)
            sku = _product_sku(product, sku_id, lock=True)
            _apply_sku_data(sku, data)
            _guard_last_sku(product, sku)
            sku.updated_at = clock.now()
            sku.save()
            events.emit("sku.updated", sku, {"product_id": product.public_id,
                                             "fields": sorted(data)},
                        merchant_id=merchant.public_id)
    except IntegrityError as exc:
        raise Conflict("another SKU of this product has this code", "sku_code_taken") from exc
    return sku


def deactivate_sku(merchant: Merchant, product_id: str, sku_id: str) -> Sku:
    """SKUs are never deleted (orders point at them); a deactivated SKU is no longer sold."""
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        sku = _product_sku(product, sku_id, lock=True)
        if not sku.is_active:
            return sku
        sku.is_active = False
        _guard_last_sku(product, sku)
        sku.updated_at = clock.now()
        sku.save(update_fields=["is_active", "updated_at"])
        events.emit("sku.deactivated", sku, {"product_id": product.public_id},
                    merchant_id=merchant.public_id)
    return sku


# --------------------------------------------------------------------------- images


def add_image(merchant: Merchant, product_id: str, url: str, alt: str = "") -> ProductImage:
    url = rules.image_url(url)
    alt = rules.text(alt, "alt", max_len=200)
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        existing = list(product.images.values_list("position", flat=True))
        if len(existing) >= rules.MAX_IMAGES:
            raise Conflict(f"a product has at most {rules.MAX_IMAGES} images", "too_many_images")
        image = ProductImage.objects.create(product=product, url=url, alt=alt,
                                            position=max(existing, default=-1) + 1)
        events.emit("image.added", image, {"product_id": product.public_id, "url": url},
                    merchant_id=merchant.public_id)
    return image


def remove_image(merchant: Merchant, product_id: str, image_id: str) -> None:
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        image = _by_public_id(product.images.all(), image_id, "image")
        events.emit("image.removed", image, {"product_id": product.public_id},
                    merchant_id=merchant.public_id)
        image.delete()


def reorder_images(merchant: Merchant, product_id: str, image_ids: Iterable[str]) -> list[ProductImage]:
    """image_ids: every image of the product, in the new order."""
    image_ids = list(image_ids)
    with transaction.atomic():
        product = merchant_product(merchant, product_id, lock=True)
        images = {img.public_id: img for img in product.images.all()}
        if len(image_ids) != len(set(image_ids)) or set(image_ids) != set(images):
            raise ValidationFailed("give every image of the product exactly once",
                                   "image_set_mismatch")
        for position, public_id in enumerate(image_ids):
            images[public_id].position = position
        ProductImage.objects.bulk_update(images.values(), ["position"])
        events.emit("image.reordered", product, {"image_ids": image_ids},
                    merchant_id=merchant.public_id)
    return [images[i] for i in image_ids]
