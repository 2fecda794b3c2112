"""Builders for the catalog tests (beside tests/factories.py, which other areas share)."""

from __future__ import annotations

from o2o.accounts.models import Role
from o2o.catalog.models import Category, Product, Sku
from o2o.core.models import OutboxEvent
from tests import factories


def operator():
    return factories.user(Role.OPERATOR)


def category(name: str, parent: Category | None = None, **fields) -> Category:
    return Category.objects.create(name=name, slug=f"c{Category.objects.count()}-{name.lower()}",
                                   parent=parent, **fields)


def owner_of(m):
    return m.owner


def snapshot() -> tuple:
    """Everything the catalog stores, to prove a refused request changed nothing."""
    return (
        sorted(Product.objects.values_list("public_id", "title", "status", "kind", "updated_at",
                                           "all_stores", "validity_days", "booking_mode")),
        sorted(Sku.objects.values_list("public_id", "price_fen", "is_active", "code", "name")),
        sorted(Category.objects.values_list("public_id", "name", "parent_id")),
        sorted(Product.stores.through.objects.values_list("product_id", "store_id")),
        OutboxEvent.objects.count(),
    )


def events(event_type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(event_type=event_type).order_by("id"))
