"""Builders for voucher tests: real orders placed and paid through the orders
services, so vouchers are issued the way the product issues them."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from o2o.accounts.models import User
from o2o.catalog.models import Product, ProductKind
from o2o.core import clock
from o2o.inventory import services as inventory
from o2o.inventory.models import Slot
from o2o.merchants.models import Merchant, Store
from o2o.orders import services as orders
from o2o.orders.models import Order
from o2o.vouchers.models import Voucher
from tests import factories

_txn = itertools.count(1)


def service(m: Merchant, *, price_fen: int = 5000, uses: int = 1, stores: list[Store] | None = None,
            **fields) -> Product:
    """A date-flexible service; valid at `stores` only when given, else at every store."""
    if stores:
        fields["all_stores"] = False
    p = factories.product(m, kind=ProductKind.SERVICE, price_fen=price_fen, uses_per_voucher=uses,
                          **fields)
    if stores:
        p.stores.set(stores)
    return p


def slot_service(m: Merchant, store: Store, *, starts_in: dt.timedelta = dt.timedelta(days=1),
                 capacity: int = 5, price_fen: int = 12800) -> tuple[Product, Slot]:
    p = factories.product(m, kind=ProductKind.SERVICE, price_fen=price_fen, booking_mode="slot",
                          duration_minutes=60)
    slot = inventory.create_slot(m, product_public_id=p.public_id, store_public_id=store.public_id,
                                 starts_at=clock.now() + starts_in, minutes=60, capacity=capacity)
    return p, slot


def buy(customer: User, product: Product, quantity: int = 1, slot: Slot | None = None) -> Order:
    """Place and pay an order: the payment issues the vouchers."""
    sku = product.skus.get()
    [order] = orders.place_orders(customer, [orders.Item(sku.public_id, quantity,
                                                         slot.public_id if slot else None)])
    return orders.record_payment(order.public_id, f"txn-{next(_txn)}", order.total_fen)


def vouchers_of(order: Order) -> list[Voucher]:
    return list(Voucher.objects.filter(order=order).order_by("order_line_id", "seq"))


@dataclass
class World:
    merchant: Merchant
    store: Store
    other_store: Store
    owner: User
    staff: User  # bound to `store`
    customer: User
    rival: Merchant
    rival_store: Store
    rival_staff: User
    extra: dict = field(default_factory=dict)


def world() -> World:
    m = factories.merchant("Hair Salon")
    store, other = factories.store(m, name="Downtown"), factories.store(m, name="Uptown")
    rival = factories.merchant("Rival Spa")
    rival_store = factories.store(rival, name="Spa")
    customer = factories.user()
    customer.display_name = "王小明"
    customer.save(update_fields=["display_name"])
    return World(merchant=m, store=store, other_store=other, owner=m.owner,
                 staff=factories.staff(m, [store]), customer=customer, rival=rival,
                 rival_store=rival_store, rival_staff=factories.staff(rival, [rival_store]))
