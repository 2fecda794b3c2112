"""An order's timeline: its own state changes, its parcels' events, its after-sales
steps and its refunds, read from the outbox in the order they happened. The order's
own bookkeeping echo of a refund (order.refund_recorded) is left out: the refund's
own events already tell the customer."""

from __future__ import annotations

from o2o.core.models import OutboxEvent
from o2o.orders.models import Order
from o2o.payments.models import Refund
from o2o.shipping.models import AfterSale, Parcel

HIDDEN = ("order.refund_recorded",)


def timeline(order: Order) -> list[OutboxEvent]:
    ids = {order.public_id}
    ids.update(Parcel.objects.filter(order=order).values_list("public_id", flat=True))
    ids.update(AfterSale.objects.filter(order=order).values_list("public_id", flat=True))
    ids.update(Refund.objects.filter(payment__order=order).values_list("public_id", flat=True))
    return list(OutboxEvent.objects.filter(aggregate_id__in=ids)
                .exclude(event_type__in=HIDDEN).order_by("id"))
