"""Shipping fees at checkout: each merchant's rule applied to a goods order.

    free       0
    flat       flat_fee_fen
    free_over  flat_fee_fen, 0 once the goods subtotal reaches free_over_fen
    by_weight  first_fee_fen for the first first_weight_grams, then extra_fee_fen per
               started extra_weight_grams (weights from the products' weight_grams)
free_over_fen, when set, makes any kind free at or above that subtotal.
"""

from __future__ import annotations

from collections.abc import Iterable

from o2o.shipping.models import RuleKind, ShippingRule


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
