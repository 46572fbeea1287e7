"""Money in several currencies: conversion factors, the bound on converted sums, the
(entity, currency) pairs of a run with ``fx``, and the bridge in the reporting currency."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import DataValidationError
from csmetrics.fx import FxRates
from csmetrics.revenue.segments import Segmentation
from csmetrics.tables.subscriptions import SubscriptionTable

I64 = NDArray[np.int64]


def conversion(currencies: NDArray[np.str_], fx: FxRates, dates: NDArray[np.datetime64],
               needed: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
    """Factors from each currency's minor units (rows: ``currencies``; ``""`` is none) to
    the reporting currency's minor units, at each of ``dates`` (columns). Rates are required
    only where ``needed`` (where there is money to convert)."""
    names = [str(c) for c in currencies.tolist()]
    reporting = MINOR_UNITS[fx.reporting_currency]
    local = np.array([MINOR_UNITS.get(n, reporting) for n in names], dtype=np.int64)
    factor: NDArray[np.float64] = fx.rates(names, dates, needed=needed) * np.power(
        10.0, reporting - local)[:, None]
    return factor


_MAX_UNITS = 2.0 ** 62  # below int64's limit, with room for the sums of a bridge


def check_convertible(table: SubscriptionTable, fx: FxRates, dates: NDArray[np.datetime64]
                       ) -> None:
    """Refuse rates that would carry the converted MRR past what int64 minor units hold
    (every converted sum is at most a currency's total MRR at its highest rate)."""
    n_cur = int(table.currencies.size)
    if n_cur == 0 or len(table) == 0:
        return
    factor = conversion(table.currencies, fx, dates, needed=np.zeros((n_cur, dates.size),
                                                                      dtype=bool))
    total = np.bincount(table.currency_codes, weights=np.abs(table.mrr_units),
                        minlength=n_cur)
    bound = total * np.max(np.where(np.isfinite(factor), factor, 0.0), axis=1, initial=0.0)
    if not (bound >= _MAX_UNITS).any():
        return
    code = int(np.argmax(bound))
    rows = np.flatnonzero(table.currency_codes == code)
    raise DataValidationError(
        column="amount", rule=f"in {table.currencies[code]}, converted to "
        f"{fx.reporting_currency} at the rates given, must stay below 4.6e18 minor units in "
        "total", count=rows.size, positions=rows[:5].tolist(), n_rows=len(table), context="fx")


def pair_owner(seg: Segmentation, inner: Segmentation) -> I64:
    """The user entity of each (entity, currency) pair."""
    owner = np.zeros(inner.n_entities, dtype=np.int64)
    owner[inner.entity_of_row] = seg.entity_of_row
    return owner


def pair_currency(table: SubscriptionTable, inner: Segmentation) -> I64:
    """The currency code of each (entity, currency) pair."""
    currency = np.zeros(inner.n_entities, dtype=np.int64)
    currency[inner.entity_of_row] = table.currency_codes
    return currency


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


def convert_bridge(b: kr.Bridge, rate: NDArray[np.float64], outer: I64, n_outer: int,
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
