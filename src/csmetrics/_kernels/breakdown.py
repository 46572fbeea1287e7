"""Kernels that split the bridge's churn and expansion: pure numpy, whole columns.

Two questions of a bridge's movements, answered from the same change points:

* which subscription ended at each churn event (``churn_events``, ``ending_rows``), so a
  churn's reason and type are those of the subscription that ended;
* how each customer's expansion or contraction divides among its products
  (``product_split``), so that the parts add up to the customer's movement to the cent.

Money is in minor units (cents) as in ``_kernels.revenue``; no loop over rows or customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import revenue as kr
from csmetrics._kernels.primitives import bincount_int

I64 = NDArray[np.int64]

NO_ROW = -1
"""The row of an event that no row explains (never the case for a well-formed table)."""


@dataclass(frozen=True)
class ChurnEvents:
    """Every churn event of a window: one per (entity, snapshot) at which it churned.

    ``snapshot`` indexes the run's snapshots (a transient churner's is the snapshot that
    closes its period); ``period`` is 0-based inside the window; ``amount`` the MRR lost
    (minor units): the MRR at the previous snapshot, or a transient churner's peak.
    """

    entity: I64
    snapshot: I64
    period: I64
    amount: I64


def churn_events(points: kr.ChangePoints, extra: kr.Transients | None, base: int,
                 n_periods: int) -> ChurnEvents:
    """The churn events that ``kr.bridge`` counts in periods ``base+1 .. base+n_periods``.

    The same points with the same movement code, and the same transients, so their amounts
    sum to the bridge's churn and their number to its churned customers, cell by cell.
    """
    inside = ((points.snapshot > base) & (points.snapshot <= base + n_periods)
              & (points.movement() == kr.CHURN))
    entity, snapshot = points.entity[inside], points.snapshot[inside]
    amount = points.previous[inside]
    if extra is not None and extra.entity.size:
        entity = np.concatenate([entity, extra.entity])
        snapshot = np.concatenate([snapshot, base + extra.period])
        amount = np.concatenate([amount, extra.peak])
    return ChurnEvents(entity.astype(np.int64), snapshot.astype(np.int64),
                       (snapshot - base - 1).astype(np.int64), amount.astype(np.int64))


def ending_rows(events: ChurnEvents, width: int, row_entity: I64, row_stop: I64,
                row_end: I64, row_units: I64, row_rank: I64, *, counted: NDArray[np.bool_]
                ) -> I64:
    """The row that ended at each churn event: the entity's last ending subscription.

    Candidates are the ``counted`` rows of the event's entity whose end falls in the event's
    period (``row_stop``, the index of the first snapshot on or after the row's end, equals
    the event's snapshot). Among them the latest end wins; on a tie of end days, the larger
    MRR (``row_units``); then the smaller ``row_rank`` (the caller ranks labels, e.g. a known
    reason before none, then alphabetically), then the smaller row position. Every key but
    the last is a value of the row, so the choice does not depend on row order among rows
    that differ. Returns a row position per event, ``NO_ROW`` where none ended.
    """
    n_events = events.entity.size
    out = np.full(n_events, NO_ROW, dtype=np.int64)
    if n_events == 0 or row_entity.size == 0:
        return out
    event_key = events.entity * width + events.snapshot
    order = np.argsort(event_key, kind="stable")
    sorted_keys = event_key[order]
    rows = np.flatnonzero(counted)
    row_key = row_entity[rows] * width + row_stop[rows]
    at = np.searchsorted(sorted_keys, row_key)
    hit = at < sorted_keys.size
    hit[hit] = sorted_keys[at[hit]] == row_key[hit]
    rows, at = rows[hit], at[hit]
    if rows.size == 0:
        return out
    # Ascending by event, then by preference: the last row of each event is its choice.
    pref = np.lexsort((-rows, -row_rank[rows], row_units[rows], row_end[rows], at))
    rows, at = rows[pref], at[pref]
    last = np.flatnonzero(np.append(at[1:] != at[:-1], True))
    out[order[at[last]]] = rows[last]
    return out


def label_sums(segment: I64, period: I64, label: I64, amount: I64, n_segments: int,
               n_periods: int, n_labels: int) -> tuple[I64, I64]:
    """Amount and count of events per (segment, period, label), shaped
    ``(n_segments, n_periods, n_labels)``; ``label`` in ``0 .. n_labels - 1``."""
    cell = (segment * n_periods + period) * n_labels + label
    size = n_segments * n_periods * n_labels
    shape = (n_segments, n_periods, n_labels)
    money = bincount_int(cell, amount, size).reshape(shape)
    count = np.bincount(cell, minlength=size).astype(np.int64).reshape(shape)
    return money, count


UPSELL, CROSS_SELL, DOWNSELL, REMOVAL = range(4)
PART_NAMES = ("upsell", "cross_sell", "downsell", "product_removal")


@dataclass(frozen=True)
class ProductSplit:
    """Each expansion and contraction event of a window, split into its product parts.

    One row per (entity, snapshot) whose movement is expansion or contraction; ``parts`` is
    ``(4, n_events)`` in ``PART_NAMES`` order, minor units. For an expansion event
    ``upsell + cross_sell`` is the customer's expansion and the other two are 0; for a
    contraction ``downsell + product_removal`` is its contraction.
    """

    entity: I64
    snapshot: I64
    period: I64
    parts: I64


def product_split(points: kr.ChangePoints, product_points: kr.ChangePoints,
                  entity_of_pair: I64, base: int, n_periods: int) -> ProductSplit:
    """Split the expansion and contraction of ``points`` among products.

    ``product_points`` are the change points of (entity, product) pairs at the same
    snapshots, ``entity_of_pair`` the entity of each pair. For an entity's movement of
    ``D`` cents at a snapshot (classified on the entity's total, as the bridge does), each
    product's change at that snapshot is one of: **upsell** (the product had MRR at the
    previous snapshot and has more), **cross-sell** (it had none and has some),
    **downsell** (it had MRR and keeps less), **removal** (it had MRR and has none).
    An expansion of ``D`` is shared between upsell and cross-sell in proportion to the
    products' gains ``G_up`` and ``G_cross`` (losses on other products only offset):
    ``upsell = round(D * G_up / (G_up + G_cross))`` (half to even) and
    ``cross_sell = D - upsell``. A contraction is shared the same way between downsell and
    removal by the products' losses. Where the products' cents show no gain (or no loss) of
    the movement's sign, which only per-product rounding can cause, it is all upsell (or all
    downsell). The parts of each event therefore add up to ``D`` exactly.
    """
    kind = points.movement()
    inside = ((points.snapshot > base) & (points.snapshot <= base + n_periods)
              & ((kind == kr.EXPANSION) | (kind == kr.CONTRACTION)))
    idx = np.flatnonzero(inside)
    entity, snapshot = points.entity[idx], points.snapshot[idx]
    moved = points.current[idx] - points.previous[idx]
    expanding = moved > 0
    n = idx.size
    weights = np.zeros((4, n), dtype=np.int64)
    if n and product_points.entity.size:
        # Events are sorted by (entity, snapshot): a key per event, searched per pair point.
        width = points.width
        event_key = entity * width + snapshot
        pp = product_points
        key = entity_of_pair[pp.entity] * width + pp.snapshot
        at = np.searchsorted(event_key, key)
        hit = at < n
        hit[hit] = event_key[at[hit]] == key[hit]
        at = at[hit]
        before, after = pp.previous[hit], pp.current[hit]
        delta = after - before
        part = np.where(delta > 0, np.where(before > 0, UPSELL, CROSS_SELL),
                        np.where(after > 0, DOWNSELL, REMOVAL))
        weights = bincount_int(part * n + at, np.abs(delta), 4 * n).reshape(4, n)
    size = np.abs(moved)
    first = np.where(expanding, weights[UPSELL], weights[DOWNSELL])
    second = np.where(expanding, weights[CROSS_SELL], weights[REMOVAL])
    total = first + second
    share = _share(size, first, total)
    share = np.where(total > 0, share, size)
    rest = size - share
    parts = np.zeros((4, n), dtype=np.int64)
    parts[UPSELL] = np.where(expanding, share, 0)
    parts[CROSS_SELL] = np.where(expanding, rest, 0)
    parts[DOWNSELL] = np.where(expanding, 0, share)
    parts[REMOVAL] = np.where(expanding, 0, rest)
    return ProductSplit(entity.astype(np.int64), snapshot.astype(np.int64),
                        (snapshot - base - 1).astype(np.int64), parts)


def _share(size: I64, part: I64, total: I64) -> I64:
    """``round(size * part / total)``, half to even; 0 where ``total`` is 0.

    Exact integer arithmetic while ``size * part`` fits in 63 bits (any realistic MRR);
    beyond, the float quotient (within a cent of exact; the parts still add up, as the
    other part is the remainder)."""
    if size.size == 0:
        return np.zeros(0, dtype=np.int64)
    if int(size.max()).bit_length() + int(part.max()).bit_length() > 62:
        ratio = part / np.where(total > 0, total, 1)
        return np.minimum(np.rint(size * ratio).astype(np.int64), size)
    return _divide_half_even(size * part, total)


def _divide_half_even(numerator: I64, denominator: I64) -> I64:
    """``round(numerator / denominator)`` half to even, exactly, for non-negative
    numerators; 0 where the denominator is 0."""
    safe = np.where(denominator > 0, denominator, 1)
    q, r = np.divmod(numerator, safe)
    twice = 2 * r
    up = (twice > safe) | ((twice == safe) & (q % 2 == 1))
    out: I64 = np.where(denominator > 0, q + up, 0)
    return out


def pair_codes(entity: I64, label: I64, n_labels: int) -> tuple[I64, I64, I64]:
    """Number the (entity, label) pairs of rows (``label`` -1 for none is a label of its
    own): each row's pair, and each pair's entity and label, pairs sorted by entity."""
    stride = n_labels + 1
    pairs, pair_of_row = np.unique(entity * stride + (label + 1), return_inverse=True)
    return (pair_of_row.reshape(-1).astype(np.int64), (pairs // stride).astype(np.int64),
            (pairs % stride - 1).astype(np.int64))
