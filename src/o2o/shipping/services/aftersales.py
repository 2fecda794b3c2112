"""After-sales of goods orders: the refund of a cancel before shipment, returns and
refund-only requests.

Every step locks the order row first, so two steps of the same order (two refunds,
a refund and a new request) run one after the other and the caps hold:
a request's refund never exceeds what was paid for its lines minus what was already
refunded for them, and payments itself never refunds more than was paid.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Sum

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.inventory import services as inventory
from o2o.inventory.models import Reservation, ReservationState
from o2o.merchants.models import Merchant
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderKind, OrderLine, OrderStatus
from o2o.payments import services as payments
from o2o.payments.models import RefundSource, RefundStatus
from o2o.shipping import conf
from o2o.shipping.models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleLine,
    AfterSaleStatus,
    Direction,
    ParcelItem,
)
from o2o.shipping.services import parcels as parcel_services
from o2o.shipping.services.pickup import cancel_code

A = AfterSaleStatus
# Requests that hold their units (no second request for them) and hold off auto-confirmation.
OPEN = (A.REQUESTED, A.APPROVED, A.DISPUTED, A.RETURN_SHIPPED)
HOLDING = (*OPEN, A.REFUNDED)
MAX_PHOTOS = 9


def _emit(event_type: str, ret: AfterSale, **extra) -> None:
    events.emit(event_type, ret, {"order": ret.order.public_id, "after_sale": ret.public_id, "kind": ret.kind,
                                  "status": ret.status, **extra}, merchant_id=ret.merchant.public_id)


def _refund(order: Order, amount_fen: int, *, reason: str, source_ref: str):
    payment = payments.paid_payment(order)
    if payment is None:
        raise Conflict("The order has no gateway payment to refund", "not_refundable")
    if order.status == OrderStatus.PAID:
        return payments.refund_order(order, amount_fen, reason=reason, source_ref=source_ref)
    return payments.create_refund(payment, amount_fen, reason=reason, source=RefundSource.ORDER,
                                  source_ref=source_ref)


def _restock(merchant: Merchant, order: Order, quantities: dict[int, int], location_pid: str | None) -> None:
    """Put units back on a shelf: `location_pid`, or where each line's units came from."""
    lines = {ln.pk: ln for ln in OrderLine.objects.select_related("sku").filter(pk__in=list(quantities))}
    origin = dict(Reservation.objects.filter(order_line_id__in=list(quantities), state=ReservationState.COMMITTED)
                  .values_list("order_line_id", "location__public_id"))
    for pk, n in quantities.items():
        loc = location_pid or origin.get(pk)
        if loc and n > 0:
            inventory.adjust_stock(merchant, lines[pk].sku.public_id, loc, n)


# --- before shipment ----------------------------------------------------------------

def refund_before_shipment(order: Order, reason: str = "") -> orders.CancelRefund:
    """The customer's cancel of a paid goods order that has not left, shipping's part:
    refund everything still refundable (payments.refund_order), put the stock back
    where it was taken, void the pick-up code. Registered as the orders canceller
    (ShippingConfig.ready): orders.cancel_order locked the order and closes it with
    the refund returned here, in the same transaction. Conflict partly_shipped,
    not_refundable."""
    if order.parcels.filter(direction=Direction.OUTBOUND).exists():
        raise Conflict("Part of this order has shipped; ask for a return instead", "partly_shipped")
    payment = payments.paid_payment(order)
    if payment is None:
        raise Conflict("The order has no gateway payment to refund", "not_refundable")
    amount = payments.refundable_fen(payment)
    if amount:
        refund = _refund(order, amount, reason=(reason or "取消订单")[:80], source_ref=f"cancel:{order.public_id}")
    else:  # every fen was refunded already: that refund is what closes the order
        refund = payment.refunds.exclude(status=RefundStatus.FAILED).order_by("-id").first()
        if refund is None:
            raise Conflict("Nothing was paid that could be refunded", "not_refundable")
    _restock(order.merchant, order, dict(OrderLine.objects.filter(order=order, kind="GOODS")
                                          .values_list("pk", "quantity")), None)
    cancel_code(order)
    return orders.CancelRefund(refund.public_id, amount)


# --- requests -------------------------------------------------------------------------

def _clean_text(value: object, name: str, *, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if (required and not text) or len(text) > 200:
        raise ValidationFailed(f"{name} must be 1-200 characters", f"invalid_{name}")
    return text


def _clean_photos(photos: object) -> list[str]:
    if photos is None:
        return []
    if not isinstance(photos, list) or len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"At most {MAX_PHOTOS} photo URLs", "invalid_photos")
    for url in photos:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 300:
            raise ValidationFailed("Photos are http(s) URLs of at most 300 characters", "invalid_photos")
    return photos


def _line_caps(order: Order, *, exclude: AfterSale | None = None) -> dict[int, tuple[OrderLine, int, int]]:
    """Per goods line: (line, units still claimable, fen still refundable)."""
    lines = {ln.pk: ln for ln in OrderLine.objects.filter(order=order, kind="GOODS")}
    taken = AfterSaleLine.objects.filter(order_line__order=order)
    if exclude is not None:
        taken = taken.exclude(after_sale=exclude)
    units = dict(taken.filter(after_sale__status__in=HOLDING).values("order_line_id")
                 .annotate(n=Sum("quantity")).values_list("order_line_id", "n"))
    refunded = dict(taken.values("order_line_id").annotate(n=Sum("refunded_fen"))
                    .values_list("order_line_id", "n"))
    return {pk: (ln, ln.quantity - (units.get(pk) or 0), ln.line_total_fen - (refunded.get(pk) or 0))
            for pk, ln in lines.items()}


def refundable_for(ret: AfterSale) -> int:
    """The most a request may refund: what its units of each line were paid (the line's
    net share, after discounts), less what was already refunded for those lines."""
    caps = _line_caps(ret.order, exclude=ret)
    total = 0
    for al in ret.lines.all():
        _, _, fen_left = caps[al.order_line_id]
        total += max(0, min(al.order_line.net_of_units_fen(al.quantity), fen_left))
    return total


def request_after_sale(customer, order_public_id: str, *, kind: str, reason: str,
                       lines: Iterable[tuple[str, int]] | None = None, photos: list[str] | None = None,
                       amount_fen: int | None = None) -> AfterSale:
    """A return (goods go back, then a refund) or a refund-only request (goods missing or
    damaged), for some units of a delivered goods order, within the return window after
    delivery. `amount_fen` defaults to everything refundable for those units.
    Conflict after_sales_window_closed, not_delivered, too_many_units, refund_exceeds_paid."""
    if kind not in AfterSaleKind.values:
        raise ValidationFailed("kind must be return or refund_only", "invalid_kind")
    reason = _clean_text(reason, "reason")
    photos = _clean_photos(photos)
    if not looks_like_id(order_public_id, "ord"):
        raise NotFound("No such order", "order_not_found")
    now = clock.now()
    with transaction.atomic():
        order = orders.lock_order(public_id=order_public_id, customer=customer)
        if order is None or order.kind != OrderKind.GOODS:
            raise NotFound("No such order", "order_not_found")
        if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) or order.delivered_at is None:
            raise Conflict("After-sales requests open once the order is delivered", "not_delivered")
        deadline = order.delivered_at + conf.return_window()
        if now > deadline:
            raise Conflict("The time for after-sales requests is over", "after_sales_window_closed",
                           details={"deadline": deadline.isoformat()})
        caps = _line_caps(order)
        by_pid = {ln.public_id: pk for pk, (ln, _, _) in caps.items()}
        wanted: dict[int, int] = {}
        if lines is None:
            wanted = {pk: units for pk, (_, units, _) in caps.items() if units > 0}
        else:
            for line_pid, qty in lines:
                pk = by_pid.get(line_pid)
                if pk is None:
                    raise NotFound("No such order line", "order_line_not_found", details={"line": line_pid})
                if not isinstance(qty, int) or qty < 1:
                    raise ValidationFailed("quantity must be a positive integer", "invalid_quantity")
                wanted[pk] = wanted.get(pk, 0) + qty
        if not wanted:
            raise Conflict("Every unit of this order already has a request", "too_many_units")
        cap = 0
        for pk, qty in wanted.items():
            line, units, fen_left = caps[pk]
            if qty > units:
                raise Conflict(f"Only {units} units of {line.title} may still be claimed", "too_many_units",
                               details={"line": line.public_id, "left": units})
            cap += max(0, min(line.net_of_units_fen(qty), fen_left))
        amount = cap if amount_fen is None else amount_fen
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise Conflict("Nothing is left to refund for these units", "refund_exceeds_paid",
                           details={"refundable_fen": cap})
        if amount > cap:
            raise Conflict(f"At most {cap} fen can be refunded for these units", "refund_exceeds_paid",
                           details={"refundable_fen": cap, "asked_fen": amount})
        ret = AfterSale.objects.create(order=order, customer=customer, merchant=order.merchant, kind=kind,
                                       reason=reason, photos=photos, requested_fen=amount,
                                       created_at=now, updated_at=now)
        AfterSaleLine.objects.bulk_create([AfterSaleLine(after_sale=ret, order_line_id=pk, quantity=q)
                                           for pk, q in wanted.items()])
        _emit("after_sale.requested", ret, reason=reason, amount_fen=amount,
              lines=[{"line": caps[pk][0].public_id, "quantity": q} for pk, q in wanted.items()])
    return ret


def _locked(ret_public_id: str, **scope) -> tuple[Order, AfterSale]:
    """Lock the request's order, then read the request (scoped to its owner)."""
    if not looks_like_id(ret_public_id, "ret"):
        raise NotFound("No such after-sales request", "after_sale_not_found")
    ret = AfterSale.objects.filter(public_id=ret_public_id, **scope).first()
    if ret is None:
        raise NotFound("No such after-sales request", "after_sale_not_found")
    order = orders.lock_order(ret.order_id)
    ret = AfterSale.objects.select_related("order", "merchant").get(pk=ret.pk)
    return order, ret


def _move(ret: AfterSale, to: str, allowed: tuple[str, ...], **fields) -> None:
    if ret.status not in allowed:
        raise Conflict(f"A request that is {ret.status} cannot become {to}", "illegal_transition",
                       details={"from": ret.status, "to": to})
    ret.status, ret.updated_at = to, clock.now()
    for name, value in fields.items():
        setattr(ret, name, value)
    ret.save(update_fields=["status", "updated_at", *fields])


def _pay_back(order: Order, ret: AfterSale, amount_fen: int | None) -> None:
    """Refund a request (at most refundable_for), spread over its lines, then refunded."""
    cap = refundable_for(ret)
    amount = ret.requested_fen if amount_fen is None else amount_fen
    amount = min(amount, cap) if amount_fen is None else amount
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise ValidationFailed("amount_fen must be a positive integer", "invalid_amount")
    if amount > cap:
        raise Conflict(f"At most {cap} fen can be refunded for these lines", "refund_exceeds_paid",
                       details={"refundable_fen": cap, "asked_fen": amount})
    refund = _refund(order, amount, reason=f"售后 {ret.public_id}"[:80], source_ref=ret.public_id)
    caps = _line_caps(order, exclude=ret)
    left = amount
    for al in ret.lines.select_related("order_line"):
        take = min(left, max(0, min(al.order_line.net_of_units_fen(al.quantity), caps[al.order_line_id][2])))
        if take:
            AfterSaleLine.objects.filter(pk=al.pk).update(refunded_fen=take)
        left -= take
    now = clock.now()
    _move(ret, A.REFUNDED, (A.APPROVED, A.RETURN_SHIPPED), refunded_fen=amount, refund_id=refund.public_id,
          refunded_at=now)
    _emit("after_sale.refunded", ret, amount_fen=amount, refund=refund.public_id)


def _approve(order: Order, ret: AfterSale, note: str, by: str) -> None:
    _move(ret, A.APPROVED, (A.REQUESTED, A.DISPUTED), decided_at=clock.now(),
          **({"merchant_note": note} if by == "merchant" else {"operator_note": note}))
    _emit("after_sale.approved", ret, by=by, note=note)
    if ret.kind == AfterSaleKind.REFUND_ONLY:
        _pay_back(order, ret, None)


def approve(merchant: Merchant, ret_public_id: str, note: str = "") -> AfterSale:
    """The merchant agrees: a return waits for the goods; refund-only is refunded now."""
    note = _clean_text(note, "note", required=False)
    with transaction.atomic():
        order, ret = _locked(ret_public_id, merchant=merchant)
        _approve(order, ret, note, "merchant")
    return ret


def reject(merchant: Merchant, ret_public_id: str, reason: str) -> AfterSale:
    reason = _clean_text(reason, "reason")
    with transaction.atomic():
        _, ret = _locked(ret_public_id, merchant=merchant)
        _move(ret, A.REJECTED, (A.REQUESTED,), merchant_note=reason, decided_at=clock.now())
        _emit("after_sale.rejected", ret, reason=reason)
    return ret


def dispute(customer, ret_public_id: str, reason: str) -> AfterSale:
    """The customer contests a rejection; an operator decides."""
    reason = _clean_text(reason, "reason")
    with transaction.atomic():
        _, ret = _locked(ret_public_id, customer=customer)
        _move(ret, A.DISPUTED, (A.REJECTED,))
        _emit("after_sale.disputed", ret, reason=reason)
    return ret


def arbitrate(operator, ret_public_id: str, decision: str, note: str) -> AfterSale:
    """An operator settles a disputed request: approve (as the merchant would) or reject
    for good (closed)."""
    note = _clean_text(note, "note")
    if decision not in ("approve", "reject"):
        raise ValidationFailed("decision must be approve or reject", "invalid_decision")
    with transaction.atomic():
        order, ret = _locked(ret_public_id)
        if ret.status != A.DISPUTED:
            raise Conflict("Only a disputed request is arbitrated", "illegal_transition",
                           details={"from": ret.status})
        events.emit("after_sale.arbitrated", ret, {"order": order.public_id, "after_sale": ret.public_id,
                                                   "decision": decision, "operator": operator.public_id,
                                                   "note": note}, merchant_id=ret.merchant.public_id)
        if decision == "approve":
            _approve(order, ret, note, "operator")
        else:
            _move(ret, A.CLOSED, (A.DISPUTED,), operator_note=note, decided_at=clock.now())
            _emit("after_sale.closed", ret, by="operator")
    return ret


def withdraw(customer, ret_public_id: str) -> AfterSale:
    with transaction.atomic():
        _, ret = _locked(ret_public_id, customer=customer)
        _move(ret, A.CLOSED, (A.REQUESTED, A.APPROVED, A.REJECTED, A.DISPUTED))
        _emit("after_sale.closed", ret, by="customer")
    return ret


def ship_return(customer, ret_public_id: str, *, carrier: str = "sandbox",
                tracking_number: str | None = None):
    """The customer sends the goods of an approved return back: a return parcel,
    tracked through the same carrier webhook."""
    with transaction.atomic():
        order, ret = _locked(ret_public_id, customer=customer)
        if ret.kind != AfterSaleKind.RETURN:
            raise Conflict("Refund-only requests send nothing back", "not_a_return")
        _move(ret, A.RETURN_SHIPPED, (A.APPROVED,))
        parcel = parcel_services.new_parcel(order, direction=Direction.RETURN, carrier_code=carrier,
                                            tracking_number=tracking_number, after_sale=ret)
        ParcelItem.objects.bulk_create([ParcelItem(parcel=parcel, order_line_id=al.order_line_id,
                                                   quantity=al.quantity) for al in ret.lines.all()])
        events.emit("parcel.created", parcel, parcel_services.parcel_payload(parcel, after_sale=ret.public_id),
                    merchant_id=ret.merchant.public_id)
        _emit("after_sale.return_shipped", ret, parcel=parcel.public_id)
    return parcel


def receive_return(merchant: Merchant, ret_public_id: str, *, amount_fen: int | None = None,
                   resellable: bool = False, location: str | None = None) -> AfterSale:
    """The returned goods arrived: restock them when resellable (to `location`, or where
    they left from) and refund the lines, partially when agreed (`amount_fen`), never more
    than refundable_for. One transaction."""
    with transaction.atomic():
        order, ret = _locked(ret_public_id, merchant=merchant)
        if ret.kind != AfterSaleKind.RETURN or ret.status != A.RETURN_SHIPPED:
            raise Conflict(f"A request that is {ret.status} cannot be received", "illegal_transition",
                           details={"from": ret.status})
        loc = inventory.merchant_location(merchant, location) if location is not None else None  # 404 across tenants
        now = clock.now()
        AfterSale.objects.filter(pk=ret.pk).update(received_at=now, restock_location=loc if resellable else None)
        ret.received_at = now
        _emit("after_sale.received", ret, resellable=resellable, location=location)
        if resellable:
            _restock(merchant, order, {al.order_line_id: al.quantity for al in ret.lines.all()}, location)
        _pay_back(order, ret, amount_fen)
    return ret
