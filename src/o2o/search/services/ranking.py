"""The ranking formula, shared by text search and nearby. Every part is in 0..1 and the
weights come from conf, so `explain` can show exactly how a score was made."""

from __future__ import annotations

import math

from o2o.search import conf


def distance_part(distance_m: float | None) -> float:
    if distance_m is None:
        return 0.0
    return conf.DISTANCE_HALF_M / (conf.DISTANCE_HALF_M + max(0.0, distance_m))


def rating_part(bayes: float) -> float:
    return min(1.0, max(0.0, (bayes - 1.0) / 4.0)) if bayes else 0.0


def sales_part(sales: int) -> float:
    return min(1.0, math.log1p(max(0, sales)) / math.log1p(conf.SALES_SATURATION))


def score(*, text: float, distance_m: float | None, bayes: float, sales: int) -> tuple[float, dict]:
    parts = {
        "text": round(text, 4),
        "distance": round(distance_part(distance_m), 4),
        "rating": round(rating_part(bayes), 4),
        "sales": round(sales_part(sales), 4),
    }
    weights = {"text": conf.W_TEXT, "distance": conf.W_DISTANCE, "rating": conf.W_RATING,
               "sales": conf.W_SALES}
    total = sum(weights[k] * parts[k] for k in parts)
    return round(total, 4), {"parts": parts, "weights": weights, "score": round(total, 4)}
