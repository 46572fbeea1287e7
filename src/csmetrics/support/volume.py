"""Ticket volume and backlog: tickets per account per month, and the age of the open backlog.

**Tickets per account per month.** Tickets opened in ``start..end`` (UTC days, inclusive)
divided by the accounts counted and by the months of the window. Months are calendar months:
each day counts ``1 / (days in its month)``, so ``"2024-01".."2024-03"`` is exactly 3 months
and 1-15 February 2024 is 15/29 of one (no fixed 30-day month). The accounts are
``customers=``, or every account with a ticket in the table (an account without tickets is
unknown to the table: give ``customers=`` to count it).

**Backlog age.** The tickets open at the end of the UTC day ``at`` (opened by then, not
resolved by then, as ``open_tickets``) and their ages in days: the median, the 90th percentile
and the oldest. A percentile of these ages (no censoring: every age is known) is the
smallest age with at least that share of the backlog at or below it (the inverse of the
empirical distribution, numpy's ``method="inverted_cdf"``), the rule the Kaplan-Meier
percentiles of ``first_response_time`` reduce to without censoring.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import validate_params
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels.usage import US_PER_DAY, count
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, span_days
from csmetrics.support.common import NAT, as_of, ticket_rows
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling

I64 = NDArray[np.int64]


def calendar_months(first_day: int, last_day: int) -> float:
    """Calendar months spanned by the UTC days ``first_day..last_day`` (days since the
    epoch): each day is ``1 / (days in its month)``.

    Examples
    --------
    >>> d = lambda s: int(np.datetime64(s, "D").astype(np.int64))
    >>> calendar_months(d("2024-01-01"), d("2024-03-31"))
    3.0
    >>> round(calendar_months(d("2024-02-01"), d("2024-02-15")), 4)   # 15 / 29
    0.5172
    """
    days = np.arange(first_day, last_day + 1).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    length = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(
        np.float64)
    return float(np.round((1.0 / length).sum(), 12))


@validate_params({"by": BY})
def tickets_per_account(tickets: Any, start: PeriodLike, end: PeriodLike, *, by: By = None,
                        customers: ArrayLike | None = None) -> AccountResult:
    """Tickets opened per account per calendar month over ``start..end``.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    start, end : period or date
        The UTC days of the window, both inclusive (``"2024-01"`` is all of January).
    by : None, str or mapping, optional
        As every support metric (``"customer_id"``: each account's own rate).
    customers : array-like, optional
        The accounts counted (default: every account with a ticket in the table); an
        account of ``customers`` without tickets counts with 0.

    Returns
    -------
    AccountResult
        ``tickets_per_month`` (value column: ``tickets / accounts / months``), with
        ``accounts`` and ``tickets`` (they add up over segments) and ``months``.

    Raises
    ------
    InvalidParameterError
        ``end`` is before ``start``, or a bad option.

    Warns
    -----
    UndefinedMetricWarning
        A row without accounts.

    Notes
    -----
    See the module documentation for the months and the accounts counted.

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "a", "b"],
    ...      "opened_at": ["2024-01-03", "2024-02-10", "2024-03-30", "2024-02-01"]}
    >>> r = tickets_per_account(t, "2024-01", "2024-03")
    >>> r["tickets"].tolist(), r["months"].tolist(), round(float(r), 4)    # 4 / 2 / 3
    ([4], [3.0], 0.6667)
    """
    ctx = "tickets_per_account"
    first, _ = span_days(start, ctx)
    _, last = span_days(end, ctx)
    if last < first:
        raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
    lo, hi = day_bounds_us(first, last)
    tr = ticket_rows(tickets, by, customers, ctx)
    t_open = tr.table.opened_at.view(np.int64)
    inside = (t_open >= lo) & (t_open < hi) & (tr.row >= 0)
    n = count(tr.row[inside], tr.n_rows)
    months = calendar_months(first, last)
    rate = divide(n / months, tr.accounts, context=ctx, what="the number of accounts")
    cols = tr.sp.segment_columns()
    cols.update(accounts=tr.accounts, tickets=n, months=np.full(tr.n_rows, months),
                tickets_per_month=rate)
    where = f"{np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}"
    return AccountResult(cols, value="tickets_per_month", segment=tr.sp.name,
                         pooling=Pooling(sums=("tickets",)),
                         title=f"Tickets per account per month (opened {where})")


def _empirical_quantile(group: I64, values: I64, n_groups: int, p: float) -> NDArray[Any]:
    """Per group, the smallest value with at least a share ``p`` of the group at or below
    it (NaN for an empty group); all groups at once."""
    order = np.lexsort((values, group))
    sizes = np.bincount(group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    k = np.maximum(np.ceil(p * sizes - 1e-9).astype(np.int64) - 1, 0)
    out = np.full(n_groups, np.nan)
    has = sizes > 0
    out[has] = values[order][starts[has] + k[has]]
    return out


@validate_params({"by": BY})
def backlog_age(tickets: Any, at: PeriodLike | _dt.datetime, *, by: By = None,
                customers: ArrayLike | None = None) -> AccountResult:
    """The open tickets at the end of ``at`` and their ages in days: median, p90, oldest.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    at : date, period or timestamp
        The tickets open at the end of this UTC day (23:59:59.999999).
    by, customers
        As in ``tickets_per_account``.

    Returns
    -------
    AccountResult
        ``median_age_days`` (value column), ``p90_age_days``, ``oldest_age_days`` and
        ``open_tickets`` (it adds up over segments), with ``accounts``.

    Warns
    -----
    UndefinedMetricWarning
        Rows with no open ticket (their ages are NaN).

    Notes
    -----
    See the module documentation for the percentile rule. Open means opened by the end of
    ``at`` and not resolved by then, as ``open_tickets``.

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "b", "b"],
    ...      "opened_at": ["2024-03-30", "2024-03-21", "2024-03-01", "2024-03-11"],
    ...      "resolved_at": [None, None, "2024-03-02", None]}
    >>> r = backlog_age(t, "2024-03-31")
    >>> r["open_tickets"].tolist(), float(r), r["oldest_age_days"].tolist()
    ([3], 11.0, [21.0])
    """
    ctx = "backlog_age"
    hi, day = as_of(at, ctx)
    tr = ticket_rows(tickets, by, customers, ctx)
    t_open = tr.table.opened_at.view(np.int64)
    t_done = tr.table.resolved_at.view(np.int64)
    is_open = (t_open < hi) & ((t_done == NAT) | (t_done >= hi)) & (tr.row >= 0)
    group, age = tr.row[is_open], hi - t_open[is_open]
    n = count(group, tr.n_rows)
    none = n == 0
    if none.any():
        which = "" if tr.sp.name is None else f" in {int(none.sum()):,} of {none.size:,} rows"
        warn_undefined(f"{ctx}: no open tickets at the end of {day}{which}; their ages are "
                       "undefined (NaN).")
    cols = tr.sp.segment_columns()
    cols.update(accounts=tr.accounts, open_tickets=n)
    for name, p in (("median_age_days", 0.5), ("p90_age_days", 0.9),
                    ("oldest_age_days", 1.0)):
        cols[name] = _empirical_quantile(group, age, tr.n_rows, p) / US_PER_DAY
    return AccountResult(cols, value="median_age_days", segment=tr.sp.name,
                         pooling=Pooling(sums=("open_tickets",)),
                         title=f"Backlog age (days, open at the end of {day})")
