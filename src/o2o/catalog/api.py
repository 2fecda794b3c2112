"""Catalog API: public browsing, the merchant owner's product console, operator categories."""


from ninja import Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.catalog import selectors, services
from o2o.catalog.models import Product
from o2o.catalog.schemas import (
    CategoryIn,
    CategoryNode,
    CategoryOut,
    CategoryPatch,
    ImageIn,
    ImageOrderIn,
    ImageOut,
    MerchantProductDetail,
    MerchantProductFilters,
    ProductDetail,
    ProductFilters,
    ProductIn,
    ProductPatch,
    ProductSummary,
    SkuIn,
    SkuOut,
    SkuPatch,
)
from o2o.core.errors import NotFound
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS
from o2o.merchants.access import merchant_of, require_operator
from o2o.merchants.models import Merchant

router = Router(tags=["catalog"], auth=api_auth)


# --------------------------------------------------------------------------- public


@router.get("/categories", response={200: list[CategoryNode], **ERRORS}, auth=None)
def category_tree(request):
    return selectors.category_tree()


@router.get("/products", response={200: list[ProductSummary], **ERRORS}, auth=None)
@paginate(Cursor)
def browse_products(request, filters: Query[ProductFilters]):
    return selectors.browse(kind=filters.kind, category_id=filters.category,
                            merchant_id=filters.merchant, min_price=filters.min_price,
                            max_price=filters.max_price, q=filters.q)


@router.get("/products/{product_id}", response={200: ProductDetail, **ERRORS}, auth=None)
def product_detail(request, product_id: str):
    product = selectors.get_public_product(product_id)
    product.sku_list = product.active_skus
    product.store_list = list(selectors.usable_stores(product)) if product.is_service else []
    return product


@router.get("/merchants/{merchant_id}/products", response={200: list[ProductSummary], **ERRORS},
            auth=None)
@paginate(Cursor)
def merchant_storefront(request, merchant_id: str, filters: Query[MerchantProductFilters]):
    selectors.public_merchant(merchant_id)
    return selectors.browse(merchant_id=merchant_id, kind=filters.kind, q=filters.q)


# --------------------------------------------------------------------------- merchant console


def _owner_view(merchant: Merchant, product_id: str) -> Product:
    """The product as its merchant sees it: every SKU, its explicit store list."""
    product = (selectors.merchant_products(merchant).prefetch_related("skus", "images", "stores")
               .filter(public_id=product_id).first())
    if product is None:
        raise NotFound("no such product", "product_not_found")
    product.sku_list = list(product.skus.all())
    product.store_list = list(selectors.usable_stores(product)) if product.is_service else []
    return product


@router.get("/merchant/products", response={200: list[ProductSummary], **ERRORS})
@paginate(Cursor)
def my_products(request, filters: Query[MerchantProductFilters]):
    qs = selectors.merchant_products(merchant_of(request.auth))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q and filters.q.strip():
        qs = qs.filter(title__icontains=filters.q.strip())
    return qs


@router.post("/merchant/products", response={201: MerchantProductDetail, **ERRORS})
def create_product(request, body: ProductIn):
    merchant = merchant_of(request.auth, owner_only=True)
    product = services.create_product(merchant, body.model_dump(exclude_unset=True))
    return Status(201, _owner_view(merchant, product.public_id))


@router.get("/merchant/products/{product_id}", response={200: MerchantProductDetail, **ERRORS})
def my_product(request, product_id: str):
    return _owner_view(merchant_of(request.auth), product_id)  # 404 for malformed and foreign ids


@router.patch("/merchant/products/{product_id}", response={200: MerchantProductDetail, **ERRORS})
def update_product(request, product_id: str, body: ProductPatch):
    merchant = merchant_of(request.auth, owner_only=True)
    services.update_product(merchant, product_id, body.model_dump(exclude_unset=True))
    return _owner_view(merchant, product_id)


@router.post("/merchant/products/{product_id}/publish",
             response={200: MerchantProductDetail, **ERRORS})
def publish_product(request, product_id: str):
    merchant = merchant_of(request.auth, owner_only=True)
    services.publish(merchant, product_id)
    return _owner_view(merchant, product_id)


@router.post("/merchant/products/{product_id}/unpublish",
             response={200: MerchantProductDetail, **ERRORS})
def unpublish_product(request, product_id: str):
    merchant = merchant_of(request.auth, owner_only=True)
    services.unpublish(merchant, product_id)
    return _owner_view(merchant, product_id)


@router.get("/merchant/products/{product_id}/skus", response={200: list[SkuOut], **ERRORS})
@paginate(Cursor)
def list_skus(request, product_id: str):
    product = services.merchant_product(merchant_of(request.auth), product_id)
    return product.skus.all()


@router.post("/merchant/products/{product_id}/skus", response={201: SkuOut, **ERRORS})
def add_sku(request, product_id: str, body: SkuIn):
    merchant = merchant_of(request.auth, owner_only=True)
    return Status(201, services.add_sku(merchant, product_id, body.model_dump(exclude_unset=True)))


@router.patch("/merchant/products/{product_id}/skus/{sku_id}", response={200: SkuOut, **ERRORS})
def update_sku(request, product_id: str, sku_id: str, body: SkuPatch):
    merchant = merchant_of(request.auth, owner_only=True)
    return services.update_sku(merchant, product_id, sku_id, body.model_dump(exclude_unset=True))


@router.delete("/merchant/products/{product_id}/skus/{sku_id}", response={200: SkuOut, **ERRORS})
def deactivate_sku(request, product_id: str, sku_id: str):
    """SKUs are kept for the orders that name them: this deactivates the SKU."""
    merchant = merchant_of(request.auth, owner_only=True)
    return services.deactivate_sku(merchant, product_id, sku_id)


@router.post("/merchant/products/{product_id}/images", response={201: ImageOut, **ERRORS})
def add_image(request, product_id: str, body: ImageIn):
    merchant = merchant_of(request.auth, owner_only=True)
    return Status(201, services.add_image(merchant, product_id, body.url, body.alt))


@router.post("/merchant/products/{product_id}/images/reorder",
             response={200: list[ImageOut], **ERRORS})
def reorder_images(request, product_id: str, body: ImageOrderIn):
    merchant = merchant_of(request.auth, owner_only=True)
    return services.reorder_images(merchant, product_id, body.image_ids)


@router.delete("/merchant/products/{product_id}/images/{image_id}",
               response={204: None, **ERRORS})
def remove_image(request, product_id: str, image_id: str):
    merchant = merchant_of(request.auth, owner_only=True)
    services.remove_image(merchant, product_id, image_id)
    return Status(204, None)


# --------------------------------------------------------------------------- operator


@router.post("/operator/categories", response={201: CategoryOut, **ERRORS})
def create_category(request, body: CategoryIn):
    return Status(201, services.create_category(require_operator(request.auth),
                                                body.model_dump(exclude_unset=True)))


@router.patch("/operator/categories/{category_id}", response={200: CategoryOut, **ERRORS})
def update_category(request, category_id: str, body: CategoryPatch):
    return services.update_category(require_operator(request.auth), category_id,
                                    body.model_dump(exclude_unset=True))


@router.delete("/operator/categories/{category_id}", response={204: None, **ERRORS})
def delete_category(request, category_id: str):
    services.delete_category(require_operator(request.auth), category_id)
    return Status(204, None)
