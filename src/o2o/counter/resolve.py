"""The merchant resolves an offline conflict (docs/offline-counter.md §6):

- absorb: the service was given for free; the conflict closes, no money moves;
- charge: a new order for the customer for that service at its value, pending payment
  (orders.services.charge). When it is paid, the voucher it issues is redeemed at once
  at the conflict's store (on_charge_paid, an orders on_paid hook registered in
  CounterConfig.ready after vouchers' own), so the ledger sees an ordinary sale and use.

Writes OfflineConflict (status, order, resolved_by, resolved_at), through orders the
charge order, through vouchers the redemption of the paid charge. The conflict row is
locked first. Error codes: conflict_not_found 404, owner_role_required 403,
conflict_resolved 409.
"""

from __future__ import annotations

import logging

from django.db import transaction

from o2o.core import clock
from o2o.core.errors import Conflict, DomainError, NotFound
from o2o.core.ids import looks_like_id
from o2o.counter.models import ConflictStatus, OfflineConflict
from o2o.merchants.access import merchant_of
from o2o.orders.models import Order
from o2o.orders.services.charge import place_charge_order
from o2o.vouchers import offline as voucher_offline
from o2o.vouchers.models import USABLE, Voucher

log = logging.getLogger(__name__)


def _locked_open(owner, conflict_public_id: str) -> OfflineConflict:
    merchant = merchant_of(owner, owner_only=True)
    conflict = None
    if looks_like_id(conflict_public_id, "ocf"):
        conflict = (OfflineConflict.objects.select_for_update(of=("self",))
                    .select_related("offline__store", "offline__device", "voucher__order_line__sku__product",
                                    "voucher__customer")
                    .filter(public_id=conflict_public_id, merchant=merchant).first())
    if conflict is None:
        raise NotFound("No such conflict", "conflict_not_found")
    if conflict.status != ConflictStatus.OPEN:
        raise Conflict("This conflict was resolved already", "conflict_resolved",
                       details={"status": conflict.status})
    return conflict


def _close(conflict: OfflineConflict, owner, status: str) -> None:
    conflict.status = status
    conflict.resolved_by = owner
    conflict.resolved_at = clock.now()
    conflict.save(update_fields=["status", "order", "resolved_by", "resolved_at"])


def absorb(owner, conflict_public_id: str) -> OfflineConflict:
    with transaction.atomic():
        conflict = _locked_open(owner, conflict_public_id)
        _close(conflict, owner, ConflictStatus.ABSORBED)
    return conflict


def charge(owner, conflict_public_id: str) -> OfflineConflict:
    """Raise an order for the customer for the service given, at its offline value."""
    with transaction.atomic():
        conflict = _locked_open(owner, conflict_public_id)
        offline, voucher = conflict.offline, conflict.voucher
        conflict.order = place_charge_order(
            voucher.customer, voucher.order_line.sku, offline.store, offline.value_fen, title=voucher.title,
            note=f"Offline redemption {offline.redeemed_at:%Y-%m-%d %H:%M} (conflict {conflict.public_id})")
        _close(conflict, owner, ConflictStatus.CHARGED)
    return conflict


def on_charge_paid(order: Order) -> None:
    """A paid charge order: its vouchers were given as service already, so they are used
    now, at the conflict's store, by the member who registered the counter."""
    conflict = (OfflineConflict.objects.select_related("offline__store__merchant", "offline__device__registered_by")
                .filter(order=order).first())
    if conflict is None:
        return
    offline = conflict.offline
    for voucher in Voucher.objects.filter(order=order, status__in=USABLE).select_related("slot"):
        try:
            with transaction.atomic():
                voucher_offline.redeem_offline(offline.device.registered_by, offline.store, voucher,
                                               voucher.uses_left, clock.now(), device=offline.device.public_id,
                                               nonce="")
        except DomainError:
            # Never undo the payment: the customer keeps a usable voucher, staff can redeem it.
            log.warning("charge order %s: voucher %s not redeemed", order.public_id, voucher.public_id)
