"""Properties of the survey metrics on generated answers, and a naive oracle for the counting.

The oracle is deliberately slow and obvious: exact fractions and a loop over every answer,
the bands read straight from the definition. The kernel counts with np.bincount in blocks;
they must agree exactly.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.surveys import (
    compare_proportions,
    customer_effort_score,
    customer_satisfaction_score,
    net_promoter_score,
)

nps_answers = st.lists(st.integers(0, 10), min_size=1, max_size=60)
csat_answers = st.lists(st.integers(1, 5), min_size=2, max_size=60)
intervals = st.sampled_from(["adjusted_wald", "wald", "bootstrap"])


def oracle_nps(scores: list[int], weights: list[int] | None = None) -> Fraction:
    """NPS as an exact fraction, by the definition."""
    w = weights or [1] * len(scores)
    promoters = sum(wi for s, wi in zip(scores, w, strict=True) if s >= 9)
    detractors = sum(wi for s, wi in zip(scores, w, strict=True) if s <= 6)
    return Fraction(100 * (promoters - detractors), sum(w))


@given(nps_answers, intervals)
def test_nps_and_its_interval_stay_within_minus_100_and_100(scores: list[int],
                                                           interval: str) -> None:
    r = net_promoter_score(scores, interval=interval, n_resamples=200)  # type: ignore[arg-type]
    assert -100 <= r.score <= 100
    lo, hi = r.confidence_interval()
    assert -100 <= lo <= hi <= 100


@given(nps_answers)
def test_nps_equals_the_exact_oracle(scores: list[int]) -> None:
    assert math.isclose(net_promoter_score(scores).score, float(oracle_nps(scores)),
                        abs_tol=1e-9)


@given(nps_answers)
def test_the_wald_interval_contains_the_estimate(scores: list[int]) -> None:
    r = net_promoter_score(scores, interval="wald")
    lo, hi = r.confidence_interval()
    assert lo - 1e-9 <= r.score <= hi + 1e-9


@given(nps_answers, st.integers(2, 5), st.sampled_from(["adjusted_wald", "wald"]))
def test_intervals_narrow_as_n_grows(scores: list[int], k: int, interval: str) -> None:
    # The same answers repeated k times: the same shares from k times the data.
    small = net_promoter_score(scores, interval=interval)  # type: ignore[arg-type]
    large = net_promoter_score(scores * k, interval=interval)  # type: ignore[arg-type]
    assert large["se"].item() <= small["se"].item() + 1e-12
    width = large["ci_high"].item() - large["ci_low"].item()
    assert width <= small["ci_high"].item() - small["ci_low"].item() + 1e-9


@given(csat_answers, st.integers(2, 5))
def test_wilson_and_t_intervals_narrow_as_n_grows(scores: list[int], k: int) -> None:
    small, large = customer_satisfaction_score(scores), customer_satisfaction_score(scores * k)
    assert (large["ci_high"].item() - large["ci_low"].item()
            <= small["ci_high"].item() - small["ci_low"].item() + 1e-12)
    small_mean = small["mean_ci_high"].item() - small["mean_ci_low"].item()
    large_mean = large["mean_ci_high"].item() - large["mean_ci_low"].item()
    assert math.isnan(small_mean) or large_mean <= small_mean + 1e-9


@given(st.data())
def test_results_ignore_row_order(data: st.DataObject) -> None:
    scores = data.draw(nps_answers)
    weights = data.draw(st.lists(st.floats(0.1, 10), min_size=len(scores),
                                 max_size=len(scores)))
    labels = data.draw(st.lists(st.sampled_from("abc"), min_size=len(scores),
                                max_size=len(scores)))
    order = data.draw(st.permutations(range(len(scores))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for fn in (net_promoter_score,):
            a = fn(scores, weights=weights, by=labels)
            b = fn([scores[i] for i in order], weights=[weights[i] for i in order],
                   by=[labels[i] for i in order])
            for column in a.column_names:
                if a[column].dtype.kind == "f":
                    np.testing.assert_allclose(a[column], b[column], rtol=1e-9, atol=1e-9)
                else:
                    assert a[column].tolist() == b[column].tolist()
        boot = [net_promoter_score(s, interval="bootstrap", n_resamples=50, seed=3)
                for s in (scores, [scores[i] for i in order])]
        assert boot[0].to_dict() == boot[1].to_dict()


@given(st.data())
def test_csat_and_ces_ignore_row_order(data: st.DataObject) -> None:
    scores = data.draw(st.lists(st.integers(1, 5), min_size=2, max_size=40))
    order = data.draw(st.permutations(range(len(scores))))
    shuffled = [scores[i] for i in order]
    for fn in (customer_satisfaction_score, customer_effort_score):
        kwargs = {"version": "1.0"} if fn is customer_effort_score else {}
        a, b = fn(scores, **kwargs), fn(shuffled, **kwargs)  # type: ignore[operator]
        for column in a.column_names:
            np.testing.assert_allclose(a[column], b[column], rtol=1e-12, atol=1e-12)


@given(st.data())
def test_weights_of_ones_and_frequency_weights(data: st.DataObject) -> None:
    scores = data.draw(nps_answers)
    counts = data.draw(st.lists(st.integers(1, 4), min_size=len(scores),
                                max_size=len(scores)))
    assert (net_promoter_score(scores, weights=[1.0] * len(scores)).to_dict()
            == net_promoter_score(scores).to_dict())
    repeated = [s for s, c in zip(scores, counts, strict=True) for _ in range(c)]
    a = net_promoter_score(scores, weights=counts, weight_type="frequency")
    b = net_promoter_score(repeated)
    for column in a.column_names:
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12, atol=1e-9)
    assert math.isclose(a.score, float(oracle_nps(scores, counts)), abs_tol=1e-9)


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 3), st.integers(0, 3)),
                max_size=80), st.booleans(), st.sampled_from([1, 3, 7, 1 << 18]))
@settings(max_examples=60)
def test_kernel_counts_equal_a_loop(rows: list[tuple[int, int, int]], as_float: bool,
                                    block: int) -> None:
    """Counts by group and level, and weight sums, in blocks of any size, against a loop."""
    values = np.array([r[0] for r in rows], dtype=float if as_float else np.int64)
    groups = np.array([r[1] for r in rows], dtype=np.int64)
    weights = np.array([r[2] for r in rows], dtype=float)
    old = ks.BLOCK
    ks.BLOCK = block
    try:
        got = ks.level_counts(values, 0, 11, groups=groups, n_groups=4, weights=weights)
        plain = ks.level_counts(values, 0, 11, groups=groups, n_groups=4)
    finally:
        ks.BLOCK = old
    want = np.zeros((4, 11))
    want_n = np.zeros(4)
    want_w2 = np.zeros(4)
    for v, g, w in rows:
        want[g, v] += w
        want_n[g] += 1
        want_w2[g] += w * w
    assert got.ok
    assert plain.ok
    assert np.array_equal(got.counts, want)
    assert np.array_equal(got.n, want_n)
    assert np.array_equal(got.sum_w2, want_w2)
    assert np.array_equal(plain.n, want_n)


@given(st.lists(st.one_of(st.integers(-3, 14), st.floats(allow_nan=True)), min_size=1,
                max_size=30))
def test_kernel_flags_anything_off_the_scale(values: list[float]) -> None:
    arr = np.array(values, dtype=float)
    valid = all(v == v and float(v).is_integer() and 0 <= v <= 10 for v in values)
    assert ks.level_counts(arr, 0, 11).ok == valid


@given(st.integers(0, 40), st.integers(1, 40), st.integers(0, 40), st.integers(1, 40),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_newcombe_contains_the_difference_and_stays_in_bounds(
        x1: int, n1: int, x2: int, n2: int, confidence: float) -> None:
    x1, x2 = min(x1, n1), min(x2, n2)
    c = compare_proportions((x1, n1), (x2, n2), confidence=confidence)
    lo, hi = c.confidence_interval()
    assert -1 <= lo <= c.difference + 1e-12
    assert c.difference - 1e-12 <= hi <= 1


@given(st.integers(0, 60), st.integers(1, 60))
def test_wilson_contains_the_share(hits: int, n: int) -> None:
    hits = min(hits, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)   # one answer: no mean CI
        r = customer_satisfaction_score([5] * hits + [1] * (n - hits))
    lo, hi = r.confidence_interval()
    assert 0 <= lo <= r.score + 1e-12
    assert r.score - 1e-12 <= hi <= 1
