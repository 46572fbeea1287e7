"""Renewal dates of term spans, and a subscription's ARR either side of one: what the
renewal calendar (``revenue.renewals``) and the report's next renewals read.

The dates follow ``revenue.renewals``' definitions (its module documentation): a given
``renews_at`` repeats every term from itself, else the start plus whole terms, month
arithmetic with the day clipped to the month's last. A table's term spans and their first
anchors are made once per table (``terms``); each window of months then repeats only the
spans with a renewal inside it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import revenue as kr
from csmetrics.revenue.arr import term_rows
from csmetrics.tables.subscriptions import SubscriptionTable

I64 = NDArray[np.int64]


def month_of(days: NDArray[np.datetime64] | np.datetime64) -> Any:
    """Months since 1970 of each day."""
    d = np.asarray(days)
    if d.ndim == 0 or d.dtype != np.dtype("datetime64[D]"):
        return d.astype("datetime64[M]").astype(np.int64)
    return _lookup(d.view(np.int64), _month_of_days)


def _month_of_days(days: I64) -> I64:
    out: I64 = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return out


def first_days(months: I64) -> I64:
    """The first day (days since 1970) of each month (months since 1970)."""
    return _lookup(months, _first_day_of_months)


def _first_day_of_months(months: I64) -> I64:
    out: I64 = months.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)
    return out


_LOOKUP_SPAN = 1 << 17
"""Widest range of values read from a lookup table (about 360 years of days)."""


def _lookup(values: I64, convert: Callable[[I64], I64]) -> I64:
    """``convert(values)`` (a calendar conversion) as a gather from a table of the
    conversion of every value in their range: the same numbers, at the cost of a gather
    rather than a calendar conversion per element."""
    if values.size < 64:
        return convert(values)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo >= _LOOKUP_SPAN:   # far-apart values (or NaT): convert them one by one
        return convert(values)
    found: I64 = convert(np.arange(lo, hi + 1, dtype=np.int64))[values - lo]
    return found


def add_months(day: NDArray[np.datetime64], months: I64) -> NDArray[np.datetime64]:
    """``day`` plus ``months`` calendar months, the day clipped to the month's last."""
    days = day.astype("datetime64[D]").view(np.int64)
    month = month_of(day)
    offset = days - first_days(month)
    target = month + months
    first = first_days(target)
    length = first_days(target + 1) - first
    out: NDArray[np.datetime64] = (first + np.minimum(offset, length - 1)).view(
        "datetime64[D]")
    return out


@dataclass(frozen=True)
class Terms:
    """A table's term spans with money: what every renewal window reads (rows, term in
    months, given renewal dates, first renewal anchor and its month)."""

    paying: NDArray[np.bool_]
    rows: I64
    term: I64
    given: NDArray[np.bool_]   # a renews_at is given
    start: NDArray[np.datetime64]
    end: NDArray[np.datetime64]
    anchor: NDArray[np.datetime64]
    anchor_month: I64
    keys: I64                  # each row's subscription key (``subscription_keys``)
    by_key: I64                # rows of the subscriptions with a term span, by key


_TERMS: weakref.WeakKeyDictionary[SubscriptionTable, Terms] = weakref.WeakKeyDictionary()


def terms(table: SubscriptionTable) -> Terms:
    """The table's ``Terms``, made once per table (a report reads the renewals of its
    window, of the months after, and each account's next renewal)."""
    found = _TERMS.get(table)
    if found is not None:
        return found
    paying = term_rows(table) & (table.mrr_units > 0)
    rows = np.flatnonzero(paying)
    code = table.interval[rows]
    count = np.asarray(table.interval_count)[rows]
    billed = np.select([code == 4, code == 3, code == 2], [12 * count, 3 * count, count], 0)
    term = np.where(billed >= 12, billed, 12).astype(np.int64)
    renews = table.renews_at[rows]
    start = table.start[rows]
    given = ~np.isnat(renews)
    anchor = np.where(given, renews, add_months(start, term))
    keys = subscription_keys(table)
    # Only the rows of subscriptions with a term span are ever looked up (their MRR either
    # side of a renewal), in row order within each subscription.
    n_keys = int(keys.max()) + 1 if keys.size else 0
    if n_keys > 8 * keys.size + 1024:   # sparse keys: a set lookup rather than a mark each
        candidates = np.flatnonzero(np.isin(keys, keys[rows]))
    else:
        wanted = np.zeros(n_keys, dtype=bool)
        wanted[keys[rows]] = True
        candidates = np.flatnonzero(wanted[keys])
    by_key = candidates[np.argsort(keys[candidates], kind="stable")]
    found = Terms(paying, rows, term, given, start, table.end[rows], anchor, month_of(anchor),
                   keys, by_key)
    for array in vars(found).values():
        array.flags.writeable = False
    _TERMS[table] = found
    return found


def renewal_events(table: SubscriptionTable, first_month: int, n_months: int
                   ) -> tuple[I64, NDArray[np.datetime64]]:
    """Every renewal date inside the months ``first_month`` (months since 1970) to
    ``first_month + n_months - 1`` of the term spans still running up to it: the row
    each comes from and the date (see the module documentation)."""
    t = terms(table)
    lag = first_month - t.anchor_month
    k_lo = np.maximum(0, -(-lag // t.term))
    k_hi = (first_month + n_months - 1 - t.anchor_month) // t.term
    n = k_hi - k_lo + 1
    # Only spans with a renewal date in the months that still run at their first day can
    # have one due: the others (most, for a short window) are left before any repeat.
    first_day = np.int64(first_days(np.array([first_month], dtype=np.int64))[0])
    end = t.end.view(np.int64)
    near = np.flatnonzero((n > 0) & (np.isnat(t.end) | (end >= first_day)))
    n = n[near]
    row = np.repeat(t.rows[near], n)
    k = np.repeat(k_lo[near], n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
    step = np.repeat(t.term[near], n)
    given = np.repeat(t.given[near], n)
    # A given renewal date repeats every term from itself; else from the start.
    day = add_months(np.where(given, np.repeat(t.anchor[near], n),
                               np.repeat(t.start[near], n)),
                      step * np.where(given, k, k + 1))
    start, end_at = np.repeat(t.start[near], n), np.repeat(t.end[near], n)
    due = (start < day) & (np.isnat(end_at) | (end_at >= day))
    return row[due], day[due]


def one_per_date(key: I64, row: I64, day: NDArray[np.datetime64]
                  ) -> tuple[I64, NDArray[np.datetime64]]:
    """One event per subscription (``key``) and date: the first of each, in (key, date)
    order (a span renewed into a new row can repeat its subscription's date)."""
    if not row.size:
        return row, day
    days = day.view(np.int64)
    lo, width = days.min(), np.int64(days.max() - days.min() + 1)
    if int(key.max()) < np.iinfo(np.int64).max // int(width):   # (key, day) packed in one int
        first = np.unique(key * width + (days - lo), return_index=True)[1]
    else:
        first = np.unique(np.stack([key, days]), axis=1, return_index=True)[1]
    return row[first], day[first]


def subscription_keys(table: SubscriptionTable) -> I64:
    """Each row's subscription: its id, or (customer, product) without one."""
    n_sub = np.int64(table.subscription_ids.size)
    n_prod = np.int64(table.products.size + 1)
    fallback = n_sub + table.customer_codes * n_prod + (table.product_codes + 1)
    out: I64 = np.where(table.subscription_codes >= 0, table.subscription_codes, fallback)
    return out


def event_rows(table: SubscriptionTable, event_key: I64) -> tuple[I64, I64]:
    """The rows of each event's subscription (``event_key``, a ``subscription_keys`` value): pairs
    (event, row), found once for the days either side of a renewal."""
    t = terms(table)
    order = t.by_key
    sorted_keys = t.keys[order]
    lo = np.searchsorted(sorted_keys, event_key, side="left")
    hi = np.searchsorted(sorted_keys, event_key, side="right")
    n = hi - lo
    event = np.repeat(np.arange(event_key.size), n)
    row = order[np.repeat(lo, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))]
    return event, row


def arr_on(table: SubscriptionTable, pairs: tuple[I64, I64], n_events: int,
            day: NDArray[np.datetime64]) -> I64:
    """12 x the MRR (minor units) of each event's subscription on its ``day`` (``pairs``
    from ``event_rows``)."""
    event, row = pairs
    d = day[event]
    start, end = table.start[row], table.end[row]
    active = (start <= d) & (np.isnat(end) | (end > d))
    units = np.bincount(event[active], weights=table.mrr_units[row][active],
                        minlength=n_events)
    return 12 * kr.units_to_minor(np.rint(units).astype(np.int64))
