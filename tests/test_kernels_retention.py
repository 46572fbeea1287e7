"""The cohort retention kernel (window by window, or one sweep for many) against a naive
per-customer working."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmetrics._kernels import retention as kret
from csmetrics._kernels import revenue as kr


def _naive(points: kr.ChangePoints, windows: list[tuple[int, int]], seg: np.ndarray,
           n_seg: int, returning_counts: bool) -> np.ndarray:
    out = np.zeros((3, len(windows), n_seg), dtype=np.int64)
    history: dict[int, list[tuple[int, int, bool]]] = {}
    for e, s, c, cust in zip(points.entity.tolist(), points.snapshot.tolist(),
                             points.current.tolist(), points.is_customer.tolist(), strict=True):
        history.setdefault(e, []).append((s, c, cust))
    for j, (base, final) in enumerate(windows):
        for e, pts in history.items():
            start = ([c for s, c, _ in pts if s <= base] or [0])[-1]
            if start <= 0:
                continue
            end = ([c for s, c, _ in pts if s <= final] or [0])[-1]
            lapsed = any(not cust for s, _, cust in pts if base < s <= final)
            if lapsed and not returning_counts:
                end = 0
            out[:, j, seg[e]] += (start, end, min(start, end))
    return out


@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), chunk=st.integers(1, 50),
       returning=st.booleans(), n_windows=st.integers(1, 6), n_seg=st.integers(1, 3))
def test_one_sweep_equals_the_naive_working(seed: int, n: int, chunk: int,
                                            returning: bool, n_windows: int,
                                            n_seg: int) -> None:
    # Up to 3 windows are read straight off the points, more in one sweep: both paths.
    rng = np.random.default_rng(seed)
    rows = rng.integers(1, 3 * n + 1)
    entity = rng.integers(0, n, rows)
    start = rng.integers(0, 300, rows)
    end = np.where(rng.random(rows) < 0.3, np.iinfo(np.int64).max,
                   start + rng.integers(0, 200, rows))
    units = rng.integers(0, 5, rows) * 2_500
    snaps = np.arange(0, 400, 30)
    points = kr.change_points(entity, start, end, units, snaps)
    windows = [(int(b), int(b + w)) for b, w in zip(rng.integers(0, 8, n_windows),
                                                    rng.integers(1, 6, n_windows), strict=True)]
    seg = rng.integers(0, n_seg, n)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kret, "CHUNK_ENTITIES", chunk)
        got = kret.cohort_sums(points, windows, n, seg, n_seg, returning_counts=returning)
    assert np.array_equal(got, _naive(points, windows, seg, n_seg, returning))
