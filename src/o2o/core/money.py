"""Money is an integer count of fen (minor units) with a currency code. No floats."""

from __future__ import annotations

CURRENCY = "CNY"


def format_fen(amount: int, currency: str = CURRENCY) -> str:
    """12345 -> '¥123.45' (integer arithmetic, no float rounding)."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(int(amount)), 100)
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{symbol}{whole:,}.{frac:02d}"


def split_rate(amount: int, rate_bp: int) -> int:
    """Commission of `amount` at `rate_bp` basis points, rounded half up to the fen.

    The platform's rounding rule: commission = floor((amount * rate_bp + 5000) / 10000).
    """
    if amount < 0 or rate_bp < 0:
        raise ValueError("amount and rate must be non-negative")
    return (amount * rate_bp + 5000) // 10000
