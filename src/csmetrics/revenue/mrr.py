"""Monthly recurring revenue on a day, and average revenue per account.

Definitions
-----------
**Row MRR.** A span's monthly recurring revenue is its charge normalised to one calendar month:
``amount * quantity * (1 - discount) / (months_per_interval * interval_count)`` with a day
being 12/365 of a month, a week 12/52, a month 1, a quarter 3 and a year 12. So a $1,200
yearly plan is $100 MRR, a $90 quarterly plan $30, a $10 weekly plan $43.33.

**Customer MRR on a day.** The sum of the row MRR of the customer's spans active that day
(``start <= day < end``), rounded to the currency's minor unit (cents). Rounding the customer's
total, not each row, keeps three $33.3333 seats at $100.00.

**MRR of a period.** The MRR on the period's last day (the *snapshot*). A subscription that
starts on 15 March counts in March; one that ends on 15 March (end exclusive) does not.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import revenue as kr
from csmetrics._kernels.primitives import bincount_int
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import PeriodLike, snapshot_date
from csmetrics.results import MetricResult
from csmetrics.revenue.conversion import check_convertible, conversion
from csmetrics.revenue.segments import (
    By,
    currency_digits,
    customer_segments,
    segment,
    segment_as,
)
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable

R = TypeVar("R")

__all__ = ["arpa", "mrr"]


@staged(MetricResult)
@validate_params({"fx": FX})
def mrr(subscriptions: Any, at: PeriodLike, *, by: By = None, fx: FxRates | None = None
        ) -> Job[MetricResult]:
    """Monthly recurring revenue on one day, in the table's currency.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans (anything ``SubscriptionTable.from_columns()`` reads).
    at : period or date
        A date, or a period whose last day is used (``"2024-03"`` is 31 March 2024).
    by : str or mapping, optional
        ``None``: the whole portfolio. A column (``"plan"``, ``"currency"``, ``"interval"``,
        ``"customer_id"`` for one row per customer, or any input column) or a mapping from
        customer id to segment: one row per segment.
    fx : FxRates, optional
        Exchange rates: MRR in each currency is converted at its rate on the day (the latest
        dated on or before it) and summed in the reporting currency.

    Returns
    -------
    MetricResult
        Value column ``mrr``, with ``customers`` (customers with MRR > 0); one row, or one per
        segment (the segment column first).

    Raises
    ------
    CurrencyMismatchError
        The active spans of one result hold more than one currency (and no ``fx``).

    Notes
    -----
    Each customer's MRR is the sum of the normalised MRR of their spans active on the day
    (``start <= day < end``), rounded to the currency's minor unit; the total is the sum over
    customers. See the module documentation for the normalisation. MRR of an empty table is
    0: a sum over no customers, not an undefined ratio.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-10", amount=1200, interval="year"),
    ...     Subscription(customer_id="b", start="2024-02-01", amount=90, interval="quarter"),
    ...     Subscription(customer_id="c", start="2024-03-15", amount=10, interval="week"),
    ... ]
    >>> float(mrr(subs, "2024-02"))          # 100 + 30
    130.0
    >>> mrr(subs, "2024-03")                 # + 10 * 52 / 12 = 43.33
    MetricResult(mrr=173.33)
    >>> print(mrr(subs, "2024-03", by="interval"))
    MRR on 2024-03-31
    interval     mrr  customers
    week       43.33          1
    quarter    30.00          1
    year      100.00          1
    """
    return day_job(subscriptions, at, by, fx, "mrr", _mrr_result)


@dataclass(frozen=True)
class DayPlan:
    """What parts of a point-in-time revenue metric agree on: the day, the segments'
    labels and currency digits, and with ``fx`` the currencies (cells of segment x
    currency) and the rates."""

    by: By
    seg_name: str | None
    labels: NDArray[Any]
    day: np.datetime64
    digits: NDArray[np.int64]
    currencies: NDArray[np.str_]
    fx: FxRates | None
    context: str
    of_customer: NDArray[np.int64] | None = None


def day_job(subscriptions: Any, at: PeriodLike, by: By, fx: FxRates | None, context: str,
            finish: Callable[[Partials, DayPlan], R], *, money: bool = True) -> Job[R]:
    """A point-in-time revenue metric as a job over ``day_partials`` (``money=False``: it
    only counts customers, so several currencies are no obstacle)."""
    table = as_table(subscriptions, context, by=by)
    seg = segment(table, by, context)
    day = snapshot_date(at)
    if not money:
        digits = np.full(seg.n_segments, 2, dtype=np.int64)
    elif fx is None:
        active = active_rows(table, day)
        digits, _ = currency_digits(
            table, seg, lambda lo, hi: active[lo:hi] & (table.mrr_units[lo:hi] != 0), context)
    else:
        check_convertible(table, fx, np.array([day]))
        digits = np.full(seg.n_segments, MINOR_UNITS[fx.reporting_currency], dtype=np.int64)
    currencies = table.currencies if table.currencies.size else np.array(["USD"])
    plan = DayPlan(by, seg.name, seg.labels, day, digits, currencies, fx, context,
                   customer_segments(table, seg))
    return Job(table, plan, day_partials, finish)


_ACTIVE: weakref.WeakKeyDictionary[SubscriptionTable, tuple[str, NDArray[np.bool_]]] = (
    weakref.WeakKeyDictionary())


def active_rows(table: SubscriptionTable, day: np.datetime64) -> NDArray[np.bool_]:
    """``kr.active_on`` of the table's rows on ``day``, read-only and kept for the table's
    last day asked: a day's plans and partials (MRR, ARPA, the customer count, each split)
    all read it."""
    found = _ACTIVE.get(table)
    if found is not None and found[0] == str(day):
        return found[1]
    active = kr.active_on(table.start, table.end, day)
    active.flags.writeable = False
    _ACTIVE[table] = (str(day), active)
    return active


_DAY: weakref.WeakKeyDictionary[SubscriptionTable, dict[Hashable, Partials]] = (
    weakref.WeakKeyDictionary())


def day_partials(table: SubscriptionTable, plan: DayPlan) -> Partials:
    """Per segment on the plan's day: MRR in minor units (with ``fx``: per segment and
    currency, in that currency), paying customers, and accounts with an active span.

    Kept per table for the last few days and segmentations (MRR, ARPA and the customer
    count of one day read the same partials)."""
    key: Hashable | None = None
    if plan.by is None or isinstance(plan.by, str):
        key = (plan.by, str(plan.day), id(plan.fx) if plan.fx else None,
               plan.labels.tobytes() if plan.labels.dtype.kind != "O" else
               tuple(plan.labels.tolist()))
        found = _DAY.get(table, {}).get(key)
        if found is not None:
            return found
    partials = _day_partials(table, plan)
    if key is not None:
        entries = _DAY.setdefault(table, {})
        if len(entries) >= 8:
            entries.clear()
        entries[key] = partials
    return partials


def _day_partials(table: SubscriptionTable, plan: DayPlan) -> Partials:
    seg = segment_as(table, plan.by, plan.labels, plan.seg_name, plan.context,
                     plan.of_customer)
    n_seg = seg.n_segments
    active = active_rows(table, plan.day)
    rows = np.flatnonzero(active)   # the active rows, gathered once for MRR and accounts
    entity = seg.entity_of_row[rows]
    minor = kr.entity_minor_at(entity, table.mrr_units[rows], None, seg.n_entities)
    if plan.fx is None:
        money = bincount_int(seg.segment_of_entity, minor, n_seg)
    else:
        n_cur = plan.currencies.size
        pairs, pair_of_row = np.unique(seg.entity_of_row * n_cur + table.currency_codes,
                                       return_inverse=True)
        local = kr.entity_minor_at(pair_of_row.reshape(-1), table.mrr_units, active,
                                   pairs.size)
        cell = seg.segment_of_entity[pairs // n_cur] * n_cur + pairs % n_cur
        money = bincount_int(cell, local, n_seg * n_cur).reshape(n_seg, n_cur)
    alive = np.bincount(entity, minlength=seg.n_entities) > 0
    return Partials("day", {
        "mrr": money,
        "customers": np.bincount(seg.segment_of_entity[minor > 0], minlength=n_seg),
        "accounts": np.bincount(seg.segment_of_entity[alive], minlength=n_seg)})


def day_mrr(partials: Partials, plan: DayPlan) -> NDArray[np.int64]:
    """Each segment's MRR in minor units of its result currency (converted with ``fx``)."""
    if plan.fx is None:
        return partials["mrr"]
    cells = partials["mrr"]
    needed = (cells != 0).any(axis=0)[:, None]
    factor = conversion(plan.currencies, plan.fx, np.array([plan.day]), needed=needed)[:, 0]
    out: NDArray[np.int64] = np.rint(cells * factor).astype(np.int64).sum(axis=1)
    return out


def day_columns(plan: DayPlan) -> dict[str, Any]:
    return segment_columns(plan.seg_name, plan.labels, plan.context)


def _mrr_result(partials: Partials, plan: DayPlan) -> MetricResult:
    cols = day_columns(plan)
    cols["mrr"] = day_mrr(partials, plan) / 10.0 ** plan.digits
    cols["customers"] = partials["customers"].astype(np.int64)
    return MetricResult(cols, value="mrr", title=f"MRR on {plan.day}", money=("mrr",),
                        digits=plan.digits, segment=plan.seg_name)


@staged(MetricResult)
@validate_params({"fx": FX})
def arpa(subscriptions: Any, at: PeriodLike, *, by: By = None, fx: FxRates | None = None
         ) -> Job[MetricResult]:
    """Average revenue per account: MRR over paying customers (MRR > 0) on a day.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    at : period or date
    by, fx
        As in ``mrr()``.

    Returns
    -------
    MetricResult
        Value column ``arpa``, with its parts ``mrr`` and ``customers``.

    Notes
    -----
    ``arpa = mrr / customers`` with ``customers`` the paying customers: free accounts are
    never in the denominator (ARPA is about paying accounts, whatever the policy on free
    customers). No paying customer gives NaN with an
    ``UndefinedMetricWarning``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2024-01-01", amount=100),
    ...         Subscription(customer_id="b", start="2024-01-01", amount=50),
    ...         Subscription(customer_id="c", start="2024-01-01", amount=50, discount=1)]
    >>> float(arpa(subs, "2024-01"))     # 150 / 2 paying customers
    75.0
    """
    return day_job(subscriptions, at, by, fx, "arpa", _arpa_result)


def _arpa_result(partials: Partials, plan: DayPlan) -> MetricResult:
    total = _mrr_result(partials, plan)
    values = divide(total["mrr"], total["customers"], context="arpa",
                    what="the number of paying customers")
    name = total.segment_column
    cols = segment_columns(name, None if name is None else total[name], "arpa")
    cols.update(arpa=values, mrr=total["mrr"], customers=total["customers"])
    return MetricResult(cols, value="arpa", title=total.title.replace("MRR", "ARPA"),
                        money=("arpa", "mrr"), digits=total.digits, segment=name)
