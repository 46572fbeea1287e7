"""Active users, their series and trend, stickiness (DAU / MAU) and engagement.

:func:`active_users`, :func:`active_users_trend`, :func:`active_users_series`,
:func:`stickiness` and :func:`engagement`. Re-exported by :mod:`csmetrics.usage`, whose
docstring defines the window, active users and stickiness.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike, parse_frequency, period_range
from csmetrics.periods.days import day_number, span_days
from csmetrics.results import TableResult
from csmetrics.usage.common import (
    I64,
    AccountResult,
    By,
    _active_per_code,
    _events,
    _finish,
    _ratio,
    _rows,
    _segments,
    _span,
    _usage,
    _window,
)

# --- active users ----------------------------------------------------------------------------


@overload
def active_users(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = ...,
                 by: None = None, customers: ArrayLike | None = ...) -> AccountResult: ...
@overload
def active_users(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = ...,
                 by: Mapping[Any, Any] | Literal["all"], customers: ArrayLike | None = ...
                 ) -> TableResult: ...


def active_users(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = "30D",
                 by: By = None, customers: ArrayLike | None = None
                 ) -> AccountResult | TableResult:
    """Distinct active users per account in the window ending at ``at`` (a count).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
        The events.
    at : date, period or timestamp
        Last UTC day of the window (a period means its last day).
    window : {"30D", "28D", "7D", "1D"} or "<n>D", default "30D"
        Window length in days, ending at ``at`` inclusive (MAU, 28-day MAU, WAU, DAU).
    by : mapping or "all", optional
        Pool accounts into segments (sum of active users, accounts, active accounts).
    customers : sequence of ids, optional
        The accounts to report, in this order (an account without events has 0 active
        users). Default: every account of the table.

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``active_users`` (metric) and ``active`` (at least one active user).

    Notes
    -----
    ``active_users = |{user of the account with an event whose UTC day is in
    [at - window + 1, at]}|``. A user is counted within their account. Counting is done
    over integer (account, user) codes; the result never exceeds the account's distinct
    users, and does not depend on row order.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "a", "b"], "user_id": ["u1", "u1", "u2", "u9"],
    ...           "at": ["2024-03-31T23:59:59Z", "2024-03-02T00:00:00Z",
    ...                  "2024-03-01T23:59:59Z", "2024-03-15T12:00:00Z"]}
    >>> print(active_users(events, at="2024-03-31"))   # 30 days: 2 to 31 March
    Active users (30 days 2024-03-02 to 2024-03-31)
    customer_id  active_users  active
    a                       1  yes
    b                       1  yes
    >>> active_users(events, at="2024-03-31", window="7D")["active_users"].tolist()
    [1, 0]
    """
    ctx = "active_users"
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    win = _window(at, window, ctx)
    counts = rows.take(_active_per_code(table, _events(table, win)), 0)
    result = AccountResult(
        {"customer_id": rows.ids, "active_users": counts, "active": counts > 0},
        title=f"Active users ({win.describe()})", metric="active_users",
        sums=("active_users", "active"))
    return _finish(result, by)


def active_users_trend(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = "30D",
                       customers: ArrayLike | None = None) -> AccountResult:
    """Active users in the window ending at ``at`` against the window just before it.

    Returns
    -------
    AccountResult
        ``customer_id``, ``active_users`` (window ending at ``at``), ``previous_active_users``
        (the same length of window ending the day before this one starts), ``change``
        (difference) and ``ratio`` (metric: ``active_users / previous_active_users``; 0.8 is
        a 20% fall; NaN with a warning where the previous window had no active user).

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 4, "user_id": [1, 2, 3, 1],
    ...           "at": ["2024-02-10", "2024-02-11", "2024-02-12", "2024-03-20"]}
    >>> r = active_users_trend(events, at="2024-03-31")   # 2 to 31 March vs 1 Feb to 1 Mar
    >>> r["previous_active_users"].tolist(), r["active_users"].tolist(), r["ratio"].tolist()
    ([3], [1], [0.3333333333333333])
    """
    ctx = "active_users_trend"
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    win = _window(at, window, ctx)
    before = _span(win.first_day - win.days, win.first_day - 1)
    now = rows.take(_active_per_code(table, _events(table, win)), 0)
    prev = rows.take(_active_per_code(table, _events(table, before)), 0)
    return AccountResult(
        {"customer_id": rows.ids, "active_users": now, "previous_active_users": prev,
         "change": now - prev,
         "ratio": _ratio(now, prev, context=ctx, what="the previous window's active users")},
        title=f"Active users ({win.describe()}) against the {win.days} days before",
        metric="ratio", sums=("active_users", "previous_active_users", "change"),
        ratios={"ratio": ("active_users", "previous_active_users")})


def active_users_series(usage: Any, *, start: PeriodLike, end: PeriodLike,
                        freq: str = "month", by: By = None,
                        customers: ArrayLike | None = None) -> TableResult:
    """Distinct active users per account in each period from ``start`` to ``end``.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    start, end : period or date
        First and last period (inclusive). With ``freq="day"`` or ``"week"``, dates (or
        periods: their first and last days).
    freq : {"day", "week", "month", "quarter", "year"} or fiscal "quarter-<mon>", "year-<mon>"
        Calendar periods (weeks run Monday to Sunday, labelled by ISO week).
    by : mapping or "all", optional
        One row per period and segment: ``active_users`` summed and ``active_accounts``.
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).

    Returns
    -------
    TableResult
        Per period and account (period-major): ``period``, ``period_start``,
        ``period_end``, ``customer_id``, ``active_users``.

    Notes
    -----
    A user is active in a period with at least one event on one of its UTC days. A daily
    series is DAU, a monthly one calendar-month MAU. The work is one distinct count over
    (user, period) keys, whatever the number of periods.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "b"], "user_id": [1, 2, 3],
    ...           "at": ["2024-01-31T23:00:00Z", "2024-02-01T01:00:00+02:00", "2024-02-03T08:00Z"]}
    >>> s = active_users_series(events, start="2024-01", end="2024-02")
    >>> list(zip(s["period"], s["customer_id"], s["active_users"].tolist()))
    [('2024-01', 'a', 2), ('2024-01', 'b', 0), ('2024-02', 'a', 0), ('2024-02', 'b', 1)]
    """
    ctx = "active_users_series"
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    labels, firsts, lasts = _periods(start, end, freq, ctx)
    n_p = labels.size
    win = _span(int(firsts[0]), int(lasts[-1]))
    ev = _events(table, win, need_day=True)
    # Period of each event: the last period whose first day is on or before its day.
    period = np.searchsorted(firsts - win.first_day, ev.day, side="right") - 1
    keys = ku.distinct(ev.member * np.int64(n_p) + period, table.n_members * n_p)
    cells = table.member_customer[keys // n_p] * np.int64(n_p) + keys % n_p
    dense = ku.count(cells, table.n_customers * n_p).reshape(table.n_customers, n_p)
    per_row = np.zeros((rows.ids.size, n_p), dtype=np.int64)
    has = rows.code >= 0
    per_row[has] = dense[rows.code[has]]
    if by is not None:
        name, seg_labels, seg = _segments(np.asarray(rows.ids), by, ctx)
        n_s = seg_labels.size
        users = np.zeros((n_s, n_p))
        accounts = np.zeros((n_s, n_p))
        np.add.at(users, seg, per_row)
        np.add.at(accounts, seg, per_row > 0)
        p_idx = np.repeat(np.arange(n_p), n_s)
        s_idx = np.tile(np.arange(n_s), n_p)
        return TableResult({"period": labels[p_idx], "period_start": firsts[p_idx].astype(
            "datetime64[D]"), "period_end": lasts[p_idx].astype("datetime64[D]"),
            name: seg_labels[s_idx], "active_users": users.T.reshape(-1).astype(np.int64),
            "active_accounts": accounts.T.reshape(-1).astype(np.int64)},
            title=f"Active users per {freq}, by {name}")
    n_r = rows.ids.size
    p_idx = np.repeat(np.arange(n_p), n_r)
    r_idx = np.tile(np.arange(n_r), n_p)
    return TableResult({"period": labels[p_idx],
                        "period_start": firsts[p_idx].astype("datetime64[D]"),
                        "period_end": lasts[p_idx].astype("datetime64[D]"),
                        "customer_id": np.asarray(rows.ids)[r_idx],
                        "active_users": per_row.T.reshape(-1)},
                       title=f"Active users per {freq}")


def _periods(start: PeriodLike, end: PeriodLike, freq: str, context: str
             ) -> tuple[NDArray[Any], I64, I64]:
    """Labels, first days and last days (days since the epoch) of the periods of a series."""
    f = freq.strip().lower() if isinstance(freq, str) else freq
    if f in ("day", "week"):
        first, _ = span_days(start, context)
        _, last = span_days(end, context)
        if last < first:
            raise InvalidParameterError(f"{context}: end {end!r} is before start {start!r}.")
        if f == "day":
            firsts = np.arange(first, last + 1, dtype=np.int64)
            lasts = firsts
            labels = np.array([str(d) for d in firsts.astype("datetime64[D]")], dtype=object)
        else:
            monday = first - (first + 3) % 7  # 1970-01-01 was a Thursday
            firsts = np.arange(monday, last + 1, 7, dtype=np.int64)
            lasts = firsts + 6
            labels = np.array([
                "{}-W{:02d}".format(*_dt.date.fromordinal(719_163 + int(d)).isocalendar()[:2])
                for d in firsts], dtype=object)
        return labels, firsts, lasts
    try:
        periods = period_range(start, end, parse_frequency(freq))
    except InvalidParameterError as exc:
        raise InvalidParameterError(
            f"{context}: {exc} (freq may also be 'day' or 'week').") from None
    labels = np.array([str(p) for p in periods], dtype=object)
    firsts = np.array([(p.start - _dt.date(1970, 1, 1)).days for p in periods], dtype=np.int64)
    lasts = np.array([(p.end - _dt.date(1970, 1, 1)).days for p in periods], dtype=np.int64)
    return labels, firsts, lasts


# --- stickiness and engagement ---------------------------------------------------------------


@overload
def stickiness(usage: Any, *, month: PeriodLike | None = ...,
               at: PeriodLike | _dt.datetime | None = ..., window: str | int = ...,
               by: None = None, customers: ArrayLike | None = ...) -> AccountResult: ...
@overload
def stickiness(usage: Any, *, month: PeriodLike | None = ...,
               at: PeriodLike | _dt.datetime | None = ..., window: str | int = ...,
               by: Mapping[Any, Any] | Literal["all"], customers: ArrayLike | None = ...
               ) -> TableResult: ...


def stickiness(usage: Any, *, month: PeriodLike | None = None,
               at: PeriodLike | _dt.datetime | None = None, window: str | int = "30D",
               by: By = None, customers: ArrayLike | None = None
               ) -> AccountResult | TableResult:
    """Stickiness per account: average daily active users over monthly active users (0-1).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    month : period, optional
        A calendar month (``"2024-03"``; a date means its month): every day of it counts.
    at, window : optional
        Instead of ``month``, a trailing window of days ending at ``at`` (Mozilla and
        Statsig use 28 days).
    by : mapping or "all", optional
        Pool into segments: ``sum(average_daily_users) / sum(active_users)``.
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``active_users`` (MAU: distinct users active in the span),
        ``user_days`` (sum over days of DAU), ``average_daily_users`` (``user_days / days``)
        and ``stickiness`` (metric).

    Notes
    -----
    For a span of ``D`` days: ``stickiness = (sum_d DAU_d / D) / MAU`` with ``DAU_d`` the
    users active on day ``d`` and ``MAU`` those active on any day of the span; every day
    counts, including days without activity. Equivalently, the mean share of the ``D``
    days on which each monthly active user was active. An account without activity in the
    span has no MAU: NaN with an :class:`~csmetrics.exceptions.UndefinedMetricWarning`.
    A month not yet over counts its future days as inactive: use complete months.

    References
    ----------
    Mixpanel, "Tutorial - DAU/MAU": the mean of the daily unique users over one month,
    divided by the unique users of that month.

    Examples
    --------
    One user active every day of April, two more active on one day each:

    >>> import numpy as np
    >>> days = np.arange("2024-04-01", "2024-05-01", dtype="datetime64[D]")
    >>> events = {"customer_id": ["a"] * 32, "user_id": [1] * 30 + [2, 3],
    ...           "at": np.concatenate([days, days[:2]])}
    >>> r = stickiness(events, month="2024-04")   # (32 / 30) / 3
    >>> r["average_daily_users"].round(4).tolist(), r["stickiness"].round(4).tolist()
    ([1.0667], [0.3556])
    """
    ctx = "stickiness"
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    if (month is None) == (at is None):
        raise InvalidParameterError(f"{ctx}: give either month= (a calendar month) or at= "
                                    "(with window=), not both and not neither.")
    if month is not None:
        first, last_of_span = span_days(month, ctx)
        if last_of_span - first > 30:
            raise InvalidParameterError(f"{ctx}: month must name one month (such as "
                                        f"'2024-03') or a date in it, got {month!r}.")
        first_month = np.datetime64(first, "D").astype("datetime64[M]")
        first = day_number(first_month.astype("datetime64[D]"))
        last = day_number((first_month + 1).astype("datetime64[D]")) - 1
        win = _span(first, last)
        what = f"month {first_month}"
    else:
        win = _window(at, window, ctx)
        what = win.describe()
    ev = _events(table, win, need_day=True)
    acts = ku.activity(ev.member, ev.day, table.member_customer, table.n_members, win.days,
                       table.n_customers)
    users = rows.take(acts.users, 0)
    user_days = rows.take(acts.user_days, 0)
    average = user_days / win.days
    return _finish(AccountResult(
        {"customer_id": rows.ids, "active_users": users, "user_days": user_days,
         "average_daily_users": average,
         "stickiness": _ratio(average, users, context=ctx,
                              what="the number of active users in the span")},
        title=f"Stickiness, average DAU / MAU ({what})", metric="stickiness",
        sums=("active_users", "user_days", "average_daily_users"),
        ratios={"stickiness": ("average_daily_users", "active_users")}), by)


@overload
def engagement(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = ...,
               by: None = None, customers: ArrayLike | None = ...) -> AccountResult: ...
@overload
def engagement(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = ...,
               by: Mapping[Any, Any] | Literal["all"], customers: ArrayLike | None = ...
               ) -> TableResult: ...


def engagement(usage: Any, *, at: PeriodLike | _dt.datetime, window: str | int = "30D",
               by: By = None, customers: ArrayLike | None = None
               ) -> AccountResult | TableResult:
    """Engagement per account in a window: event frequency and session length.

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``; ``events``; ``active_users``; ``user_days`` (distinct (user, day)
        pairs); ``events_per_active_user`` (metric: events / active users, the login
        frequency when events are logins); ``active_days_per_user`` (user-days / active
        users); ``timed_events`` (events carrying a duration); ``total_duration_s``;
        ``mean_session_s`` (total duration / timed events) and ``median_session_s``.
        With ``by``, sums and pooled ratios (medians do not pool and are left out).

    Notes
    -----
    Events without a duration count as events but not in the session lengths. No active
    user (or no timed event) makes the ratio NaN with an
    :class:`~csmetrics.exceptions.UndefinedMetricWarning`.

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 5, "user_id": [1, 1, 1, 2, 2],
    ...           "at": ["2024-03-01T09:00Z", "2024-03-01T15:00Z", "2024-03-05T09:00Z",
    ...                  "2024-03-06T10:00Z", "2024-03-07T10:00Z"],
    ...           "duration_s": [600, 300, None, 120, 60]}
    >>> r = engagement(events, at="2024-03-30")   # 30 days: 1 to 30 March
    >>> r.value("a"), r.value("a", "active_days_per_user"), r.value("a", "mean_session_s")
    (2.5, 2.0, 270.0)
    >>> r.value("a", "median_session_s")
    210.0
    """
    ctx = "engagement"
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    win = _window(at, window, ctx)
    ev = _events(table, win, need_day=True)
    acts = ku.activity(ev.member, ev.day, table.member_customer, table.n_members, win.days,
                       table.n_customers)
    duration = table.duration_s if ev.rows is None else table.duration_s[ev.rows]
    timed = ~np.isnan(duration)
    acc = table.member_customer[ev.member]
    n_timed = ku.count(acc[timed], table.n_customers)
    total_s = ku.total(acc[timed], duration[timed], table.n_customers)
    median = ku.per_group_median(acc[timed], duration[timed], table.n_customers)
    events = rows.take(acts.events, 0)
    users = rows.take(acts.users, 0)
    user_days = rows.take(acts.user_days, 0)
    timed_events = rows.take(n_timed, 0)
    total_duration = rows.take(total_s, 0.0)
    no_users = "the number of active users"
    return _finish(AccountResult(
        {"customer_id": rows.ids, "events": events, "active_users": users,
         "user_days": user_days,
         "events_per_active_user": _ratio(events, users, context=ctx, what=no_users),
         "active_days_per_user": _ratio(user_days, users, context=ctx, what=no_users),
         "timed_events": timed_events, "total_duration_s": total_duration,
         "mean_session_s": _ratio(total_duration, timed_events, context=ctx,
                                  what="the number of events with a duration"),
         "median_session_s": rows.take(median, np.nan)},
        title=f"Engagement ({win.describe()})", metric="events_per_active_user",
        sums=("events", "active_users", "user_days", "timed_events", "total_duration_s"),
        ratios={"events_per_active_user": ("events", "active_users"),
                "active_days_per_user": ("user_days", "active_users"),
                "mean_session_s": ("total_duration_s", "timed_events")}), by)
