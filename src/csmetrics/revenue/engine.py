"""One run of the MRR bridge over a window: shared by movements, churn and retention.

A run resolves the window into snapshots (with the history before it), the table into
entities and segments, applies the policy in the kernel, and aggregates a bridge per segment
and period in minor units of the result's currency, converting through fx when the portfolio
holds several currencies."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import DataValidationError
from csmetrics.fx import FxRates
from csmetrics.periods.calendar import (
    Frequency,
    PeriodLike,
    SnapshotGrid,
    period_ends_before,
    snapshot_grid,
)
from csmetrics.policies import MetricPolicy, resolve
from csmetrics.revenue.segments import By, Segmentation, currency_digits, segment
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable

I64 = NDArray[np.int64]


OPEN = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Run:
    """Everything a window's metrics are computed from.

    Money arrays are ``(n_segments, n_periods)`` in minor units of each segment's currency
    (``digits``); ``fx`` is the exchange-rate line (zero without ``fx=``).
    """

    table: Any                 # the SubscriptionTable (None only inside the cache)
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
    entity_points: kr.ChangePoints | None = None  # with fx: per user entity, converted
    pair_entity: I64 | None = None                # with fx: user entity of each pair
    pair_currency: I64 | None = None              # with fx: currency code of each pair
    currency_factor: NDArray[np.float64] | None = None  # with fx: (n_currencies, 1 + T)

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
        by: By, policy: MetricPolicy | None, fx: FxRates | None, context: str,
        money: bool = True) -> Run:
    """Compute the bridge of a window (see the module documentation).

    Tables are immutable, so the last few runs of each table are kept: asking for NRR, GRR
    and churn of one window computes its bridge once. Only hashable options are cached
    (a ``by=`` mapping is not). ``money=False`` is for metrics that only count customers:
    several currencies are then no obstacle.
    """
    table = as_table(subscriptions, context, by=by)
    pol = resolve(policy)
    key: Hashable | None = None
    if by is None or isinstance(by, str):
        key = (_hashable(start), _hashable(end), str(freq), by, pol, id(fx) if fx else None,
               money)
        cached = _CACHE.get(table, OrderedDict()).get(key)
        if cached is not None and (fx is None or cached.fx_source is fx):
            return replace(cached, table=table)
    result = _run(table, start, end, freq=freq, by=by, pol=pol, fx=fx, context=context,
                  money=money)
    if key is not None:
        # The cache is keyed weakly by the table: its entries must not hold the table.
        entries = _CACHE.setdefault(table, OrderedDict())
        entries[key] = replace(result, table=None)
        while len(entries) > _CACHE_SIZE:
            entries.popitem(last=False)
    return result


def _hashable(value: PeriodLike) -> Hashable:
    return str(value) if isinstance(value, np.datetime64) else value


def _run(table: SubscriptionTable, start: PeriodLike, end: PeriodLike, *,
         freq: str | Frequency, by: By, pol: MetricPolicy, fx: FxRates | None,
         context: str, money: bool) -> Run:
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
        if money:
            digits, names = currency_digits(table, seg, counted, context)
        else:
            digits, names = np.full(seg.n_segments, 2, dtype=np.int64), []
        currency_of_inner = np.array([_index(table, n) for n in names], dtype=np.int64)
    else:
        inner, outer_of_inner, currency_of_inner = split_by_currency(table, seg)
        digits = np.full(seg.n_segments, MINOR_UNITS[fx.reporting_currency], dtype=np.int64)
        names = [fx.reporting_currency] * seg.n_segments

    free = pol.free_customers == "customers"
    points = shared_points(table, by, fx is None, inner, snaps, free=free,
                           reactivation_window=pol.reactivation_window_days)
    extra = (kr.transients(points, inner.entity_of_row, start_days, end_days,
                           table.mrr_units, snaps, base, free_is_customer=free,
                           reactivation_window=pol.reactivation_window_days)
             if pol.same_period_churn else None)
    b = kr.bridge(points, inner.segment_of_entity, inner.n_segments, base, n_periods, extra)
    rates = None
    fx_parts: dict[str, Any] = {}
    if fx is None:
        fx_line = np.zeros((seg.n_segments, n_periods), dtype=np.int64)
    else:
        # Local levels per (segment, currency) cell, for the converted MRR levels.
        has_money = np.concatenate([b.starting[:, None], b.ending], axis=1) != 0
        rates = conversion(table, currency_of_inner, fx, grid.dates, needed=has_money)
        factor = _currency_factors(table, fx, grid.dates, currency_of_inner, has_money)
        pair_entity = _pair_owner(table, seg, inner)
        pair_currency = _pair_currency(table, inner)
        ent_points = kr.entity_points(points, pair_entity, pair_currency, seg.n_entities,
                                      factor, snaps, base,
                                      reactivation_window=pol.reactivation_window_days)
        ent_extra = None
        if extra is not None:
            rate = factor[pair_currency[extra.entity], np.minimum(extra.period,
                                                                  factor.shape[1] - 1)]
            ent_extra = kr.Transients(pair_entity[extra.entity], extra.period,
                                      np.rint(extra.peak * rate).astype(np.int64),
                                      extra.returning)
        moved = kr.bridge(ent_points, seg.segment_of_entity, seg.n_segments, base, n_periods,
                          ent_extra)
        b, fx_line = _convert(b, rates, outer_of_inner, seg.n_segments, moved)
        fx_parts = {"entity_points": ent_points, "pair_entity": pair_entity,
                    "pair_currency": pair_currency, "currency_factor": factor}
    used = sorted({n for n in names if n})
    currency = ", ".join(used) if used else (str(table.currencies[0]) if table.currencies.size
                                             else "")
    return Run(table, seg, inner, outer_of_inner, currency_of_inner, grid, snaps, base,
               points, extra, b, fx_line, digits, currency, rates, pol, fx, **fx_parts)


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
        key = (by, single, free, reactivation_window, snaps.tobytes())
        cached = _POINTS.get(table, OrderedDict()).get(key)
        if cached is not None:
            return cached
    start_days = table.start.astype(np.int64)
    end_days = np.where(np.isnat(table.end), OPEN, table.end.astype(np.int64))
    points = kr.change_points(inner.entity_of_row, start_days, end_days, table.mrr_units,
                              snaps, free_is_customer=free,
                              reactivation_window=reactivation_window)
    if key is not None:
        for array in vars(points).values():
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
        entries = _POINTS.setdefault(table, OrderedDict())
        entries[key] = points
        while len(entries) > _CACHE_SIZE:
            entries.popitem(last=False)
    return points


def conversion(table: SubscriptionTable, currency_of_inner: I64, fx: FxRates,
               dates: NDArray[np.datetime64], needed: NDArray[np.bool_] | None = None
               ) -> NDArray[np.float64]:
    """Factors from each inner segment's minor units to the reporting currency's minor
    units, at each of ``dates`` (rows: inner segments, columns: dates). Rates are required
    only where ``needed`` (where there is money to convert)."""
    names = [str(table.currencies[c]) if c >= 0 else "" for c in currency_of_inner]
    reporting = MINOR_UNITS[fx.reporting_currency]
    local = np.array([MINOR_UNITS.get(n, reporting) for n in names], dtype=np.int64)
    factor: NDArray[np.float64] = fx.rates(names, dates, needed=needed) * np.power(
        10.0, reporting - local)[:, None]
    _check_convertible(table, currency_of_inner, factor, fx.reporting_currency)
    return factor


_MAX_UNITS = 2.0 ** 62  # below int64's limit, with room for the sums of a bridge


def _check_convertible(table: SubscriptionTable, currency_of_inner: I64,
                       factor: NDArray[np.float64], reporting: str) -> None:
    """Refuse rates that would carry the converted MRR past what int64 minor units hold
    (every converted sum is at most a currency's total MRR at its highest rate)."""
    n_cur = int(table.currencies.size)
    if n_cur == 0 or currency_of_inner.size == 0:
        return
    total = np.bincount(table.currency_codes, weights=np.abs(table.mrr_units),
                        minlength=n_cur)
    with np.errstate(invalid="ignore"):
        highest = np.nanmax(np.where(np.isfinite(factor), factor, 0.0), axis=1,
                            initial=0.0)
    known = currency_of_inner >= 0
    bound = np.zeros(currency_of_inner.size)
    bound[known] = total[currency_of_inner[known]] * highest[known]
    if not (bound >= _MAX_UNITS).any():
        return
    code = int(currency_of_inner[int(np.argmax(bound))])
    rows = np.flatnonzero(table.currency_codes == code)
    raise DataValidationError(
        column="amount", rule=f"in {table.currencies[code]}, converted to {reporting} at the "
        "rates given, must stay below 4.6e18 minor units in total", count=rows.size,
        positions=rows[:5].tolist(), n_rows=len(table), context="fx")


def _currency_factors(table: SubscriptionTable, fx: FxRates, dates: NDArray[np.datetime64],
                      currency_of_inner: I64, has_money: NDArray[np.bool_]
                      ) -> NDArray[np.float64]:
    """As ``conversion()``, per currency of the table (rows: currency codes)."""
    n_cur = int(table.currencies.size)
    needed = np.zeros((n_cur, dates.size), dtype=bool)
    np.logical_or.at(needed, currency_of_inner, has_money)
    return conversion(table, np.arange(n_cur, dtype=np.int64), fx, dates, needed=needed)


def _pair_owner(table: SubscriptionTable, seg: Segmentation, inner: Segmentation) -> I64:
    """The user entity of each (entity, currency) pair."""
    owner = np.zeros(inner.n_entities, dtype=np.int64)
    owner[inner.entity_of_row] = seg.entity_of_row
    return owner


def _pair_currency(table: SubscriptionTable, inner: Segmentation) -> I64:
    """The currency code of each (entity, currency) pair."""
    currency = np.zeros(inner.n_entities, dtype=np.int64)
    currency[inner.entity_of_row] = table.currency_codes
    return currency


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


def _convert(b: kr.Bridge, rate: NDArray[np.float64], outer: I64, n_outer: int,
             moved: kr.Bridge) -> tuple[kr.Bridge, I64]:
    """The bridge in the reporting currency.

    MRR levels come from the local levels of each (segment, currency) cell converted at
    each snapshot's rates (``rate[s, k]``, 0 is the base); movements and customer counts
    come from ``moved``, the bridge of the entities' constant-currency change points. The
    fx line is what remains: the effect of rates moving (and cent rounding), so every
    converted row closes exactly.
    """
    starting_local = np.concatenate([b.starting[:, None], b.ending[:, :-1]], axis=1)
    start_conv = np.rint(starting_local * rate[:, :-1]).astype(np.int64)
    end_conv = np.rint(b.ending * rate[:, 1:]).astype(np.int64)

    def collapse(a: I64) -> I64:
        out = np.zeros((n_outer, *a.shape[1:]), dtype=np.int64)
        np.add.at(out, outer, a)
        return out

    starting = collapse(start_conv)
    ending = collapse(end_conv)
    signs = np.array([1, 1, -1, -1, 1])[:, None, None]
    fx_line = ending - starting - (signs * moved.amounts).sum(axis=0)
    converted = kr.Bridge(starting[:, 0], ending, moved.amounts, moved.counts,
                          moved.starting_count, moved.ending_count)
    return converted, fx_line
