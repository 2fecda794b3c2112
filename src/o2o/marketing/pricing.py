"""The pricing pipeline: what a cart costs after promotions and coupons. Writes nothing.

Cart, checkout, the order and the pages all call `quote()`, so the numbers a page
shows are the numbers checkout charges. The order of the pipeline is fixed:

1. limited-time SKU price (SkuPrice): the line's unit price becomes the lowest active
   timed price below the list price. Shown as a "price" discount, not counted in
   `discount_fen` (the subtotal is already at that price).
2. spend tiers (SpendTier), per merchant: the merchant's lines of the checkout reaching
   a threshold get the best tier's amount off, allocated over those lines.
3. coupons: at most one merchant coupon per order (order_key) and at most one platform
   coupon over everything, never two coupons of one exclusive group. Merchant coupons
   apply first, the platform coupon to what is left. A coupon's threshold counts its
   in-scope lines after the previous steps ("满100" means 100 actually due).
4. shipping fees: the caller's, after this.

Every discount is allocated to lines exactly in fen by largest remainder, and split
into merchant- and platform-funded parts (marketing.allocation). No line goes below 0.

Floor of 1 fen: WeChat Pay refuses a total below 1 fen, so spend tiers and coupons
together never take an order (order_key) below 1 fen of goods: their discount per order
is capped at its subtotal - 1 (a free order, subtotal 0, stays 0). A tier or coupon that
would go further takes off only what fits; a coupon used that way is still consumed
whole (its unused face value is lost), and one that could take nothing off is refused
(below_threshold, short_fen 1).

Errors of an explicit coupon list: coupon_not_found 404 (no such coupon of this
customer), coupon_not_usable 409 (details.reason is an Unusable code, and short_fen for
below_threshold).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, F, IntegerField, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o.core import clock
from o2o.core.errors import Conflict, NotFound
from o2o.core.money import format_fen
from o2o.marketing import hooks
from o2o.marketing.allocation import allocate, split_funding
from o2o.marketing.labels import coupon_label, tier_label
from o2o.marketing.models import (
    Coupon,
    CouponKind,
    CouponStatus,
    CouponTemplate,
    ProductScope,
    PromotionStatus,
    SkuPrice,
    SpendTier,
)


@dataclass(frozen=True)
class PricingLine:
    key: str
    merchant_id: int
    order_key: str
    sku_id: int
    product_id: int
    category_id: int | None
    kind: str  # "GOODS" | "SERVICE"
    store_id: int | None
    list_unit_price_fen: int
    quantity: int


@dataclass(frozen=True)
class PricedLine:
    key: str
    unit_price_fen: int
    subtotal_fen: int
    discount_fen: int
    merchant_funded_fen: int
    platform_funded_fen: int
    net_fen: int


@dataclass(frozen=True)
class AppliedDiscount:
    source: str  # "price" | "tier" | "coupon"
    ref: str
    label: str
    amount_fen: int
    merchant_funded_fen: int
    platform_funded_fen: int
    merchant_id: int | None
    # order_key -> the part of amount_fen that landed in that order.
    by_order: dict[str, int] = field(default_factory=dict)
    merchant_by_order: dict[str, int] = field(default_factory=dict)  # its merchant-funded part


@dataclass(frozen=True)
class Unusable:
    coupon: str
    code: str
    message: str
    details: dict


@dataclass(frozen=True)
class Quote:
    lines: list[PricedLine]
    discounts: list[AppliedDiscount]
    coupons: list[str]
    unusable: list[Unusable]
    subtotal_fen: int
    discount_fen: int
    net_fen: int
    order_keys: dict[str, str] = field(default_factory=dict)  # line key -> order_key
    # coupon public id -> (pk, template pk) of the coupons applied, as the wallet read
    # them: checkout reserves them without reading them again.
    coupon_rows: dict[str, tuple[int, int]] = field(default_factory=dict)

    def order_totals(self) -> dict[str, dict]:
        """Per order_key: subtotal, discount, net, merchant_funded, platform_funded (fen)."""
        totals: dict[str, dict] = {}
        for line in self.lines:
            t = totals.setdefault(self.order_keys[line.key], {
                "subtotal_fen": 0, "discount_fen": 0, "net_fen": 0,
                "merchant_funded_fen": 0, "platform_funded_fen": 0})
            t["subtotal_fen"] += line.subtotal_fen
            t["discount_fen"] += line.discount_fen
            t["net_fen"] += line.net_fen
            t["merchant_funded_fen"] += line.merchant_funded_fen
            t["platform_funded_fen"] += line.platform_funded_fen
        return totals


# --- why a coupon does not apply ----------------------------------------------------

UNUSABLE_MESSAGES = {
    "not_started": lambda d: _("Usable from %(date)s") % {"date": _local(d.get("valid_from"))},
    "expired": lambda d: _("This coupon has expired"),
    "wrong_merchant": lambda d: _("Not valid for this merchant's items"),
    "wrong_store": lambda d: _("Not valid at this store"),
    "out_of_scope": lambda d: _("None of these items is covered by this coupon"),
    "exclusive": lambda d: _("Cannot be combined with the coupons applied"),
    "new_customers_only": lambda d: _("For a first order only"),
    "not_available": lambda d: _("This coupon is used or held by another order"),
    "below_threshold": lambda d: _("%(short)s more to use it") % {"short": format_fen(d.get("short_fen", 0))},
}


def _local(iso: str | None) -> str:
    """An ISO instant as the customer reads it: local date and minute."""
    return timezone.localtime(dt.datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M") if iso else ""


def unusable(coupon: str, code: str, details: dict | None = None) -> Unusable:
    details = details or {}
    return Unusable(coupon, code, UNUSABLE_MESSAGES[code](details), details)


# --- the pipeline --------------------------------------------------------------------

@dataclass
class _Line:
    src: PricingLine
    unit: int
    subtotal: int
    net: int
    merchant: int = 0
    platform: int = 0


@dataclass
class _Candidate:
    coupon: Coupon
    lines: list[int]  # indexes of the lines in scope
    order_keys: list[str]  # merchant coupon: the orders it may go to; platform: []

    @property
    def is_platform(self) -> bool:
        return self.coupon.template.merchant_id is None


def quote(customer: Any, lines: Sequence[PricingLine], *, coupons: Sequence[str] | None = None,
          now: dt.datetime | None = None) -> Quote:
    """Price `lines` for `customer` (None: anonymous, no coupons).

    coupons=None: the best combination of the customer's available coupons; [] none;
    a list: exactly those coupons, else NotFound / Conflict (see the module doc)."""
    now = now or clock.now()
    prices, tiers = _live_promotions(lines, now)
    state, discounts = _timed_prices(lines, prices)
    discounts += _spend_tiers(state, tiers)
    after_tiers = [w.net for w in state]

    wallet = _wallet(customer, coupons)
    candidates, reasons = _screen(customer, wallet, state, now)
    if coupons is None:
        combo = _best(state, candidates)
    else:
        combo = _exactly(state, candidates, reasons, wallet, coupons)
    applied = _apply(state, combo, commit=True) if combo else []
    discounts += applied
    used = {c.coupon.public_id for c, _key in combo}

    report = []
    for coupon in wallet:
        if coupon.public_id in used:
            continue
        if coupon.public_id in reasons:
            code, details = reasons[coupon.public_id]
        else:
            code, details = _why_not_chosen(candidates[coupon.public_id], after_tiers,
                                            [w.src.order_key for w in state])
        report.append(unusable(coupon.public_id, code, details))

    priced = [PricedLine(
        key=w.src.key, unit_price_fen=w.unit, subtotal_fen=w.subtotal,
        discount_fen=w.subtotal - w.net, merchant_funded_fen=w.merchant,
        platform_funded_fen=w.platform, net_fen=w.net) for w in state]
    subtotal = sum(p.subtotal_fen for p in priced)
    net = sum(p.net_fen for p in priced)
    return Quote(lines=priced, discounts=discounts, coupons=[c.coupon.public_id for c, _k in combo],
                 unusable=report, subtotal_fen=subtotal, discount_fen=subtotal - net, net_fen=net,
                 order_keys={line.key: line.order_key for line in lines},
                 coupon_rows={c.coupon.public_id: (c.coupon.pk, c.coupon.template_id) for c, _k in combo})


def _live_promotions(lines: Sequence[PricingLine], now: dt.datetime) -> tuple[list[SkuPrice], list[SpendTier]]:
    """The active timed prices of the lines' SKUs and spend tiers of their merchants, in
    one query (a UNION ALL: checkout's query budget). Rows: kind, id, public_id, the SKU or
    merchant pk, then price / threshold, amount off, merchant share (0 for a price)."""
    if not lines:
        return [], []
    sku_ids = {line.sku_id for line in lines}
    merchant_ids = {line.merchant_id for line in lines}
    cols = ("kind", "id", "public_id", "owner", "a", "b", "c")
    live = {"status": PromotionStatus.ACTIVE, "starts_at__lte": now, "ends_at__gt": now}
    zero = Value(0, output_field=IntegerField())
    prices = SkuPrice.objects.filter(sku_id__in=sku_ids, **live).order_by().annotate(
        kind=Value("p", output_field=CharField()), owner=F("sku_id"), a=F("price_fen"), b=zero, c=zero,
    ).values_list(*cols)
    tiers = SpendTier.objects.filter(merchant_id__in=merchant_ids, **live).order_by().annotate(
        kind=Value("t", output_field=CharField()), owner=F("merchant_id"), a=F("threshold_fen"),
        b=F("amount_off_fen"), c=F("merchant_share_bp"),
    ).values_list(*cols)
    timed, spend = [], []
    for kind, pk, public_id, owner, a, b, c in prices.union(tiers, all=True):
        if kind == "p":
            timed.append(SkuPrice(id=pk, public_id=public_id, sku_id=owner, price_fen=a))
        else:
            spend.append(SpendTier(id=pk, public_id=public_id, merchant_id=owner, threshold_fen=a,
                                   amount_off_fen=b, merchant_share_bp=c))
    spend.sort(key=lambda t: t.pk)
    return timed, spend


def _timed_prices(lines: Sequence[PricingLine], prices: list[SkuPrice]
                  ) -> tuple[list[_Line], list[AppliedDiscount]]:
    best: dict[int, SkuPrice] = {}
    for p in prices:
        if p.sku_id not in best or p.price_fen < best[p.sku_id].price_fen:
            best[p.sku_id] = p
    state, shown = [], []
    for line in lines:
        if line.quantity < 1 or line.list_unit_price_fen < 0:
            raise ValueError("a pricing line needs a positive quantity and a non-negative price")
        unit = line.list_unit_price_fen
        timed = best.get(line.sku_id)
        if timed is not None and timed.price_fen < unit:
            off = (unit - timed.price_fen) * line.quantity
            unit = timed.price_fen
            shown.append(AppliedDiscount("price", timed.public_id, _("Limited-time price"), off, off, 0,
                                         line.merchant_id, {line.order_key: off}, {line.order_key: off}))
        state.append(_Line(line, unit, unit * line.quantity, unit * line.quantity))
    return state, shown


def _spend_tiers(state: list[_Line], tiers: list[SpendTier]) -> list[AppliedDiscount]:
    by_merchant: dict[int, list[int]] = defaultdict(list)
    for i, w in enumerate(state):
        by_merchant[w.src.merchant_id].append(i)
    if not by_merchant:
        return []
    best: dict[int, SpendTier] = {}
    for tier in tiers:
        base = sum(state[i].net for i in by_merchant[tier.merchant_id])
        current = best.get(tier.merchant_id)
        if tier.threshold_fen <= base and (current is None or tier.amount_off_fen > current.amount_off_fen):
            best[tier.merchant_id] = tier
    out = []
    for merchant_id, tier in sorted(best.items()):
        applied = _discount(state, by_merchant[merchant_id], tier.amount_off_fen, tier.merchant_share_bp,
                            "tier", tier.public_id, tier_label(tier.threshold_fen, tier.amount_off_fen),
                            merchant_id, commit=True)
        if applied.amount_fen:
            out.append(applied)
    return out


def _room(state: list[_Line], idx: list[int]) -> list[int]:
    """What each line of `idx` may still lose without taking its order below 1 fen.

    Each order with a net of at least 1 fen keeps its last fen on one line: one outside
    `idx` if it has any (then the lines in `idx` may go to 0), else its largest line
    (ties: the first)."""
    inside = set(idx)
    keeper: dict[str, int] = {}
    for i in sorted(range(len(state)), key=lambda i: (i in inside, -state[i].net, i)):
        if state[i].net > 0:
            keeper.setdefault(state[i].src.order_key, i)
    return [state[i].net - (1 if keeper.get(state[i].src.order_key) == i else 0) for i in idx]


def _discount(state: list[_Line], idx: list[int], amount: int, share_bp: int, source: str, ref: str,
              label: str, merchant_id: int | None, *, commit: bool) -> AppliedDiscount:
    """Allocate `amount`, capped so no order goes below 1 fen, over the lines `idx` in
    proportion to what they still cost. The returned amount_fen is the capped amount."""
    room = _room(state, idx)
    amount = min(amount, sum(room))
    parts = allocate(amount, [state[i].net for i in idx])
    if any(part > r for part, r in zip(parts, room, strict=True)) and not _keeps_a_fen(state, idx, parts):
        # the plain split would zero an order: split over what each line may lose instead
        parts = allocate(amount, room)
    merchant_total, platform_total = split_funding(amount, share_bp)
    merchant_parts = allocate(merchant_total, parts)
    by_order: dict[str, int] = defaultdict(int)
    merchant_by_order: dict[str, int] = defaultdict(int)
    for i, part, m in zip(idx, parts, merchant_parts, strict=True):
        by_order[state[i].src.order_key] += part
        merchant_by_order[state[i].src.order_key] += m
        if commit:
            state[i].net -= part
            state[i].merchant += m
            state[i].platform += part - m
    return AppliedDiscount(source, ref, label, amount, merchant_total, platform_total, merchant_id,
                           dict(by_order), dict(merchant_by_order))


def _keeps_a_fen(state: list[_Line], idx: list[int], parts: list[int]) -> bool:
    """Whether every order with a net of at least 1 fen keeps at least 1 fen after `parts`."""
    net: dict[str, int] = defaultdict(int)
    for w in state:
        net[w.src.order_key] += w.net
    after = dict(net)
    for i, part in zip(idx, parts, strict=True):
        after[state[i].src.order_key] -= part
    return all(after[k] >= 1 for k, v in net.items() if v >= 1)


# --- coupons -------------------------------------------------------------------------

def _wallet(customer: Any, coupons: Sequence[str] | None) -> list[Coupon]:
    customer_id = getattr(customer, "pk", None)
    if customer_id is None:
        if coupons:
            raise NotFound(_("No such coupon"), "coupon_not_found")
        return []
    qs = Coupon.objects.filter(customer_id=customer_id).select_related("template")
    if coupons is None:
        return list(qs.filter(status=CouponStatus.AVAILABLE).order_by("valid_until", "id"))
    wanted = list(dict.fromkeys(coupons))
    found = {c.public_id: c for c in qs.filter(Q(public_id__in=wanted) | Q(status=CouponStatus.AVAILABLE))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(_("No such coupon"), "coupon_not_found", details={"coupon": missing[0]})
    return sorted(found.values(), key=lambda c: (c.valid_until, c.pk))


def _screen(customer: Any, wallet: list[Coupon], state: list[_Line], now: dt.datetime
            ) -> tuple[dict[str, _Candidate], dict[str, tuple[str, dict]]]:
    """Sort the wallet into candidates (the lines each may cover) and coupons that cannot
    apply at all, with the first reason (in the order a customer would check them)."""
    candidates: dict[str, _Candidate] = {}
    reasons: dict[str, tuple[str, dict]] = {}
    paid_before: bool | None = None
    for coupon in wallet:
        t = coupon.template
        if coupon.status != CouponStatus.AVAILABLE:
            reasons[coupon.public_id] = ("not_available", {"status": coupon.status})
            continue
        if now < coupon.valid_from:
            reasons[coupon.public_id] = ("not_started", {"valid_from": coupon.valid_from.isoformat()})
            continue
        if now >= coupon.valid_until:
            reasons[coupon.public_id] = ("expired", {"valid_until": coupon.valid_until.isoformat()})
            continue
        mine = [i for i, w in enumerate(state) if t.merchant_id is None or w.src.merchant_id == t.merchant_id]
        if not mine:
            reasons[coupon.public_id] = ("wrong_merchant", {})
            continue
        scoped = [i for i in mine if _in_scope(t, state[i].src)]
        if not scoped:
            reasons[coupon.public_id] = ("out_of_scope", {})
            continue
        at_store = [i for i in scoped if not t.store_ids or state[i].src.store_id in t.store_ids]
        if not at_store:
            reasons[coupon.public_id] = ("wrong_store", {})
            continue
        if t.new_customers_only:
            if paid_before is None:
                paid_before = hooks.has_paid_order(customer.pk)
            if paid_before:
                reasons[coupon.public_id] = ("new_customers_only", {})
                continue
        keys = [] if t.merchant_id is None else sorted({state[i].src.order_key for i in at_store})
        candidates[coupon.public_id] = _Candidate(coupon, at_store, keys)
    return candidates, reasons


def _in_scope(t: CouponTemplate, line: PricingLine) -> bool:
    if t.product_scope == ProductScope.GOODS and line.kind != "GOODS":
        return False
    if t.product_scope == ProductScope.SERVICES and line.kind != "SERVICE":
        return False
    if t.product_ids or t.category_ids:
        return line.product_id in t.product_ids or (
            line.category_id is not None and line.category_id in t.category_ids)
    return True


Combo = list[tuple[_Candidate, str | None]]


def _combos(candidates: list[_Candidate], order_keys: list[str]) -> Iterator[Combo]:
    """Every allowed combination: per order key none or one merchant coupon, then none or
    one platform coupon; a coupon used once; one coupon per exclusive group."""
    merchant = [c for c in candidates if not c.is_platform]
    platform = [c for c in candidates if c.is_platform]

    def fits(c: _Candidate, chosen: Combo) -> bool:
        group = c.coupon.template.exclusive_group
        return all(c is not o and (not group or o.coupon.template.exclusive_group != group)
                   for o, _k in chosen)

    def walk(k: int, chosen: Combo) -> Iterator[Combo]:
        if k == len(order_keys):
            yield chosen
            for p in platform:
                if fits(p, chosen):
                    yield [*chosen, (p, None)]
            return
        yield from walk(k + 1, chosen)
        for c in merchant:
            if order_keys[k] in c.order_keys and fits(c, chosen):
                yield from walk(k + 1, [*chosen, (c, order_keys[k])])

    yield from walk(0, [])


def _coupon_off(t: CouponTemplate, base: int) -> int:
    if t.kind == CouponKind.PERCENT:
        off = base * t.percent_off // 100
        return min(off, t.max_off_fen) if t.max_off_fen else off
    return min(t.amount_off_fen, base)


def _lines_of(c: _Candidate, key: str | None, state: list[_Line]) -> list[int]:
    return [i for i in c.lines if key is None or state[i].src.order_key == key]


def _apply(state: list[_Line], combo: Combo, *, commit: bool) -> list[AppliedDiscount]:
    """Apply a combination, merchant coupons first. Raises _Refused when a coupon misses
    its threshold or would take nothing off. Without `commit`, works on a copy."""
    if not commit:
        state = [_Line(w.src, w.unit, w.subtotal, w.net, w.merchant, w.platform) for w in state]
    out = []
    for c, key in sorted(combo, key=lambda ck: ck[1] is None):
        t = c.coupon.template
        idx = _lines_of(c, key, state)
        base = sum(state[i].net for i in idx)
        if base < t.threshold_fen:
            raise _Refused(c.coupon.public_id, "below_threshold", {"short_fen": t.threshold_fen - base})
        applied = _discount(state, idx, _coupon_off(t, base), t.merchant_share_bp, "coupon",
                            c.coupon.public_id, coupon_label(t), t.merchant_id, commit=True)
        if applied.amount_fen <= 0:  # nothing off, or the orders are already at 1 fen
            raise _Refused(c.coupon.public_id, "below_threshold", {"short_fen": 1})
        out.append(applied)
    return out


class _Refused(Exception):
    def __init__(self, coupon: str, code: str, details: dict) -> None:
        super().__init__(code)
        self.coupon, self.code, self.details = coupon, code, details


def _best(state: list[_Line], candidates: dict[str, _Candidate]) -> Combo:
    """The combination that takes the most off (ties: fewer coupons, then the ones that
    expire first), computed over every allowed combination."""
    order_keys = sorted({w.src.order_key for w in state})
    best: Combo = []
    best_rank: tuple = (0, 0, ())
    for combo in _combos(_shortlist(state, list(candidates.values()), order_keys), order_keys):
        if not combo:
            continue
        try:
            total = sum(d.amount_fen for d in _apply(state, combo, commit=False))
        except _Refused:
            continue
        expiry = tuple(sorted((c.coupon.valid_until, c.coupon.pk) for c, _k in combo))
        rank = (total, -len(combo), tuple((-u.timestamp(), -pk) for u, pk in expiry))
        if rank > best_rank:
            best, best_rank = combo, rank
    return best


#: Above this many combinations (a wallet of dozens of coupons over several orders) the
#: search keeps, per order and for the platform, the coupons worth most on their own.
MAX_COMBINATIONS = 4096
SHORTLIST = 6


def _shortlist(state: list[_Line], candidates: list[_Candidate], order_keys: list[str]) -> list[_Candidate]:
    platform = [c for c in candidates if c.is_platform]
    size = 1 + len(platform)
    for key in order_keys:
        size *= 1 + sum(1 for c in candidates if key in c.order_keys)
    if size <= MAX_COMBINATIONS:
        return candidates

    def alone(c: _Candidate, key: str | None) -> int:
        try:
            return sum(d.amount_fen for d in _apply(state, [(c, key)], commit=False))
        except _Refused:
            return 0

    keep = {id(c) for c in sorted(platform, key=lambda c: -alone(c, None))[:SHORTLIST]}
    for key in order_keys:
        here = [c for c in candidates if key in c.order_keys]
        keep |= {id(c) for c in sorted(here, key=lambda c: -alone(c, key))[:SHORTLIST]}
    return [c for c in candidates if id(c) in keep]


def _exactly(state: list[_Line], candidates: dict[str, _Candidate], reasons: dict[str, tuple[str, dict]],
             wallet: list[Coupon], wanted: Sequence[str]) -> Combo:
    """The best placement of exactly the coupons asked for, or the reason it fails."""
    wanted = list(dict.fromkeys(wanted))
    for public_id in wanted:
        if public_id in reasons:
            code, details = reasons[public_id]
            raise _not_usable(public_id, code, details)
    chosen = [candidates[p] for p in wanted]
    order_keys = sorted({w.src.order_key for w in state})
    best: Combo | None = None
    best_total = -1
    refusal: _Refused | None = None
    for combo in _combos(chosen, order_keys):
        if len(combo) != len(chosen):
            continue
        try:
            total = sum(d.amount_fen for d in _apply(state, combo, commit=False))
        except _Refused as exc:
            refusal = refusal or exc
            continue
        if total > best_total:
            best, best_total = combo, total
    if best is not None:
        return best
    if refusal is not None:
        raise _not_usable(refusal.coupon, refusal.code, refusal.details)
    raise _not_usable(wanted[-1], "exclusive", {})


def _not_usable(public_id: str, code: str, details: dict) -> Conflict:
    u = unusable(public_id, code, details)
    return Conflict(u.message, "coupon_not_usable", details={"coupon": public_id, "reason": code, **details})


def _why_not_chosen(c: _Candidate, after_tiers: list[int], keys_of_lines: list[str]) -> tuple[str, dict]:
    """A coupon that could apply but is not in the chosen combination: short of its
    threshold (by how much, in its best order), or beaten by a coupon it cannot join."""
    bases: dict[str | None, int] = defaultdict(int)
    for i in c.lines:
        bases[None if c.is_platform else keys_of_lines[i]] += after_tiers[i]
    short = c.coupon.template.threshold_fen - max(bases.values())
    if short > 0:
        return "below_threshold", {"short_fen": short}
    return "exclusive", {}
