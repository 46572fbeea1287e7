"""Stickiness (average DAU / MAU) and engagement: counts over the days of a span.

Both count over events, so they split by any column of the events, as the active-user
counts do (``csmetrics.usage.active``). ``stickiness`` is three steps (``prepare_``,
``partial_`` and ``finalize_stickiness``, see ``csmetrics.usage.partials``); engagement's
median session length is a median over events, which no sum of parts gives, so it stays one
step. Re-exported by ``csmetrics.usage``, whose documentation defines stickiness.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.options import validate_params
from csmetrics._core.partials import Partials
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_deprecated
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError, SignatureError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_number, span_days
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling
from csmetrics.tables.usage import UsageTable
from csmetrics.usage.common import (
    Entities,
    Window,
    event_entities,
    event_scope,
    events,
    finish,
    segment_of_events,
    span,
    trailing,
)

_F = TypeVar("_F", bound=Callable[..., Any])


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
    table, plan = prepare_stickiness(usage, at, window=window, by=by, customers=customers)
    return finalize_stickiness(partial_stickiness(table, plan), plan)


@dataclass(frozen=True)
class SpanPlan:
    """The plan of ``stickiness``: the entities, the span of days and how to name it."""

    entities: Entities
    win: Window
    what: str


def prepare_stickiness(usage: Any, at: PeriodLike | _dt.datetime, *,
                       window: str | int | None = None, by: By = None,
                       customers: ArrayLike | None = None) -> tuple[UsageTable, SpanPlan]:
    """``stickiness``' table and plan."""
    ctx = "stickiness"
    table, entities = event_entities(usage, by, customers, ctx)
    win, what = _stickiness_span(at, window, ctx)
    return table, SpanPlan(entities, win, what)


def partial_stickiness(part: UsageTable, plan: SpanPlan) -> Partials:
    """Distinct active users and user-days of each counted entity among the part's rows."""
    sc = plan.entities.scope(part)
    win = plan.win
    ev = events(sc, win, need_day=True)
    acts = ku.activity(ev.member, ev.day, sc.member_entity, sc.n_members, win.days,
                       sc.n_entities)
    return Partials("stickiness", {"active_users": sc.split.take(acts.users, 0),
                                   "user_days": sc.split.take(acts.user_days, 0)})


def finalize_stickiness(partials: Partials, plan: SpanPlan) -> AccountResult:
    """``stickiness``' result from its combined partials."""
    ctx, win, what = "stickiness", plan.win, plan.what
    users, user_days = partials["active_users"], partials["user_days"]
    how = Pooling(sums=("active_users", "user_days", "average_daily_users"),
                  ratios={"stickiness": ("average_daily_users", "active_users",
                                         "the number of active users in the span")})
    return finish(plan.entities.split, {"active_users": users, "user_days": user_days,
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
    sc = event_scope(usage, by, customers, ctx)
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
