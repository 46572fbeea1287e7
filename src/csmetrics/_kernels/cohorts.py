"""Cohort and survival kernels: pure numpy over aligned arrays. No validation, no row loops.

Both cohort tables and customer lifetimes are read off the MRR change points of
``csmetrics._kernels.revenue.change_points`` (one row per entity and snapshot at which the
entity's MRR in cents changes, sorted by entity then snapshot), so the work follows the
number of changes, never customers x periods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.primitives import bincount_int
from csmetrics._kernels.revenue import ChangePoints

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

_NEVER = np.iinfo(np.int64).max


def first_snapshot(points: ChangePoints, n_entities: int) -> I64:
    """Snapshot index at which each entity first has MRR > 0 (its cohort); -1 if never.

    An entity's first change point always starts from 0 MRR, so it is the first positive one.
    """
    out = np.full(n_entities, -1, dtype=np.int64)
    first = points.starts   # positions: a gather, not a mask pass
    out[points.entity[first]] = points.snapshot[first]
    return out


@dataclass(frozen=True)
class CohortLevels:
    """Active customers and MRR (minor units) of each cohort row at each age.

    Shaped ``(n_rows, n_ages)``; a cell is the level at snapshot ``cohort + age``.
    Cells past the last snapshot are left at the last level: the caller masks them.
    """

    active: I64
    mrr: I64


def cohort_levels(points: ChangePoints, cohort_of_entity: I64, row_of_entity: I64,
                  n_rows: int, n_ages: int) -> CohortLevels:
    """Each change point adds its change to its entity's row at its age; a cumulative sum
    along ages turns changes into levels. Entities with row -1 are not counted."""
    ent = points.entity
    row = row_of_entity[ent]
    age = points.snapshot - cohort_of_entity[ent]
    keep = (row >= 0) & (age < n_ages)
    flat = (row * n_ages + age)[keep]
    size = n_rows * n_ages
    previous = points.previous   # derived on each read: read once
    current = points.current
    joins = (current > 0).view(np.int8) - (previous > 0).view(np.int8)
    d_active = bincount_int(flat, joins[keep], size).reshape(n_rows, n_ages)
    d_mrr = bincount_int(flat, (current - previous)[keep], size)
    return CohortLevels(np.cumsum(d_active, axis=1),
                        np.cumsum(d_mrr.reshape(n_rows, n_ages), axis=1))


@dataclass(frozen=True)
class Lifetimes:
    """First paying lifetime of every entity that ever had MRR > 0 at a snapshot.

    ``lifetime`` counts snapshots from the cohort snapshot to the first snapshot with MRR 0
    (``churned``) or, when the entity is still paying at the last snapshot, to that last
    snapshot (right-censored: the lifetime is longer than that).
    """

    entity: I64
    cohort: I64
    lifetime: I64
    churned: B


def lifetimes(points: ChangePoints, last: int) -> Lifetimes:
    """Lifetimes of the entities in ``points``, observed up to snapshot index ``last``."""
    if points.entity.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Lifetimes(empty, empty, empty, np.zeros(0, dtype=bool))
    starts = points.starts
    entity = points.entity[starts]
    cohort = points.snapshot[starts]
    zero_at = np.where((points.current == 0) & (points.snapshot <= last), points.snapshot,
                       _NEVER)
    first_zero = np.minimum.reduceat(zero_at, starts)
    churned = first_zero != _NEVER
    lifetime = np.where(churned, first_zero, last) - cohort
    keep = cohort <= last
    return Lifetimes(entity[keep], cohort[keep], lifetime[keep], churned[keep])


# --- Kaplan-Meier ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier estimates per group and integer time, shaped ``(n_groups, n_times)``.

    ``at_risk[g, t]`` counts members with an observed time >= t; ``events`` and ``censored``
    those whose time is t. ``variance_sum`` is Greenwood's sum of d / (n (n - d)).
    """

    at_risk: I64
    events: I64
    censored: I64
    survival: F64
    std_error: F64
    lower: F64
    upper: F64


def leaving_counts(group: I64, time: I64, event: B, n_groups: int, n_times: int
                   ) -> tuple[I64, I64]:
    """Events and censorings per (group, time), shaped ``(n_groups, n_times)``: the additive
    counts a Kaplan-Meier estimate is made of (every ``time`` below ``n_times``)."""
    flat = group * n_times + time
    size = n_groups * n_times
    events = np.bincount(flat[event], minlength=size).reshape(n_groups, n_times)
    censored = np.bincount(flat[~event], minlength=size).reshape(n_groups, n_times)
    return events.astype(np.int64, copy=False), censored.astype(np.int64, copy=False)


def kaplan_meier(group: I64, time: I64, event: B, n_groups: int, z: float) -> KaplanMeier:
    """Product-limit estimate of members' ``time`` and ``event`` (see ``estimate``)."""
    n_times = int(time.max()) + 1 if time.size else 1
    return estimate(*leaving_counts(group, time, event, n_groups, n_times), z)


def estimate(events: I64, censored: I64, z: float) -> KaplanMeier:
    """Product-limit estimate with Greenwood standard errors and log-log confidence limits,
    from the events and censorings per (group, time).

    A member censored at ``t`` is known to survive past ``t``, so it is at risk at ``t``.
    Confidence limits are ``S ** exp(+-z * se(log(-log S)))`` with
    ``se(log(-log S)) = sqrt(sum d / (n (n - d))) / |log S|``; where ``S`` is 1 they are 1,
    where ``S`` is 0 (or the variance is infinite) they, and the standard error, are NaN.
    Times after a group's last member add nothing: its estimates stay as they were.
    """
    leaving = events + censored
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]
    n = at_risk.astype(np.float64)
    d = events.astype(np.float64)
    safe_n = np.where(n > 0, n, 1.0)
    survival: F64 = np.asarray(np.cumprod(1.0 - d / safe_n, axis=1), dtype=np.float64)
    all_gone = (d > 0) & (d == n)
    term = np.where((d > 0) & ~all_gone, d / (safe_n * np.where(n > d, n - d, 1.0)), 0.0)
    greenwood = np.cumsum(term, axis=1)
    infinite = np.cumsum(all_gone, axis=1) > 0
    std_error = np.where(infinite, np.nan, survival * np.sqrt(greenwood))

    inner = (survival > 0) & (survival < 1) & ~infinite
    log_s = np.log(np.where(inner, survival, 0.5))
    width = np.exp(z * np.sqrt(greenwood) / np.abs(log_s))
    lower = np.where(inner, np.power(np.where(inner, survival, 0.5), width), np.nan)
    upper = np.where(inner, np.power(np.where(inner, survival, 0.5), 1.0 / width), np.nan)
    one = survival >= 1.0
    lower = np.where(one, 1.0, lower)
    upper = np.where(one, 1.0, upper)
    return KaplanMeier(at_risk, events, censored, survival, std_error, lower, upper)


def first_time_at_or_below(curve: F64, level: float) -> F64:
    """Per row, the median-style crossing time of ``curve`` through ``level`` (NaN if never).

    The first time the curve is at or below ``level``; when it sits exactly at ``level``
    over an interval, the midpoint of that interval and the first time below it (the rule
    of R's ``survfit``). NaN entries never count as crossing.
    """
    n_times = curve.shape[1]
    filled = np.where(np.isnan(curve), np.inf, curve)
    at_or_below = filled <= level + 1e-12
    below = filled < level - 1e-12
    t = np.arange(n_times, dtype=np.float64)
    first = np.where(at_or_below.any(axis=1), at_or_below.argmax(axis=1), -1)
    first_below = np.where(below.any(axis=1), below.argmax(axis=1), -1)
    exact = (first >= 0) & (first_below > first)
    out = np.where(first >= 0, t[np.maximum(first, 0)], np.nan)
    return np.where(exact, (t[np.maximum(first, 0)] + t[np.maximum(first_below, 0)]) / 2, out)
