"""Revenue kernels: pure numpy over aligned arrays. No validation, no I/O, no row loops.

Money inside the kernels is integer: a row's MRR in *units* of 1/100 of the currency's minor
unit (1/10,000 of a dollar), a customer's MRR in minor units (cents). Integer sums are exact
and independent of row order, so a bridge closes to the cent by construction and the same
input in any order gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

UNITS_PER_MINOR = 100
"""Row MRR precision: 1/100 of a minor unit, so three $33.3333 seats sum to $99.9999."""

# Months in one billing interval, by interval code (records.INTERVALS order):
# a day is 12/365 of a month, a week 12/52, a quarter 3 and a year 12 calendar months.
MONTHS_PER_INTERVAL = np.array([12 / 365, 12 / 52, 1.0, 3.0, 12.0])

MAX_ROW_MRR = 1e12
"""Largest row MRR (in currency units) that the integer arithmetic holds with room to sum."""

NEW, EXPANSION, CONTRACTION, CHURN, REACTIVATION = range(5)
MOVEMENT_NAMES = ("new", "expansion", "contraction", "churn", "reactivation")


def row_mrr(
    amount: F64, quantity: F64, discount: F64, interval: NDArray[np.int8], interval_count: I64
) -> F64:
    """MRR of each row in currency units: charge per interval over months per interval."""
    months = MONTHS_PER_INTERVAL[interval] * interval_count
    return amount * quantity * (1.0 - discount) / months


def row_mrr_units(mrr: F64, minor_digits: I64) -> I64:
    """Row MRR as integer units of 1/100 minor unit, rounded half to even."""
    scale = np.power(10.0, minor_digits) * UNITS_PER_MINOR
    units: I64 = np.rint(mrr * scale).astype(np.int64)
    return units


def units_to_minor(units: I64) -> I64:
    """A customer's summed units to minor units (cents), rounding half up."""
    return (units + UNITS_PER_MINOR // 2) // UNITS_PER_MINOR


def active_on(start: NDArray[np.datetime64], end: NDArray[np.datetime64], day: np.datetime64
              ) -> NDArray[np.bool_]:
    """Rows active on ``day``: ``start <= day < end``, with NaT ``end`` open-ended."""
    return np.asarray((start <= day) & ((end > day) | np.isnat(end)))


def entity_minor_at(
    entity: I64, units: I64, active: NDArray[np.bool_], n_entities: int
) -> I64:
    """MRR in minor units of every entity from its active rows."""
    # float64 bincount is exact here: per-entity sums stay far below 2**53 units.
    summed = np.bincount(entity[active], weights=units[active], minlength=n_entities)
    return units_to_minor(np.rint(summed).astype(np.int64))


@dataclass(frozen=True)
class ChangePoints:
    """Where an entity's MRR (in minor units) changes between consecutive snapshots.

    One row per (entity, snapshot) at which the rounded MRR differs from the previous
    snapshot, sorted by entity then snapshot. ``previous`` is 0 before an entity's first
    snapshot, and ``seen_before`` tells whether the entity had positive MRR at any earlier
    snapshot (which makes a return a reactivation rather than new).
    """

    entity: I64
    snapshot: I64
    previous: I64
    current: I64
    seen_before: NDArray[np.bool_]

    def movement(self) -> NDArray[np.int8]:
        """Movement code of each change point (see ``MOVEMENT_NAMES``)."""
        prev, cur = self.previous, self.current
        return np.select(
            [prev == 0, cur == 0, cur > prev],
            [np.where(self.seen_before, REACTIVATION, NEW), CHURN, EXPANSION],
            CONTRACTION,
        ).astype(np.int8)


def change_points(
    entity: I64,
    start_days: I64,
    end_days: I64,
    units: I64,
    snapshots: I64,
) -> ChangePoints:
    """Every change of every entity's MRR across the sorted ``snapshots`` (days since epoch).

    Event-based: each row adds its units at the first snapshot on or after its start and
    removes them at the first snapshot on or after its end, so the work is proportional to
    rows, not to entities x snapshots. ``end_days`` holds a huge value for open rows.
    """
    n_snap = snapshots.size
    first = np.searchsorted(snapshots, start_days, side="left")
    stop = np.searchsorted(snapshots, end_days, side="left")
    live = (first < stop) & (units != 0)
    ends = live & (stop < n_snap)
    width = np.int64(n_snap + 1)
    keys = np.concatenate([entity[live] * width + first[live], entity[ends] * width + stop[ends]])
    deltas = np.concatenate([units[live], -units[ends]])

    # Exports sorted by customer give keys in a few long runs, which timsort merges in
    # linear time; otherwise quicksort is faster.
    descents = np.count_nonzero(keys[1:] < keys[:-1])
    order = np.argsort(keys, kind="stable" if descents < keys.size // 64 else None)
    keys, deltas = keys[order], deltas[order]
    starts = np.flatnonzero(_heads(keys))
    keys = keys[starts]
    deltas = np.add.reduceat(deltas, starts) if starts.size else deltas[:0]

    ent = keys // width
    snap = keys - ent * width
    new_entity = _heads(ent)
    group = np.cumsum(new_entity) - 1
    running = np.cumsum(deltas)
    level_units = running - (running - deltas)[new_entity][group]
    current = units_to_minor(level_units)

    previous = np.zeros_like(current)
    previous[1:] = current[:-1]
    previous[new_entity] = 0
    changed = current != previous
    ent, snap, previous, current = ent[changed], snap[changed], previous[changed], current[changed]
    new_entity = _heads(ent)

    positive = (current > 0).astype(np.int64)
    seen = np.cumsum(positive) - positive
    seen_before = (seen - seen[new_entity][np.cumsum(new_entity) - 1]) > 0
    return ChangePoints(ent, snap, previous, current, seen_before)


def _heads(sorted_codes: I64) -> NDArray[np.bool_]:
    """True at the first element of each run of equal values."""
    head = np.empty(sorted_codes.size, dtype=bool)
    head[:1] = True
    np.not_equal(sorted_codes[1:], sorted_codes[:-1], out=head[1:])
    return head


@dataclass(frozen=True)
class Bridge:
    """Per segment and period totals of an MRR bridge, money in minor units.

    Arrays are shaped ``(n_segments, n_periods)``; ``amounts`` and ``counts`` add a leading
    axis over ``MOVEMENT_NAMES``.
    """

    starting: I64
    ending: I64
    amounts: I64
    counts: I64
    starting_count: I64
    ending_count: I64


def bridge(points: ChangePoints, segment_of_entity: I64, n_segments: int, base: int,
           n_periods: int) -> Bridge:
    """Aggregate change points into a bridge for periods ``base+1 .. base+n_periods``.

    Points at snapshots up to ``base`` only build the starting position.
    """
    seg = segment_of_entity[points.entity]
    delta = points.current - points.previous
    joins = (points.previous == 0).astype(np.int64) - (points.current == 0).astype(np.int64)
    before = points.snapshot <= base
    starting = bincount_int(seg[before], delta[before], n_segments)
    starting_count = bincount_int(seg[before], joins[before], n_segments)

    inside = ~before & (points.snapshot <= base + n_periods)
    seg_in, per_in = seg[inside], points.snapshot[inside] - base - 1
    kind = points.movement()[inside]
    magnitude = np.abs(delta[inside])
    cell = seg_in * n_periods + per_in
    size = n_segments * n_periods
    flat = kind.astype(np.int64) * size + cell
    shape = (len(MOVEMENT_NAMES), n_segments, n_periods)
    amounts = bincount_int(flat, magnitude, len(MOVEMENT_NAMES) * size).reshape(shape)
    counts = np.bincount(flat, minlength=len(MOVEMENT_NAMES) * size).reshape(shape)

    net = bincount_int(cell, delta[inside], size).reshape(n_segments, n_periods)
    net_count = bincount_int(cell, joins[inside], size).reshape(n_segments, n_periods)
    ending = starting[:, None] + np.cumsum(net, axis=1)
    ending_count = starting_count[:, None] + np.cumsum(net_count, axis=1)
    return Bridge(starting, ending, amounts, counts, starting_count, ending_count)


def bincount_int(codes: I64, values: I64, size: int) -> I64:
    """Exact integer sums of ``values`` per code (float64 bincount, exact below 2**53)."""
    return np.rint(np.bincount(codes, weights=values, minlength=size)).astype(np.int64)
