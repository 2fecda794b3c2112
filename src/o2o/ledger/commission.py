"""Commission: the platform's share of recognized value, in fen.

Rule (written down in docs/money.md): the commission of an amount at a rate in basis
points is `o2o.core.money.split_rate` -- half up to the fen. For a voucher or a goods
order it is computed on the cumulative recognized value, and each entry posts the
difference from what was posted before, so a voucher fully used pays exactly
split_rate(price) whatever the number of redemptions and reversals, and a reversal of
the latest redemption is that redemption's entry negated.
"""

from __future__ import annotations

from o2o.core.money import split_rate


def commission_fen(amount_fen: int, rate_bp: int) -> int:
    """split_rate for a signed amount: the commission of a negative amount is negated."""
    if amount_fen < 0:
        return -split_rate(-amount_fen, rate_bp)
    return split_rate(amount_fen, rate_bp)


def allocate(total_fen: int, weights: list[int]) -> list[int]:
    """Split `total_fen` in proportion to `weights`: floor for each, the remainder to the
    last, so the parts sum exactly to the total."""
    if not weights:
        return []
    whole = sum(weights)
    if whole <= 0:
        return [0] * (len(weights) - 1) + [total_fen]
    parts = [total_fen * w // whole for w in weights[:-1]]
    return [*parts, total_fen - sum(parts)]


def commission_of_parts(parts: list[int], rates_bp: list[int]) -> int:
    """Commission of an amount split into parts that each carry their own rate."""
    return sum(commission_fen(p, r) for p, r in zip(parts, rates_bp, strict=True))
