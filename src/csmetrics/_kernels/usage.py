"""Usage kernels: pure numpy over aligned integer arrays. No validation, no row loops.

Events arrive as integer codes: ``member`` is the (account, user) pair of an event, ``t`` its
time in microseconds since the epoch (UTC). Every distinct count is a count of distinct
integer keys built from these codes (``member * n_days + day`` and the like), found by
sorting, or, when the key space is at most a few times the number of keys, by marking a
table of flags, which gives the same sorted distinct keys in linear time. Per-account
totals are ``np.bincount`` over account codes. Nothing here loops over rows or accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.primitives import heads

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

US_PER_DAY = 86_400_000_000
"""Microseconds in a day: timestamps are int64 microseconds, days are UTC days."""

_MARK_FACTOR = 4
_MARK_MIN = 1 << 22


def in_window(t: I64, lo: int, hi: int) -> B:
    """Rows with ``lo <= t < hi``."""
    out: B = np.greater_equal(t, lo)
    out &= t < hi
    return out


def distinct(keys: I64, bound: int) -> I64:
    """Sorted distinct values of ``keys`` (each in ``0 .. bound - 1``).

    Sort-based (sort, then keep each value that differs from its predecessor); when
    ``bound`` is at most a few times the number of keys, a table of ``bound`` flags is
    marked instead, which yields the same sorted values in linear time.
    """
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    if bound <= max(_MARK_FACTOR * keys.size, _MARK_MIN):
        seen = np.zeros(bound, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen).astype(np.int64, copy=False)
    ordered = np.sort(keys)
    return ordered[heads(ordered)]


def count(codes: I64, n: int) -> I64:
    """How many times each code ``0 .. n - 1`` occurs."""
    return np.bincount(codes, minlength=n).astype(np.int64, copy=False)


def total(codes: I64, weights: F64, n: int) -> F64:
    """Sum of ``weights`` per code ``0 .. n - 1``."""
    out: F64 = np.bincount(codes, weights=weights, minlength=n).astype(np.float64, copy=False)
    return out


def days_of(t: I64, first_day: int) -> I64:
    """UTC day of each timestamp, counted from ``first_day`` (days since the epoch)."""
    return t // US_PER_DAY - first_day


def active_members(member: I64, n_members: int) -> I64:
    """Distinct members among the events (sorted member codes)."""
    return distinct(member, n_members)


def members_per_account(members: I64, account_of_member: I64, n_accounts: int) -> I64:
    """Distinct members per account, from a list of distinct members."""
    return count(account_of_member[members], n_accounts)


def member_days(member: I64, day: I64, n_members: int, n_days: int) -> I64:
    """Distinct (member, day) keys ``member * n_days + day``, sorted."""
    return distinct(member * np.int64(n_days) + day, n_members * n_days)


@dataclass(frozen=True)
class ActivityCounts:
    """Per account: distinct active users, user-days and events of a span of days."""

    users: I64
    user_days: I64
    events: I64


def activity(member: I64, day: I64, account_of_member: I64, n_members: int, n_days: int,
             n_accounts: int) -> ActivityCounts:
    """Active users, user-days and events per account of the events given.

    ``day`` is each event's day within the span (``0 .. n_days - 1``). A user-day is a
    distinct (user, day) pair, so the sum of daily active users over the span.
    """
    keys = member_days(member, day, n_members, n_days)
    key_member = keys // n_days
    user_days = count(account_of_member[key_member], n_accounts)
    # keys are sorted by member, so the distinct members are the heads of their runs.
    users = count(account_of_member[key_member[heads(key_member)]], n_accounts)
    events = count(account_of_member[member], n_accounts)
    return ActivityCounts(users, user_days, events)


def sort_within_groups(group: I64, values: NDArray[Any]) -> tuple[I64, NDArray[Any]]:
    """The (group, value) pairs sorted by group, then by value.

    One argsort of the values gives each its rank; the integer keys ``group * n + rank``
    then sort directly (much faster than a lexsort of two keys).
    """
    n = values.size
    order = np.argsort(values)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    key = np.sort(group * np.int64(max(n, 1)) + rank)
    return key // max(n, 1), values[order][key % max(n, 1)]


def _starts(g: I64, n_groups: int) -> tuple[I64, I64]:
    n = count(g, n_groups)
    start = np.zeros(n_groups, dtype=np.int64)
    np.cumsum(n[:-1], out=start[1:])
    return n, start


def per_group_median(group: I64, values: F64, n_groups: int) -> F64:
    """Median of ``values`` per group (NaN for a group without values)."""
    out = np.full(n_groups, np.nan)
    if values.size == 0:
        return out
    g, v = sort_within_groups(group, values)
    n, start = _starts(g, n_groups)
    has = n > 0
    lo = start[has] + (n[has] - 1) // 2
    hi = start[has] + n[has] // 2
    out[has] = (v[lo] + v[hi]) / 2.0
    return out


NEVER = np.iinfo(np.int64).max
"""Stands for "no such time" in integer microsecond arrays."""


def kth_time(group: I64, t: I64, k: int, n_groups: int) -> I64:
    """Per group, the ``k``-th smallest time (1-based); ``NEVER`` with fewer than ``k``."""
    out = np.full(n_groups, NEVER, dtype=np.int64)
    if t.size == 0:
        return out
    g, ts = sort_within_groups(group, t)
    n, start = _starts(g, n_groups)
    has = n >= k
    out[has] = ts[start[has] + k - 1]
    return out


def first_time_per_key(key: I64, t: I64) -> tuple[I64, I64]:
    """Distinct keys (sorted) and the earliest time of each."""
    k, ts = sort_within_groups(key, t)
    first = heads(k)
    return k[first], ts[first]
