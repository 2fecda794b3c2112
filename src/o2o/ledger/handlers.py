"""Outbox subscribers that post the journal (imported by LedgerConfig.ready).

The worker's relay hands each event here after its transaction committed, so entries
follow the business facts with a bounded delay. Every handler is idempotent: an entry's
source key is unique, and recognition postings compute a difference from the books.
The ledger sits above orders, payments and vouchers: it reads their rows and events,
and none of them imports the ledger. Writes journal entries through services.posting.
"""

from __future__ import annotations

from o2o.core.events import subscribe
from o2o.core.models import OutboxEvent
from o2o.ledger import conf
from o2o.ledger.models import EntryKind, JournalEntry
from o2o.ledger.services import posting
from o2o.orders.models import Order, OrderKind
from o2o.payments import services as payments
from o2o.payments.models import Refund
from o2o.vouchers.models import Redemption, Voucher, VoucherRefund, VoucherStatus


def _order(public_id: str) -> Order | None:
    return Order.objects.select_related("merchant").filter(public_id=public_id).first()


@subscribe("payment.succeeded")
def on_payment_succeeded(event: OutboxEvent) -> None:
    """Money arrived at the gateway for an attempt (even if its order had closed: the
    automatic refund then takes it back out of held funds)."""
    p = event.payload
    order = _order(p.get("order", ""))
    if order is not None and p.get("transaction_id"):
        posting.post_receipt(str(p["transaction_id"]), order, int(p["amount_fen"]), event.created_at)


@subscribe("order.paid")
def on_order_paid(event: OutboxEvent) -> None:
    """The same receipt seen from the order (also covers payments recorded directly on
    the order); the gateway transaction id makes it one entry whichever comes first."""
    p = event.payload
    order = _order(event.aggregate_id)
    if order is not None and p.get("gateway_txn_id"):
        posting.post_receipt(str(p["gateway_txn_id"]), order, int(p["amount_fen"]), event.created_at)


@subscribe("refund.succeeded")
def on_refund_succeeded(event: OutboxEvent) -> None:
    refund = Refund.objects.select_related("payment__order__merchant").filter(public_id=event.aggregate_id).first()
    if refund is not None and not payments.is_held_refund(refund):
        posting.post_refund(refund.public_id, refund.payment.order, refund.amount_fen, event.created_at)


@subscribe("refund.created")
def on_refund_created(event: OutboxEvent) -> None:
    """A refund of a goods order that was already recognized (a return or refund-only after
    confirmation): take its value back from the merchant into held funds first, so the
    refund itself is paid out of held funds as every refund is."""
    refund = Refund.objects.select_related("payment__order").filter(public_id=event.aggregate_id).first()
    if refund is None or payments.is_held_refund(refund):
        return
    order = refund.payment.order
    # Only once the completion was recognized: events are relayed in order, and a refund
    # made before completion is already netted out when the completion is posted.
    if order.kind == OrderKind.GOODS and JournalEntry.objects.filter(
            order=order, kind=EntryKind.GOODS_COMPLETED).exists():
        posting.sync_goods(order.pk, EntryKind.GOODS_ADJUSTED, ("refund_created", refund.public_id),
                           event.created_at)


@subscribe("refund.failed")
def on_refund_failed(event: OutboxEvent) -> None:
    """A goods refund that failed after the order completed: that money is the merchant's."""
    refund = Refund.objects.select_related("payment__order").filter(public_id=event.aggregate_id).first()
    if refund is not None and refund.payment.order.kind == OrderKind.GOODS:
        posting.sync_goods(refund.payment.order_id, EntryKind.GOODS_ADJUSTED, ("refund_failed", refund.public_id),
                           event.created_at)


@subscribe("order.completed")
def on_order_completed(event: OutboxEvent) -> None:
    order = _order(event.aggregate_id)
    if order is not None and order.kind == OrderKind.GOODS:
        posting.sync_goods(order.pk, EntryKind.GOODS_COMPLETED, ("order_completion", order.public_id),
                           event.created_at)


@subscribe("voucher.redeemed")
def on_voucher_redeemed(event: OutboxEvent) -> None:
    r = Redemption.objects.filter(public_id=event.aggregate_id).first()
    if r is not None:
        posting.sync_voucher(r.voucher_id, EntryKind.VOUCHER_REDEEMED, ("redemption", r.public_id),
                             event.created_at)


@subscribe("redemption.reversed")
def on_redemption_reversed(event: OutboxEvent) -> None:
    """Dated on the reversed redemption's business day, so both land in one statement
    (settlement waits out the reversal window after each day)."""
    r = Redemption.objects.filter(public_id=event.aggregate_id).first()
    if r is not None:
        posting.sync_voucher(r.voucher_id, EntryKind.REDEMPTION_REVERSED, ("redemption_reversal", r.public_id),
                             event.created_at, business_date=conf.business_date(r.created_at))


@subscribe("voucher.expired")
def on_voucher_expired(event: OutboxEvent) -> None:
    v = Voucher.objects.filter(public_id=event.aggregate_id).first()
    if v is not None:
        kind = EntryKind.VOUCHER_BREAKAGE if v.status == VoucherStatus.EXPIRED else EntryKind.VOUCHER_ADJUSTED
        posting.sync_voucher(v.pk, kind, ("voucher_expiry", v.public_id), event.created_at)


@subscribe("voucher.refund_requested")
def on_voucher_refund_requested(event: OutboxEvent) -> None:
    """Normally nothing to post (recognized = used value = price - refund); it corrects
    the books if they ever drifted from the voucher's state."""
    vr = VoucherRefund.objects.filter(public_id=event.aggregate_id).first()
    if vr is not None:
        posting.sync_voucher(vr.voucher_id, EntryKind.VOUCHER_ADJUSTED, ("voucher_refund_request", vr.public_id),
                             event.created_at)
