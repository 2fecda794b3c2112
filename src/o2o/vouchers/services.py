"""Every write of vouchers: issuing on payment, redemption at the counter and its
reversal, refund requests, and the expiry sweep. Reads for the API live in
vouchers.selectors.

Lock order, everywhere: voucher row, then order row (orders.services locks it), so
redemptions, refunds and the sweep never deadlock with each other or with payment
(which locks the order and then only inserts vouchers).

Error codes of a redemption (the same for a lookup, which writes nothing):
    invalid_code 422      malformed, or the check character does not match (a typo)
    unknown_code 404      no voucher has this code
    not_your_voucher 404  another merchant's voucher (same message: reveals nothing)
    store_not_found 404   no such store of this merchant
    store_not_allowed 403 the staff member is bound to other stores
    wrong_store 409       the voucher is not valid at this store
    not_yet_valid 409, expired 409, fully_used 409, refunded 409
    slot_not_today 409    a booked slot on another store-local day (± tolerance)
    invalid_uses 422      uses < 1 or more than the uses left
    invalid_payload 422, invalid_signature 422   a signed QR payload (vouchers.signing)
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When

from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.inventory import services as inventory
from o2o.inventory.services import local_day_bounds, store_zone
from o2o.merchants.access import may_act_at, merchant_of
from o2o.merchants.models import Merchant, Store
from o2o.orders import services as orders
from o2o.orders.models import Order, OrderLine
from o2o.vouchers import codes, signing
from o2o.vouchers.models import (
    USABLE,
    Redemption,
    RefundSource,
    RefundStatus,
    Voucher,
    VoucherRefund,
    VoucherStatus,
)

log = logging.getLogger(__name__)
S = VoucherStatus
DEFAULT_VALIDITY_DAYS = 365
MAX_REASON = 200


# --- money ---------------------------------------------------------------------------

def used_value_fen(price_fen: int, uses_total: int, uses_used: int) -> int:
    """What `uses_used` of `uses_total` uses are worth: floor(price * used / total).

    Cumulative, so the k-th use is worth used_value(k) - used_value(k-1) and all uses
    together are worth exactly the price (the last use takes the remainder)."""
    return price_fen * uses_used // uses_total


def refund_amount_fen(price_fen: int, uses_total: int, uses_unused: int) -> int:
    """The refund of the unused uses: the price less what the used uses are worth.

    Rule: the rounding fen of a partial refund goes to the customer, and
    used value + refund == price exactly, so nothing is lost and the total refunded
    never exceeds the price (a voucher is refunded once). Unused voucher: full price."""
    if not 0 <= uses_unused <= uses_total:
        raise ValueError("uses_unused must be within 0..uses_total")
    return price_fen - used_value_fen(price_fen, uses_total, uses_total - uses_unused)


# --- issuing -------------------------------------------------------------------------

def _tolerance() -> dt.timedelta:
    return dt.timedelta(minutes=settings.O2O.get("SLOT_TOLERANCE_MINUTES", 60))


def _slot_window(slot) -> tuple[dt.datetime, dt.datetime]:
    """The time a booked voucher may be redeemed: the slot's store-local day ± tolerance."""
    zone = store_zone(slot.store)
    start, end = local_day_bounds(slot.starts_at.astimezone(zone).date(), zone)
    return start - _tolerance(), end + _tolerance()


def _validity(product, slot, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """N days after purchase, or the product's fixed window; a booked slot's day is
    always inside it."""
    if product.validity_days:
        valid_from, valid_until = now, now + dt.timedelta(days=product.validity_days)
    else:
        valid_from = product.valid_from or now
        valid_until = product.valid_until or max(now, valid_from) + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)
    if slot is not None:
        _, slot_end = _slot_window(slot)
        valid_until = max(valid_until, slot_end)
    return valid_from, valid_until


def _create_voucher(**fields) -> Voucher | None:
    """Insert one voucher with a fresh code; None when (line, seq) exists already."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return Voucher.objects.create(code=codes.generate(), **fields)
        except IntegrityError:
            if Voucher.objects.filter(order_line=fields["order_line"], seq=fields["seq"]).exists():
                return None
            # otherwise a code collision (about 2^-75): draw again
    raise RuntimeError("could not draw a unique voucher code")


def issue_for_order(order: Order) -> list[Voucher]:
    """One voucher per unit of each SERVICE line of a paid order (none for goods).
    A voucher's price is its unit's share of what the customer paid for the line (the
    line's net after discounts, split over the units by largest remainder, exact in
    fen): the base of its uses' value and of its refund.
    Idempotent per line: units that have a voucher already are skipped. Returns the
    vouchers created now. Registered as an orders on_paid hook (VouchersConfig.ready),
    so it runs inside record_payment's transaction."""
    now = clock.now()
    created: list[Voucher] = []
    with transaction.atomic():
        lines = list(OrderLine.objects.filter(order=order, kind="SERVICE")
                     .select_related("product", "slot__store", "store"))
        have = set(Voucher.objects.filter(order_line__in=lines).values_list("order_line_id", "seq"))
        merchant_public_id = order.merchant.public_id
        for line in lines:
            product = line.product
            valid_from, valid_until = _validity(product, line.slot, now)
            if line.slot_id:
                stores, all_stores = [line.slot.store], False
            elif line.store_id:
                stores, all_stores = [line.store], False
            elif product.all_stores:
                stores, all_stores = [], True
            else:
                stores = list(product.stores.all())
                all_stores = not stores  # a product with no store listed: any store of the merchant
            for seq in range(1, line.quantity + 1):
                if (line.pk, seq) in have:
                    continue
                voucher = _create_voucher(
                    order=order, order_line=line, seq=seq, customer_id=order.customer_id,
                    merchant_id=order.merchant_id, product=product, title=line.title,
                    price_fen=line.unit_share_fen(line.line_total_fen, seq), uses_total=product.uses_per_voucher,
                    uses_left=product.uses_per_voucher, valid_from=valid_from,
                    valid_until=valid_until, all_stores=all_stores, slot=line.slot,
                    created_at=now, updated_at=now)
                if voucher is None:
                    continue
                if stores:
                    voucher.stores.set(stores)
                events.emit("voucher.issued", voucher, {
                    "order": order.public_id, "product": product.public_id,
                    "uses_total": voucher.uses_total, "valid_from": valid_from.isoformat(),
                    "valid_until": valid_until.isoformat(),
                    "slot": line.slot.public_id if line.slot_id else None,
                }, merchant_id=merchant_public_id)
                created.append(voucher)
    return created


# --- checks shared by lookup and redemption -------------------------------------------

def valid_at(voucher: Voucher, store: Store) -> bool:
    if store.merchant_id != voucher.merchant_id:
        return False
    if voucher.all_stores:
        return True
    return voucher.stores.filter(pk=store.pk).exists()


def _refuse_state(voucher: Voucher, store: Store, uses: object, now: dt.datetime) -> None:
    """Raise the first reason `voucher` cannot be redeemed `uses` times here and now."""
    if voucher.status == S.REFUNDED:
        raise Conflict("This voucher was refunded", "refunded")
    if voucher.status in (S.EXPIRED, S.EXPIRED_REFUNDED):
        raise Conflict("This voucher has expired", "expired")
    if voucher.status == S.USED or voucher.uses_left == 0:
        raise Conflict("This voucher is fully used", "fully_used")
    if not valid_at(voucher, store):
        raise Conflict("This voucher is not valid at this store", "wrong_store")
    if now < voucher.valid_from:
        raise Conflict("This voucher is not valid yet", "not_yet_valid",
                       details={"valid_from": voucher.valid_from.isoformat()})
    if now >= voucher.valid_until:
        raise Conflict("This voucher has expired", "expired",
                       details={"valid_until": voucher.valid_until.isoformat()})
    if voucher.slot_id is not None:
        opens, closes = _slot_window(voucher.slot)
        if not opens <= now < closes:
            raise Conflict("This voucher is booked for another day", "slot_not_today",
                           details={"slot_starts_at": voucher.slot.starts_at.isoformat()})
    if isinstance(uses, bool) or not isinstance(uses, int) or not 1 <= uses <= voucher.uses_left:
        raise ValidationFailed(f"uses must be 1..{voucher.uses_left}", "invalid_uses",
                               details={"uses_left": voucher.uses_left})


@dataclass(frozen=True)
class Counter:
    """Who is redeeming where."""

    merchant: Merchant
    store: Store


def _counter(staff_user, store_public_id: object) -> Counter:
    merchant = merchant_of(staff_user)
    store = None
    if looks_like_id(store_public_id, "sto"):
        store = Store.objects.filter(public_id=store_public_id, merchant=merchant).first()
    if store is None:
        raise NotFound("No such store", "store_not_found")
    if not may_act_at(staff_user, store):
        raise PermissionDenied("You may not redeem at this store", "store_not_allowed")
    return Counter(merchant, store)


def _find(merchant: Merchant, raw_code: object, at: dt.datetime | None = None) -> Voucher:
    if signing.looks_signed(raw_code):
        return _find_signed(merchant, raw_code, at)
    code = codes.parse(raw_code)
    if code is None:
        raise ValidationFailed("This is not a voucher code (check for a typo)", "invalid_code")
    voucher = (Voucher.objects.select_related("customer", "slot__store", "product")
               .filter(code=code).first())
    if voucher is None:
        raise NotFound("No voucher has this code", "unknown_code")
    if voucher.merchant_id != merchant.pk:
        raise NotFound("No voucher has this code", "not_your_voucher")
    return voucher


def _find_signed(merchant: Merchant, payload: str, at: dt.datetime | None) -> Voucher:
    """The voucher behind a signed QR payload (the signature checked at `at`, default now;
    not its state)."""
    claims = signing.read(payload, at)
    if claims.merchant != merchant.public_id:
        raise NotFound("No voucher has this code", "not_your_voucher")
    voucher = (Voucher.objects.select_related("customer", "slot__store", "product")
               .filter(public_id=claims.voucher, merchant=merchant).first())
    if voucher is None:
        raise NotFound("No voucher has this code", "unknown_code")
    return voucher


def find_for_merchant(merchant: Merchant, raw: object, at: dt.datetime) -> Voucher:
    """The merchant's voucher behind a typed code or a signed payload whose key was live
    at `at` (counter uploads: the time of the offline redemption)."""
    return _find(merchant, raw, at)


def lookup(staff_user, store_public_id: str, code: str, uses: int = 1) -> tuple[Voucher, Store]:
    """The *prepare* step at the counter: the voucher behind `code`, if staff could
    redeem `uses` of it at this store now; the same refusals as redeem(). No write."""
    counter = _counter(staff_user, store_public_id)
    voucher = _find(counter.merchant, code)
    _refuse_state(voucher, counter.store, uses, clock.now())
    return voucher, counter.store


# --- redemption ----------------------------------------------------------------------

def _status_from_uses() -> Case:
    return Case(When(uses_left=0, then=Value(S.USED)),
                When(uses_left=F("uses_total"), then=Value(S.ACTIVE)),
                default=Value(S.PARTIALLY_USED))


def _sync_order(order_id: int) -> None:
    """Put the order where its vouchers are (paid, in_use or completed; back again after
    a reversal). The order row is locked before the vouchers are read, so two counters
    changing vouchers of the same order settle it on what both did."""
    order = orders.lock_order(order_id)
    if order is None:
        raise NotFound("No such order", "order_not_found")
    usable = Voucher.objects.filter(order_id=order_id, status__in=USABLE).exists()
    used = Redemption.objects.filter(voucher__order_id=order_id, reversed_at__isnull=True).exists()
    orders.sync_service_order(order, usable=usable, used=used)


def redeem(staff_user, store_public_id: str, code: str, uses: int = 1) -> Redemption:
    """Consume `uses` uses of the voucher behind `code` at a store: all or nothing.

    The decrement is one conditional UPDATE (enough uses left, usable status, inside
    the validity window), so concurrent counters can never take more than there is."""
    counter = _counter(staff_user, store_public_id)
    voucher = _find(counter.merchant, code)
    now = clock.now()
    _refuse_state(voucher, counter.store, uses, now)
    with transaction.atomic():
        taken = Voucher.objects.filter(
            pk=voucher.pk, status__in=USABLE, uses_left__gte=uses,
            valid_from__lte=now, valid_until__gt=now,
        ).update(uses_left=F("uses_left") - uses, updated_at=now)
        if not taken:
            # Someone else got there first (or it was refunded meanwhile): say why.
            voucher.refresh_from_db()
            _refuse_state(voucher, counter.store, uses, now)
            raise Conflict("This voucher is fully used", "fully_used")
        Voucher.objects.filter(pk=voucher.pk).update(status=_status_from_uses())
        voucher.refresh_from_db(fields=["uses_left", "status", "updated_at"])
        zone = store_zone(counter.store)
        redemption = Redemption.objects.create(
            voucher=voucher, merchant=counter.merchant, store=counter.store, staff=staff_user,
            uses=uses, created_at=now, local_date=now.astimezone(zone).date())
        events.emit("voucher.redeemed", redemption, {
            "voucher": voucher.public_id, "order_id": voucher.order_id, "store": counter.store.public_id,
            "staff": staff_user.public_id, "uses": uses, "uses_left": voucher.uses_left,
            "status": voucher.status, "price_fen": voucher.price_fen, "uses_total": voucher.uses_total,
        }, merchant_id=counter.merchant.public_id)
        _sync_order(voucher.order_id)
    return redemption


def reversal_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.O2O.get("REDEMPTION_REVERSAL_MINUTES", 30))


def reverse(staff_user, redemption_public_id: str) -> Redemption:
    """Undo a redemption of this merchant within the reversal window, once: its uses go
    back to the voucher, and the order follows (completed -> in_use, or paid when no use
    is left). Conflict already_reversed, reversal_window_closed, or voucher_closed
    (refunded or expired since)."""
    merchant = merchant_of(staff_user)
    if not looks_like_id(redemption_public_id, "rdm"):
        raise NotFound("No such redemption", "redemption_not_found")
    now = clock.now()
    with transaction.atomic():
        redemption = (Redemption.objects.select_for_update(of=("self",))
                      .select_related("store", "voucher")
                      .filter(public_id=redemption_public_id, merchant=merchant).first())
        if redemption is None:
            raise NotFound("No such redemption", "redemption_not_found")
        if not may_act_at(staff_user, redemption.store):
            raise PermissionDenied("You may not act at this store", "store_not_allowed")
        if redemption.reversed_at is not None:
            raise Conflict("This redemption was already reversed", "already_reversed")
        if now - redemption.created_at > reversal_window():
            raise Conflict("The time to reverse this redemption is over", "reversal_window_closed",
                           details={"minutes": int(reversal_window().total_seconds() // 60)})
        back = Voucher.objects.filter(
            pk=redemption.voucher_id, status__in=(S.PARTIALLY_USED, S.USED),
            uses_left__lte=F("uses_total") - redemption.uses,
        ).update(uses_left=F("uses_left") + redemption.uses, updated_at=now)
        if not back:
            raise Conflict("The voucher was refunded or expired since", "voucher_closed")
        Voucher.objects.filter(pk=redemption.voucher_id).update(status=_status_from_uses())
        redemption.reversed_at = now
        redemption.reversed_by = staff_user
        redemption.save(update_fields=["reversed_at", "reversed_by"])
        voucher = Voucher.objects.get(pk=redemption.voucher_id)
        redemption.voucher = voucher
        events.emit("redemption.reversed", redemption, {
            "voucher": voucher.public_id, "uses": redemption.uses, "uses_left": voucher.uses_left,
            "status": voucher.status, "staff": staff_user.public_id,
        }, merchant_id=merchant.public_id)
        _sync_order(voucher.order_id)
    return redemption


# --- refunds and expiry ----------------------------------------------------------------

def _give_back_capacity(voucher: Voucher) -> None:
    """A voucher refunded before any use frees its seat or its unit of quota."""
    if voucher.uses_left != voucher.uses_total:
        return
    if voucher.slot_id is not None:
        inventory.release_seat(voucher.slot_id, 1)
    elif voucher.order_line.quota_taken:
        inventory.release_quota(voucher.product_id, 1)


def _refund(voucher: Voucher, *, source: str, reason: str, now: dt.datetime) -> VoucherRefund:
    """Record the refund of a locked voucher's unused uses (caller sets its status)."""
    unused = voucher.uses_left
    return VoucherRefund.objects.create(
        voucher=voucher, order_id=voucher.order_id, customer_id=voucher.customer_id,
        merchant_id=voucher.merchant_id, uses=unused,
        amount_fen=refund_amount_fen(voucher.price_fen, voucher.uses_total, unused),
        currency=voucher.order.currency, reason=reason, source=source, created_at=now, updated_at=now)


def _locked_voucher(**scope) -> Voucher | None:
    return (Voucher.objects.select_for_update(of=("self",))
            .select_related("product", "order", "order_line", "merchant").filter(**scope).first())


def _whole_number(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationFailed(f"{name} must be a positive integer", f"invalid_{name.split('_')[0]}")
    return value


def request_refund(customer, voucher_public_id: str, reason: str = "", *, amount_fen: int | None = None,
                   uses: int | None = None) -> VoucherRefund:
    """The owner asks for the unused uses of a voucher back (when the product allows
    refunds at any time). The voucher becomes refunded, its capacity is released, and a
    VoucherRefund(requested) waits for the payments flow.

    A voucher is refunded once, for all its unused uses: refund_amount_fen of them. A
    caller may state what it expects (`amount_fen`, `uses`); anything else is refused
    with 422 refund_amount_mismatch (details: the uses and amount it would be), never
    turned into a different refund."""
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise ValidationFailed(f"reason is at most {MAX_REASON} characters", "invalid_reason")
    amount_fen = _whole_number(amount_fen, "amount_fen")
    uses = _whole_number(uses, "uses")
    if not looks_like_id(voucher_public_id, "vch"):
        raise NotFound("No such voucher", "voucher_not_found")
    now = clock.now()
    with transaction.atomic():
        voucher = _locked_voucher(public_id=voucher_public_id, customer=customer)
        if voucher is None:
            raise NotFound("No such voucher", "voucher_not_found")
        if not voucher.product.refund_anytime:
            raise Conflict("This deal cannot be refunded", "refund_not_allowed")
        if voucher.status in (S.REFUNDED, S.EXPIRED_REFUNDED):
            raise Conflict("This voucher was refunded already", "already_refunded")
        if voucher.status == S.EXPIRED or now >= voucher.valid_until:
            raise Conflict("This voucher has expired", "expired")
        if voucher.status == S.USED or voucher.uses_left == 0:
            raise Conflict("Nothing is left to refund", "fully_used")
        due = refund_amount_fen(voucher.price_fen, voucher.uses_total, voucher.uses_left)
        if (amount_fen is not None and amount_fen != due) or (uses is not None and uses != voucher.uses_left):
            raise ValidationFailed(
                f"A voucher is refunded for all its unused uses at once: {voucher.uses_left} uses, {due} fen",
                "refund_amount_mismatch", details={"uses": voucher.uses_left, "amount_fen": due})
        refund = _refund(voucher, source=RefundSource.CUSTOMER, reason=reason.strip(), now=now)
        _give_back_capacity(voucher)
        Voucher.objects.filter(pk=voucher.pk).update(status=S.REFUNDED, uses_left=0, updated_at=now)
        events.emit("voucher.refund_requested", refund, {
            "voucher": voucher.public_id, "order": voucher.order.public_id, "uses": refund.uses,
            "amount_fen": refund.amount_fen, "source": refund.source,
        }, merchant_id=voucher.merchant.public_id)
        _sync_order(voucher.order_id)
    return refund


def expire_one(voucher_id: int, now: dt.datetime) -> bool:
    """Expire one voucher past its window, refunding the unused uses when the product's
    policy says so. Skips a voucher locked by a redemption right now (next sweep)."""
    with transaction.atomic():
        qs = (Voucher.objects.select_related("product", "order", "order_line", "merchant")
              .filter(pk=voucher_id, status__in=USABLE, valid_until__lte=now))
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        voucher = qs.first()
        if voucher is None:
            return False
        refund = None
        if voucher.product.auto_refund_on_expiry:
            refund = _refund(voucher, source=RefundSource.EXPIRY, reason="expired", now=now)
            Voucher.objects.filter(pk=voucher.pk).update(
                status=S.EXPIRED_REFUNDED, uses_left=0, updated_at=now)
        else:
            Voucher.objects.filter(pk=voucher.pk).update(status=S.EXPIRED, updated_at=now)
        events.emit("voucher.expired", voucher, {
            "order": voucher.order.public_id, "uses_unused": voucher.uses_left,
            "refund": refund.public_id if refund else None,
            "amount_fen": refund.amount_fen if refund else 0,
        }, merchant_id=voucher.merchant.public_id)
        if refund is not None:
            events.emit("voucher.refund_requested", refund, {
                "voucher": voucher.public_id, "order": voucher.order.public_id, "uses": refund.uses,
                "amount_fen": refund.amount_fen, "source": refund.source,
            }, merchant_id=voucher.merchant.public_id)
        _sync_order(voucher.order_id)
    return True


def expire_due(now: dt.datetime | None = None, *, limit: int = 1000) -> int:
    """Expire every usable voucher whose window is over, each in its own transaction.
    Returns how many expired. Safe to run from several workers at once."""
    now = now or clock.now()
    due = list(Voucher.objects.filter(status__in=USABLE, valid_until__lte=now)
               .order_by("valid_until").values_list("pk", flat=True)[:limit])
    done = 0
    for pk in due:
        try:
            done += expire_one(pk, now)
        except Exception:  # one bad voucher must not stop the sweep
            log.exception("could not expire voucher %s", pk)
    return done


__all__ = [
    "expire_due", "expire_one", "find_for_merchant", "issue_for_order", "lookup", "redeem",
    "refund_amount_fen", "request_refund", "reverse", "used_value_fen", "valid_at",
]


# --- outcome of refunds executed by the payments flow -------------------------------------

_REFUND_MOVES = {
    RefundStatus.REQUESTED: {RefundStatus.PROCESSING, RefundStatus.SUCCEEDED, RefundStatus.FAILED},
    RefundStatus.PROCESSING: {RefundStatus.SUCCEEDED, RefundStatus.FAILED},
}


def note_refund_result(refund_public_id: str, status: str) -> VoucherRefund | None:
    """Record what the gateway did with a voucher refund request (called by payments).

    Moves only forward (requested -> processing -> succeeded | failed); a repeat or a
    late, older outcome changes nothing, so the hook is safe to call more than once.
    """
    if status not in RefundStatus.values:
        raise ValidationFailed(f"unknown refund status {status!r}", "invalid_status")
    with transaction.atomic():
        refund = VoucherRefund.objects.select_for_update().filter(public_id=refund_public_id).first()
        if refund is None:
            raise NotFound("No such voucher refund", "refund_not_found")
        if status not in _REFUND_MOVES.get(refund.status, set()):
            return refund
        refund.status = status
        refund.updated_at = clock.now()
        refund.save(update_fields=["status", "updated_at"])
        events.emit(f"voucher.refund_{status}", refund,
                    {"voucher": refund.voucher.public_id, "amount_fen": refund.amount_fen},
                    merchant_id=refund.merchant.public_id)
    return refund
