"""Every write of payments. Other apps call these names from `o2o.payments.services`."""

from o2o.payments.services.attempts import (
    GatewayUnavailable,
    PrepayView,
    cashier_url,
    close_at_gateway,
    close_stale_attempts,
    start_payment,
)
from o2o.payments.services.held import dismiss_held_payment, refund_held_payment
from o2o.payments.services.held_rule import (
    held_refund_total,
    is_held_refund,
    refunds_out_of_held_funds,
)
from o2o.payments.services.notifications import (
    NotifyResult,
    apply_refund,
    apply_transaction,
    handle_notification,
    notification_response,
)
from o2o.payments.services.refunds import (
    create_refund,
    execute_voucher_refunds,
    paid_payment,
    refund_order,
    refund_order_for_customer,
    refundable_fen,
    settle_refund,
    submit_pending,
    submit_refund,
)

__all__ = [
    "GatewayUnavailable", "NotifyResult", "PrepayView", "apply_refund", "apply_transaction", "cashier_url",
    "close_at_gateway", "close_stale_attempts", "create_refund", "dismiss_held_payment",
    "execute_voucher_refunds", "handle_notification", "held_refund_total", "is_held_refund",
    "notification_response", "paid_payment", "refund_held_payment", "refund_order",
    "refund_order_for_customer", "refundable_fen", "refunds_out_of_held_funds", "settle_refund",
    "start_payment", "submit_pending", "submit_refund",
]
