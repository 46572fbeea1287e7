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

from typing import Any

import numpy as np

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import validate_params
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import revenue as kr
from csmetrics._kernels.primitives import bincount_int
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import PeriodLike, snapshot_date
from csmetrics.results import MetricResult
from csmetrics.revenue.conversion import check_convertible, conversion, split_by_currency
from csmetrics.revenue.segments import By, currency_digits, segment
from csmetrics.tables.coerce import as_table

__all__ = ["arpa", "mrr"]


@validate_params({"fx": FX})
def mrr(subscriptions: Any, at: PeriodLike, *, by: By = None, fx: FxRates | None = None
        ) -> MetricResult:
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
    ctx = "mrr"
    table = as_table(subscriptions, ctx, by=by)
    seg = segment(table, by, ctx)
    day = snapshot_date(at)
    active = kr.active_on(table.start, table.end, day)
    minor = kr.entity_minor_at(seg.entity_of_row, table.mrr_units, active, seg.n_entities)
    if fx is None:
        digits, _ = currency_digits(table, seg, active & (table.mrr_units != 0), ctx)
        totals = bincount_int(seg.segment_of_entity, minor, seg.n_segments)
    else:
        inner, outer, currency = split_by_currency(table, seg)
        local = kr.entity_minor_at(inner.entity_of_row, table.mrr_units, active,
                                   inner.n_entities)
        cells = bincount_int(inner.segment_of_entity, local, inner.n_segments)
        check_convertible(table, fx, np.array([day]))
        factor = conversion(table.currencies[currency], fx, np.array([day]))[:, 0]
        totals = bincount_int(outer, np.rint(cells * factor).astype(np.int64),
                                 seg.n_segments)
        digits = np.full(seg.n_segments, MINOR_UNITS[fx.reporting_currency], dtype=np.int64)
    customers = np.bincount(seg.segment_of_entity[minor > 0], minlength=seg.n_segments)
    cols = seg.columns()
    cols["mrr"] = totals / 10.0 ** digits
    cols["customers"] = customers.astype(np.int64)
    return MetricResult(cols, value="mrr", title=f"MRR on {day}", money=("mrr",),
                        digits=digits, segment=seg.name)


@validate_params({"fx": FX})
def arpa(subscriptions: Any, at: PeriodLike, *, by: By = None, fx: FxRates | None = None
         ) -> MetricResult:
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
    total = mrr(subscriptions, at, by=by, fx=fx)
    values = divide(total["mrr"], total["customers"], context="arpa",
                    what="the number of paying customers")
    name = total.segment_column
    cols = segment_columns(name, None if name is None else total[name], "arpa")
    cols.update(arpa=values, mrr=total["mrr"], customers=total["customers"])
    return MetricResult(cols, value="arpa", title=total.title.replace("MRR", "ARPA"),
                        money=("arpa", "mrr"), digits=total.digits, segment=name)
