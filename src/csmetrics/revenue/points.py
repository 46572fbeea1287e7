"""Change points of a table's entities, made once and shared by every metric that reads
them (the bridge, churn, NRR, cohorts, survival), and each row's days."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.threads import iter_parts, parts_for, run_parts, split_codes
from csmetrics._kernels import pieces as kp
from csmetrics._kernels import revenue as kr
from csmetrics.revenue.segments import By, Segmentation
from csmetrics.tables.subscriptions import SubscriptionTable

I64 = NDArray[np.int64]

OPEN = np.iinfo(np.int64).max
"""The end day of an open span: after every snapshot."""

_CACHE_SIZE = 4


def days(table: SubscriptionTable, rows: slice | I64 = slice(None)) -> tuple[I64, I64]:
    """Each row's start and end as days since the epoch (``OPEN`` for an open end), of all
    rows or of ``rows``: made where they are needed (a range at a time), never kept for the
    whole table."""
    start = table.start.view(np.int64)[rows]
    end = table.end.view(np.int64)[rows]
    return start, np.where(end == _NAT, OPEN, end)


_NAT = np.datetime64("NaT").view(np.int64)


_POINTS: weakref.WeakKeyDictionary[SubscriptionTable,
                                   OrderedDict[Hashable, kr.ChangePoints]] = (
    weakref.WeakKeyDictionary())


def shared_points(table: SubscriptionTable, by: By, single: bool, inner: Segmentation,
                  snaps: I64, *, free: bool = False, reactivation_window: int | None = None
                  ) -> kr.ChangePoints:
    """The change points of ``inner``'s entities at the snapshot days ``snaps``, shared by
    every computation that differs only in what it reads from them.

    A run's snapshots go from the data's first period end to its window's end, so every
    window ending in the same period (a report's bridge, its churn and NRR, the trailing NRR
    series, the lifetime window, a survival curve at that period) has the same points.
    ``single`` is false when ``inner`` splits entities by currency. Kept per table (the
    last few), read-only."""
    key: Hashable | None = None
    if by is None or isinstance(by, str):
        # How entities are numbered is part of the key: per customer code, or per
        # (customer, segment) pair, which different metrics may make of one column.
        by_customer = inner.entity_of_row is table.customer_codes
        key = (by, single, free, reactivation_window, snaps.tobytes(), by_customer,
               inner.n_entities)
        cached = _POINTS.get(table, OrderedDict()).get(key)
        if cached is not None:
            return cached
    points = _change_points(table, inner, snaps, free, reactivation_window)
    if key is not None:
        for array in vars(points).values():
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
        entries = _POINTS.setdefault(table, OrderedDict())
        entries[key] = points
        while len(entries) > _CACHE_SIZE:
            entries.popitem(last=False)
    return points


def _change_points(table: SubscriptionTable, inner: Segmentation, snaps: I64, free: bool,
                   reactivation_window: int | None) -> kr.ChangePoints:
    """``kr.change_points`` of the table's rows, computed per contiguous range of entities
    (in threads on several cores) and concatenated: points are sorted by entity, so the
    ranges' points in order are the whole's. Ranges of at most ``CHUNK_ROWS`` rows also
    keep every temporary small: a large table never holds its events several times over."""
    entity, units = inner.entity_of_row, table.mrr_units
    n_parts = max(parts_for(entity.size), -(-entity.size // CHUNK_ROWS))

    def points_of(rows: slice | I64) -> kr.ChangePoints:
        start_days, end_days = days(table, rows)
        return kr.change_points(entity[rows], start_days, end_days, units[rows],
                                snaps, free_is_customer=free,
                                reactivation_window=reactivation_window)

    if n_parts == 1:
        return points_of(slice(None))
    bounds = split_codes(entity, inner.n_entities, n_parts)
    rows_of: list[slice | I64]
    if bool((entity[1:] >= entity[:-1]).all()):  # rows sorted by customer: ranges are slices
        cuts = np.searchsorted(entity, bounds)
        rows_of = [slice(int(a), int(b)) for a, b in itertools.pairwise(cuts.tolist())]
    else:
        rows_of = list(rows_by_range(entity, bounds))
    # Each range's points are copied into one output as they come: at most two rows' worth
    # of points, of which only what is written is ever touched.
    return kp.join_in_order(iter_parts(points_of, rows_of), 2 * entity.size)


CHUNK_ROWS = 1 << 17
"""Rows per range of entities when computing change points (about 15 MB of temporaries
each). Ranges computed in threads leave their temporaries in each thread's heap, which the
final points do not reuse: at 512k rows a range, that held 130 MiB beside the points of
10M customers, at 128k 30 MiB, for the same time."""


def rows_by_range(codes: I64, bounds: I64) -> list[I64]:
    """Positions of the rows of each range of codes ``[bounds[i], bounds[i+1])``, in row
    order within each range."""
    n_codes = int(bounds[-1])
    small = np.int16 if bounds.size < 1 << 15 else np.int32
    part_of_code = (np.searchsorted(bounds, np.arange(n_codes), side="right") - 1).astype(small)
    part = part_of_code[codes]
    order = np.argsort(part, kind="stable")  # a radix sort of small integers
    ends = np.cumsum(np.bincount(part, minlength=bounds.size - 1))
    return np.split(order, ends[:-1])


def bridge_in_pieces(points: kr.ChangePoints, segment_of_entity: I64, n_segments: int,
                     base: int, n_periods: int, extra: kr.Transients | None) -> kr.Bridge:
    """``kr.bridge`` of ``points``, summed over slices of at most ``CHUNK_ROWS`` points (a
    bridge is a sum over points), in threads on several cores."""
    n = points.entity.size
    n_pieces = max(parts_for(n), -(-n // CHUNK_ROWS))
    if n_pieces <= 1:
        return kr.bridge(points, segment_of_entity, n_segments, base, n_periods, extra)
    cuts = np.linspace(0, n, n_pieces + 1).astype(np.int64)

    def piece(i: int) -> kr.Bridge:
        part = kp.slice_points(points, slice(int(cuts[i]), int(cuts[i + 1])))
        return kr.bridge(part, segment_of_entity, n_segments, base, n_periods,
                         extra if i == 0 else None)

    return kp.add_bridges(run_parts(piece, range(n_pieces)))
