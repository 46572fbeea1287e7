"""Change points keep no ``previous`` or ``was_customer``: both are derived from the last
point's state, in the whole, in any slice of it and in ranges of entities joined."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from csmetrics._kernels import pieces as kp
from csmetrics._kernels import revenue as kr
from csmetrics._kernels.primitives import heads, shift_within


def _points(seed: int, n_rows: int) -> kr.ChangePoints:
    rng = np.random.default_rng(seed)
    entity = np.sort(rng.integers(0, max(n_rows // 3, 1), n_rows))
    start = rng.integers(0, 300, n_rows)
    end = np.where(rng.random(n_rows) < 0.3, np.iinfo(np.int64).max,
                   start + rng.integers(1, 200, n_rows))
    units = rng.choice([0, 5_000, 12_345, 100_000], n_rows)
    snaps = np.arange(0, 400, 30, dtype=np.int64)
    return kr.change_points(entity, start, end, units, snaps,
                            free_is_customer=bool(seed % 2))


@given(seed=st.integers(0, 10_000), n_rows=st.integers(0, 80))
def test_derived_state_is_the_last_points(seed: int, n_rows: int) -> None:
    points = _points(seed, n_rows)
    assert points.stored_previous is None
    assert points.stored_was_customer is None
    first = heads(points.entity)
    assert np.array_equal(points.previous, shift_within(points.current, first, 0))
    assert np.array_equal(points.was_customer,
                          shift_within(points.is_customer, first, False))
    assert points.previous.dtype == np.int64
    assert points.was_customer.dtype == bool


@given(seed=st.integers(0, 10_000), n_rows=st.integers(1, 80), data=st.data())
def test_slices_and_joins_derive_the_wholes_state(seed: int, n_rows: int,
                                                  data: st.DataObject) -> None:
    points = _points(seed, n_rows)
    n = points.entity.size
    lo = data.draw(st.integers(0, n))
    hi = data.draw(st.integers(lo, n))
    part = kp.slice_points(points, slice(lo, hi))
    assert np.array_equal(part.previous, points.previous[lo:hi])
    assert np.array_equal(part.was_customer, points.was_customer[lo:hi])
    assert np.array_equal(part.movement(), points.movement()[lo:hi])
    inner = kp.slice_points(part, slice(1, None))  # a slice of a slice keeps its lead
    assert np.array_equal(inner.previous, points.previous[lo + 1:hi])
    # Ranges of entities (each piece starts an entity's run), joined, are the whole.
    cut = int(np.searchsorted(points.entity, data.draw(st.integers(0, n_rows))))
    joined = kp.join_in_order([kp.slice_points(points, slice(0, cut)),
                               kp.slice_points(points, slice(cut, n))], n)
    for name in ("entity", "snapshot", "current", "is_customer", "returning", "previous",
                 "was_customer"):
        assert np.array_equal(getattr(joined, name), getattr(points, name))
