"""Both cores: work split by customer across threads (and into ranges of a bounded number
of rows) never changes a result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics._core import threads
from csmetrics.datasets import synthetic_columns
from csmetrics.revenue import points
from partition import assert_same, quiet

W = ("2024-01", "2024-12")
CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("mrr_movements", W, {}),
    ("mrr_movements", W, {"by": "plan", "policy": cm.MetricPolicy(same_period_churn=True)}),
    ("logo_churn_rate", W, {"policy": cm.MetricPolicy(free_customers="customers")}),
    ("net_revenue_retention", W, {}),
    ("nrr_series", ("2024-06", "2024-12"), {"window": "3M"}),
    ("cohort_table", ("2024-01", "2024-06"), {}),
    ("survival_curve", ("2024-12",), {}),
]


def _compute(cols: dict[str, Any]) -> list[Any]:
    table = cm.SubscriptionTable.from_columns(cols, segments=["plan"])  # a new table: no cache
    return [quiet(getattr(cm, name), table, *args, **options) for name, args, options in CALLS]


@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), n_threads=st.integers(2, 5),
       chunk=st.integers(1, 50), shuffle=st.booleans())
def test_results_do_not_depend_on_the_number_of_threads(
        seed: int, n: int, n_threads: int, chunk: int, shuffle: bool) -> None:
    cols = synthetic_columns(n, months=15, seed=seed, start="2023-10")
    rng = np.random.default_rng(seed)
    cols["plan"] = rng.choice(["a", "b"], cols["start"].size)
    if shuffle:  # rows not grouped by customer: ranges are gathered, not sliced
        order = rng.permutation(cols["start"].size)
        cols = {k: v[order] for k, v in cols.items()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSMETRICS_THREADS", "1")
        one = _compute(cols)
        mp.setenv("CSMETRICS_THREADS", str(n_threads))
        mp.setattr(threads, "MIN_ROWS_PER_THREAD", 1)   # split even tiny tables
        mp.setattr(points, "CHUNK_ROWS", chunk)          # and into many small ranges
        assert threads.parts_for(cols["start"].size) == min(n_threads, cols["start"].size)
        many = _compute(cols)
    for (name, _, _), a, b in zip(CALLS, one, many, strict=True):
        assert_same(a, b, name)


def test_parts_hold_about_as_many_rows_each() -> None:
    # 10 rows of code 0, 1 of each of codes 1..10: two parts split after code 0 (10 rows)
    # and the rest (10 rows).
    codes = np.concatenate([np.zeros(10, dtype=np.int64), np.arange(1, 11)])
    assert threads.split_codes(codes, 11, 2).tolist() == [0, 1, 11]
    bounds = threads.split_codes(np.arange(100), 100, 4)
    assert bounds.tolist() == [0, 25, 50, 75, 100]


def test_the_environment_sets_the_number_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSMETRICS_THREADS", "3")
    assert threads.n_threads() == 3
    monkeypatch.setenv("CSMETRICS_THREADS", "0")
    assert threads.n_threads() == 1
    monkeypatch.setenv("CSMETRICS_THREADS", "1")
    assert threads.parts_for(10_000_000) == 1


def _total(args: tuple[Any, str]) -> float:
    table, end = args
    return float(cm.mrr_movements(table, "2024-01", end)["ending_mrr"][-1])


def test_a_forked_child_computes_with_threads_of_its_own() -> None:
    # The parent's pool threads do not survive a fork; the child must make its own, not
    # wait forever on the parent's (found in review).
    import multiprocessing

    cols = synthetic_columns(200, months=15, seed=3, start="2023-10")
    table = cm.SubscriptionTable.from_columns(cols)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSMETRICS_THREADS", "2")
        mp.setattr(threads, "MIN_ROWS_PER_THREAD", 1)
        mp.setattr(points, "CHUNK_ROWS", 50)
        here = _total((table, "2024-06"))               # the pool now exists in this process
        with multiprocessing.get_context("fork").Pool(1) as pool:
            there = pool.map_async(_total, [(table, "2024-06")]).get(timeout=60)
    assert there == [here]
