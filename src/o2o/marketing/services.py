"""Every write of marketing about coupons in customers' hands: claims and grants, the
coupon's life with the orders that use it (reserve at checkout, used when paid,
released when the order closes unpaid or is cancelled), and the expiry sweep. Template
and promotion management is in marketing.manage. Reads are in marketing.selectors.

Concurrency: a claim takes the template row first (`claimed = claimed + 1 WHERE
claimed < limit`, which also serializes the claims of one template), then inserts the
coupon with the next seq; unique (template, customer, seq) backs the per-customer limit.
A reservation is `UPDATE coupon SET status='reserved' WHERE status='available'`, so one
coupon never pays two concurrent orders. Lock order, everywhere: template row, then
coupon rows (by id), then their CouponUse rows.

Error codes:
    template_not_found 404, coupon_not_found 404
    not_claimable 409       granted only, not claimable by customers
    template_paused 409, template_stopped 409
    claim_not_started 409, claim_ended 409
    sold_out 409            the total quantity is claimed
    budget_exhausted 409    the platform budget cap is reached
    claim_limit_reached 409 the customer holds the per-customer limit
    new_customers_only 409  the customer has paid an order before
    coupon_taken 409        reserved: the coupon is no longer available
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from o2o.accounts.models import User
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound
from o2o.core.ids import looks_like_id
from o2o.marketing import hooks
from o2o.marketing.models import (
    ClaimSource,
    Coupon,
    CouponStatus,
    CouponTemplate,
    CouponUse,
    TemplateStatus,
    UseState,
)
from o2o.marketing.pricing import Quote

_TEMPLATE_EXHAUSTED = ("sold_out", "budget_exhausted", "template_paused", "template_stopped")
#: Template states in which customers may still claim.
CLAIMABLE = (TemplateStatus.ACTIVE,)


# --- claims --------------------------------------------------------------------------

def get_template(public_id: Any) -> CouponTemplate:
    if not looks_like_id(public_id, "ctp"):
        raise NotFound(_("No such coupon template"), "template_not_found")
    try:
        return CouponTemplate.objects.select_related("merchant").get(public_id=public_id)
    except CouponTemplate.DoesNotExist:
        raise NotFound(_("No such coupon template"), "template_not_found") from None


def claim(customer: Any, template_public_id: str, *, source: str = ClaimSource.COUPON_CENTRE) -> Coupon:
    """A customer claims one coupon of a template (领券)."""
    if source not in ClaimSource.values or source == ClaimSource.GRANT:
        source = ClaimSource.LINK
    template = get_template(template_public_id)
    if not template.claimable:
        raise Conflict(_("This coupon is not handed out here"), "not_claimable")
    now = clock.now()
    if now < template.claim_starts_at:
        raise Conflict(_("Claims have not started yet"), "claim_not_started")
    if _claims_over(template, now):
        raise Conflict(_("Claims are over"), "claim_ended")
    return _issue(template, customer, source, now)


def _claims_over(template: CouponTemplate, now: dt.datetime) -> bool:
    return ((template.claim_ends_at is not None and now >= template.claim_ends_at)
            or (template.valid_until is not None and now >= template.valid_until))


@dataclass
class GrantResult:
    granted: list[str] = field(default_factory=list)  # coupon public ids
    skipped: dict[Any, str] = field(default_factory=dict)  # customer (as given) -> error code


def grant(template: CouponTemplate, customer_ids: Iterable[int]) -> GrantResult:
    """Give one coupon of `template` to each customer (campaigns): the template's
    quantity, budget and per-customer limit hold; the claim window and `claimable` do not.
    A customer who cannot get one is skipped with the reason; the others still get theirs,
    in the order given."""
    wanted = list(dict.fromkeys(customer_ids))
    users = User.objects.in_bulk(wanted)
    return _grant(template, [(pk, users.get(pk)) for pk in wanted])


def grant_public(template: CouponTemplate, customer_public_ids: Iterable[str]) -> GrantResult:
    """grant() to customers named by their public ids (the API's)."""
    wanted = list(dict.fromkeys(customer_public_ids))
    users = User.objects.in_bulk(wanted, field_name="public_id")
    return _grant(template, [(public_id, users.get(public_id)) for public_id in wanted])


def _grant(template: CouponTemplate, customers: list[tuple[Any, User | None]]) -> GrantResult:
    result = GrantResult()
    now = clock.now()
    if template.valid_until is not None and now >= template.valid_until:
        raise Conflict(_("Claims are over"), "claim_ended")
    for n, (key, customer) in enumerate(customers):
        if customer is None:
            result.skipped[key] = "customer_not_found"
            continue
        try:
            result.granted.append(_issue(template, customer, ClaimSource.GRANT, now).public_id)
        except Conflict as exc:
            result.skipped[key] = exc.code
            if exc.code in _TEMPLATE_EXHAUSTED:  # nobody after this one can get one either
                result.skipped.update({rest: exc.code for rest, _u in customers[n + 1:]})
                break
    return result


def _issue(template: CouponTemplate, customer: Any, source: str, now: dt.datetime) -> Coupon:
    if getattr(customer, "pk", None) is None:
        raise NotFound(_("No such customer"), "customer_not_found")
    if template.new_customers_only and hooks.has_paid_order(customer.pk):
        raise Conflict(_("For new customers only"), "new_customers_only")
    with transaction.atomic():
        limit = Q(claimed__lt=F("total_quantity"))
        if template.budget_cap_fen is not None and template.face_value_fen > 0:
            limit &= Q(claimed__lt=template.budget_cap_fen // template.face_value_fen)
        taken = CouponTemplate.objects.filter(limit, pk=template.pk, status__in=CLAIMABLE).update(
            claimed=F("claimed") + 1, updated_at=now)
        if not taken:
            raise _why_no_claim(template.pk)
        held = Coupon.objects.filter(template=template, customer=customer).count()
        if held >= template.per_customer_limit:
            raise Conflict(_("You already hold as many of these coupons as allowed"), "claim_limit_reached")
        if template.valid_days is not None:
            valid_from, valid_until = now, now + dt.timedelta(days=template.valid_days)
        else:
            valid_from, valid_until = template.valid_from, template.valid_until
        try:
            with transaction.atomic():
                coupon = Coupon.objects.create(
                    template=template, customer=customer, seq=held + 1, source=source,
                    valid_from=valid_from, valid_until=valid_until, claimed_at=now, updated_at=now)
        except IntegrityError:
            raise Conflict(_("You already hold as many of these coupons as allowed"),
                           "claim_limit_reached") from None
        events.emit("coupon.claimed", coupon, {"template": template.public_id, "source": source},
                     merchant_id=template.merchant.public_id if template.merchant_id else "")
    return coupon


def _why_no_claim(template_pk: int) -> Conflict:
    t = CouponTemplate.objects.get(pk=template_pk)
    if t.status == TemplateStatus.PAUSED:
        return Conflict(_("This coupon is paused"), "template_paused")
    if t.status == TemplateStatus.STOPPED:
        return Conflict(_("This coupon has been stopped"), "template_stopped")
    if t.claimed >= t.total_quantity:
        return Conflict(_("All these coupons have been claimed"), "sold_out")
    return Conflict(_("This coupon's budget is spent"), "budget_exhausted")


# --- the coupon's life with its orders ----------------------------------------------

def reserve_coupons(customer: Any, coupon_public_ids: Sequence[str], *, checkout_group: str,
                    order_pks_by_coupon: Mapping[str, Sequence[int]], quote: Quote | None = None,
                    order_pk_by_key: Mapping[str, int] | None = None) -> None:
    """Hold the coupons for the orders of one checkout, inside the caller's transaction.

    Conditional UPDATE available -> reserved of the customer's coupon: a coupon that is
    no longer available (another checkout got it first, or it was used) is refused with
    coupon_taken, and the caller's transaction rolls back. With the `quote` and the
    order pk of each order_key, each CouponUse also records the discount it gave the
    order, its funding, and the order's net (GMV driven)."""
    now = clock.now()
    by_coupon = {d.ref: d for d in (quote.discounts if quote else []) if d.source == "coupon"}
    key_by_pk = {pk: key for key, pk in (order_pk_by_key or {}).items()}
    nets = quote.order_totals() if quote else {}
    wanted = sorted(dict.fromkeys(coupon_public_ids))
    with transaction.atomic(savepoint=False):  # joins checkout's transaction: no savepoint round trips
        for public_id in wanted:  # one conditional UPDATE each, in a fixed order (no deadlock)
            held = Coupon.objects.filter(public_id=public_id, customer_id=customer.pk,
                                         status=CouponStatus.AVAILABLE).update(
                status=CouponStatus.RESERVED, checkout_group=checkout_group, updated_at=now)
            if not held:
                if not Coupon.objects.filter(public_id=public_id, customer_id=customer.pk).exists():
                    raise NotFound(_("No such coupon"), "coupon_not_found", details={"coupon": public_id})
                raise Conflict(_("This coupon is used or held by another order"), "coupon_taken",
                               details={"coupon": public_id})
        uses = []
        # The quote's wallet read already has each coupon's pk and template: no re-read.
        rows = {p: r for p, r in (quote.coupon_rows if quote else {}).items() if p in wanted}
        if len(rows) < len(wanted):
            rows = {c.public_id: (c.pk, c.template_id)
                    for c in Coupon.objects.filter(public_id__in=wanted).only("pk", "public_id", "template_id")}
        for public_id, (coupon_pk, template_id) in rows.items():
            discount = by_coupon.get(public_id)
            for order_pk in order_pks_by_coupon.get(public_id, ()):
                key = key_by_pk.get(order_pk)
                amount = discount.by_order.get(key, 0) if discount and key else 0
                merchant = discount.merchant_by_order.get(key, 0) if discount and key else 0
                uses.append(CouponUse(
                    coupon_id=coupon_pk, template_id=template_id, order_pk=order_pk,
                    checkout_group=checkout_group, amount_fen=amount, merchant_funded_fen=merchant,
                    platform_funded_fen=amount - merchant,
                    order_net_fen=nets.get(key, {}).get("net_fen", 0) if key else 0,
                    created_at=now, updated_at=now))
        CouponUse.objects.bulk_create(uses)


def coupons_paid(order_pk: int) -> None:
    """An order was paid: its coupon uses become paid, their coupons used. Idempotent."""
    now = clock.now()
    with transaction.atomic():
        coupon_ids = _lock_coupons_of(order_pk)
        CouponUse.objects.filter(order_pk=order_pk, state=UseState.RESERVED).update(
            state=UseState.PAID, updated_at=now)
        Coupon.objects.filter(pk__in=coupon_ids, status=CouponStatus.RESERVED).update(
            status=CouponStatus.USED, used_at=now, updated_at=now)


def coupons_released(order_pk: int) -> None:
    """An order closed unpaid, or was cancelled before use: its coupons go back to the
    wallet once none of their orders is still reserved or paid (a platform coupon may
    span several orders); a coupon past its validity goes to expired. Idempotent."""
    _release(order_pk, only_returnable=False)


def coupons_refunded(order_pk: int) -> None:
    """An order was refunded in full after use: coupons whose template says
    `return_on_refund` go back to the wallet, the others stay used. Idempotent."""
    _release(order_pk, only_returnable=True)


def _release(order_pk: int, *, only_returnable: bool) -> None:
    now = clock.now()
    with transaction.atomic():
        coupon_ids = _lock_coupons_of(order_pk)
        uses = CouponUse.objects.filter(order_pk=order_pk, state__in=(UseState.RESERVED, UseState.PAID))
        if only_returnable:
            uses = uses.filter(template__return_on_refund=True)
        uses.update(state=UseState.RELEASED, updated_at=now)
        still = set(CouponUse.objects.filter(
            coupon_id__in=coupon_ids, state__in=(UseState.RESERVED, UseState.PAID)).values_list(
            "coupon_id", flat=True))
        free = [pk for pk in coupon_ids if pk not in still]
        held = (CouponStatus.RESERVED, CouponStatus.USED)
        Coupon.objects.filter(pk__in=free, status__in=held, valid_until__gt=now).update(
            status=CouponStatus.AVAILABLE, checkout_group="", used_at=None, updated_at=now)
        Coupon.objects.filter(pk__in=free, status__in=held, valid_until__lte=now).update(
            status=CouponStatus.EXPIRED, checkout_group="", updated_at=now)


def _lock_coupons_of(order_pk: int) -> list[int]:
    ids = list(CouponUse.objects.filter(order_pk=order_pk).values_list("coupon_id", flat=True))
    return list(Coupon.objects.select_for_update().filter(pk__in=ids).order_by("pk")
                .values_list("pk", flat=True))


def expire_due(batch: int = 500) -> int:
    """Available coupons past their validity become expired. Reserved ones wait for their
    order (released to expired then). Returns how many expired."""
    now = clock.now()
    total = 0
    while True:
        ids = list(Coupon.objects.filter(status=CouponStatus.AVAILABLE, valid_until__lte=now)
                   .order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        total += Coupon.objects.filter(pk__in=ids, status=CouponStatus.AVAILABLE).update(
            status=CouponStatus.EXPIRED, updated_at=now)
