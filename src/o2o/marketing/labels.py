"""How an offer reads in the request's language: 满100减20, 8折券, ¥10 无门槛券."""

from __future__ import annotations

from django.utils.translation import gettext as _

from o2o.marketing.models import CouponKind, CouponTemplate


def yuan(fen: int) -> str:
    """12000 -> '120', 1250 -> '12.5': how a price reads in an offer's name."""
    whole, frac = divmod(fen, 100)
    return f"{whole}" if not frac else f"{whole}.{frac:02d}".rstrip("0")


def tier_label(threshold_fen: int, amount_off_fen: int) -> str:
    return _("¥%(off)s off over ¥%(threshold)s") % {"off": yuan(amount_off_fen), "threshold": yuan(threshold_fen)}


def coupon_label(t: CouponTemplate) -> str:
    """满100减20 / 8折券 / ¥10 无门槛券 in the request's language."""
    if t.kind == CouponKind.PERCENT:
        rate = 100 - t.percent_off  # 20 % off reads 8折, 15 % off 8.5折
        zhe = f"{rate // 10}" if rate % 10 == 0 else f"{rate / 10:g}"
        label = _("%(percent)s%% off (%(zhe)s折)") % {"percent": t.percent_off, "zhe": zhe}
        if t.max_off_fen:
            label += _(", at most ¥%(cap)s") % {"cap": yuan(t.max_off_fen)}
        return label
    if t.threshold_fen:
        return tier_label(t.threshold_fen, t.amount_off_fen)
    return _("¥%(off)s off, no minimum") % {"off": yuan(t.amount_off_fen)}
