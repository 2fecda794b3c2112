"""Shipping fee rules: each merchant's rule (the only write here) and the fee it charges.

    free       0
    flat       flat_fee_fen
    free_over  flat_fee_fen, 0 once the goods subtotal reaches free_over_fen
    by_weight  first_fee_fen for the first first_weight_grams, then extra_fee_fen per
               started extra_weight_grams (weights from the products' weight_grams)
free_over_fen, when set, makes any kind free at or above that subtotal.

Writes ShippingRule (event `shipping_rule.set`). Error code: invalid_kind,
invalid_rule (ValidationFailed, 422).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from o2o.core import clock, events
from o2o.core.errors import ValidationFailed
from o2o.freight.models import RuleKind, ShippingRule
from o2o.merchants.models import Merchant

MAX_FEE = 1_000_000  # 10,000 yuan
FIELDS = ("flat_fee_fen", "free_over_fen", "first_weight_grams", "first_fee_fen", "extra_weight_grams",
          "extra_fee_fen")


def rules_for(merchant_ids: Iterable[int]) -> dict[int, ShippingRule]:
    ids = set(merchant_ids)
    if not ids:
        return {}
    return {r.merchant_id: r for r in ShippingRule.objects.filter(merchant_id__in=ids)}


def compute(rule: ShippingRule | None, subtotal_fen: int, weight_grams: int) -> int:
    """The fee in fen of goods worth `subtotal_fen` weighing `weight_grams`."""
    if rule is None or rule.kind == RuleKind.FREE:
        return 0
    if rule.free_over_fen is not None and subtotal_fen >= rule.free_over_fen:
        return 0
    if rule.kind in (RuleKind.FLAT, RuleKind.FREE_OVER):
        return rule.flat_fee_fen
    extra = max(0, weight_grams - rule.first_weight_grams)
    steps = -(-extra // rule.extra_weight_grams)  # started steps, integer ceiling
    return rule.first_fee_fen + steps * rule.extra_fee_fen


def rule_of(merchant: Merchant) -> ShippingRule:
    """The merchant's rule (an unsaved free rule when it has none)."""
    return (ShippingRule.objects.filter(merchant=merchant).first()
            or ShippingRule(merchant=merchant, kind=RuleKind.FREE, updated_at=clock.now()))


def set_rule(merchant: Merchant, *, kind: str, flat_fee_fen: int = 0, free_over_fen: int | None = None,
             first_weight_grams: int = 1000, first_fee_fen: int = 0, extra_weight_grams: int = 1000,
             extra_fee_fen: int = 0) -> ShippingRule:
    if kind not in RuleKind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(RuleKind.values)}", "invalid_kind")
    values = {"flat_fee_fen": flat_fee_fen, "free_over_fen": free_over_fen,
              "first_weight_grams": first_weight_grams, "first_fee_fen": first_fee_fen,
              "extra_weight_grams": extra_weight_grams, "extra_fee_fen": extra_fee_fen}
    for name, value in values.items():
        if value is None and name == "free_over_fen":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FEE * 100:
            raise ValidationFailed(f"{name} must be a non-negative integer", "invalid_rule",
                                   details={"field": name})
    if extra_weight_grams < 1:
        raise ValidationFailed("extra_weight_grams must be at least 1", "invalid_rule")
    if kind == RuleKind.FREE_OVER and free_over_fen is None:
        raise ValidationFailed("free_over needs free_over_fen", "invalid_rule")
    with transaction.atomic():
        rule, _ = ShippingRule.objects.select_for_update().get_or_create(
            merchant=merchant, defaults={"updated_at": clock.now()})
        rule.kind = kind
        for name, value in values.items():
            setattr(rule, name, value)
        rule.updated_at = clock.now()
        rule.save()
        events.emit("shipping_rule.set", merchant, {"kind": kind, **values}, merchant_id=merchant.public_id)
    return rule
