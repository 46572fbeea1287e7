"""One run of the MRR bridge over a window: shared by movements, churn and retention.

A run resolves the window into snapshots (with the history before it), the table into
entities and segments, applies the policy in the kernel, and aggregates a bridge per
segment and period in minor units of the result's currency, converting through ``fx`` when
the portfolio holds several currencies.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._currency import MINOR_UNITS
from csmetrics._kernels import revenue as kr
from csmetrics._segments import By, Segmentation, currency_digits, segment
from csmetrics.fx import FxRates
from csmetrics.periods import Frequency, PeriodLike, SnapshotGrid, period_ends_before, snapshot_grid
from csmetrics.policies import MetricPolicy, resolve
from csmetrics.tables import SubscriptionTable

I64 = NDArray[np.int64]
OPEN = np.iinfo(np.int64).max


def as_table(subscriptions: Any, context: str) -> SubscriptionTable:
    """A validated table from a table, a list of records, or columns."""
    if isinstance(subscriptions, SubscriptionTable):
        return subscriptions
    if isinstance(subscriptions, list | tuple):
        return SubscriptionTable.from_records(subscriptions)
    return SubscriptionTable.from_columns(subscriptions, _context=context)


@dataclass(frozen=True)
class Run:
    """Everything a window's metrics are computed from.

    Money arrays are ``(n_segments, n_periods)`` in minor units of each segment's currency
    (``digits``); ``fx`` is the exchange-rate line (zero without ``fx=``).
    """

    table: SubscriptionTable
    seg: Segmentation          # the user's segments
    inner: Segmentation        # entities actually tracked: (entity, currency) pairs with fx
    outer_of_inner: I64        # user segment of each inner segment
    currency_of_inner: I64     # currency code of each inner segment (-1: none)
    grid: SnapshotGrid
    snapshots: I64             # days, history then the window
    base: int
    points: kr.ChangePoints
    extra: kr.Transients | None
    bridge: kr.Bridge          # aggregated to user segments, in result currency
    fx_line: I64
    digits: I64                # minor-unit digits per user segment
    currency: str
    rates: NDArray[np.float64] | None  # (n_inner, 1 + n_periods) with fx, else None
    policy: MetricPolicy
    fx_source: FxRates | None

    @property
    def n_periods(self) -> int:
        return len(self.grid.labels)

    @property
    def scale(self) -> NDArray[np.float64]:
        """Minor units per major unit, per user segment."""
        return np.power(10.0, self.digits)


_CACHE: weakref.WeakKeyDictionary[SubscriptionTable, OrderedDict[Hashable, Run]] = (
    weakref.WeakKeyDictionary())
_CACHE_SIZE = 4


def run(subscriptions: Any, start: PeriodLike, end: PeriodLike, *, freq: str | Frequency,
        by: By, policy: MetricPolicy | None, fx: FxRates | None, context: str) -> Run:
    """Compute the bridge of a window (see the module documentation).

    Tables are immutable, so the last few runs of each table are kept: asking for NRR, GRR
    and churn of one window computes its bridge once. Only hashable options are cached
    (a ``by=`` mapping is not).
    """
    table = as_table(subscriptions, context)
    pol = resolve(policy)
    key: Hashable | None = None
    if by is None or isinstance(by, str):
        key = (_hashable(start), _hashable(end), str(freq), by, pol, id(fx) if fx else None)
        cached = _CACHE.get(table, OrderedDict()).get(key)
        if cached is not None and (fx is None or cached.fx_source is fx):
            return cached
    result = _run(table, start, end, freq=freq, by=by, pol=pol, fx=fx, context=context)
    if key is not None:
        entries = _CACHE.setdefault(table, OrderedDict())
        entries[key] = result
        while len(entries) > _CACHE_SIZE:
            entries.popitem(last=False)
    return result


def _hashable(value: PeriodLike) -> Hashable:
    return str(value) if isinstance(value, np.datetime64) else value


def _run(table: SubscriptionTable, start: PeriodLike, end: PeriodLike, *,
         freq: str | Frequency, by: By, pol: MetricPolicy, fx: FxRates | None,
         context: str) -> Run:
    seg = segment(table, by, context)
    grid = snapshot_grid(start, end, freq)
    history = (period_ends_before(table.start.min(), grid.dates[0], grid.freq)
               if len(table) else np.empty(0, dtype="datetime64[D]"))
    snaps = np.concatenate([history, grid.dates]).astype(np.int64)
    base, n_periods = history.size, len(grid.labels)

    start_days = table.start.astype(np.int64)
    open_rows = np.isnat(table.end)
    end_days = np.where(open_rows, OPEN, table.end.astype(np.int64))
    # Rows with money inside the window; history before it only tells new from returning.
    counted = ((start_days <= snaps[-1]) & (open_rows | (end_days > snaps[base]))
               & (table.mrr_units != 0))

    if fx is None:
        inner = seg
        outer_of_inner = np.arange(seg.n_segments, dtype=np.int64)
        digits, names = currency_digits(table, seg, counted, context)
        currency_of_inner = np.array([_index(table, n) for n in names], dtype=np.int64)
    else:
        inner, outer_of_inner, currency_of_inner = split_by_currency(table, seg)
        digits = np.full(seg.n_segments, MINOR_UNITS[fx.reporting_currency], dtype=np.int64)
        names = [fx.reporting_currency] * seg.n_segments

    free = pol.free_customers == "customers"
    points = kr.change_points(inner.entity_of_row, start_days, end_days, table.mrr_units,
                              snaps, free_is_customer=free,
                              reactivation_window=pol.reactivation_window_days)
    extra = (kr.transients(points, inner.entity_of_row, start_days, end_days,
                           table.mrr_units, snaps, base, free_is_customer=free,
                           reactivation_window=pol.reactivation_window_days)
             if pol.same_period_churn else None)
    b = kr.bridge(points, inner.segment_of_entity, inner.n_segments, base, n_periods, extra)
    rates = None
    if fx is None:
        fx_line = np.zeros((seg.n_segments, n_periods), dtype=np.int64)
    else:
        rates = conversion(table, currency_of_inner, fx, grid.dates)
        b, fx_line = _convert(b, rates, outer_of_inner, seg.n_segments)
    used = sorted({n for n in names if n})
    currency = ", ".join(used) if used else (str(table.currencies[0]) if table.currencies.size
                                             else "")
    return Run(table, seg, inner, outer_of_inner, currency_of_inner, grid, snaps, base,
               points, extra, b, fx_line, digits, currency, rates, pol, fx)


def conversion(table: SubscriptionTable, currency_of_inner: I64, fx: FxRates,
               dates: NDArray[np.datetime64]) -> NDArray[np.float64]:
    """Factors from each inner segment's minor units to the reporting currency's minor
    units, at each of ``dates`` (rows: inner segments, columns: dates)."""
    names = [str(table.currencies[c]) if c >= 0 else "" for c in currency_of_inner]
    reporting = MINOR_UNITS[fx.reporting_currency]
    local = np.array([MINOR_UNITS.get(n, reporting) for n in names], dtype=np.int64)
    factor: NDArray[np.float64] = fx.rates(names, dates) * np.power(
        10.0, reporting - local)[:, None]
    return factor


def _index(table: SubscriptionTable, name: str) -> int:
    hits = np.flatnonzero(table.currencies == name)
    return int(hits[0]) if hits.size else -1


def split_by_currency(table: SubscriptionTable, seg: Segmentation
                       ) -> tuple[Segmentation, I64, I64]:
    """Entities as (entity, currency) pairs and inner segments as (segment, currency)."""
    n_cur = max(int(table.currencies.size), 1)
    pair_of_row = seg.entity_of_row * n_cur + table.currency_codes
    pairs, entity = np.unique(pair_of_row, return_inverse=True)
    ent_outer = seg.segment_of_entity[pairs // n_cur]
    ent_cur = pairs % n_cur
    cells, inner_seg = np.unique(ent_outer * n_cur + ent_cur, return_inverse=True)
    inner = Segmentation(seg.name, seg.labels[cells // n_cur], entity.reshape(-1),
                         inner_seg.reshape(-1).astype(np.int64),
                         seg.customer_of_entity[pairs // n_cur])
    return inner, (cells // n_cur).astype(np.int64), (cells % n_cur).astype(np.int64)


def _convert(b: kr.Bridge, rate: NDArray[np.float64], outer: I64, n_outer: int
             ) -> tuple[kr.Bridge, I64]:
    """Convert an inner bridge (per segment and currency) into the reporting currency.

    ``rate[s, k]`` converts minor units of inner segment ``s`` at snapshot ``k`` (0 is the
    base). Movements use the rate of the snapshot that records them, the start the previous
    snapshot's; the fx line is what remains, so every converted row closes exactly.
    """
    starting_local = np.concatenate([b.starting[:, None], b.ending[:, :-1]], axis=1)
    start_conv = np.rint(starting_local * rate[:, :-1]).astype(np.int64)
    end_conv = np.rint(b.ending * rate[:, 1:]).astype(np.int64)
    amounts = np.rint(b.amounts * rate[None, :, 1:]).astype(np.int64)
    signs = np.array([1, 1, -1, -1, 1])[:, None, None]
    fx_inner = end_conv - start_conv - (signs * amounts).sum(axis=0)

    def collapse(a: I64) -> I64:
        out = np.zeros((n_outer, *a.shape[1:]), dtype=np.int64)
        np.add.at(out, outer, a)
        return out

    starting = collapse(start_conv[:, 0])
    ending = collapse(end_conv)
    amounts_out = np.stack([collapse(a) for a in amounts])
    counts_out = np.stack([collapse(c) for c in b.counts])
    converted = kr.Bridge(starting, ending, amounts_out, counts_out,
                          collapse(b.starting_count), collapse(b.ending_count))
    return converted, collapse(fx_inner)
