"""Buy online, collect in store: ready for pick-up, a single-use code, hand-over.

The code works like a single-use service voucher: 16 check-digit characters
(o2o.vouchers.codes), redeemed by staff who may act at the order's store, once,
with a conditional UPDATE inside the transaction that completes the order.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.merchants.access import may_act_at, merchant_of
from o2o.merchants.models import Merchant, Store
from o2o.merchants.services import get_store
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderStatus
from o2o.shipping.models import PickupCode, PickupStatus
from o2o.vouchers import codes


def mark_ready(merchant: Merchant, order_public_id: str) -> PickupCode:
    """The goods of a paid pick-up order wait at its store: ready_for_pickup, and the
    customer gets a pick-up code."""
    if not looks_like_id(order_public_id, "ord"):
        raise NotFound("No such order", "order_not_found")
    with transaction.atomic():
        order = orders.lock_order(public_id=order_public_id, merchant=merchant)
        if order is None:
            raise NotFound("No such order", "order_not_found")
        if not order.pickup_store_id:
            raise Conflict("This order is shipped, not collected in store", "not_pickup_order")
        store_pid = _store_pid(order)
        orders.transition(order, OrderStatus.READY_FOR_PICKUP, {"store": store_pid})
        for _ in range(5):  # 75 random bits: a collision is all but impossible, still handled
            try:
                with transaction.atomic():
                    pc = PickupCode.objects.create(order=order, merchant=merchant, store_id=order.pickup_store_id,
                                                   code=codes.generate(), created_at=clock.now())
                break
            except IntegrityError:
                continue
        else:
            raise Conflict("Could not allocate a pick-up code, try again", "code_collision")
        events.emit("pickup.ready", order, {"order": order.public_id, "store": store_pid,
                                            "code": codes.mask(pc.code)}, merchant_id=merchant.public_id)
    return pc


def _store_pid(order: Order) -> str:
    return Store.objects.filter(pk=order.pickup_store_id).values_list("public_id", flat=True).first() or ""


def code_of(customer, order_public_id: str) -> PickupCode:
    """The pick-up code of the customer's own order."""
    pc = (PickupCode.objects.select_related("order", "store")
          .filter(order__public_id=order_public_id, order__customer=customer).first()
          if looks_like_id(order_public_id, "ord") else None)
    if pc is None:
        raise NotFound("This order has no pick-up code", "pickup_code_not_found")
    return pc


def _counter(staff_user, store_public_id: object) -> tuple[Merchant, Store]:
    merchant = merchant_of(staff_user)
    store = get_store(merchant, store_public_id)
    if not may_act_at(staff_user, store):
        raise PermissionDenied("You may not act at this store", "store_not_allowed")
    return merchant, store


def _find(merchant: Merchant, raw_code: object) -> PickupCode:
    code = codes.parse(raw_code)
    if code is None:
        raise ValidationFailed("This is not a valid pick-up code", "invalid_code")
    pc = PickupCode.objects.select_related("order", "store").filter(code=code, merchant=merchant).first()
    if pc is None:
        raise NotFound("No such pick-up code", "pickup_code_not_found")
    return pc


def _refuse(pc: PickupCode, store: Store) -> None:
    if pc.status == PickupStatus.COLLECTED:
        raise Conflict("These goods were already handed over", "already_collected")
    if pc.status != PickupStatus.READY:
        raise Conflict("This pick-up was cancelled", "pickup_cancelled")
    if pc.store_id != store.pk:
        raise Conflict("These goods are collected at another store", "wrong_store",
                       details={"store": pc.store.public_id})


def lookup(staff_user, store_public_id: str, code: str) -> PickupCode:
    """What a code is, without changing anything (the counter's first step)."""
    merchant, store = _counter(staff_user, store_public_id)
    pc = _find(merchant, code)
    _refuse(pc, store)
    return pc


def hand_over(staff_user, store_public_id: str, code: str) -> PickupCode:
    """Hand the goods over at the counter: the code is used once, at its own store, and
    the order becomes delivered then completed (collection is the confirmation), all
    in one transaction. Conflict already_collected, wrong_store, pickup_cancelled."""
    merchant, store = _counter(staff_user, store_public_id)
    pc = _find(merchant, code)
    _refuse(pc, store)
    now = clock.now()
    with transaction.atomic():
        # The order row first, as the customer's cancel does before it voids the code:
        # a hand-over and a cancel run one after the other, never deadlock.
        order = orders.lock_order(pc.order_id)
        taken = PickupCode.objects.filter(pk=pc.pk, status=PickupStatus.READY, store=store).update(
            status=PickupStatus.COLLECTED, collected_at=now, collected_by=staff_user)
        if not taken:  # another counter was faster (or it was cancelled meanwhile)
            pc.refresh_from_db()
            _refuse(pc, store)
            raise Conflict("These goods were already handed over", "already_collected")
        payload = {"order": order.public_id, "store": store.public_id, "staff": staff_user.public_id}
        events.emit("pickup.collected", order, payload, merchant_id=merchant.public_id)
        orders.transition(order, OrderStatus.DELIVERED, {"pickup": True})
        orders.transition(order, OrderStatus.COMPLETED, {"pickup": True})
    pc.refresh_from_db()
    return pc


def cancel_code(order: Order) -> None:
    """The order was cancelled before collection (caller's transaction)."""
    PickupCode.objects.filter(order=order, status=PickupStatus.READY).update(status=PickupStatus.CANCELLED)
