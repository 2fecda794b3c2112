"""Exact allocation of an amount in fen over weights (largest remainder). Writes nothing."""

from __future__ import annotations

from collections.abc import Sequence


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` over `weights` in proportion, exactly: the parts sum to `amount`.

    Each part is floor(amount * w / total); the fen left over go one each to the largest
    fractional remainders (ties: the earlier weight). With 0 <= amount <= sum(weights)
    no part exceeds its weight, so a discount allocated over line amounts never makes a
    line negative."""
    if amount < 0 or any(w < 0 for w in weights):
        raise ValueError("amount and weights must not be negative")
    total = sum(weights)
    if amount == 0:
        return [0] * len(weights)
    if total == 0:
        raise ValueError("cannot allocate a positive amount over zero weights")
    if amount > total:
        raise ValueError("amount exceeds the sum of the weights")
    parts = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]
    left = amount - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[i] += 1
    return parts


def split_funding(amount: int, merchant_share_bp: int) -> tuple[int, int]:
    """(merchant, platform) parts of a discount. The merchant's part is rounded down: the
    platform, which set the split, carries the rounding fen."""
    merchant = amount * merchant_share_bp // 10_000
    return merchant, amount - merchant
