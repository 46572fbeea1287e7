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

# Change points and the movement names live in their own module; re-exported here, where
# every revenue metric reads them.
from csmetrics._kernels.points import CHURN as CHURN
from csmetrics._kernels.points import CONTRACTION as CONTRACTION
from csmetrics._kernels.points import EXPANSION as EXPANSION
from csmetrics._kernels.points import MOVEMENT_NAMES as MOVEMENT_NAMES
from csmetrics._kernels.points import NEW as NEW
from csmetrics._kernels.points import REACTIVATION as REACTIVATION
from csmetrics._kernels.points import ChangePoints as ChangePoints
from csmetrics._kernels.points import _movement
from csmetrics._kernels.primitives import (
    bincount_int,
    heads,
    round_half_even,
    running_within,
    shift_within,
)

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

UNITS_PER_MINOR = 100
"""Row MRR precision: 1/100 of a minor unit, so three $33.3333 seats sum to $99.9999."""

# Months in one billing interval, by interval code (records.INTERVALS order):
# a day is 12/365 of a month, a week 12/52, a quarter 3 and a year 12 calendar months.
MONTHS_PER_INTERVAL = np.array([12 / 365, 12 / 52, 1.0, 3.0, 12.0])

MAX_ROW_MRR = 1e12
"""Largest row MRR (in currency units) that the integer arithmetic holds with room to sum."""


def row_mrr(
    amount: F64, quantity: F64, discount: F64, interval: NDArray[np.int8], interval_count: I64
) -> F64:
    """MRR of each row in currency units: charge per interval over months per interval."""
    # In place: no extra full-size temporaries; the operations (so every rounding) are
    # those of amount * quantity * (1 - discount) / (months per interval * interval_count).
    out: F64 = np.multiply(amount, quantity)
    out *= np.subtract(1.0, discount)
    months = MONTHS_PER_INTERVAL[interval]
    months *= interval_count
    out /= months
    return out


def row_mrr_units(mrr: F64, minor_digits: I64) -> I64:
    """Row MRR as integer units of 1/100 minor unit, rounded half to even (a tie is judged
    as in decimal arithmetic, see ``round_half_even``)."""
    if np.ndim(minor_digits) and np.size(minor_digits) == mrr.size:
        # One array, scaled in place: (10 ** digits * units) * mrr, the same products.
        scaled = np.power(10.0, minor_digits)
        scaled *= UNITS_PER_MINOR
        scaled *= mrr
    else:
        scaled = np.multiply(mrr, np.power(10.0, minor_digits) * UNITS_PER_MINOR)
    return round_half_even(scaled, overwrite=True)


def units_to_minor(units: I64) -> I64:
    """A customer's summed units to minor units (cents), rounding half up."""
    return (units + UNITS_PER_MINOR // 2) // UNITS_PER_MINOR


def active_on(start: NDArray[np.datetime64], end: NDArray[np.datetime64], day: np.datetime64
              ) -> NDArray[np.bool_]:
    """Rows active on ``day``: ``start <= day < end``, with NaT ``end`` open-ended."""
    return np.asarray((start <= day) & ((end > day) | np.isnat(end)))


def last_day(start: NDArray[np.datetime64], end: NDArray[np.datetime64]) -> np.datetime64:
    """The latest date of non-empty spans: the latest start or end (NaT ends ignored).

    Read as integers, NaT is the smallest value, so one ``max`` of each column skips it
    without a mask of the ends."""
    latest = max(int(start.view(np.int64).max()),
                 int(end.view(np.int64).max()) if end.size else np.iinfo(np.int64).min)
    out: np.datetime64 = np.int64(latest).view(start.dtype)
    return out


def entity_minor_at(
    entity: I64, units: I64, active: NDArray[np.bool_] | None, n_entities: int
) -> I64:
    """MRR in minor units of every entity from its active rows (``active`` None: the rows
    given are the active ones)."""
    if active is not None:
        entity, units = entity[active], units[active]
    # float64 bincount is exact here: per-entity sums stay far below 2**53 units.
    summed = np.bincount(entity, weights=units, minlength=n_entities)
    return units_to_minor(np.rint(summed).astype(np.int64))


def snapshot_index(snapshots: I64, days: I64) -> I64:
    """Index of the first of the sorted ``snapshots`` on or after each of ``days``
    (``snapshots.size`` past the last), as ``searchsorted(side="left")`` gives it.

    Days are few distinct values in a short range (a few thousand days), so the index of
    every day in the range is looked up once and read per row: a gather, not a binary
    search per row.
    """
    n = snapshots.size
    if days.size == 0 or n == 0:
        out: I64 = np.searchsorted(snapshots, days, side="left")
        return out
    lo = min(int(days.min()), int(snapshots[0]))
    hi = int(snapshots[-1]) + 1          # any day from here on is past the last snapshot
    lut = np.searchsorted(snapshots, np.arange(lo, hi + 1), side="left")
    found: I64 = lut[np.clip(days, lo, hi) - lo]   # (clipped first: no overflow)
    return found


def _sort_order(keys: I64) -> I64:
    """The stable sorting permutation of non-negative ``keys``.

    Each key is packed with its position into one integer and the integers sorted (a plain
    sort, several times faster than ``argsort``), the position read back from the low bits;
    keys too wide to pack are argsorted.
    """
    n = keys.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    index_bits = max(int(n - 1).bit_length(), 1)
    if int(keys.max()).bit_length() + index_bits > 62:
        order: I64 = np.argsort(keys, kind="stable")
        return order
    packed = keys << index_bits
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    packed &= (1 << index_bits) - 1
    return packed


def change_points(
    entity: I64,
    start_days: I64,
    end_days: I64,
    units: I64,
    snapshots: I64,
    *,
    free_is_customer: bool = False,
    reactivation_window: int | None = None,
) -> ChangePoints:
    """Every change of every entity's MRR across the sorted ``snapshots`` (days since epoch).

    Event-based: each row adds its units at the first snapshot on or after its start and
    removes them at the first snapshot on or after its end, so the work is proportional to
    rows, not to entities x snapshots. ``end_days`` holds a huge value for open rows.

    An entity is a customer at a snapshot when its MRR is positive or, with
    ``free_is_customer``, when it has any active row. A return counts as ``returning`` when
    the entity was a customer at an earlier snapshot and, with ``reactivation_window``
    (days), when the snapshot of the return is at most that many days after the snapshot at
    which the churn was recorded.
    """
    n_snap = snapshots.size
    first = snapshot_index(snapshots, start_days)
    stop = snapshot_index(snapshots, end_days)
    live = first < stop
    if not free_is_customer:
        live &= units != 0
    ends = live & (stop < n_snap)
    # Keys (entity, snapshot) in one integer; a power-of-two width makes the split a shift.
    shift = max(int(n_snap).bit_length(), 1)
    width = 1 << shift
    owner = entity << shift
    keys = np.concatenate([(owner + first)[live], (owner + stop)[ends]])
    deltas = np.concatenate([units[live], -units[ends]])
    del owner, first, stop
    n_live = int(np.count_nonzero(live))

    order = _sort_order(keys)
    keys, deltas = keys[order], deltas[order]
    # Active rows count only where $0 rows make customers: +1 at a start, -1 at an end.
    row_deltas = np.where(order < n_live, 1, -1) if free_is_customer else None
    del order
    starts = np.flatnonzero(heads(keys))
    if starts.size < keys.size:  # several events at one (entity, snapshot): one change
        keys = keys[starts]
        deltas = np.add.reduceat(deltas, starts)
        if row_deltas is not None:
            row_deltas = np.add.reduceat(row_deltas, starts)

    ent = keys >> shift
    snap = keys & (width - 1)
    new_entity = heads(ent)
    current = units_to_minor(running_within(deltas, new_entity))
    is_customer = (running_within(row_deltas, new_entity) > 0 if row_deltas is not None
                   else current > 0)

    previous = shift_within(current, new_entity, 0)
    was_customer = shift_within(is_customer, new_entity, False)
    changed = (current != previous) | (is_customer != was_customer)
    if not changed.all():
        ent, snap = ent[changed], snap[changed]
        previous, current = previous[changed], current[changed]
        was_customer, is_customer = was_customer[changed], is_customer[changed]
        new_entity = heads(ent)

    seen = running_within(is_customer.astype(np.int64), new_entity) - is_customer
    returning = (seen > 0) & ~was_customer & is_customer
    if reactivation_window is not None and returning.any():
        # The point before a return is the churn it returns from.
        gap = snapshots[np.minimum(snap, n_snap - 1)] - snapshots[np.maximum(
            shift_within(snap, new_entity, 0), 0)]
        returning &= gap <= reactivation_window
    # previous and was_customer are the last point's state: derived when read, not kept.
    return ChangePoints(ent, snap, None, current, None, is_customer, returning, width)


@dataclass(frozen=True)
class Transients:
    """Customers who start and stop between two consecutive snapshots (never seen at one).

    One row per (entity, period): the period index (1-based after the base snapshot), the
    peak MRR the entity reached inside it (minor units), and whether it is a return.
    """

    entity: I64
    period: I64
    peak: I64
    returning: NDArray[np.bool_]


def transients(
    points: ChangePoints,
    entity: I64,
    start_days: I64,
    end_days: I64,
    units: I64,
    snapshots: I64,
    base: int,
    *,
    free_is_customer: bool = False,
    reactivation_window: int | None = None,
) -> Transients:
    """Entities whose spans in a period all fall strictly between its two snapshots."""
    first = snapshot_index(snapshots, start_days)
    stop = snapshot_index(snapshots, end_days)
    inside = ((first == stop) & (first > base) & (first < snapshots.size)
              & (end_days > start_days) & ((units > 0) | free_is_customer))
    rows = np.flatnonzero(inside)
    if rows.size:
        ent, k = entity[rows], first[rows]
        _, before = points.state_at(ent, k - 1)
        _, after = points.state_at(ent, k)
        rows = rows[~before & ~after]
    ent, k = entity[rows], first[rows].astype(np.int64)
    # Peak MRR per (entity, period): sweep the spans' starts and ends in day order, ends
    # first on a tie (an end is exclusive).
    group_key = ent * points.width + k
    ev_key = np.concatenate([group_key, group_key])
    ev_day = np.concatenate([start_days[rows], end_days[rows]])
    ev_units = np.concatenate([units[rows], -units[rows]])
    order = np.lexsort((ev_units, ev_day, ev_key))
    ev_key, ev_units = ev_key[order], ev_units[order]
    group_start = heads(ev_key)
    level = running_within(ev_units, group_start)
    starts = np.flatnonzero(group_start)
    peak_units = np.maximum.reduceat(level, starts) if starts.size else level[:0]
    g_key = ev_key[starts]
    g_ent = g_key // points.width
    g_k = g_key - g_ent * points.width
    returning = _was_ever_customer(points, g_ent, g_k)
    if reactivation_window is not None and returning.any():
        # The last point before the period is the churn this return follows.
        last = points.lookup(g_ent, g_k - 1)
        gap = snapshots[g_k] - snapshots[points.snapshot[np.maximum(last, 0)]]
        returning &= gap <= reactivation_window
    return Transients(g_ent, g_k - base, units_to_minor(peak_units), returning)


def _was_ever_customer(points: ChangePoints, entity: I64, snapshot: I64) -> NDArray[np.bool_]:
    """Whether each entity was a customer at any snapshot before ``snapshot``."""
    if points.entity.size == 0:
        return np.zeros(entity.size, dtype=bool)
    idx = points.lookup(entity, snapshot - 1)
    counted = running_within(points.is_customer.astype(np.int64), heads(points.entity))
    return (idx >= 0) & (counted[np.maximum(idx, 0)] > 0)


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
           n_periods: int, extra: Transients | None = None) -> Bridge:
    """Aggregate change points into a bridge for periods ``base+1 .. base+n_periods``.

    Points at snapshots up to ``base`` only build the starting position. ``extra``
    customers who came and went inside a period are added as a start (new or reactivation)
    and a churn of their peak MRR, which leaves every ending position unchanged.
    """
    width = points.width
    n_kinds = len(MOVEMENT_NAMES)
    if (n_kinds + 1) * n_segments * width > max(4 * points.entity.size, 1 << 16):
        return _sparse_bridge(points, segment_of_entity, n_segments, base, n_periods, extra)
    # Dense: one bin per (kind, segment, snapshot), every point binned once, no masks; the
    # bins before the window sum to the starting position.
    n_cells = n_segments * width
    cell = (points.snapshot if n_segments == 1 else
            segment_of_entity[points.entity] * width + points.snapshot)
    previous, was_customer = points.before()
    delta = points.current - previous
    joins = points.is_customer.view(np.int8) - was_customer.view(np.int8)
    net = bincount_int(cell, delta, n_cells).reshape(n_segments, width)
    net_count = bincount_int(cell, joins, n_cells).reshape(n_segments, width)
    # Kind -1 (no movement) goes to bin 0, which is dropped.
    flat = cell + (_movement(points, previous, was_customer).astype(np.int64) + 1) * n_cells
    shape = (n_kinds + 1, n_segments, width)
    amounts = bincount_int(flat, np.abs(delta), (n_kinds + 1) * n_cells).reshape(shape)[1:]
    counts = np.bincount(flat, minlength=(n_kinds + 1) * n_cells).reshape(shape)[1:]
    if extra is not None and extra.entity.size:
        x_cell = segment_of_entity[extra.entity] * width + base + extra.period
        x_kind = np.where(extra.returning, REACTIVATION, NEW).astype(np.int64)
        x_flat = np.concatenate([x_kind * n_cells + x_cell, CHURN * n_cells + x_cell])
        x_size = np.concatenate([extra.peak, extra.peak])
        amounts = amounts + bincount_int(x_flat, x_size, n_kinds * n_cells).reshape(
            n_kinds, n_segments, width)
        counts = counts + np.bincount(x_flat, minlength=n_kinds * n_cells).reshape(
            n_kinds, n_segments, width)
    window = slice(base + 1, base + 1 + n_periods)
    starting = net[:, :base + 1].sum(axis=1)
    starting_count = net_count[:, :base + 1].sum(axis=1)
    ending = starting[:, None] + np.cumsum(net[:, window], axis=1)
    ending_count = starting_count[:, None] + np.cumsum(net_count[:, window], axis=1)
    return Bridge(starting, ending, np.ascontiguousarray(amounts[:, :, window]),
                  np.ascontiguousarray(counts[:, :, window]), starting_count, ending_count)


def _sparse_bridge(points: ChangePoints, segment_of_entity: I64, n_segments: int, base: int,
                   n_periods: int, extra: Transients | None = None) -> Bridge:
    """``bridge()`` for many segments (one per customer): bins only for window periods."""
    seg = segment_of_entity[points.entity]
    previous, was_customer = points.before()
    delta = points.current - previous
    joins = points.is_customer.astype(np.int64) - was_customer.astype(np.int64)
    before = points.snapshot <= base
    starting = bincount_int(seg[before], delta[before], n_segments)
    starting_count = bincount_int(seg[before], joins[before], n_segments)

    inside = ~before & (points.snapshot <= base + n_periods)
    kind = _movement(points, previous, was_customer)
    moved = inside & (kind >= 0)
    size = n_segments * n_periods
    cell = seg * n_periods + (points.snapshot - base - 1)
    flat = kind[moved].astype(np.int64) * size + cell[moved]
    magnitude = np.abs(delta[moved])
    if extra is not None and extra.entity.size:
        x_cell = segment_of_entity[extra.entity] * n_periods + (extra.period - 1)
        x_kind = np.where(extra.returning, REACTIVATION, NEW).astype(np.int64)
        flat = np.concatenate([flat, x_kind * size + x_cell, CHURN * size + x_cell])
        magnitude = np.concatenate([magnitude, extra.peak, extra.peak])
    shape = (len(MOVEMENT_NAMES), n_segments, n_periods)
    amounts = bincount_int(flat, magnitude, len(MOVEMENT_NAMES) * size).reshape(shape)
    counts = np.bincount(flat, minlength=len(MOVEMENT_NAMES) * size).reshape(shape)

    net = bincount_int(cell[inside], delta[inside], size).reshape(n_segments, n_periods)
    net_count = bincount_int(cell[inside], joins[inside], size).reshape(n_segments, n_periods)
    ending = starting[:, None] + np.cumsum(net, axis=1)
    ending_count = starting_count[:, None] + np.cumsum(net_count, axis=1)
    return Bridge(starting, ending, amounts, counts, starting_count, ending_count)


class CohortLevels:
    """Every entity's MRR at any snapshot, and whether it lapsed between two, from one set of
    change points: what is shared by every window of an NRR series is computed once.

    Points are sorted by (entity, snapshot), so an entity's points at or before a snapshot
    are a prefix of its run: counting them (one comparison and one bincount, no search)
    gives its last point there.
    """

    def __init__(self, points: ChangePoints, n_entities: int) -> None:
        self.points = points
        self.n_entities = n_entities
        counts = np.bincount(points.entity, minlength=n_entities)
        self._first = np.cumsum(counts) - counts
        self._lapses = running_within((~points.is_customer).astype(np.int64),
                                      heads(points.entity)) if points.entity.size else None

    def _last_point(self, snapshot: int) -> I64:
        upto = np.bincount(self.points.entity[self.points.snapshot <= snapshot],
                           minlength=self.n_entities)
        return np.where(upto > 0, self._first + upto - 1, -1)

    def at(self, base: int, final: int) -> tuple[I64, I64, NDArray[np.bool_]]:
        """MRR at ``base`` and at ``final`` (minor units), and whether each entity stopped
        being a customer at some snapshot in between (``base < s <= final``)."""
        if self._lapses is None:
            none = np.zeros(self.n_entities, dtype=np.int64)
            return none, none, np.zeros(self.n_entities, dtype=bool)
        idx_base, idx_final = self._last_point(base), self._last_point(final)
        has_base, has_final = idx_base >= 0, idx_final >= 0
        safe_base, safe_final = np.maximum(idx_base, 0), np.maximum(idx_final, 0)
        start = np.where(has_base, self.points.current[safe_base], 0)
        end = np.where(has_final, self.points.current[safe_final], 0)
        lapsed = (np.where(has_final, self._lapses[safe_final], 0)
                  > np.where(has_base, self._lapses[safe_base], 0))
        return start, end, lapsed


def cohort_levels(points: ChangePoints, n_entities: int, base: int, final: int
                  ) -> tuple[I64, I64, NDArray[np.bool_]]:
    """Each entity's MRR at snapshots ``base`` and ``final`` (minor units), and whether it
    stopped being a customer at some snapshot in between (``base < s <= final``)."""
    return CohortLevels(points, n_entities).at(base, final)
