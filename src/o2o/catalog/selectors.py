"""Read helpers of the catalog, for the API and for other apps (orders, ledger, search).

The one purchasable rule lives here: `purchase_block` (why a SKU cannot be bought now),
`ensure_purchasable` (the same as an error) and `purchasable_products` (the same as a
queryset). Cart, checkout, search indexing, product pages and the slots API all use it.
Errors: 404 product_not_found / sku_not_found (not public), 409 not_purchasable (public
but not on sale now: the sale ended or no store can serve it).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from o2o.catalog.models import Category, Product, ProductImage, ProductKind, ProductStatus, Sku
from o2o.core import clock
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants.models import Merchant, MerchantStatus, Store
from o2o.merchants.selectors import public_merchant  # also used as catalog.public_merchant


def public_products() -> QuerySet[Product]:
    """Published products of ACTIVE merchants: a suspended merchant's products vanish.
    Public is what may be shown; `purchasable_products` is what may be bought now."""
    return Product.objects.filter(status=ProductStatus.PUBLISHED, merchant__status=MerchantStatus.ACTIVE)


def public_product_pks(public_ids: list[str]) -> dict[str, int]:
    """The primary keys of those of these public ids that name a public product: one query."""
    return dict(public_products().filter(public_id__in=public_ids).values_list("public_id", "pk"))


def with_listing_fields(qs: QuerySet[Product]) -> QuerySet[Product]:
    """Adds `min_price_fen` (cheapest active SKU) and `cover_url` (first image) without N+1."""
    cheapest = (Sku.objects.filter(product=OuterRef("pk"), is_active=True)
                .order_by("price_fen").values("price_fen")[:1])
    cover = (ProductImage.objects.filter(product=OuterRef("pk"))
             .order_by("position", "id").values("url")[:1])
    return qs.select_related("merchant", "category").annotate(
        min_price_fen=Subquery(cheapest), cover_url=Subquery(cover))


def get_public_product(public_id: str) -> Product:
    """A public product with its active SKUs and images, or 404."""
    if not looks_like_id(public_id, "prd"):
        raise NotFound("no such product", "product_not_found")
    product = (with_listing_fields(public_products())
               .prefetch_related(Prefetch("skus", queryset=Sku.objects.filter(is_active=True),
                                          to_attr="active_skus"), "images")
               .filter(public_id=public_id).first())
    if product is None:
        raise NotFound("no such product", "product_not_found")
    return product


def usable_stores(product: Product) -> QuerySet[Store]:
    """Active stores of the product's merchant where a service can be used."""
    if product.all_stores:
        return Store.objects.filter(merchant_id=product.merchant_id, is_active=True)
    return product.stores.filter(is_active=True, merchant_id=product.merchant_id)


# --- the purchasable rule -------------------------------------------------------------
# Reasons a public product cannot be bought now. Anything else (draft, unpublished, a
# merchant not active, an inactive SKU) is not public at all and answers 404.
SALE_ENDED = "sale_ended"  # past valid_until: a voucher sold now could never be used
NO_STORE = "no_store"  # a service that no active store of its merchant offers
HIDDEN = "not_public"


def purchase_block(product: Product, sku: Sku | None = None, *, now: dt.datetime | None = None) -> str | None:
    """Why `sku` of `product` (or the product, without a SKU) cannot be bought right now,
    or None when it can. Stock and capacity are inventory's, not part of this rule."""
    if (not product.is_published or product.merchant.status != MerchantStatus.ACTIVE
            or (sku is not None and (sku.product_id != product.pk or not sku.is_active))):
        return HIDDEN
    if product.valid_until is not None and product.valid_until <= (now or clock.now()):
        return SALE_ENDED
    if product.kind == ProductKind.SERVICE and not usable_stores(product).exists():
        return NO_STORE
    return None


def is_purchasable(product: Product, sku: Sku | None = None) -> bool:
    return purchase_block(product, sku) is None


def ensure_purchasable(product: Product, sku: Sku | None = None, *, now: dt.datetime | None = None) -> None:
    """Raise the rule's error: 404 when not public, 409 not_purchasable when not on sale."""
    reason = purchase_block(product, sku, now=now)
    if reason is None:
        return
    if reason == HIDDEN:
        if sku is None:
            raise NotFound("no such product", "product_not_found")
        raise NotFound("This SKU is not for sale", "sku_not_found", details={"sku": sku.public_id})
    message = ("This deal has ended and is no longer on sale" if reason == SALE_ENDED
               else "No store offers this service at the moment")
    raise Conflict(message, "not_purchasable", details={
        "product": product.public_id, **({"sku": sku.public_id} if sku is not None else {}),
        "reason": reason})


def purchasable_products(*, now: dt.datetime | None = None) -> QuerySet[Product]:
    """`purchase_block(product) is None` as a queryset (tests hold the two to the same cases)."""
    stores = Store.objects.filter(merchant_id=OuterRef("merchant_id"), is_active=True)
    listed = Product.stores.through.objects.filter(
        product_id=OuterRef("pk"), store__is_active=True, store__merchant_id=OuterRef("merchant_id"))
    served = Q(kind=ProductKind.GOODS) | Q(all_stores=True, has_store=True) | Q(all_stores=False, has_listed=True)
    return (public_products()
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now or clock.now()))
            .alias(has_store=Exists(stores), has_listed=Exists(listed)).filter(served))


def purchasable_sku_pks(sku_pks: set[int] | list[int], *, now: dt.datetime | None = None) -> set[int]:
    """Which of these SKUs may be bought now, in one query (cart pages, checkout)."""
    if not sku_pks:
        return set()
    return set(Sku.objects.filter(pk__in=sku_pks, is_active=True,
                                  product__in=purchasable_products(now=now)).values_list("pk", flat=True))


def commission_rate_bp(product: Product) -> int:
    """The platform's rate for this product, in basis points: the nearest category (or
    ancestor) override, else the merchant's rate."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    rates = dict(Category.objects.filter(commission_rate_bp__isnull=False)
                 .values_list("pk", "commission_rate_bp"))
    pk, seen = product.category_id, set()
    while pk is not None and pk not in seen:
        if pk in rates:
            return rates[pk]
        seen.add(pk)
        pk = parents.get(pk)
    return Merchant.objects.values_list("commission_rate_bp", flat=True).get(pk=product.merchant_id)


def descendant_pks(category: Category) -> set[int]:
    """Primary keys of `category` and everything below it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    todo = [category.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def category_tree() -> list[dict]:
    """The whole tree as nested dicts: id, name, name_en, slug, position, children."""
    nodes: dict[int, dict] = {}
    parent_of: dict[int, int | None] = {}
    for c in Category.objects.order_by("position", "id"):
        nodes[c.pk] = {"id": c.public_id, "name": c.name, "name_en": c.name_en, "slug": c.slug,
                       "position": c.position, "children": []}
        parent_of[c.pk] = c.parent_id
    roots = []
    for pk, node in nodes.items():
        parent = parent_of[pk]
        (nodes[parent]["children"] if parent in nodes else roots).append(node)
    return roots


def browse(*, kind: str | None = None, category_id: str | None = None,
           merchant_id: str | None = None, min_price: int | None = None,
           max_price: int | None = None, q: str | None = None) -> QuerySet[Product]:
    """Public products filtered like the storefront does. A price bound matches products
    with at least one active SKU inside the range."""
    qs = public_products()
    if kind:
        qs = qs.filter(kind=kind)
    if category_id:
        if not looks_like_id(category_id, "cat"):
            raise NotFound("no such category", "category_not_found")
        category = Category.objects.filter(public_id=category_id).first()
        if category is None:
            raise NotFound("no such category", "category_not_found")
        qs = qs.filter(category_id__in=descendant_pks(category))
    if merchant_id:
        qs = qs.filter(merchant=public_merchant(merchant_id))
    if min_price is not None and max_price is not None and min_price > max_price:
        raise ValidationFailed("min_price must not exceed max_price", "invalid_price_range")
    if min_price is not None or max_price is not None:
        skus = Sku.objects.filter(is_active=True)
        if min_price is not None:
            skus = skus.filter(price_fen__gte=min_price)
        if max_price is not None:
            skus = skus.filter(price_fen__lte=max_price)
        qs = qs.filter(pk__in=skus.values("product_id"))
    if q and q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return with_listing_fields(qs)


def merchant_products(merchant: Merchant) -> QuerySet[Product]:
    """Every product of a merchant, whatever its status (the merchant console)."""
    return with_listing_fields(Product.objects.filter(merchant=merchant))
