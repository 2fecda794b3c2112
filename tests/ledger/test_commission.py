"""The commission rounding rule (half up to the fen) and the allocation of goods value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2o.core.money import split_rate
from o2o.ledger.commission import allocate, commission_fen
from o2o.ledger.services import yuan


@pytest.mark.parametrize(("amount", "rate_bp", "expected"), [
    (0, 600, 0),
    (1, 0, 0),
    (1, 4999, 0),        # 0.4999 fen -> 0
    (1, 5000, 1),        # exactly half a fen -> up
    (1, 10_000, 1),
    (25, 600, 2),        # 1.5 fen -> 2
    (24, 600, 1),        # 1.44 fen -> 1
    (9999, 550, 550),    # 549.945 -> 550
    (10_001, 1234, 1234),  # 1234.1234 -> 1234
    (999_999_999, 10_000, 999_999_999),
    (12_345_678_901, 1, 1_234_568),  # 1234567.8901 -> 1234568, no float loss
])
def test_split_rate_edges(amount, rate_bp, expected):
    assert split_rate(amount, rate_bp) == expected
    assert commission_fen(-amount, rate_bp) == -expected


@pytest.mark.parametrize(("amount", "rate_bp"), [(-1, 600), (100, -1)])
def test_split_rate_refuses_negatives(amount, rate_bp):
    with pytest.raises(ValueError):
        split_rate(amount, rate_bp)


@given(st.integers(0, 10**12), st.integers(0, 10_000))
def test_split_rate_is_the_nearest_fen_half_up(amount, rate_bp):
    c = split_rate(amount, rate_bp)
    exact_times_2 = 2 * amount * rate_bp  # 2 * 10000 * exact commission, in integers
    assert 2 * 10_000 * c - 10_000 <= exact_times_2 < 2 * 10_000 * c + 10_000
    assert 0 <= c <= amount


@given(st.integers(0, 10**9), st.lists(st.integers(1, 10**6), min_size=1, max_size=8))
def test_allocation_sums_exactly(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (1, "0.01"), (10, "0.10"), (12345, "123.45"),
                                           (-5, "-0.05"), (10**15 + 7, "10000000000000.07")])
def test_yuan_from_integer_fen(fen, text):
    assert yuan(fen) == text
