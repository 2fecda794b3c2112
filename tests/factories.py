"""Test data builders. They go through services where a service exists, so tests
exercise the same rules as the product."""

from __future__ import annotations

import itertools
from decimal import Decimal

from o2o.accounts import services as accounts
from o2o.accounts.models import Role, User
from o2o.catalog.models import Product, ProductKind, ProductStatus, Sku
from o2o.core import clock
from o2o.merchants import services as merchants
from o2o.merchants.models import Merchant, MerchantStatus, Store

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def user(role: str = Role.CUSTOMER, username: str | None = None) -> User:
    return accounts.create_user(username or f"user{next(_seq)}", PASSWORD, role=role)


def token_for(u: User) -> str:
    _, secret = accounts.create_token(u, "tests")
    return secret


def operator() -> User:
    """The platform operator that reviews factory-made merchants."""
    found = User.objects.filter(username="factory-operator").first()
    return found or user(Role.OPERATOR, username="factory-operator")


def merchant(name: str | None = None, *, status: str = MerchantStatus.ACTIVE,
             owner: User | None = None) -> Merchant:
    """A merchant that applied and was reviewed into `status`, through the services."""
    owner = owner or user()
    m = merchants.apply_merchant(owner, name or f"Merchant {next(_seq)}")
    if status == MerchantStatus.REJECTED:
        m = merchants.reject(operator(), m, "incomplete documents")
    elif status in (MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED):
        m = merchants.approve(operator(), m)
        if status == MerchantStatus.SUSPENDED:
            m = merchants.suspend(operator(), m, "policy review")
    return m


def staff(m: Merchant, stores: list[Store] | None = None) -> User:
    member = merchants.add_staff(m, f"staff{next(_seq)}", PASSWORD,
                                 stores=[s.public_id for s in stores or []])
    return member.user


def store(m: Merchant, *, lat: str = "22.533000", lng: str = "113.930000", name: str | None = None,
          time_zone: str = "Asia/Shanghai", **fields) -> Store:
    fields.setdefault("address", "南山区科技园")
    fields.setdefault("city", "深圳")
    return merchants.create_store(m, name=name or f"Store {next(_seq)}", latitude=Decimal(lat),
                                  longitude=Decimal(lng), time_zone=time_zone, **fields)


def product(m: Merchant, *, kind: str = ProductKind.GOODS, title: str | None = None,
            price_fen: int = 9900, published: bool = True, **fields) -> Product:
    now = clock.now()
    if kind == ProductKind.SERVICE:
        fields.setdefault("booking_mode", "voucher")
        fields.setdefault("validity_days", 30)
    p = Product.objects.create(
        merchant=m, kind=kind, title=title or f"Product {next(_seq)}",
        status=ProductStatus.PUBLISHED if published else ProductStatus.DRAFT,
        published_at=now if published else None, created_at=now, updated_at=now, **fields,
    )
    Sku.objects.create(product=p, name="default", price_fen=price_fen, created_at=now, updated_at=now)
    return p
