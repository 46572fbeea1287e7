"""Active users, their trend and series, stickiness (DAU / MAU) and engagement.

``active_users``, ``active_users_trend``, ``active_users_series``, ``stickiness`` and
``engagement`` count over events, so besides the portfolio (``by=None``), accounts
(``by="customer_id"``) and account mappings they split by any column of the events:
``by="feature"`` counts, per feature, the users with an event of that feature (an account's
users of a feature are its (account, feature) entity); ``by="user_id"`` gives one row per
user id (a user is counted within its account, so the row of an id used at two accounts
pools those two users). Re-exported by ``csmetrics.usage``, whose documentation defines the
window, active users and stickiness.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import Satisfies, validate_params
from csmetrics._core.segments import By, segment_columns
from csmetrics._core.warnings import warn_deprecated
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError, SignatureError
from csmetrics.periods.calendar import PeriodLike, parse_frequency, period_range
from csmetrics.periods.days import day_number, span_days
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, AccountSet, Pooling, labels_of, pool, resolve_by
from csmetrics.tables.coerce import as_usage
from csmetrics.usage.common import (
    I64,
    Scope,
    Window,
    active_per_entity,
    events,
    finish,
    scope,
    segment_of_events,
    span,
    trailing,
)

_F = TypeVar("_F", bound=Callable[..., Any])

_ACTIVE = Pooling(sums=("active_users", "active"))


def _scope(usage: Any, by: By, customers: ArrayLike | None, context: str) -> Scope:
    by = resolve_by(by, context)
    table = as_usage(usage, context, by=by)
    return scope(table, by, AccountSet.of(table.customer_ids, customers=customers,
                                          context=context), context)


# --- active users ----------------------------------------------------------------------------


@validate_params({"by": BY})
def active_users(usage: Any, at: PeriodLike | _dt.datetime, *, window: str | int = "30D",
                 by: By = None, customers: ArrayLike | None = None) -> AccountResult:
    """Distinct active users in the window ending at ``at`` (a count).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
        The events.
    at : date, period or timestamp
        Last UTC day of the window (a period means its last day).
    window : str, default "30D"
        Window length, ending at ``at`` inclusive: ``"30D"``, ``"28D"``, ``"7D"``, ``"1D"``
        (MAU, 28-day MAU, WAU, DAU), any ``"<n>D"`` or ``"<n>W"``.
    by : None, str or mapping, optional
        ``None``: every account together; ``"customer_id"``: one row per account; a mapping
        from customer id to segment; or a column of the events (``"feature"``: users with
        an event of each feature; a column kept with ``segments=``).
    customers : sequence of ids, optional
        The accounts counted, in this order (an account without events has 0 active users).
        Default: every account of the table.

    Returns
    -------
    AccountResult
        Value column ``active_users``, with ``accounts`` and ``active`` (accounts with at
        least one active user).

    Notes
    -----
    ``active_users = |{user of the account with an event whose UTC day is in
    [at - window + 1, at]}|``. A user is counted within their account; pooled rows sum the
    accounts' counts, so a portfolio total counts each (account, user) pair once. Counting
    is done over integer codes; the result does not depend on row order.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "a", "b"], "user_id": ["u1", "u1", "u2", "u9"],
    ...           "at": ["2024-03-31T23:59:59Z", "2024-03-02T00:00:00Z",
    ...                  "2024-03-01T23:59:59Z", "2024-03-15T12:00:00Z"]}
    >>> int(active_users(events, "2024-03-31"))   # 30 days: 2 to 31 March
    2
    >>> print(active_users(events, "2024-03-31", by="customer_id"))
    Active users (30 days 2024-03-02 to 2024-03-31)
    customer_id  accounts  active_users  active
    a                   1             1       1
    b                   1             1       1
    >>> active_users(events, "2024-03-31", window="7D", by="customer_id")[
    ...     "active_users"].tolist()
    [1, 0]
    """
    ctx = "active_users"
    sc = _scope(usage, by, customers, ctx)
    win = trailing(at, window, ctx)
    counts = sc.split.take(active_per_entity(sc, events(sc, win)), 0)
    return finish(sc.split, {"active_users": counts, "active": counts > 0}, _ACTIVE,
                  ("accounts", "active_users", "active"), value="active_users",
                  title=f"Active users ({win.describe()})", context=ctx)


@validate_params({"by": BY})
def active_users_trend(usage: Any, at: PeriodLike | _dt.datetime, *,
                       window: str | int = "30D", by: By = None,
                       customers: ArrayLike | None = None) -> AccountResult:
    """Active users in the window ending at ``at`` over those of the window just before it.

    Parameters
    ----------
    usage, at, window, by, customers
        As in ``active_users``.

    Returns
    -------
    AccountResult
        Value column ``ratio`` (``active_users / previous_active_users``: 0.8 is a 20%
        fall; NaN with a warning where the previous window had no active user), with
        ``accounts``, ``active_users`` (the window ending at ``at``),
        ``previous_active_users`` (the same length of window ending the day before) and
        ``change`` (the difference).

    Notes
    -----
    Pooled, the ratio sums both counts over the accounts whose previous window had an
    active user (the accounts where it is defined), as every pooled ratio does; accounts
    new in this window add to ``active_users`` and ``change`` only.

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 4, "user_id": [1, 2, 3, 1],
    ...           "at": ["2024-02-10", "2024-02-11", "2024-02-12", "2024-03-20"]}
    >>> r = active_users_trend(events, "2024-03-31")   # 2 to 31 March vs 1 Feb to 1 Mar
    >>> r["previous_active_users"].tolist(), r["active_users"].tolist(), float(r)
    ([3], [1], 0.3333333333333333)
    """
    ctx = "active_users_trend"
    sc = _scope(usage, by, customers, ctx)
    win = trailing(at, window, ctx)
    before = span(win.first_day - win.days, win.first_day - 1)
    now = sc.split.take(active_per_entity(sc, events(sc, win)), 0)
    prev = sc.split.take(active_per_entity(sc, events(sc, before)), 0)
    how = Pooling(sums=("active_users", "previous_active_users", "change"),
                  ratios={"ratio": ("active_users", "previous_active_users",
                                    "the previous window's active users")})
    return finish(sc.split, {"active_users": now, "previous_active_users": prev,
                             "change": now - prev}, how,
                  ("accounts", "active_users", "previous_active_users", "change", "ratio"),
                  value="ratio", context=ctx,
                  title=f"Active users ({win.describe()}) against the {win.days} days before")


def _series_frequency(freq: object) -> bool:
    if isinstance(freq, str) and freq.strip().lower() in ("day", "week"):
        return True
    return bool(parse_frequency(freq))  # type: ignore[arg-type]


_SERIES_FREQ = Satisfies(_series_frequency, "a period length: 'day', 'week', 'month', "
                         "'quarter', 'year', or a fiscal 'quarter-<mon>' / 'year-<mon>'")


@validate_params({"by": BY, "freq": _SERIES_FREQ})
def active_users_series(usage: Any, start: PeriodLike, end: PeriodLike, *,
                        freq: str = "month", by: By = None,
                        customers: ArrayLike | None = None) -> AccountResult:
    """Distinct active users in each period from ``start`` to ``end`` (counts).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    start, end : period or date
        First and last period (inclusive). With ``freq="day"`` or ``"week"``, dates (or
        periods: their first and last days).
    freq : {"day", "week", "month", "quarter", "year"} or fiscal "quarter-<mon>", "year-<mon>"
        Calendar periods (weeks run Monday to Sunday, labelled by ISO week).
    by, customers
        As in ``active_users``.

    Returns
    -------
    AccountResult
        One row per period (period-major, then per segment): ``period``, ``period_start``,
        ``period_end``, the segment column, ``accounts``, ``active_users`` (value column)
        and ``active_accounts`` (accounts with an active user in the period).

    Notes
    -----
    A user is active in a period with at least one event on one of its UTC days. A daily
    series is DAU, a monthly one calendar-month MAU. The work is one distinct count over
    (user, period) keys, whatever the number of periods.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "b"], "user_id": [1, 2, 3],
    ...           "at": ["2024-01-31T23:00:00Z", "2024-02-01T01:00:00+02:00", "2024-02-03T08:00Z"]}
    >>> s = active_users_series(events, "2024-01", "2024-02")
    >>> list(zip(s["period"], s["active_users"].tolist(), s["active_accounts"].tolist()))
    [('2024-01', 2, 1), ('2024-02', 1, 1)]
    >>> s = active_users_series(events, "2024-01", "2024-02", by="customer_id")
    >>> list(zip(s["period"], s["customer_id"], s["active_users"].tolist()))
    [('2024-01', 'a', 2), ('2024-01', 'b', 0), ('2024-02', 'a', 0), ('2024-02', 'b', 1)]
    """
    ctx = "active_users_series"
    sc = _scope(usage, by, customers, ctx)
    sp = sc.split
    labels, firsts, lasts = _periods(start, end, freq, ctx)
    n_p = labels.size
    win = span(int(firsts[0]), int(lasts[-1]))
    ev = events(sc, win, need_day=True)
    # Period of each event: the last period whose first day is on or before its day.
    period = np.searchsorted(firsts - win.first_day, ev.day, side="right") - 1
    keys = ku.distinct(ev.member * np.int64(n_p) + period, sc.n_members * n_p)
    cells = sc.member_entity[keys // n_p] * np.int64(n_p) + keys % n_p
    dense = ku.count(cells, sc.n_entities * n_p).reshape(sc.n_entities, n_p)
    per = sp.take(dense, 0).reshape(sp.n, n_p)
    n_s = sp.n_segments
    group = (np.arange(n_p, dtype=np.int64)[None, :] * n_s + sp.segment[:, None]).reshape(-1)
    how = Pooling(sums=("active_users", "active_accounts"))
    pooled = pool({"active_users": per.reshape(-1), "active_accounts": per.reshape(-1) > 0},
                  group, n_p * n_s, how, context=ctx)
    p_idx = np.repeat(np.arange(n_p), n_s)
    cols = segment_columns(sp.name, sp.labels[np.tile(np.arange(n_s), n_p)], ctx,
                           {"period": labels[p_idx],
                            "period_start": firsts[p_idx].astype("datetime64[D]"),
                            "period_end": lasts[p_idx].astype("datetime64[D]")})
    cols.update(pooled)
    return AccountResult(cols, value="active_users", title=f"Active users per {freq}",
                         segment=sp.name, pooling=how,
                         keys=("period", "period_start", "period_end"))


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
            labels = labels_of([str(d) for d in firsts.astype("datetime64[D]")])
        else:
            monday = first - (first + 3) % 7  # 1970-01-01 was a Thursday
            firsts = np.arange(monday, last + 1, 7, dtype=np.int64)
            lasts = firsts + 6
            labels = labels_of([
                "{}-W{:02d}".format(*_dt.date.fromordinal(719_163 + int(d)).isocalendar()[:2])
                for d in firsts])
        return labels, firsts, lasts
    try:
        periods = period_range(start, end, parse_frequency(freq))
    except InvalidParameterError as exc:
        raise InvalidParameterError(
            f"{context}: {exc} (freq may also be 'day' or 'week').") from None
    labels = labels_of([str(p) for p in periods])
    firsts = np.array([(p.start - _dt.date(1970, 1, 1)).days for p in periods], dtype=np.int64)
    lasts = np.array([(p.end - _dt.date(1970, 1, 1)).days for p in periods], dtype=np.int64)
    return labels, firsts, lasts


# --- stickiness and engagement ---------------------------------------------------------------


def _month_alias(func: _F) -> _F:
    """``stickiness(month=...)`` before 0.2: the calendar month a period or a date names,
    passed on as ``at`` (deprecated)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "month" in kwargs:
            if "at" in kwargs or len(args) > 1:
                raise SignatureError("stickiness: give at= only (month= is its deprecated "
                                     "name).")
            month = kwargs.pop("month")
            warn_deprecated("stickiness: month= is deprecated and will be removed in 0.3; "
                            "pass the month as at (stickiness(usage, '2024-03')).")
            first, last = span_days(month, "stickiness")
            if last - first > 30:
                raise InvalidParameterError(f"stickiness: month must name one month (such as "
                                            f"'2024-03') or a date in it, got {month!r}.")
            kwargs["at"] = str(np.datetime64(first, "D").astype("datetime64[M]"))
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _stickiness_span(at: Any, window: str | int | None, context: str) -> tuple[Window, str]:
    if window is not None:
        win = trailing(at, window, context)
        return win, win.describe()
    first, last = span_days(at, context)
    if first == last:  # a day: the 30 days ending with it
        win = trailing(at, "30D", context)
        return win, win.describe()
    month = np.datetime64(first, "D").astype("datetime64[M]")
    if first != day_number(month.astype("datetime64[D]")) or last != day_number(
            (month + 1).astype("datetime64[D]")) - 1:
        raise InvalidParameterError(
            f"{context}: at must name one month (such as '2024-03') or a day, or come with a "
            f"window= such as '28D'; got {at!r}.")
    return span(first, last), f"month {month}"


@_month_alias
@validate_params({"by": BY})
def stickiness(usage: Any, at: PeriodLike | _dt.datetime, *, window: str | int | None = None,
               by: By = None, customers: ArrayLike | None = None) -> AccountResult:
    """Stickiness: average daily active users over the span's active users (0-1).

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    at : period, date or timestamp
        A calendar month (``"2024-03"``): every day of it counts. A day: the trailing
        ``window`` ending with it.
    window : str, optional
        A trailing window of days ending at ``at`` (Mozilla and Statsig use ``"28D"``).
        Default: the calendar month when ``at`` names a month, else ``"30D"``.
    by, customers
        As in ``active_users`` (``by="feature"`` is each feature's stickiness).

    Returns
    -------
    AccountResult
        Value column ``stickiness``, with ``accounts``, ``active_users`` (MAU: distinct
        users active in the span), ``user_days`` (sum over days of DAU) and
        ``average_daily_users`` (``user_days / days``).

    Raises
    ------
    InvalidParameterError
        ``at`` names a period longer than a month and no window is given.

    Notes
    -----
    For a span of ``D`` days: ``stickiness = (sum_d DAU_d / D) / MAU`` with ``DAU_d`` the
    users active on day ``d`` and ``MAU`` those active on any day of the span; every day
    counts, including days without activity. Equivalently, the mean share of the ``D``
    days on which each monthly active user was active. Pooled, ``sum(average_daily_users)
    / sum(active_users)``. No activity in the span means no MAU: NaN with an
    ``UndefinedMetricWarning``. A month not yet over counts its future days as inactive:
    use complete months. ``month=`` (before 0.2) is deprecated: pass the month as ``at``.

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
    >>> r = stickiness(events, "2024-04")   # (32 / 30) / 3
    >>> r["average_daily_users"].round(4).tolist(), round(float(r), 4)
    ([1.0667], 0.3556)
    """
    ctx = "stickiness"
    sc = _scope(usage, by, customers, ctx)
    win, what = _stickiness_span(at, window, ctx)
    ev = events(sc, win, need_day=True)
    acts = ku.activity(ev.member, ev.day, sc.member_entity, sc.n_members, win.days,
                       sc.n_entities)
    users = sc.split.take(acts.users, 0)
    user_days = sc.split.take(acts.user_days, 0)
    how = Pooling(sums=("active_users", "user_days", "average_daily_users"),
                  ratios={"stickiness": ("average_daily_users", "active_users",
                                         "the number of active users in the span")})
    return finish(sc.split, {"active_users": users, "user_days": user_days,
                             "average_daily_users": user_days / win.days}, how,
                  ("accounts", "active_users", "user_days", "average_daily_users",
                   "stickiness"), value="stickiness", context=ctx,
                  title=f"Stickiness, average DAU / MAU ({what})")


@validate_params({"by": BY})
def engagement(usage: Any, at: PeriodLike | _dt.datetime, *, window: str | int = "30D",
               by: By = None, customers: ArrayLike | None = None) -> AccountResult:
    """Engagement in a window: events per active user, active days and session length.

    Parameters
    ----------
    usage, at, window, by, customers
        As in ``active_users`` (``by="user_id"``: each user's engagement).

    Returns
    -------
    AccountResult
        Value column ``events_per_active_user`` (events / active users, the login
        frequency when events are logins), with ``accounts``; ``events``;
        ``active_users``; ``user_days`` (distinct (user, day) pairs);
        ``active_days_per_user`` (user-days / active users); ``timed_events`` (events
        carrying a duration); ``total_duration_s``; ``mean_session_s`` (total duration /
        timed events) and ``median_session_s``.

    Notes
    -----
    Events without a duration count as events but not in the session lengths. No active
    user (or no timed event) makes a ratio NaN with an ``UndefinedMetricWarning``. Ratios
    pool from summed parts; the median does not pool from medians: each row's median is
    taken over the timed events of its accounts.

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 5, "user_id": [1, 1, 1, 2, 2],
    ...           "at": ["2024-03-01T09:00Z", "2024-03-01T15:00Z", "2024-03-05T09:00Z",
    ...                  "2024-03-06T10:00Z", "2024-03-07T10:00Z"],
    ...           "duration_s": [600, 300, None, 120, 60]}
    >>> r = engagement(events, "2024-03-30")   # 30 days: 1 to 30 March
    >>> float(r), r["active_days_per_user"].tolist(), r["mean_session_s"].tolist()
    (2.5, [2.0], [270.0])
    >>> r["median_session_s"].tolist()
    [210.0]
    """
    ctx = "engagement"
    sc = _scope(usage, by, customers, ctx)
    sp = sc.split
    win = trailing(at, window, ctx)
    ev = events(sc, win, need_day=True)
    acts = ku.activity(ev.member, ev.day, sc.member_entity, sc.n_members, win.days,
                       sc.n_entities)
    duration = ev.of(sc.table.duration_s)
    timed = ~np.isnan(duration)
    entity = sc.member_entity[ev.member]
    segment = segment_of_events(sc, ev)
    in_row = timed & (segment >= 0)
    median = ku.per_group_median(segment[in_row], duration[in_row], sp.n_segments)
    no_users = "the number of active users"
    how = Pooling(
        sums=("events", "active_users", "user_days", "timed_events", "total_duration_s"),
        ratios={"events_per_active_user": ("events", "active_users", no_users),
                "active_days_per_user": ("user_days", "active_users", no_users),
                "mean_session_s": ("total_duration_s", "timed_events",
                                   "the number of events with a duration")})
    parts = {"events": sp.take(acts.events, 0), "active_users": sp.take(acts.users, 0),
             "user_days": sp.take(acts.user_days, 0),
             "timed_events": sp.take(ku.count(entity[timed], sc.n_entities), 0),
             "total_duration_s": sp.take(ku.total(entity[timed], duration[timed],
                                                  sc.n_entities), 0.0)}
    return finish(sp, parts, how,
                  ("accounts", "events", "active_users", "user_days", "events_per_active_user",
                   "active_days_per_user", "timed_events", "total_duration_s",
                   "mean_session_s", "median_session_s"),
                  value="events_per_active_user", title=f"Engagement ({win.describe()})",
                  context=ctx, extra={"median_session_s": median})
