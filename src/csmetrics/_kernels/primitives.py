"""Primitives every kernel shares: runs of sorted codes, sums within runs, exact integer sums,
and rounding that float noise cannot tip.

Pure numpy over whole arrays; no validation, no tables, no Python loop over rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def heads(sorted_codes: NDArray[Any]) -> NDArray[np.bool_]:
    """True at the first element of each run of equal values.

    Examples
    --------
    >>> heads(np.array([3, 3, 5, 7, 7])).tolist()
    [True, False, True, True, False]
    """
    head = np.empty(sorted_codes.size, dtype=bool)
    head[:1] = True
    np.not_equal(sorted_codes[1:], sorted_codes[:-1], out=head[1:])
    return head


def running_within(values: I64, starts: NDArray[np.bool_]) -> I64:
    """Cumulative sum restarting at every True of ``starts`` (the heads of runs).

    Examples
    --------
    >>> running_within(np.array([1, 2, 3, 4]), np.array([True, False, True, False])).tolist()
    [1, 3, 3, 7]
    """
    running: I64 = np.cumsum(values)
    if values.size == 0:
        return running
    # Each run's offset (the total before it), repeated over the run: one gather of the
    # heads and a repeat, rather than a gather per element.
    first = np.flatnonzero(starts)
    offset = running[first] - values[first]
    out: I64 = running - np.repeat(offset, np.diff(first, append=values.size))
    return out


def shift_within(values: NDArray[Any], starts: NDArray[np.bool_], fill: Any) -> NDArray[Any]:
    """Each element's predecessor within its run; ``fill`` at every head.

    Examples
    --------
    >>> shift_within(np.array([1, 2, 3, 4]), np.array([True, False, True, False]), 0).tolist()
    [0, 1, 0, 3]
    """
    out = np.empty_like(values)
    out[1:] = values[:-1]
    out[starts] = fill
    return out


def bincount_int(codes: I64, values: NDArray[np.integer[Any]], size: int) -> I64:
    """Exact integer sums of ``values`` per code (float64 bincount, exact below 2**53)."""
    return np.rint(np.bincount(codes, weights=values, minlength=size)).astype(np.int64)


def round_half_even(x: F64, *, overwrite: bool = False) -> I64:
    """``x`` rounded to whole numbers, ties to even, where a tie is judged before float noise.

    Amounts are decimal (``499.95``), and arithmetic in binary floats lands an exact tie such as
    ``684306562.5`` a few ulps above or below the half. A fractional part within float noise of
    one half (1e-6, or 1e-14 of the largest value when larger) is taken as the tie it is in
    decimal, so the result is what exact arithmetic gives; elsewhere this is ``np.rint``.
    ``overwrite=True`` lets the result take the memory of ``x`` (a temporary of the caller's).

    Examples
    --------
    >>> round_half_even(np.array([0.5, 1.5, 2.5000000001, 2.4999999999, 2.6])).tolist()
    [0, 2, 2, 2, 3]
    """
    rounded = np.rint(x)
    if x.size == 0:
        return rounded.astype(np.int64)
    scale = max(float(x.max()), -float(x.min()), 0.0)
    tolerance = max(1e-6, scale * 1e-14)
    # Ties are rare: only values about half a unit from their rint are looked at again.
    diff = np.subtract(x, rounded, out=x if overwrite else None)
    near = np.flatnonzero((diff >= 0.5 - tolerance) | (diff <= tolerance - 0.5))
    if near.size:
        # floor(x) is rint(x) when x rounded down, rint(x) - 1 when it rounded up.
        lower = rounded[near] - (diff[near] < 0)
        rounded[near] = lower + (np.remainder(lower, 2.0) == 1.0)
    if overwrite and x.dtype == np.float64 and x.flags.c_contiguous:
        out: I64 = x.view(np.int64)
        np.copyto(out, rounded, casting="unsafe")  # (x is spent: its memory holds the result)
        return out
    whole: I64 = rounded.astype(np.int64)
    return whole
