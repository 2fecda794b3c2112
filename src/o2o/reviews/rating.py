"""The rating formula: a Bayesian average that pulls a product's, store's or merchant's
average towards a prior, so 1 review of 5 stars does not outrank 500 of 4.8.

Owned by reviews (which keeps the counts); search ranks with it and the reviews API
shows it. Settings, read from the environment:

    O2O_RATING_PRIOR_MEAN    the prior's stars (default 4.0)
    O2O_RATING_PRIOR_WEIGHT  how many imaginary reviews the prior counts as (default 10)

Pure arithmetic: writes nothing, raises no domain errors.
"""

from __future__ import annotations

import os

PRIOR_MEAN = float(os.environ.get("O2O_RATING_PRIOR_MEAN", 4.0))
PRIOR_WEIGHT = float(os.environ.get("O2O_RATING_PRIOR_WEIGHT", 10.0))


def bayesian(count: int, total: int) -> float:
    """(PRIOR_WEIGHT * PRIOR_MEAN + sum of ratings) / (PRIOR_WEIGHT + number of ratings)."""
    return (PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count)
