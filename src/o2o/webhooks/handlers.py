"""The outbox subscriber of webhooks (imported by WebhooksConfig.ready): each relayed
event becomes pending deliveries for the merchant's subscribed endpoints, and a delivery
pass is enqueued once the relay's transaction commits. Writes through delivery.fan_out."""

from __future__ import annotations

from o2o.core.events import subscribe
from o2o.core.models import OutboxEvent
from o2o.webhooks import delivery
from o2o.webhooks.tasks import kick


@subscribe("*")
def on_event(event: OutboxEvent) -> None:
    if delivery.fan_out(event):
        kick()
