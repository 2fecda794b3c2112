"""Builders for orders and inventory tests: goods with stock, slot services with slots,
voucher services, addresses. They go through the inventory services."""

from __future__ import annotations

import datetime as dt

from o2o.catalog.models import ProductKind, Sku
from o2o.core import clock
from o2o.inventory import services as inventory
from o2o.inventory.models import Slot, StockLocation
from o2o.merchants.models import Merchant, Store
from tests import factories

ADDRESS = {"receiver": "张三", "phone": "13800138000", "province": "广东省", "city": "深圳市",
           "district": "南山区", "detail": "科技园路 1 号"}


def location(m: Merchant, name: str = "Main warehouse", priority: int = 0) -> StockLocation:
    return inventory.create_location(m, name=name, priority=priority)


def goods(m: Merchant, *, price_fen: int = 9900, stock: int = 10, loc: StockLocation | None = None,
          title: str | None = None) -> Sku:
    """A published goods product's SKU with `stock` units at one location."""
    p = factories.product(m, price_fen=price_fen, title=title)
    sku = p.skus.get()
    loc = loc or StockLocation.objects.filter(merchant=m, kind="warehouse").first() or location(m)
    inventory.set_stock(m, sku.public_id, loc.public_id, stock)
    return sku


def slot_service(m: Merchant, store: Store, *, price_fen: int = 12800, capacity: int = 5,
                 starts_in: dt.timedelta = dt.timedelta(days=1)) -> tuple[Sku, Slot]:
    p = factories.product(m, kind=ProductKind.SERVICE, price_fen=price_fen, booking_mode="slot",
                          duration_minutes=60)
    slot = inventory.create_slot(m, product_public_id=p.public_id, store_public_id=store.public_id,
                                 starts_at=clock.now() + starts_in, minutes=60, capacity=capacity)
    return p.skus.get(), slot


def voucher_service(m: Merchant, *, price_fen: int = 5000, quota: int | None = None,
                    uses: int = 1) -> Sku:
    p = factories.product(m, kind=ProductKind.SERVICE, price_fen=price_fen, uses_per_voucher=uses)
    if quota is not None:
        inventory.set_quota(m, p.public_id, quota)
    return p.skus.get()
