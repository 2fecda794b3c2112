"""Request and response shapes of the catalog API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, Field, StrictBool, StrictInt

from o2o.catalog import rules
from o2o.core.schemas import Schema

Kind = Literal["GOODS", "SERVICE"]
Mode = Literal["slot", "voucher"]
Price = StrictInt  # strict: "100", 9.5 and true are refused, money is an exact integer of fen


# --------------------------------------------------------------------------- categories


class CategoryIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field("", max_length=60)
    slug: str | None = Field(None, max_length=60)
    parent_id: str | None = Field(None, max_length=40)
    position: StrictInt = Field(0, ge=0, le=1_000_000)
    commission_rate_bp: StrictInt | None = Field(None, ge=0, le=10_000)


class CategoryPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    name_en: str | None = Field(None, max_length=60)
    slug: str | None = Field(None, max_length=60)
    parent_id: str | None = Field(None, max_length=40, description="null moves it to the root")
    position: StrictInt | None = Field(None, ge=0, le=1_000_000)
    commission_rate_bp: StrictInt | None = Field(None, ge=0, le=10_000)


class CategoryOut(Schema):
    id: str = Field(validation_alias="public_id")
    name: str
    name_en: str
    slug: str
    position: int
    parent_id: str | None = None
    commission_rate_bp: int | None

    @staticmethod
    def resolve_parent_id(obj) -> str | None:
        return obj.parent.public_id if obj.parent_id else None


class CategoryNode(Schema):
    id: str
    name: str
    name_en: str
    slug: str
    position: int
    children: list[CategoryNode]


CategoryNode.model_rebuild()


# --------------------------------------------------------------------------- products


class _ProductFields(Schema):
    title_en: str | None = Field(None, max_length=rules.TITLE_MAX)
    description: str | None = Field(None, max_length=20_000)
    category_id: str | None = Field(None, max_length=40)
    weight_grams: StrictInt | None = Field(None, ge=0, le=1_000_000, description="goods only")
    booking_mode: Mode | None = Field(None, description="services only")
    duration_minutes: StrictInt | None = Field(None, ge=1, le=1440, description="slot services")
    uses_per_voucher: StrictInt | None = Field(None, ge=1, le=100,
                                               description="10 for a 10-visit card")
    validity_days: StrictInt | None = Field(None, ge=1, le=3650,
                                            description="or valid_from + valid_until")
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    refund_anytime: StrictBool | None = None
    auto_refund_on_expiry: StrictBool | None = None
    all_stores: StrictBool | None = None
    store_ids: list[str] | None = Field(None, max_length=500,
                                        description="the stores where a service is valid")


class ProductIn(_ProductFields):
    kind: Kind
    title: str = Field(min_length=1, max_length=rules.TITLE_MAX)


class ProductPatch(_ProductFields):
    kind: Kind | None = Field(None, description="cannot change; only the current kind is accepted")
    title: str | None = Field(None, min_length=1, max_length=rules.TITLE_MAX)


class ProductFilters(Schema):
    kind: Kind | None = None
    category: str | None = Field(None, max_length=40, description="includes its descendants")
    merchant: str | None = Field(None, max_length=40)
    min_price: int | None = Field(None, ge=0, le=rules.PRICE_MAX_FEN, description="fen")
    max_price: int | None = Field(None, ge=0, le=rules.PRICE_MAX_FEN, description="fen")
    q: str | None = Field(None, max_length=100, description="words in the title")


class MerchantProductFilters(Schema):
    kind: Kind | None = None
    status: Literal["draft", "published", "unpublished"] | None = None
    q: str | None = Field(None, max_length=100)


class SkuOut(Schema):
    id: str = Field(validation_alias="public_id")
    name: str
    code: str
    attributes: dict[str, str]
    price_fen: int
    original_price_fen: int | None
    currency: str
    is_active: bool
    position: int


class ImageOut(Schema):
    id: str = Field(validation_alias="public_id")
    url: str
    alt: str
    position: int

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.url or (obj.file.url if obj.file else "")


class StoreBrief(Schema):
    id: str = Field(validation_alias="public_id")
    name: str
    address: str
    city: str
    is_active: bool


class ServiceOut(Schema):
    booking_mode: str
    duration_minutes: int | None
    uses_per_voucher: int
    validity_days: int | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    refund_anytime: bool
    auto_refund_on_expiry: bool
    all_stores: bool


class ProductSummary(Schema):
    id: str = Field(validation_alias="public_id")
    kind: str
    title: str
    title_en: str
    merchant_id: str
    merchant_name: str
    category_id: str | None
    min_price_fen: int | None
    cover_url: str | None
    status: str
    published_at: dt.datetime | None

    @staticmethod
    def resolve_merchant_id(obj) -> str:
        return obj.merchant.public_id

    @staticmethod
    def resolve_merchant_name(obj) -> str:
        return obj.merchant.name

    @staticmethod
    def resolve_category_id(obj) -> str | None:
        return obj.category.public_id if obj.category_id else None


class ProductDetail(ProductSummary):
    description: str
    weight_grams: int | None
    service: ServiceOut | None
    skus: list[SkuOut]
    images: list[ImageOut]
    stores: list[StoreBrief] = Field(description="stores where the service can be used")

    @staticmethod
    def resolve_service(obj) -> ServiceOut | None:
        return ServiceOut.model_validate(obj, from_attributes=True) if obj.is_service else None

    @staticmethod
    def resolve_skus(obj) -> list:
        return obj.sku_list

    @staticmethod
    def resolve_images(obj) -> list:
        return list(obj.images.all())

    @staticmethod
    def resolve_stores(obj) -> list:
        return obj.store_list


class MerchantProductDetail(ProductDetail):
    created_at: dt.datetime
    updated_at: dt.datetime
    store_ids: list[str] = Field(description="the explicit store list (empty when all_stores)")

    @staticmethod
    def resolve_store_ids(obj) -> list[str]:
        return [s.public_id for s in obj.stores.all()]


# --------------------------------------------------------------------------- SKUs and images


class SkuIn(Schema):
    price_fen: Price = Field(ge=0, le=rules.PRICE_MAX_FEN)
    original_price_fen: Price | None = Field(None, ge=0, le=rules.PRICE_MAX_FEN)
    name: str = Field("", max_length=120)
    code: str = Field("", max_length=64)
    attributes: dict[str, str] = Field(default_factory=dict, max_length=rules.ATTR_MAX_ENTRIES)
    position: StrictInt = Field(0, ge=0, le=1_000_000)


class SkuPatch(Schema):
    price_fen: Price | None = Field(None, ge=0, le=rules.PRICE_MAX_FEN)
    original_price_fen: Price | None = Field(None, ge=0, le=rules.PRICE_MAX_FEN)
    name: str | None = Field(None, max_length=120)
    code: str | None = Field(None, max_length=64)
    attributes: dict[str, str] | None = Field(None, max_length=rules.ATTR_MAX_ENTRIES)
    position: StrictInt | None = Field(None, ge=0, le=1_000_000)
    is_active: StrictBool | None = None


class ImageIn(Schema):
    url: str = Field(min_length=1, max_length=500, description="an http or https address")
    alt: str = Field("", max_length=200)


class ImageOrderIn(Schema):
    image_ids: list[str] = Field(max_length=rules.MAX_IMAGES + 1)
