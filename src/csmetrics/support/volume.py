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
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import validate_params
from csmetrics._core.partials import MetricParts, Partials
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import support as ks
from csmetrics._kernels.usage import US_PER_DAY, count
from csmetrics.periods.calendar import PeriodLike
from csmetrics.support.common import NAT, RowMap, as_of, ticket_rows
from csmetrics.support.steps import day_window
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling
from csmetrics.tables.tickets import SupportTicketTable

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
    table, plan = _per_account_prepare(tickets, start, end, by=by, customers=customers)
    return _per_account_finalize(_per_account_partial(table, plan), plan)


@dataclass(frozen=True)
class _PerAccountPlan:
    rows: RowMap
    lo: int
    hi: int
    months: float
    where: str


def _per_account_prepare(tickets: Any, start: PeriodLike, end: PeriodLike, *, by: By = None,
                         customers: ArrayLike | None = None
                         ) -> tuple[SupportTicketTable, _PerAccountPlan]:
    ctx = "tickets_per_account"
    w = day_window(start, end, ctx)
    first, last, lo, hi, where = w.first, w.last, w.lo, w.hi, w.text
    tr = ticket_rows(tickets, by, customers, ctx)
    return tr.table, _PerAccountPlan(tr.rows, int(lo), int(hi), calendar_months(first, last),
                                     where)


def _per_account_partial(part: SupportTicketTable, plan: _PerAccountPlan) -> Partials:
    """Tickets opened in the window per result row."""
    row = plan.rows.rows_of(part)
    t_open = part.opened_at.view(np.int64)
    inside = (t_open >= plan.lo) & (t_open < plan.hi) & (row >= 0)
    return Partials("tickets_per_account", {"tickets": count(row[inside], plan.rows.n_rows)})


def _per_account_finalize(parts: Partials, plan: _PerAccountPlan) -> AccountResult:
    n = np.asarray(parts["tickets"])
    accounts = plan.rows.accounts
    rate = divide(n / plan.months, accounts, context="tickets_per_account",
                  what="the number of accounts")
    cols = plan.rows.sp.segment_columns()
    cols.update(accounts=accounts, tickets=n, months=np.full(n.size, plan.months),
                tickets_per_month=rate)
    return AccountResult(cols, value="tickets_per_month", segment=plan.rows.sp.name,
                         pooling=Pooling(sums=("tickets",)),
                         title=f"Tickets per account per month (opened {plan.where})")




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
    table, plan = _backlog_prepare(tickets, at, by=by, customers=customers)
    return _backlog_finalize(_backlog_partial(table, plan), plan)


@dataclass(frozen=True)
class _BacklogPlan:
    rows: RowMap
    hi: int
    day: str
    grid: I64          # the distinct ages of each row's open tickets (whole table)


def _open_ages(part: SupportTicketTable, rows: RowMap, hi: int) -> tuple[I64, I64]:
    """Row and age (microseconds) of each of ``part``'s tickets open at ``hi``."""
    row = rows.rows_of(part)
    t_open = part.opened_at.view(np.int64)
    t_done = part.resolved_at.view(np.int64)
    is_open = (t_open < hi) & ((t_done == NAT) | (t_done >= hi)) & (row >= 0)
    return row[is_open], hi - t_open[is_open]


def _backlog_prepare(tickets: Any, at: PeriodLike | _dt.datetime, *, by: By = None,
                     customers: ArrayLike | None = None
                     ) -> tuple[SupportTicketTable, _BacklogPlan]:
    ctx = "backlog_age"
    hi, day = as_of(at, ctx)
    tr = ticket_rows(tickets, by, customers, ctx)
    row, age = _open_ages(tr.table, tr.rows, hi)
    grid = ks.ranked_counts(row, age, np.ones(age.size, dtype=bool), tr.n_rows).times
    return tr.table, _BacklogPlan(tr.rows, hi, day, grid)


def _backlog_partial(part: SupportTicketTable, plan: _BacklogPlan) -> Partials:
    """Open tickets per (row, distinct age of the row)."""
    row, age = _open_ages(part, plan.rows, plan.hi)
    per_cell, _ = ks.grid_counts(plan.grid, row, age, np.ones(age.size, dtype=bool))
    return Partials("backlog_age", {"open": per_cell})


def _backlog_finalize(parts: Partials, plan: _BacklogPlan) -> AccountResult:
    per_cell = np.asarray(parts["open"])
    n = per_cell.sum(axis=1).astype(np.int64)
    none = n == 0
    if none.any():
        which = ("" if plan.rows.sp.name is None else
                 f" in {int(none.sum()):,} of {none.size:,} rows")
        warn_undefined(f"backlog_age: no open tickets at the end of {plan.day}{which}; their "
                       "ages are undefined (NaN).")
    cols = plan.rows.sp.segment_columns()
    cols.update(accounts=plan.rows.accounts, open_tickets=n)
    for name, p in (("median_age_days", 0.5), ("p90_age_days", 0.9),
                    ("oldest_age_days", 1.0)):
        cols[name] = ks.empirical_quantile(per_cell, plan.grid, p) / US_PER_DAY
    return AccountResult(cols, value="median_age_days", segment=plan.rows.sp.name,
                         pooling=Pooling(sums=("open_tickets",)),
                         title=f"Backlog age (days, open at the end of {plan.day})")


VOLUME_PARTS: dict[str, MetricParts] = {
    "tickets_per_account": MetricParts(_per_account_prepare, _per_account_partial,
                                       _per_account_finalize),
    "backlog_age": MetricParts(_backlog_prepare, _backlog_partial, _backlog_finalize),
}
"""``tickets_per_account`` and ``backlog_age`` as their three steps
(``csmetrics.support.partials``)."""
