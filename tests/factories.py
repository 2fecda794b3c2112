"""Test data builders. They go through services where a service exists, so tests
exercise the same rules as the product."""

from __future__ import annotations

import itertools
from decimal import Decimal

from o2o.accounts import services as accounts
from o2o.accounts.models import Role, User
from o2o.catalog.models import Product, ProductKind, ProductStatus, Sku
from o2o.core import clock
from o2o.merchants.models import Merchant, MerchantStatus, StaffMember, StaffRole, Store

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def user(role: str = Role.CUSTOMER, username: str | None = None) -> User:
    return accounts.create_user(username or f"user{next(_seq)}", PASSWORD, role=role)


def token_for(u: User) -> str:
    _, secret = accounts.create_token(u, "tests")
    return secret


def merchant(name: str | None = None, *, status: str = MerchantStatus.ACTIVE,
             owner: User | None = None) -> Merchant:
    owner = owner or user(Role.MERCHANT_OWNER)
    now = clock.now()
    m = Merchant.objects.create(name=name or f"Merchant {next(_seq)}", owner=owner, status=status,
                                created_at=now, updated_at=now)
    StaffMember.objects.create(merchant=m, user=owner, role=StaffRole.OWNER, created_at=now)
    return m


def staff(m: Merchant, stores: list[Store] | None = None) -> User:
    u = user(Role.MERCHANT_STAFF)
    member = StaffMember.objects.create(merchant=m, user=u, role=StaffRole.STAFF, created_at=clock.now())
    if stores:
        member.stores.set(stores)
    return u


def store(m: Merchant, *, lat: str = "22.533000", lng: str = "113.930000", name: str | None = None,
          time_zone: str = "Asia/Shanghai") -> Store:
    now = clock.now()
    return Store.objects.create(merchant=m, name=name or f"Store {next(_seq)}", address="南山区科技园",
                                city="深圳", latitude=Decimal(lat), longitude=Decimal(lng),
                                time_zone=time_zone, created_at=now, updated_at=now)


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
