"""Every write of shipping: parcels and tracking, pick-up in store, confirmation,
after-sales; shipping rules are o2o.freight's, re-exported for the API. Other apps call
these names from `o2o.shipping.services`."""

from o2o.freight.services import rule_of, set_rule  # the API's /merchant/shipping-rule
from o2o.shipping.services.aftersales import (
    approve,
    arbitrate,
    dispute,
    receive_return,
    refund_before_shipment,
    refundable_for,
    reject,
    request_after_sale,
    ship_return,
    withdraw,
)
from o2o.shipping.services.confirm import auto_confirm_due, confirm
from o2o.shipping.services.parcels import (
    apply_tracking_event,
    create_parcel,
    deliver_push,
    receive_webhook,
    sandbox_push,
    shipped_units,
)
from o2o.shipping.services.pickup import code_of, hand_over, lookup, mark_ready
from o2o.shipping.services.timeline import timeline

__all__ = [
    "apply_tracking_event", "approve", "arbitrate", "auto_confirm_due", "code_of",
    "confirm", "create_parcel", "deliver_push", "dispute", "hand_over", "lookup", "mark_ready",
    "receive_return", "receive_webhook", "refund_before_shipment", "refundable_for", "reject",
    "request_after_sale", "rule_of",
    "sandbox_push", "set_rule", "ship_return", "shipped_units", "timeline", "withdraw",
]
