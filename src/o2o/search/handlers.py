"""Outbox subscribers that keep the search index in step with the source tables.

The worker relays the outbox every O2O_OUTBOX_RELAY_SECONDS (5 s by default), so a
publish, an edit, a suspension or a store change reaches search results within about
that delay plus the time to run the queue. Each handler re-derives rows from the
current source state, so replays and reordering are harmless.
"""

from __future__ import annotations

from o2o.catalog.models import Product
from o2o.core.events import subscribe
from o2o.core.models import OutboxEvent
from o2o.orders.models import OrderLine
from o2o.search.services import indexing


def _product_from_payload(event: OutboxEvent) -> str | None:
    return (event.payload or {}).get("product_id")


def _on_product(event: OutboxEvent) -> None:
    pid = event.aggregate_id if event.aggregate_type == "product" else _product_from_payload(event)
    if pid:
        indexing.reindex_product(pid)


def _on_sku(event: OutboxEvent) -> None:
    pid = _product_from_payload(event)
    if pid:
        indexing.reindex_product(pid)


def _on_merchant(event: OutboxEvent) -> None:
    indexing.reindex_merchant(event.aggregate_id)


def _on_store(event: OutboxEvent) -> None:
    indexing.reindex_store(event.aggregate_id)


def _on_review(event: OutboxEvent) -> None:
    pk = (Product.objects.filter(public_id=(event.payload or {}).get("product_id", ""))
          .values_list("pk", flat=True).first())
    if pk:
        indexing.refresh_signals(pk)


def _on_order_paid(event: OutboxEvent) -> None:
    for pk in set(OrderLine.objects.filter(order__public_id=event.aggregate_id)
                  .values_list("product_id", flat=True)):
        indexing.refresh_signals(pk)


HANDLERS = {
    _on_product: ("product.created", "product.updated", "product.published", "product.unpublished",
                  "image.added", "image.removed", "image.reordered"),
    _on_sku: ("sku.created", "sku.updated", "sku.deactivated"),
    _on_merchant: ("merchant.approved", "merchant.suspended", "merchant.reinstated", "merchant.updated"),
    _on_store: ("store.created", "store.updated", "store.deactivated"),
    _on_review: ("review.created", "review.hidden", "review.unhidden"),
    _on_order_paid: ("order.paid",),
}
for _handler, _types in HANDLERS.items():
    for _type in _types:
        subscribe(_type)(_handler)
