"""The partition property of mergeable partials, for any metric of ``csmetrics.partials``.

``assert_partition(name, data, args, options, seed, n_parts)`` computes ``csmetrics.<name>``
on the whole input, then again as a cluster would: the plan from the whole, the partials of
each part of a random partition of the customers (parts may be empty; rows without a
customer are spread over the parts one by one), combined and finalized. Both results must be
identical: every column bit for bit (NaN where NaN), and the printed result.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import csmetrics as cm
from csmetrics.partials import PARTS, combine


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def split(table: Any, customer_attr: str, seed: int, n_parts: int) -> list[Any]:
    """``table`` cut into ``n_parts`` parts, every customer's rows in one random part."""
    rng = np.random.default_rng(seed)
    codes = np.asarray(getattr(table, customer_attr))
    n_codes = max(int(codes.max(initial=-1)) + 1, 1)
    part_of_code = rng.integers(0, n_parts, n_codes)
    part_of_row = np.where(codes >= 0, part_of_code[np.maximum(codes, 0)],
                           rng.integers(0, n_parts, codes.size))
    return [table.take(np.flatnonzero(part_of_row == p)) for p in range(n_parts)]


def assert_same(whole: Any, merged: Any, context: str) -> None:
    """Identical results: same type, columns bit for bit, same printed form."""
    assert type(whole) is type(merged), context
    assert whole.column_names == merged.column_names, context
    for column in whole.column_names:
        a, b = np.asarray(whole[column]), np.asarray(merged[column])
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            assert a.dtype == b.dtype, f"{context}: {column}"
            assert np.array_equal(a, b, equal_nan=True), f"{context}: {column}"
        else:
            assert a.tolist() == b.tolist(), f"{context}: {column}"
    assert str(whole) == str(merged), context


def assert_partition(name: str, data: Any, args: Sequence[Any] = (),
                     options: Mapping[str, Any] | None = None, *, seed: int = 0,
                     n_parts: int = 3) -> None:
    """The metric over a random partition of the customers equals it over the whole."""
    opts = dict(options or {})
    steps = PARTS[name]
    whole = quiet(getattr(cm, name), data, *args, **opts)
    table, plan = quiet(steps.prepare, data, *args, **opts)
    parts = split(table, steps.customer, seed, n_parts)
    partials = [quiet(steps.partial, part, plan) for part in parts]
    merged = quiet(steps.finalize, combine(partials), plan)
    assert_same(whole, merged, f"{name}{tuple(args)} {opts} seed={seed} parts={n_parts}")
