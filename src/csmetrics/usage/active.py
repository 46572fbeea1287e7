"""Active users: in a trailing window, against the window before, and in each period.

``active_users``, ``active_users_trend`` and ``active_users_series`` count over events, so
besides the portfolio (``by=None``), accounts (``by="customer_id"``) and account mappings
they split by any column of the events: ``by="feature"`` counts, per feature, the users
with an event of that feature (an account's users of a feature are its (account, feature)
entity); ``by="user_id"`` gives one row per user id (a user is counted within its account,
so the row of an id used at two accounts pools those two users). Re-exported by
``csmetrics.usage``, whose documentation defines the window and active users.

Each metric is three steps (``csmetrics.usage.partials``): ``prepare_<metric>`` (the table
and a plan), ``partial_<metric>`` (counts per counted entity over some customers' rows)
and ``finalize_<metric>``; the public function is ``finalize(partial(table, plan), plan)``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import Satisfies, validate_params
from csmetrics._core.partials import Partials
from csmetrics._core.segments import By, segment_columns
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike, parse_frequency, period_range
from csmetrics.periods.days import span_days
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling, labels_of, pool
from csmetrics.tables.usage import UsageTable
from csmetrics.usage.common import (
    I64,
    Entities,
    Window,
    active_per_entity,
    event_entities,
    events,
    finish,
    span,
    trailing,
)

_ACTIVE = Pooling(sums=("active_users", "active"))

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
    table, plan = prepare_active_users(usage, at, window=window, by=by, customers=customers)
    return finalize_active_users(partial_active_users(table, plan), plan)


@dataclass(frozen=True)
class WindowPlan:
    """The plan of a count over one trailing window (and, for a trend, the window before):
    the entities and the windows."""

    entities: Entities
    win: Window
    before: Window | None = None


def prepare_active_users(usage: Any, at: PeriodLike | _dt.datetime, *,
                         window: str | int = "30D", by: By = None,
                         customers: ArrayLike | None = None) -> tuple[UsageTable, WindowPlan]:
    """``active_users``' table and plan."""
    ctx = "active_users"
    table, entities = event_entities(usage, by, customers, ctx)
    return table, WindowPlan(entities, trailing(at, window, ctx))


def partial_active_users(part: UsageTable, plan: WindowPlan) -> Partials:
    """Distinct active users of each counted entity among the part's rows."""
    sc = plan.entities.scope(part)
    counts = sc.split.take(active_per_entity(sc, events(sc, plan.win)), 0)
    return Partials("active_users", {"active_users": counts})


def finalize_active_users(partials: Partials, plan: WindowPlan) -> AccountResult:
    """``active_users``' result from its combined partials."""
    counts = partials["active_users"]
    return finish(plan.entities.split, {"active_users": counts, "active": counts > 0}, _ACTIVE,
                  ("accounts", "active_users", "active"), value="active_users",
                  title=f"Active users ({plan.win.describe()})", context="active_users")


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
    table, plan = prepare_active_users_trend(usage, at, window=window, by=by,
                                             customers=customers)
    return finalize_active_users_trend(partial_active_users_trend(table, plan), plan)


def prepare_active_users_trend(usage: Any, at: PeriodLike | _dt.datetime, *,
                               window: str | int = "30D", by: By = None,
                               customers: ArrayLike | None = None
                               ) -> tuple[UsageTable, WindowPlan]:
    """``active_users_trend``'s table and plan."""
    ctx = "active_users_trend"
    table, entities = event_entities(usage, by, customers, ctx)
    win = trailing(at, window, ctx)
    return table, WindowPlan(entities, win,
                                span(win.first_day - win.days, win.first_day - 1))


def partial_active_users_trend(part: UsageTable, plan: WindowPlan) -> Partials:
    """Distinct active users of each counted entity in both windows, among the part's rows."""
    sc = plan.entities.scope(part)
    assert plan.before is not None
    now = sc.split.take(active_per_entity(sc, events(sc, plan.win)), 0)
    prev = sc.split.take(active_per_entity(sc, events(sc, plan.before)), 0)
    return Partials("active_users_trend", {"active_users": now, "previous_active_users": prev})


def finalize_active_users_trend(partials: Partials, plan: WindowPlan) -> AccountResult:
    """``active_users_trend``'s result from its combined partials."""
    ctx, win = "active_users_trend", plan.win
    now, prev = partials["active_users"], partials["previous_active_users"]
    how = Pooling(sums=("active_users", "previous_active_users", "change"),
                  ratios={"ratio": ("active_users", "previous_active_users",
                                    "the previous window's active users")})
    return finish(plan.entities.split, {"active_users": now, "previous_active_users": prev,
                             "change": now - prev}, how,
                  ("accounts", "active_users", "previous_active_users", "change", "ratio"),
                  value="ratio", context=ctx,
                  title=f"Active users ({win.describe()}) against the {win.days} days before")


def _series_frequency(freq: object) -> bool:
    if isinstance(freq, str) and freq.strip().lower() in ("day", "week"):
        return True
    return bool(parse_frequency(freq))  # type: ignore[arg-type]


SERIES_FREQ = Satisfies(_series_frequency, "a period length: 'day', 'week', 'month', "
                         "'quarter', 'year', or a fiscal 'quarter-<mon>' / 'year-<mon>'")


@validate_params({"by": BY, "freq": SERIES_FREQ})
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
    table, plan = prepare_active_users_series(usage, start, end, freq=freq, by=by,
                                              customers=customers)
    return finalize_active_users_series(partial_active_users_series(table, plan), plan)


@dataclass(frozen=True)
class SeriesPlan:
    """The plan of ``active_users_series``: the entities and the periods (labels, first and
    last days since the epoch)."""

    entities: Entities
    freq: str
    labels: NDArray[Any]
    firsts: I64
    lasts: I64


def prepare_active_users_series(usage: Any, start: PeriodLike, end: PeriodLike, *,
                                freq: str = "month", by: By = None,
                                customers: ArrayLike | None = None
                                ) -> tuple[UsageTable, SeriesPlan]:
    """``active_users_series``' table and plan."""
    ctx = "active_users_series"
    table, entities = event_entities(usage, by, customers, ctx)
    labels, firsts, lasts = _periods(start, end, freq, ctx)
    return table, SeriesPlan(entities, freq, labels, firsts, lasts)


def partial_active_users_series(part: UsageTable, plan: SeriesPlan) -> Partials:
    """Distinct active users of each counted entity in each period, among the part's rows
    (shape: counted entities x periods)."""
    sc = plan.entities.scope(part)
    sp, firsts = sc.split, plan.firsts
    n_p = plan.labels.size
    win = span(int(firsts[0]), int(plan.lasts[-1]))
    ev = events(sc, win, need_day=True)
    # Period of each event: the last period whose first day is on or before its day.
    period = np.searchsorted(firsts - win.first_day, ev.day, side="right") - 1
    keys = ku.distinct(ev.member * np.int64(n_p) + period, sc.n_members * n_p)
    cells = sc.member_entity[keys // n_p] * np.int64(n_p) + keys % n_p
    dense = ku.count(cells, sc.n_entities * n_p).reshape(sc.n_entities, n_p)
    return Partials("active_users_series",
                    {"active_users": sp.take(dense, 0).reshape(sp.n, n_p)})


def finalize_active_users_series(partials: Partials, plan: SeriesPlan) -> AccountResult:
    """``active_users_series``' result from its combined partials."""
    ctx, freq, sp = "active_users_series", plan.freq, plan.entities.split
    labels, firsts, lasts = plan.labels, plan.firsts, plan.lasts
    n_p = labels.size
    per = partials["active_users"]
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
