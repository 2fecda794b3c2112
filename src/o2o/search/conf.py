"""Search settings, read from the environment with defaults (no settings.py entry needed)."""

from __future__ import annotations

import os


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


# Ranking weights: score = W_TEXT*text + W_DISTANCE*distance + W_RATING*rating + W_SALES*sales,
# each part in 0..1.
W_TEXT = _float("O2O_SEARCH_W_TEXT", 3.0)
W_DISTANCE = _float("O2O_SEARCH_W_DISTANCE", 2.0)
W_RATING = _float("O2O_SEARCH_W_RATING", 1.0)
W_SALES = _float("O2O_SEARCH_W_SALES", 1.0)
# The rating part ranks by the reviews app's Bayesian average (o2o.reviews.rating).
# Sales in this many days count as "recent"; SALES_SATURATION sales score 1.0.
SALES_DAYS = int(os.environ.get("O2O_SEARCH_SALES_DAYS", "30"))
SALES_SATURATION = int(os.environ.get("O2O_SEARCH_SALES_SATURATION", "500"))
# Distance at which the distance part is 0.5.
DISTANCE_HALF_M = _float("O2O_SEARCH_DISTANCE_HALF_M", 1000.0)
MAX_RADIUS_M = 50_000
