"""Confirmation of receipt: by the customer, or automatically some days after delivery.

Both end in orders' delivered -> completed transition, whose order.completed event is
what the ledger recognizes the merchant's money on.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from o2o.core import clock
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderKind, OrderStatus
from o2o.shipping import conf
from o2o.shipping.models import AfterSale
from o2o.shipping.services.aftersales import OPEN

log = logging.getLogger(__name__)


def confirm(customer, order_public_id: str) -> Order:
    """The customer confirms a delivered order as received."""
    return orders.confirm_received(customer, order_public_id)


def auto_confirm_due(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Confirm delivered goods orders whose delivery is older than the confirmation
    period (O2O_AUTO_CONFIRM_DAYS, default 7), unless an after-sales request is open.
    Each order in its own transaction; returns how many were confirmed."""
    now = now or clock.now()
    cutoff = now - conf.auto_confirm_after()
    held = AfterSale.objects.filter(status__in=OPEN).values("order_id")
    due = list(Order.objects.filter(kind=OrderKind.GOODS, status=OrderStatus.DELIVERED, delivered_at__lte=cutoff)
               .exclude(pk__in=held).order_by("delivered_at").values_list("pk", flat=True)[:limit])
    done = 0
    for pk in due:
        try:
            with transaction.atomic():
                order = orders.lock_order(pk, status=OrderStatus.DELIVERED)
                if order is None or AfterSale.objects.filter(order_id=pk, status__in=OPEN).exists():
                    continue
                orders.transition(order, OrderStatus.COMPLETED, {"auto": True})
                done += 1
        except Exception:  # one bad order must not stop the sweep
            log.exception("could not auto-confirm order %s", pk)
    return done
