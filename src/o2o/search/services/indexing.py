"""Writing the search index: documents, listings and the Latin vocabulary.

Everything here derives rows from the source tables (catalog, merchants, reviews,
orders); it is idempotent, so running it twice or out of order converges on the
same index. Callers: the outbox subscribers (handlers.py), `o2o search reindex`,
and tests (reindex_product).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Sum

from o2o.catalog import selectors as catalog
from o2o.catalog.models import Category, Product, ProductImage, ProductKind, Sku
from o2o.core import clock
from o2o.merchants import geo as store_geo
from o2o.merchants.models import Merchant, MerchantStatus, Store
from o2o.orders.models import OrderLine
from o2o.reviews.rating import bayesian
from o2o.reviews.services import rating_totals
from o2o.search import conf, text
from o2o.search.models import DocType, Listing, SearchDocument, SearchTerm


def _recent_sales(product_pk: int) -> int:
    since = clock.now() - dt.timedelta(days=conf.SALES_DAYS)
    total = (OrderLine.objects.filter(product_id=product_pk, order__paid_at__gte=since)
             .aggregate(n=Sum("quantity"))["n"])
    return int(total or 0)


def _store_h3(store: Store) -> tuple[str, str, str]:
    import h3

    lat, lng = float(store.latitude), float(store.longitude)
    return (h3.latlng_to_cell(lat, lng, 8), store.h3_coarse or store_geo.cells(lat, lng)[1],
            h3.latlng_to_cell(lat, lng, 5))


def _add_terms(tokens: Iterable[str]) -> None:
    """Record Latin words in the vocabulary (never removed here; a full rebuild prunes)."""
    latin = {t for t in tokens if text.is_latin(t) and len(t) >= 3 and not t.isdigit()}
    if not latin:
        return
    known = set(SearchTerm.objects.filter(term__in=latin).values_list("term", flat=True))
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=t, first=t[0], length=len(t), doc_count=1) for t in sorted(latin - known)],
        ignore_conflicts=True)


def _is_purchasable(product: Product) -> bool:
    """Only what may be bought is found: the catalog's one rule (an ended deal drops out)."""
    return catalog.purchase_block(product) is None


def _usable_stores(product: Product) -> list[Store]:
    qs = Store.objects.filter(merchant_id=product.merchant_id, is_active=True)
    if not product.all_stores:
        qs = qs.filter(pk__in=product.stores.values("pk"))
    return list(qs)


def reindex_product(product_id: int | str) -> SearchDocument | None:
    """Bring the product's document and listings in line with the source tables.
    Takes a primary key or a public id; returns the document, or None if not purchasable."""
    lookup = {"public_id": product_id} if isinstance(product_id, str) else {"pk": product_id}
    with transaction.atomic():
        product = Product.objects.select_related("merchant", "category").filter(**lookup).first()
        if product is None or not _is_purchasable(product):
            if product is not None:
                SearchDocument.objects.filter(doc_type=DocType.PRODUCT, object_pk=product.pk).delete()
            return None
        skus = list(Sku.objects.filter(product=product, is_active=True).values_list("name", "price_fen"))
        category: Category | None = product.category
        tokens = text.index_tokens(product.title, product.title_en, product.description,
                                   " ".join(name for name, _ in skus), category.name if category else "",
                                   category.name_en if category else "", product.merchant.name,
                                   product.merchant.name_en)
        title_tokens = text.index_tokens(product.title, product.title_en)
        count, total = rating_totals("product", product.pk)
        cover = (ProductImage.objects.filter(product=product).order_by("position", "id")
                 .values_list("url", flat=True).first()) or ""
        fields = {
            "public_id": product.public_id, "merchant_pk": product.merchant_id,
            "merchant_public_id": product.merchant.public_id, "title": product.title[:200],
            "subtitle": product.merchant.name[:200], "tokens": " ".join(tokens),
            "title_tokens": " ".join(title_tokens), "kind": product.kind,
            "booking_mode": product.booking_mode or "", "category_pk": product.category_id,
            "category_public_id": category.public_id if category else "",
            "min_price_fen": min((p for _, p in skus), default=None),
            "rating_count": count, "rating_sum": total, "rating_bayes": bayesian(count, total),
            "sales_recent": _recent_sales(product.pk), "cover_url": cover[:500],
            "updated_at": clock.now(),
        }
        doc, _ = SearchDocument.objects.update_or_create(
            doc_type=DocType.PRODUCT, object_pk=product.pk, defaults=fields)
        _sync_listings(doc, product)
        _add_terms(tokens)
    return doc


def _sync_listings(doc: SearchDocument, product: Product) -> None:
    stores = _usable_stores(product) if product.kind == ProductKind.SERVICE else []
    Listing.objects.filter(document=doc).exclude(store_pk__in=[s.pk for s in stores]).delete()
    for store in stores:
        r8, r7, r5 = _store_h3(store)
        Listing.objects.update_or_create(product_pk=product.pk, store_pk=store.pk, defaults={
            "document": doc, "merchant_pk": product.merchant_id,
            "product_public_id": product.public_id, "store_public_id": store.public_id,
            "title": doc.title, "store_name": store.name[:100], "kind": product.kind,
            "booking_mode": doc.booking_mode, "category_pk": doc.category_pk,
            "price_fen": doc.min_price_fen, "lat": float(store.latitude), "lng": float(store.longitude),
            "h3_r8": r8, "h3_r7": r7, "h3_r5": r5, "time_zone": store.time_zone,
            "opening_hours": store.opening_hours or {}, "rating_bayes": doc.rating_bayes,
            "rating_count": doc.rating_count, "sales_recent": doc.sales_recent, "tokens": doc.tokens})


def _index_merchant_doc(merchant: Merchant) -> list[str]:
    """Write the (active) merchant's own document; returns its tokens."""
    tokens = text.index_tokens(merchant.name, merchant.name_en, merchant.business_type, merchant.description)
    count, total = rating_totals("merchant", merchant.pk)
    SearchDocument.objects.update_or_create(doc_type=DocType.MERCHANT, object_pk=merchant.pk, defaults={
        "public_id": merchant.public_id, "merchant_pk": merchant.pk,
        "merchant_public_id": merchant.public_id, "title": merchant.name[:200],
        "subtitle": merchant.business_type[:200], "tokens": " ".join(tokens),
        "title_tokens": " ".join(text.index_tokens(merchant.name, merchant.name_en)),
        "rating_count": count, "rating_sum": total, "rating_bayes": bayesian(count, total),
        "updated_at": clock.now()})
    return tokens


def reindex_merchant(merchant_id: int | str) -> None:
    """The merchant's own document and every one of its products (suspension hides them all)."""
    lookup = {"public_id": merchant_id} if isinstance(merchant_id, str) else {"pk": merchant_id}
    with transaction.atomic():
        merchant = Merchant.objects.filter(**lookup).first()
        if merchant is None:
            return
        if merchant.status != MerchantStatus.ACTIVE:
            SearchDocument.objects.filter(merchant_pk=merchant.pk).delete()
            return
        _add_terms(_index_merchant_doc(merchant))
        for pk in Product.objects.filter(merchant=merchant).values_list("pk", flat=True):
            reindex_product(pk)


def reindex_store(store_id: int | str) -> None:
    """A store moved, changed hours, or closed: refresh the listings of its merchant's services."""
    lookup = {"public_id": store_id} if isinstance(store_id, str) else {"pk": store_id}
    store = Store.objects.filter(**lookup).first()
    if store is None:
        return
    pks = set(Product.objects.filter(merchant_id=store.merchant_id, kind=ProductKind.SERVICE)
              .values_list("pk", flat=True))
    pks |= set(Listing.objects.filter(store_pk=store.pk).values_list("product_pk", flat=True))
    for pk in sorted(pks):
        reindex_product(pk)


def drop_unpurchasable() -> int:
    """Remove the documents (and listings) of products that stopped being purchasable
    without an event, i.e. deals whose valid_until passed. Returns how many went."""
    _, by_model = (SearchDocument.objects.filter(doc_type=DocType.PRODUCT)
                   .exclude(object_pk__in=catalog.purchasable_products().values("pk")).delete())
    return by_model.get(SearchDocument._meta.label, 0)


def refresh_signals(product_pk: int) -> None:
    """Only the rating and sales figures of a product (after a review or a sale)."""
    count, total = rating_totals("product", product_pk)
    bayes = bayesian(count, total)
    sales = _recent_sales(product_pk)
    with transaction.atomic():
        SearchDocument.objects.filter(doc_type=DocType.PRODUCT, object_pk=product_pk).update(
            rating_count=count, rating_sum=total, rating_bayes=bayes, sales_recent=sales)
        Listing.objects.filter(product_pk=product_pk).update(
            rating_count=count, rating_bayes=bayes, sales_recent=sales)


def rebuild(progress=None) -> dict:
    """Rebuild the whole index from the source tables. `progress(done, total)` is called
    as it goes. Documents of things no longer purchasable are removed; the vocabulary is pruned."""
    merchants = list(Merchant.objects.order_by("pk").values_list("pk", flat=True))
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    total, done = len(merchants) + len(products), 0
    public_products = 0
    for pk in merchants:
        with transaction.atomic():
            merchant = Merchant.objects.get(pk=pk)
            if merchant.status != MerchantStatus.ACTIVE:
                SearchDocument.objects.filter(merchant_pk=pk).delete()
            else:
                _index_merchant_doc(merchant)  # the merchant document only; its products follow below
        done += 1
        if progress:
            progress(done, total)
    SearchTerm.objects.all().delete()
    for pk in products:
        if reindex_product(pk) is not None:
            public_products += 1
        done += 1
        if progress:
            progress(done, total)
    for pk in merchants:
        if Merchant.objects.filter(pk=pk, status=MerchantStatus.ACTIVE).exists():
            doc = SearchDocument.objects.filter(doc_type=DocType.MERCHANT, object_pk=pk).first()
            if doc:
                _add_terms(doc.tokens.split())
    # Documents whose source row is gone.
    SearchDocument.objects.filter(doc_type=DocType.PRODUCT).exclude(
        object_pk__in=Product.objects.values("pk")).delete()
    return {"merchants": len(merchants), "products": len(products), "public_products": public_products,
            "documents": SearchDocument.objects.count(), "listings": Listing.objects.count()}
