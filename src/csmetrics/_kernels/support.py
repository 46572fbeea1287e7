"""Support kernels: Kaplan-Meier over continuous durations, quantile crossings, SLA outcomes.

Durations (ticket response and resolution times) are continuous, so instead of one column per
whole period (``_kernels.cohorts.estimate`` over a shared grid) each group gets one column per
distinct duration *of its own*, in increasing order: the grid is then ``groups x (most distinct
durations in one group)``, small for the per-account view and one row for the portfolio, and
``cohorts.estimate`` runs on it unchanged (a column past a group's last duration has nobody at
risk and changes nothing). Pure numpy: no loop over rows or groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import cohorts as kc

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

_TOL = 1e-12  # survival equal to a level up to rounding counts as reaching it


@dataclass(frozen=True)
class RankedCounts:
    """Events and censorings per (group, rank of a distinct duration within the group).

    Attributes
    ----------
    events, censored : ndarray of int64, shape (groups, width)
    times : ndarray of int64, shape (groups, width)
        The duration of each column of each group; the largest int64 past its last one.
    """

    events: I64
    censored: I64
    times: I64


def ranked_counts(group: I64, time: I64, event: B, n_groups: int) -> RankedCounts:
    """The counts a Kaplan-Meier estimate is made of, each group on its own distinct times.

    Examples
    --------
    >>> rc = ranked_counts(np.array([0, 0, 0, 1]), np.array([5, 2, 5, 7]),
    ...                    np.array([True, False, True, True]), 2)
    >>> rc.events.tolist(), rc.censored.tolist(), rc.times[0].tolist()
    ([[0, 2], [1, 0]], [[1, 0], [0, 0]], [2, 5])
    """
    order = np.lexsort((time, group))
    g, t, e = group[order], time[order], event[order]
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    pair = np.cumsum(new) - 1                          # distinct (group, time) of each row
    first_of_pair = np.flatnonzero(new)
    pair_group = g[first_of_pair]
    group_start = np.searchsorted(pair_group, np.arange(n_groups))
    rank = np.arange(first_of_pair.size) - group_start[pair_group]
    width = int(rank.max()) + 1 if rank.size else 1
    flat = pair_group * width + rank
    size = n_groups * width
    per_pair_events = np.bincount(pair[e], minlength=first_of_pair.size)
    per_pair_censored = np.bincount(pair[~e], minlength=first_of_pair.size)
    events = np.zeros(size, dtype=np.int64)
    censored = np.zeros(size, dtype=np.int64)
    times = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    events[flat] = per_pair_events
    censored[flat] = per_pair_censored
    times[flat] = t[first_of_pair]
    shape = (n_groups, width)
    return RankedCounts(events.reshape(shape), censored.reshape(shape), times.reshape(shape))


def first_crossing(curve: F64, times: I64, level: float) -> F64:
    """Per row, the smallest time at which ``curve`` is at or below ``level`` (NaN: never).

    NaN entries never count as crossing.

    Examples
    --------
    >>> first_crossing(np.array([[1.0, 0.5, 0.2], [1.0, 0.9, 0.9]]),
    ...                np.array([[1, 2, 3], [1, 2, 3]]), 0.5).tolist()
    [2.0, nan]
    """
    filled = np.where(np.isnan(curve), np.inf, curve)
    hit = filled <= level + _TOL
    found = hit.any(axis=1)
    first = np.where(found, hit.argmax(axis=1), 0)
    at = np.take_along_axis(times, first[:, None], axis=1)[:, 0].astype(np.float64)
    return np.where(found, at, np.nan)


@dataclass(frozen=True)
class Quantiles:
    """Quantile times per group with confidence limits, and the Kaplan-Meier counts.

    Attributes
    ----------
    value, lower, upper : ndarray of float64, shape (quantiles, groups)
        NaN where the curve (or its band) does not fall far enough.
    tickets, events, censored : ndarray of int64, shape (groups,)
    """

    value: F64
    lower: F64
    upper: F64
    tickets: I64
    events: I64
    censored: I64


def grid_counts(times: I64, group: I64, time: I64, event: B) -> tuple[I64, I64]:
    """Events and censorings of members on a grid made by ``ranked_counts`` (from these
    members or more: a part of the customers counts on the whole's grid, so that parts add
    up). Every ``(group, time)`` must be a cell of the grid.

    Examples
    --------
    >>> grid = ranked_counts(np.array([0, 0, 1]), np.array([5, 2, 7]),
    ...                      np.ones(3, dtype=bool), 2).times
    >>> e, c = grid_counts(grid, np.array([0, 1]), np.array([5, 7]), np.array([True, False]))
    >>> e.tolist(), c.tolist()
    ([[0, 1], [0, 0]], [[0, 0], [1, 0]])
    """
    n_groups, width = times.shape
    flat = times.ravel()
    values = np.unique(flat)                   # dense ranks keep the keys inside int64
    keys = np.repeat(np.arange(n_groups, dtype=np.int64), width) * values.size + (
        np.searchsorted(values, flat))
    cell = np.searchsorted(keys, group * values.size + np.searchsorted(values, time))
    size = n_groups * width
    events = np.bincount(cell[event], minlength=size).astype(np.int64).reshape(times.shape)
    censored = np.bincount(cell[~event], minlength=size).astype(np.int64).reshape(times.shape)
    return events, censored


def km_quantiles_of_counts(events: I64, censored: I64, times: I64, probs: F64,
                           z: float) -> Quantiles:
    """Kaplan-Meier quantiles per group, with Brookmeyer-Crowley style limits, from the
    counts on a grid (``ranked_counts`` or ``grid_counts``).

    The ``p`` quantile is the smallest ``t`` with ``S(t) <= 1 - p``; its limits are the first
    times the log-log pointwise band (``cohorts.estimate``) falls to ``1 - p``: the lower band
    gives the lower limit, the upper band the upper one (Brookmeyer and Crowley, 1982, with
    the log-log transform; lifelines' ``median_survival_times`` of the confidence interval).
    Where every member left, ``S = 0`` and both bands are taken as 0.
    """
    km = kc.estimate(events, censored, z)
    gone = km.survival <= 0
    lower_band = np.where(gone, 0.0, km.lower)
    upper_band = np.where(gone, 0.0, km.upper)
    value = np.stack([first_crossing(km.survival, times, 1 - p) for p in probs])
    lower = np.stack([first_crossing(lower_band, times, 1 - p) for p in probs])
    upper = np.stack([first_crossing(upper_band, times, 1 - p) for p in probs])
    n_events = events.sum(axis=1).astype(np.int64)
    n_censored = censored.sum(axis=1).astype(np.int64)
    return Quantiles(value, lower, upper, n_events + n_censored, n_events, n_censored)


def km_quantiles(group: I64, time: I64, event: B, n_groups: int, probs: F64,
                 z: float) -> Quantiles:
    """Kaplan-Meier quantiles of ``time`` per group (see ``km_quantiles_of_counts``).

    Examples
    --------
    >>> q = km_quantiles(np.zeros(4, np.int64), np.array([1, 2, 3, 4]),
    ...                  np.array([True, True, False, True]), 1, np.array([0.5]), 1.96)
    >>> q.value.tolist(), q.events.tolist(), q.censored.tolist()
    ([[2.0]], [3], [1])
    """
    rc = ranked_counts(group, time, event, n_groups)
    return km_quantiles_of_counts(rc.events, rc.censored, rc.times, probs, z)


def empirical_quantile(counts: I64, times: I64, p: float) -> F64:
    """Per group, the smallest time with at least a share ``p`` of the group's members at
    or below it (the inverse of the empirical distribution; NaN for an empty group), from
    the members per grid cell.

    Examples
    --------
    >>> empirical_quantile(np.array([[1, 1, 1], [0, 0, 0]]), np.array([[2, 5, 9], [1, 2, 3]]),
    ...                    0.5).tolist()
    [5.0, nan]
    """
    cum = np.cumsum(counts, axis=1)
    n = cum[:, -1]
    need = np.maximum(np.ceil(p * n - 1e-9), 1)[:, None]
    hit = cum >= need
    first = hit.argmax(axis=1)
    at = np.take_along_axis(times, first[:, None], axis=1)[:, 0].astype(np.float64)
    return np.where(n > 0, at, np.nan)


def sla_outcomes(elapsed: I64, done: B, target: I64) -> tuple[B, B, B]:
    """Met, breached and pending of each ticket against its target (all microseconds).

    ``elapsed`` is the time to the event where ``done``, else the time open so far. Done
    within the target is met; done after it, or still waiting past it, a breach; still
    waiting within it, pending.

    Examples
    --------
    >>> met, breached, pending = sla_outcomes(np.array([5, 9, 3, 12]),
    ...                                       np.array([True, True, False, False]),
    ...                                       np.array([8, 8, 8, 8]))
    >>> met.tolist(), breached.tolist(), pending.tolist()
    ([True, False, False, False], [False, True, False, True], [False, False, True, False])
    """
    within = elapsed <= target
    return done & within, ~within, ~done & within
