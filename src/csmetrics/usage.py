"""Usage, adoption, licence utilization and time to value, per customer account.

Every function here reads a :class:`~csmetrics.usage_data.UsageTable` (or anything
:meth:`UsageTable.from_columns` reads) and returns one row per account: an
:class:`AccountResult` whose first column is ``customer_id`` and whose ``metric`` attribute
names the column holding the account's signal. ``customers=`` fixes the rows (those ids, in
that order, whether or not they have events), so signals from different functions line up
row for row; ``by=`` pools the accounts into segments instead.

Definitions
-----------
**Window.** ``window="30D"`` at ``at`` is the 30 UTC days ending with the day ``at`` names,
both ends included: the events with ``at - 29 days <= event day <= at``. ``at`` is a date,
a period (its last day: ``"2024-03"`` is 31 March), or a timestamp (its UTC date).
``"1D"`` is the day itself. Statsig and Mozilla define WAU and MAU the same way ("active
within the last 7 days (0-6 days)").

**Active user.** A user with at least one event in the window; counted within the account.

**Stickiness.** ``average DAU / MAU`` over a calendar month (or a trailing window): the
mean over *every* day of the span of the users active that day, divided by the users active
in the span. Since the sum of daily active users is the number of distinct (user, day)
pairs, stickiness is also the average share of the span's days on which an active user was
active (Mixpanel, "DAU/MAU" tutorial).

**Licence utilization.** ``active users in the window / seats``, not clamped: above 1 is
overage, reported in ``overage`` and flagged in ``over_limit``. No seats (0, or none known)
is NaN with an :class:`~csmetrics.exceptions.UndefinedMetricWarning`.

**Feature adoption.** Users of the feature in the window over eligible users (by default the
account's active users in the window). **Breadth**: how many of a list of key features the
account used (by at least ``min_users`` users) in the window.

**Time to value.** Days from the account's first subscription start to its first milestone
event, right-censored: an account that has not reached it by ``at`` is kept, with the days
observed so far, and the median comes from a Kaplan-Meier estimate, never from the reached
accounts alone.

Undefined ratios (no active user, no seat, no eligible user) are NaN with one
:class:`~csmetrics.exceptions.UndefinedMetricWarning` per call, never 0.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csmetrics._kernels import cohorts as kc
from csmetrics._kernels import revenue as kr
from csmetrics._kernels import usage as ku
from csmetrics._validation import Checker, _as_array, lookup, to_dates, to_float
from csmetrics.exceptions import DataValidationError, InvalidParameterError, UndefinedMetricWarning
from csmetrics.periods import PeriodLike, parse_frequency, period_range
from csmetrics.records import Subscription
from csmetrics.results import TableResult
from csmetrics.tables import SubscriptionTable
from csmetrics.usage_data import (
    UsageTable,
    comparable,
    day_bounds_us,
    day_number,
    id_array,
    positions,
    span_days,
    utc_day,
    window_days,
)

__all__ = [
    "AccountResult",
    "AdoptionRate",
    "AdoptionRule",
    "Milestone",
    "TimeToValue",
    "active_users",
    "active_users_series",
    "active_users_trend",
    "adoption_breadth",
    "adoption_rate",
    "engagement",
    "feature_adoption",
    "license_utilization",
    "seats_at",
    "stickiness",
    "time_to_value",
]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
By = Mapping[Any, Any] | Literal["all"] | None
"""Segments: ``None`` (one row per account), a mapping from customer id to segment (a dict
or a pandas Series), or ``"all"`` (one row for every account together)."""


# --- results ---------------------------------------------------------------------------------


class AccountResult(TableResult):
    """One row per account: ``customer_id`` first, then the metric and its parts.

    Attributes
    ----------
    metric : str
        The column holding each account's signal (``"utilization"``, ``"active_users"`` ...).
    description : str
        One line saying what the numbers are (window, date, definition).

    Examples
    --------
    >>> r = active_users(
    ...     {"customer_id": ["a", "a", "b"], "user_id": [1, 2, 3],
    ...      "at": ["2024-03-30", "2024-03-31", "2024-01-01"]}, at="2024-03-31")
    >>> r.metric, r["active_users"].tolist(), r.value("a")
    ('active_users', [2, 0], 2.0)
    """

    metric: str
    description: str
    _sums: tuple[str, ...]
    _ratios: Mapping[str, tuple[str, str]]
    _means: Mapping[str, str]
    _keys: tuple[str, ...]

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str,
                 sums: Sequence[str] = (), ratios: Mapping[str, tuple[str, str]] | None = None,
                 means: Mapping[str, str] | None = None, keys: Sequence[str] = (),
                 **extra: Any) -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, description=title, _sums=tuple(sums),
                  _ratios=dict(ratios or {}), _means=dict(means or {}), _keys=tuple(keys),
                  **extra)

    def value(self, customer_id: Any, column: str | None = None) -> float:
        """The number in ``column`` (default: :attr:`metric`) for one account."""
        wanted = np.array([customer_id], dtype=object)
        hits = np.flatnonzero(positions(wanted, np.asarray(self["customer_id"])) == 0)
        if hits.size != 1:
            raise InvalidParameterError(
                f"{type(self).__name__}: {hits.size} rows for customer {customer_id!r}; "
                "read the columns instead.")
        return float(self[column or self.metric][hits[0]])

    def by_segment(self, by: By) -> TableResult:
        """The accounts pooled into segments.

        Counts and amounts are summed; each ratio is recomputed from the summed numerator
        and denominator over the accounts where it is defined (a pooled ratio, not a mean
        of ratios); shares (such as the share of accounts adopted) are means over accounts.

        Parameters
        ----------
        by : mapping or "all"
            Customer id to segment (every account must be mapped), or ``"all"``.
        """
        ctx = f"{type(self).__name__}.by_segment"
        ids = np.asarray(self["customer_id"])
        name, labels, seg = _segments(ids, by, ctx)
        group, key_cols = seg, {}
        width = labels.size
        for key in self._keys:
            cats, inv = np.unique(np.asarray(self[key]).astype(str), return_inverse=True)
            group = group * cats.size + inv.reshape(-1)
            key_cols[key] = cats
            width *= cats.size
        used, group = np.unique(group, return_inverse=True)
        group = group.reshape(-1)
        n = used.size
        cols: dict[str, Any] = {}
        rest = used.copy()
        key_values: dict[str, Any] = {}
        for key in reversed(self._keys):
            cats = key_cols[key]
            key_values[key] = cats[rest % cats.size]
            rest = rest // cats.size
        cols[name] = labels[rest]
        for key in self._keys:
            cols[key] = key_values[key]
        cols["accounts"] = np.bincount(group, minlength=n).astype(np.int64)
        for col in self._sums:
            values = np.asarray(self[col])
            summed = np.bincount(group, weights=np.nan_to_num(values.astype(np.float64)),
                                 minlength=n)
            cols[col] = summed.astype(np.int64) if values.dtype.kind in "iub" else summed
        for col, (num, den) in self._ratios.items():
            ok = ~np.isnan(np.asarray(self[col], dtype=np.float64))
            top = np.bincount(group[ok], weights=np.asarray(self[num], np.float64)[ok],
                              minlength=n)
            bottom = np.bincount(group[ok], weights=np.asarray(self[den], np.float64)[ok],
                                 minlength=n)
            cols[col] = _ratio(top, bottom, context=ctx, what=f"the segment's {den}")
        for out, col in self._means.items():
            values = np.asarray(self[col], dtype=np.float64)
            ok = ~np.isnan(values)
            top = np.bincount(group[ok], weights=values[ok], minlength=n)
            cols[out] = _ratio(top, np.bincount(group[ok], minlength=n).astype(np.float64),
                               context=ctx, what="the number of accounts")
        return TableResult(cols, title=f"{self.title}, by {name}")

    def __repr__(self) -> str:
        n = len(self)
        return f"{type(self).__name__}({n:,} row{'s' * (n != 1)}, metric {self.metric!r})"


def _warn(message: str) -> None:
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)


def _ratio(num: ArrayLike, den: ArrayLike, *, context: str, what: str) -> F64:
    """``num / den``; NaN with one warning where ``den`` is zero or unknown (NaN)."""
    top = np.asarray(num, dtype=np.float64)
    bottom = np.asarray(den, dtype=np.float64)
    undefined = ~(bottom != 0) | np.isnan(bottom)
    if undefined.any():
        _warn(f"{context}: undefined for {int(undefined.sum()):,} of {undefined.size:,} "
              f"result(s) because {what} is zero or unknown; returning NaN.")
    out = np.full(top.shape, np.nan)
    np.divide(top, bottom, out=out, where=~undefined)
    return out


def _segments(ids: NDArray[Any], by: By, context: str) -> tuple[str, NDArray[Any], I64]:
    """Segment label of each account: (column name, labels, code of each account)."""
    if isinstance(by, str):
        if by != "all":
            raise InvalidParameterError(
                f"{context}: by must be None, 'all' or a mapping from customer id to segment, "
                f"got {by!r}.")
        return "segment", np.array(["all"], dtype=object), np.zeros(ids.size, dtype=np.int64)
    if isinstance(by, Mapping) or (hasattr(by, "keys") and hasattr(by, "__getitem__")):
        mapping: Mapping[Any, Any] = by if isinstance(by, Mapping) else dict(
            by.items())  # type: ignore[attr-defined]
        values = lookup(np.asarray(ids), mapping, context, "accounts")
        try:
            labels, seg = np.unique(values, return_inverse=True)
        except TypeError:
            labels, seg = np.unique(values.astype(str), return_inverse=True)
        return "segment", labels.astype(object), seg.reshape(-1).astype(np.int64)
    raise InvalidParameterError(
        f"{context}: by must be None, 'all' or a mapping from customer id to segment, got "
        f"{type(by).__name__}.")


def _finish(result: AccountResult, by: By) -> AccountResult | TableResult:
    return result if by is None else result.by_segment(by)


# --- inputs ----------------------------------------------------------------------------------


def _usage(usage: Any, context: str) -> UsageTable:
    if isinstance(usage, UsageTable):
        return usage
    if isinstance(usage, list | tuple):
        return UsageTable.from_records(usage)
    return UsageTable.from_columns(usage, _context=context)


@dataclass(frozen=True)
class _Rows:
    """The accounts of a result: their ids and each one's code in the usage table (-1: none)."""

    ids: NDArray[Any]
    code: I64

    def take(self, per_code: NDArray[Any], fill: Any) -> NDArray[Any]:
        """Per-account values (indexed by table code) for these rows; ``fill`` where absent."""
        has = self.code >= 0
        if has.all():
            return per_code[self.code]
        out = np.full(self.code.size, fill, dtype=np.result_type(per_code.dtype,
                                                                 np.asarray(fill).dtype))
        out[has] = per_code[self.code[has]]
        return out


def _rows(table: UsageTable, customers: ArrayLike | None, context: str) -> _Rows:
    if customers is None:
        return _Rows(table.customer_ids, np.arange(table.n_customers, dtype=np.int64))
    ids = id_array(customers, context, "customers")
    return _Rows(ids, positions(table.customer_ids, ids))


@dataclass(frozen=True)
class _Window:
    first_day: int
    last_day: int
    lo: int
    hi: int

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1

    def describe(self) -> str:
        first = np.datetime64(self.first_day, "D")
        last = np.datetime64(self.last_day, "D")
        return f"{self.days} days {first} to {last}"


def _window(at: Any, window: str | int, context: str) -> _Window:
    days = window_days(window, context)
    last = day_number(utc_day(at, context))
    first = last - days + 1
    lo, hi = day_bounds_us(first, last)
    return _Window(first, last, lo, hi)


def _span(first: int, last: int) -> _Window:
    lo, hi = day_bounds_us(first, last)
    return _Window(first, last, lo, hi)


@dataclass(frozen=True)
class _Events:
    """The events of a window: member codes, UTC day within the window, row positions."""

    member: I64
    day: I64
    rows: I64 | None  # positions in the table; None when every row is in the window


def _events(table: UsageTable, win: _Window, *, need_day: bool = False,
            features: I64 | None = None) -> _Events:
    t = table.t_us
    mask = ku.in_window(t, win.lo, win.hi)
    if features is not None:
        mask &= np.isin(table.feature_codes, features)
    if bool(mask.all()):
        day = ku.days_of(t, win.first_day) if need_day else np.zeros(0, dtype=np.int64)
        return _Events(table.member_codes, day, None)
    rows = np.flatnonzero(mask)
    day = ku.days_of(t[rows], win.first_day) if need_day else np.zeros(0, dtype=np.int64)
    return _Events(table.member_codes[rows], day, rows)


def _active_per_code(table: UsageTable, ev: _Events) -> I64:
    members = ku.active_members(ev.member, table.n_members)
    return ku.members_per_account(members, table.member_customer, table.n_customers)


def _feature_codes(table: UsageTable, features: str | Sequence[str], context: str
                   ) -> tuple[list[Any], I64]:
    names = [features] if isinstance(features, str) else list(features)
    if not names:
        raise InvalidParameterError(f"{context}: give at least one feature.")
    if len({str(f) for f in names}) != len(names):
        raise InvalidParameterError(f"{context}: features must not repeat, got {names!r}.")
    codes = np.array([table.feature_code(f, context) for f in names], dtype=np.int64)
    return names, codes


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


# --- rule-based adoption ---------------------------------------------------------------------


class AdoptionRule(BaseModel):
    """When an account counts as fully adopted: active on enough days in enough periods.

    The rule looks at ``periods`` consecutive blocks of ``period_days`` UTC days ending at
    ``at`` (the default, four 7-day blocks, is the last 28 days). A day *qualifies* for an
    account when at least ``min_users_per_day`` of its users were active that day and, if
    ``key_features`` is given, used at least one key feature that day (only key-feature
    events count). A block is *met* with at least ``min_active_days`` qualifying days. The
    account is adopted when at least ``min_periods`` blocks (default: all) are met.

    Examples
    --------
    "Active on 3+ days a week, every week of the last four, using a key feature each time":

    >>> AdoptionRule(min_active_days=3, key_features=("report", "dashboard"))
    AdoptionRule(min_active_days=3, period_days=7, periods=4, min_periods=None, key_features=('report', 'dashboard'), min_users_per_day=1)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_active_days: int = Field(default=3, ge=1)
    period_days: int = Field(default=7, ge=1, le=366)
    periods: int = Field(default=4, ge=1, le=520)
    min_periods: int | None = Field(default=None, ge=1)
    key_features: tuple[str, ...] = ()
    min_users_per_day: int = Field(default=1, ge=1)

    @field_validator("key_features", mode="before")
    @classmethod
    def _one_name_is_a_tuple(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _consistent(self) -> AdoptionRule:
        if self.min_active_days > self.period_days:
            raise ValueError(f"min_active_days ({self.min_active_days}) cannot exceed "
                             f"period_days ({self.period_days})")
        if self.min_periods is not None and self.min_periods > self.periods:
            raise ValueError(f"min_periods ({self.min_periods}) cannot exceed periods "
                             f"({self.periods})")
        return self

    @property
    def required_periods(self) -> int:
        """Blocks that must be met."""
        return self.periods if self.min_periods is None else self.min_periods


class AdoptionRate(AccountResult):
    """Accounts against an :class:`AdoptionRule`: per account, and the share adopted.

    Columns: ``customer_id``, ``qualifying_days``, ``periods_met`` and ``adopted`` (metric).
    Attributes ``rule`` and ``rate`` (adopted accounts / accounts, NaN with no account).
    """

    rule: AdoptionRule
    rate: float

    def __repr__(self) -> str:
        return f"AdoptionRate({self.rate:.4g} of {len(self):,} accounts adopted)"


@overload
def adoption_rate(usage: Any, rule: AdoptionRule | None = ..., *,
                  at: PeriodLike | _dt.datetime, by: None = None,
                  customers: ArrayLike | None = ...) -> AdoptionRate: ...
@overload
def adoption_rate(usage: Any, rule: AdoptionRule | None = ..., *,
                  at: PeriodLike | _dt.datetime, by: Mapping[Any, Any] | Literal["all"],
                  customers: ArrayLike | None = ...) -> TableResult: ...


def adoption_rate(usage: Any, rule: AdoptionRule | None = None, *,
                  at: PeriodLike | _dt.datetime, by: By = None,
                  customers: ArrayLike | None = None) -> AdoptionRate | TableResult:
    """The share of accounts meeting a rule-based "fully adopted" definition.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    rule : AdoptionRule, optional
        Default ``AdoptionRule()``: active on 3 or more days in each of the last four weeks.
    at : date, period or timestamp
        Last UTC day of the last block.
    by : mapping or "all", optional
        Share adopted per segment (``adoption_rate``) with counts.
    customers : sequence of ids, optional
        The accounts judged, in order; accounts without events are not adopted. This is
        the denominator of the rate (default: every account of the table).

    Returns
    -------
    AdoptionRate or TableResult
        Per account ``qualifying_days``, ``periods_met``, ``adopted``; ``.rate`` is the
        share adopted.

    Notes
    -----
    ``rate = |{accounts with periods_met >= required periods}| / |accounts|``. Blocks are
    trailing blocks of whole UTC days, not calendar weeks: with ``at`` a Sunday and 7-day
    blocks they are Monday-Sunday weeks.

    Examples
    --------
    Account ``a`` is active Monday, Wednesday and Friday of two weeks; ``b`` misses week 1:

    >>> events = {"customer_id": ["a"] * 6 + ["b"] * 3, "user_id": [1] * 6 + [2] * 3,
    ...           "at": ["2024-03-04", "2024-03-06", "2024-03-08", "2024-03-11",
    ...                  "2024-03-13", "2024-03-15", "2024-03-11", "2024-03-12",
    ...                  "2024-03-13"]}
    >>> r = adoption_rate(events, AdoptionRule(periods=2), at="2024-03-17")
    >>> r["periods_met"].tolist(), r["adopted"].tolist(), r.rate
    ([2, 1], [True, False], 0.5)
    """
    ctx = "adoption_rate"
    rule = AdoptionRule() if rule is None else rule
    table = _usage(usage, ctx)
    rows = _rows(table, customers, ctx)
    days = rule.period_days * rule.periods
    win = _window(at, days, ctx)
    feats = None
    if rule.key_features:
        _, feats = _feature_codes(table, rule.key_features, ctx)
    ev = _events(table, win, need_day=True, features=feats)
    n_acc = table.n_customers
    if rule.min_users_per_day == 1:
        cells = ku.distinct(table.member_customer[ev.member] * np.int64(days) + ev.day,
                            n_acc * days)
    else:
        keys = ku.member_days(ev.member, ev.day, table.n_members, days)
        per_cell = ku.count(table.member_customer[keys // days] * np.int64(days) + keys % days,
                            n_acc * days)
        cells = np.flatnonzero(per_cell >= rule.min_users_per_day).astype(np.int64)
    acc, day = cells // days, cells % days
    qualifying = ku.count(acc, n_acc)
    per_block = ku.count(acc * rule.periods + day // rule.period_days, n_acc * rule.periods)
    met = ku.count(np.flatnonzero(per_block >= rule.min_active_days) // rule.periods, n_acc)
    periods_met = rows.take(met, 0)
    adopted = periods_met >= rule.required_periods
    n = adopted.size
    if n == 0:
        _warn(f"{ctx}: there are no accounts, so the adoption rate is undefined; "
              "returning NaN.")
    rate = float(adopted.sum() / n) if n else float("nan")
    result = AdoptionRate(
        {"customer_id": rows.ids, "qualifying_days": rows.take(qualifying, 0),
         "periods_met": periods_met, "adopted": adopted},
        title=f"Adoption ({rule.periods} blocks of {rule.period_days} days to "
              f"{np.datetime64(win.last_day, 'D')}, {rule.min_active_days}+ qualifying days "
              f"in {rule.required_periods}+ blocks)",
        metric="adopted", sums=("adopted",), means={"adoption_rate": "adopted"},
        rule=rule, rate=rate)
    return result if by is None else result.by_segment(by)


# --- seats and licence utilization -----------------------------------------------------------


def seats_at(subscriptions: Any, at: PeriodLike | _dt.datetime, *,
             plans: Sequence[str] | None = None) -> AccountResult:
    """Seats per account on a day: the quantity of its subscriptions active that day.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    at : date, period or timestamp
        The day (``start <= day < end``).
    plans : sequence of str, optional
        Count only spans of these plans (when add-ons carry quantities that are not seats).

    Returns
    -------
    AccountResult
        ``customer_id`` (every customer of the table) and ``seats`` (metric; 0 without an
        active subscription).

    Examples
    --------
    >>> subs = [Subscription(customer_id="a", start="2024-01-01", amount=10, quantity=25),
    ...         Subscription(customer_id="a", start="2024-01-01", amount=5, quantity=1,
    ...                      plan="addon"),
    ...         Subscription(customer_id="b", start="2024-01-01", end="2024-02-01",
    ...                      amount=10, quantity=5)]
    >>> seats_at(subs, "2024-03-31")["seats"].tolist()
    [26.0, 0.0]
    >>> seats_at(subs, "2024-01-15", plans=[None])["seats"].tolist()   # spans without a plan
    [25.0, 5.0]
    """
    ctx = "seats_at"
    subs = _subscriptions(subscriptions, ctx)
    day = utc_day(at, ctx)
    active = kr.active_on(subs.start, subs.end, day)
    if plans is not None:
        wanted = list(plans)
        named = [p for p in wanted if p is not None]
        codes = positions(subs.plans, np.array(named, dtype=object)) if named else np.zeros(
            0, np.int64)
        unknown = [p for p, c in zip(named, codes.tolist(), strict=True) if c < 0]
        if unknown:
            shown = ", ".join(repr(p) for p in subs.plans.tolist()[:20]) or "none"
            raise InvalidParameterError(f"{ctx}: no subscription has plan(s) {unknown!r} "
                                        f"(plans: {shown}).")
        keep = np.isin(subs.plan_codes, codes)
        if None in wanted:
            keep |= subs.plan_codes < 0
        active &= keep
    seats = ku.total(subs.customer_codes[active], subs.quantity[active], subs.customer_ids.size)
    return AccountResult({"customer_id": subs.customer_ids, "seats": seats},
                         title=f"Seats on {day}", metric="seats", sums=("seats",))


def _subscriptions(value: Any, context: str) -> SubscriptionTable:
    if isinstance(value, SubscriptionTable):
        return value
    if isinstance(value, list | tuple):
        return SubscriptionTable.from_records(value)
    return SubscriptionTable.from_columns(value, _context=context)


def _is_subscriptions(value: Any) -> bool:
    """Subscriptions in any form: a table, records, a DataFrame or a mapping of columns."""
    if isinstance(value, SubscriptionTable) or hasattr(value, "columns") or hasattr(
            value, "column_names"):
        return True
    if isinstance(value, list | tuple):
        return bool(value) and all(isinstance(v, Subscription) for v in value)
    if isinstance(value, Mapping):
        # A mapping of columns ({"customer_id": [...], "start": [...]}), not of id -> number.
        return bool(value) and all(isinstance(v, list | tuple | np.ndarray)
                                   for v in value.values())
    return False


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        hasattr(value, "keys") and hasattr(value, "items") and not hasattr(value, "columns"))


@dataclass(frozen=True)
class _Source:
    """Seats (or eligible users) keyed by customer id, from subscriptions or a mapping."""

    ids: NDArray[Any]
    amounts: F64
    from_subscriptions: bool

    @property
    def fill(self) -> float:
        """For an account the source lacks: no subscription is 0 seats, no key is unknown."""
        return 0.0 if self.from_subscriptions else float("nan")

    @property
    def holders(self) -> NDArray[Any]:
        """Accounts the source speaks of: with seats (subscriptions) or every key."""
        if self.from_subscriptions:
            return self.ids[self.amounts > 0]
        return self.ids


def _source(value: Any, at: Any, plans: Sequence[str] | None, what: str, context: str
            ) -> _Source | None:
    """Ids and amounts of subscriptions or a mapping; None for an array aligned with rows."""
    if _is_subscriptions(value):
        seats = seats_at(value, at, plans=plans)
        return _Source(np.asarray(seats["customer_id"]),
                       np.asarray(seats["seats"], dtype=np.float64), True)
    if plans is not None:
        raise InvalidParameterError(f"{context}: plans= applies to seats from subscriptions.")
    if _is_mapping(value):
        keys = id_array(list(value.keys()), context, f"the keys of {what}")
        raw = _as_array(list(value.values()))
        amounts = to_float(raw, what, Checker(raw.size, context))
        _check_amounts(amounts, what, context)
        return _Source(keys, amounts, False)
    return None


def _check_amounts(amounts: F64, what: str, context: str) -> None:
    with np.errstate(invalid="ignore"):
        bad = (amounts < 0) | np.isinf(amounts)
    if bad.any():
        raise DataValidationError(column=what, rule="must be a finite number >= 0",
                                  count=int(bad.sum()),
                                  positions=np.flatnonzero(bad)[:5].tolist(),
                                  n_rows=amounts.size, context=context)


def _amounts_for(rows: _Rows, source: _Source | None, value: Any, what: str, context: str
                 ) -> F64:
    """Seats (or eligible users) of each row."""
    if source is None:
        arr = np.asarray(_as_array(value) if not isinstance(value, np.ndarray) else value)
        amounts = to_float(arr, what, Checker(arr.size, context))
        if amounts.shape != (rows.ids.size,):
            raise InvalidParameterError(
                f"{context}: {what} given as an array must have one value per account "
                f"({rows.ids.size:,}, in the order of customers=, or of the usage table's "
                f"sorted customer ids), got {amounts.size:,}.")
        _check_amounts(amounts, what, context)
        return amounts
    pos = positions(source.ids, rows.ids)
    out = np.full(rows.ids.size, source.fill)
    out[pos >= 0] = source.amounts[pos[pos >= 0]]
    return out


def _union(a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
    """Sorted distinct ids of both arrays (compared as text when their types differ)."""
    x, y = comparable(np.asarray(a), np.asarray(b))
    both = np.sort(np.concatenate([x, y]))
    return both[ku.heads(both)]


def _rows_for(table: UsageTable, customers: ArrayLike | None, source: _Source | None,
              context: str) -> _Rows:
    """Given ``customers``, those; otherwise the table's accounts and the source's holders."""
    if customers is not None or source is None:
        return _rows(table, customers, context)
    union = _union(table.customer_ids, source.holders)
    return _Rows(union, positions(table.customer_ids, union))


@overload
def license_utilization(usage: Any, seats: Any, *, at: PeriodLike | _dt.datetime,
                        window: str | int = ..., by: None = None,
                        customers: ArrayLike | None = ..., plans: Sequence[str] | None = ...
                        ) -> AccountResult: ...
@overload
def license_utilization(usage: Any, seats: Any, *, at: PeriodLike | _dt.datetime,
                        window: str | int = ..., by: Mapping[Any, Any] | Literal["all"],
                        customers: ArrayLike | None = ..., plans: Sequence[str] | None = ...
                        ) -> TableResult: ...


def license_utilization(usage: Any, seats: Any, *, at: PeriodLike | _dt.datetime,
                        window: str | int = "30D", by: By = None,
                        customers: ArrayLike | None = None,
                        plans: Sequence[str] | None = None) -> AccountResult | TableResult:
    """Licence (seat) utilization per account: active users in the window over seats.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    seats : SubscriptionTable, list of Subscription, mapping, or array
        Seats per account: a :class:`~csmetrics.SubscriptionTable` (the quantity of the
        subscriptions active on ``at``, see :func:`seats_at`), a mapping from customer id
        to seats (a dict or pandas Series; an account missing from it has no known seats),
        or an array with one value per account in the order of ``customers`` (or of the
        usage table's sorted customer ids).
    at : date, period or timestamp
        Last UTC day of the window, and the day seats are read.
    window : str or int, default "30D"
        Window of activity, ending at ``at`` inclusive.
    by : mapping or "all", optional
        Pool into segments: ``sum(active_users) / sum(seats)`` over accounts with seats.
    customers : sequence of ids, optional
        The accounts to report, in order. Default: every account with events or with
        seats (seats > 0 from subscriptions; every key of a mapping).
    plans : sequence of str, optional
        With subscriptions, count the quantity of these plans only.

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``active_users``, ``seats``, ``utilization`` (metric, unclamped),
        ``unused_seats`` (``max(seats - active, 0)``), ``overage``
        (``max(active - seats, 0)``) and ``over_limit`` (utilization > 1). Attributes
        ``accounts_over_limit`` and ``accounts_without_seats``.

    Raises
    ------
    DataValidationError
        A negative or infinite number of seats.

    Notes
    -----
    ``utilization = active_users / seats``, never clamped at 1: an account with 12 active
    users on 10 seats is at 1.2 with an overage of 2. No seats (0, or not known) gives
    NaN with an :class:`~csmetrics.exceptions.UndefinedMetricWarning`, never a division
    error or a silent 0.

    References
    ----------
    GitLab handbook, "License Utilization": billable users over licensed users, per
    subscription, rolled up per account in Gainsight. Petavue glossary, "License
    Utilization": 100 seats with 60 active users is 60%.

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 3 + ["b"] * 3, "user_id": [1, 2, 3, 4, 5, 6],
    ...           "at": ["2024-03-10"] * 6}
    >>> r = license_utilization(events, {"a": 4, "b": 2, "c": 0}, at="2024-03-31")
    >>> print(r)
    Licence utilization (30 days 2024-03-02 to 2024-03-31)
    customer_id  active_users  seats  utilization  unused_seats  overage  over_limit
    a                       3      4         0.75             1        0  no
    b                       3      2          1.5             0        1  yes
    c                       0      0          NaN             0        0  no
    """
    ctx = "license_utilization"
    table = _usage(usage, ctx)
    source = _source(seats, at, plans, "seats", ctx)
    rows = _rows_for(table, customers, source, ctx)
    win = _window(at, window, ctx)
    active = rows.take(_active_per_code(table, _events(table, win)), 0)
    seat = _amounts_for(rows, source, seats, "seats", ctx)
    util = _ratio(active, seat, context=ctx, what="the number of seats")
    known = ~np.isnan(seat)
    over = np.where(known, np.maximum(active - np.nan_to_num(seat), 0.0), np.nan)
    unused = np.where(known, np.maximum(np.nan_to_num(seat) - active, 0.0), np.nan)
    over_limit = np.nan_to_num(util) > 1
    result = AccountResult(
        {"customer_id": rows.ids, "active_users": active, "seats": seat, "utilization": util,
         "unused_seats": unused, "overage": over, "over_limit": over_limit},
        title=f"Licence utilization ({win.describe()})", metric="utilization",
        sums=("active_users", "seats", "unused_seats", "overage", "over_limit"),
        ratios={"utilization": ("active_users", "seats")},
        accounts_over_limit=int(over_limit.sum()),
        accounts_without_seats=int((~(seat > 0)).sum()))
    return _finish(result, by)


# --- feature adoption and breadth ------------------------------------------------------------


def feature_adoption(usage: Any, feature: str | Sequence[str], *, eligible_users: Any = None,
                     at: PeriodLike | _dt.datetime, window: str | int = "30D", by: By = None,
                     customers: ArrayLike | None = None, plans: Sequence[str] | None = None
                     ) -> AccountResult | TableResult:
    """Share of an account's eligible users who used a feature in the window.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    feature : str or sequence of str
        The feature; with several, one row per account and feature (account-major).
    eligible_users : SubscriptionTable, mapping or array, optional
        Who could use it. Default: the account's active users in the window (so the share
        is of active users). Otherwise as ``seats`` in :func:`license_utilization`.
    at, window : optional
        The window (default 30 days ending at ``at``).
    by : mapping or "all", optional
        Pool per segment and feature: ``sum(feature_users) / sum(eligible_users)`` and
        ``account_share`` (share of accounts with at least one user of the feature).
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).
    plans : sequence of str, optional
        With subscriptions as ``eligible_users``, count these plans only.

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``feature``, ``feature_users``, ``eligible_users``, ``adoption``
        (metric, not clamped) and ``used`` (at least one user).

    Raises
    ------
    InvalidParameterError
        A feature with no event in the table (most likely misspelt; the message lists the
        features present).

    Examples
    --------
    >>> events = {"customer_id": ["a"] * 4, "user_id": [1, 2, 3, 1],
    ...           "at": ["2024-03-10"] * 4, "feature": ["login"] * 3 + ["export"]}
    >>> r = feature_adoption(events, "export", at="2024-03-31")
    >>> r["feature_users"].tolist(), r["eligible_users"].tolist(), r.value("a")
    ([1], [3.0], 0.3333333333333333)
    """
    ctx = "feature_adoption"
    table = _usage(usage, ctx)
    names, codes = _feature_codes(table, feature, ctx)
    k = codes.size
    rows = _rows(table, customers, ctx)
    win = _window(at, window, ctx)
    ev_all = _events(table, win)
    feat = table.feature_codes if ev_all.rows is None else table.feature_codes[ev_all.rows]
    lut = np.full(table.features.size + 1, -1, dtype=np.int64)
    lut[codes + 1] = np.arange(k)
    which = lut[feat + 1]
    picked = which >= 0
    keys = ku.distinct(ev_all.member[picked] * np.int64(k) + which[picked], table.n_members * k)
    users = ku.count(table.member_customer[keys // k] * np.int64(k) + keys % k,
                     table.n_customers * k).reshape(table.n_customers, k)
    per_row = np.zeros((rows.ids.size, k), dtype=np.int64)
    has = rows.code >= 0
    per_row[has] = users[rows.code[has]]
    if eligible_users is None:
        eligible = rows.take(_active_per_code(table, ev_all), 0).astype(np.float64)
        what = "active users in the window"
    else:
        source = _source(eligible_users, at, plans, "eligible_users", ctx)
        eligible = _amounts_for(rows, source, eligible_users, "eligible_users", ctx)
        what = "eligible users"
    n = rows.ids.size
    feature_users = per_row.reshape(-1)
    elig = np.repeat(eligible, k)
    result = AccountResult(
        {"customer_id": np.repeat(np.asarray(rows.ids, dtype=object), k),
         "feature": np.tile(np.asarray(names, dtype=object), n),
         "feature_users": feature_users, "eligible_users": elig,
         "adoption": _ratio(feature_users, elig, context=ctx,
                            what=f"the number of {what}"),
         "used": feature_users > 0},
        title=f"Feature adoption ({win.describe()})", metric="adoption",
        sums=("feature_users", "eligible_users", "used"),
        ratios={"adoption": ("feature_users", "eligible_users")},
        means={"account_share": "used"}, keys=("feature",))
    return _finish(result, by)


def adoption_breadth(usage: Any, features: Sequence[str], *, at: PeriodLike | _dt.datetime,
                     window: str | int = "30D", min_users: int = 1, by: By = None,
                     customers: ArrayLike | None = None) -> AccountResult | TableResult:
    """How many of a list of key features each account used in the window.

    Parameters
    ----------
    usage : UsageTable, list of UsageEvent, or columns
    features : sequence of str
        The key features (each must occur in the table).
    at, window : optional
        The window (default 30 days ending at ``at``).
    min_users : int, default 1
        A feature counts as used by the account when at least this many of its users used
        it in the window.
    by : mapping or "all", optional
        Pool into segments: mean breadth and share of accounts using all key features.
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``features_used``, ``key_features`` (how many there are),
        ``breadth`` (metric: ``features_used / key_features``), ``all_used``, and one column
        ``users: <feature>`` per key feature with its users in the window.

    Examples
    --------
    >>> events = {"customer_id": ["a", "a", "a", "b"], "user_id": [1, 2, 1, 3],
    ...           "at": ["2024-03-10"] * 4,
    ...           "feature": ["report", "report", "export", "report"]}
    >>> r = adoption_breadth(events, ["report", "export", "report"][:2], at="2024-03-31")
    >>> r["features_used"].tolist(), r["breadth"].tolist(), r["users: report"].tolist()
    ([2, 1], [1.0, 0.5], [2, 1])
    """
    ctx = "adoption_breadth"
    if isinstance(features, str):
        raise InvalidParameterError(f"{ctx}: features must be a list of feature names; for "
                                    "one feature use feature_adoption().")
    if not isinstance(min_users, int | np.integer) or min_users < 1:
        raise InvalidParameterError(f"{ctx}: min_users must be a whole number >= 1.")
    table = _usage(usage, ctx)
    names, codes = _feature_codes(table, features, ctx)
    k = codes.size
    rows = _rows(table, customers, ctx)
    win = _window(at, window, ctx)
    ev = _events(table, win, features=codes)
    feat = table.feature_codes if ev.rows is None else table.feature_codes[ev.rows]
    lut = np.full(table.features.size + 1, -1, dtype=np.int64)
    lut[codes + 1] = np.arange(k)
    keys = ku.distinct(ev.member * np.int64(k) + lut[feat + 1], table.n_members * k)
    users = ku.count(table.member_customer[keys // k] * np.int64(k) + keys % k,
                     table.n_customers * k).reshape(table.n_customers, k)
    per_row = np.zeros((rows.ids.size, k), dtype=np.int64)
    has = rows.code >= 0
    per_row[has] = users[rows.code[has]]
    used = (per_row >= min_users).sum(axis=1)
    cols: dict[str, Any] = {"customer_id": rows.ids, "features_used": used,
                            "key_features": np.full(rows.ids.size, k, dtype=np.int64),
                            "breadth": used / k, "all_used": used == k}
    for j, name in enumerate(names):
        cols[f"users: {name}"] = per_row[:, j]
    return _finish(AccountResult(
        cols, title=f"Adoption breadth, {k} key features ({win.describe()})",
        metric="breadth", sums=("features_used", "key_features", "all_used"),
        ratios={"breadth": ("features_used", "key_features")},
        means={"all_used_share": "all_used"}), by)


# --- time to value ---------------------------------------------------------------------------


class Milestone(BaseModel):
    """The event that marks first value for an account.

    Parameters
    ----------
    features : tuple of str, default ()
        Events of any of these features qualify; empty means any event.
    count : int, default 1
        The milestone is the ``count``-th qualifying event (or, with ``distinct_users``, the
        first qualifying event of the ``count``-th distinct user).
    distinct_users : bool, default False
        Count users instead of events ("5 users have run a report").

    Examples
    --------
    >>> Milestone(features="report", count=3)
    Milestone(features=('report',), count=3, distinct_users=False)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    features: tuple[str, ...] = ()
    count: int = Field(default=1, ge=1)
    distinct_users: bool = False

    @field_validator("features", mode="before")
    @classmethod
    def _one_name_is_a_tuple(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v

    def describe(self) -> str:
        """A short phrase for titles.

        Examples
        --------
        >>> Milestone(features="report", count=3).describe()
        "3rd 'report' event"
        >>> Milestone(count=5, distinct_users=True).describe()
        '5th user with an event'
        """
        what = " or ".join(repr(f) for f in self.features)
        event = f"{what} event" if what else "event"
        if self.distinct_users:
            return f"{_ordinal(self.count)} user with an {event}" if not what else (
                f"{_ordinal(self.count)} user with a {event}")
        return f"{_ordinal(self.count)} {event}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class TimeToValue(AccountResult):
    """Time to value per account, right-censored at ``at``.

    Columns: ``customer_id``, ``start`` (first subscription start), ``reached``,
    ``reached_at`` (UTC timestamp of the milestone, NaT if not reached), ``days_to_value``
    (metric: whole UTC days from the start date to the milestone's date, NaN if not
    reached), ``observed_days`` (days to the milestone, or to ``at`` while not reached: the
    censoring time) and ``status`` (``"reached"``, ``"not yet reached"``, ``"not started"``
    for a start after ``at``, ``"no start date"``).

    Attributes
    ----------
    at : numpy.datetime64
        The observation day.
    milestone : Milestone
    started : int
        Accounts whose start is on or before ``at``.
    share_reached, share_not_reached : float
        Of the started accounts, the share that reached the milestone by ``at`` and the
        share still censored (not yet reached); they add up to 1.
    median_days : float
        Kaplan-Meier median time to value (NaN while fewer than half have reached it).
    """

    at: np.datetime64
    milestone: Milestone
    started: int
    share_reached: float
    share_not_reached: float
    median_days: float

    def _started(self) -> tuple[I64, NDArray[np.bool_]]:
        ok = ~np.isnan(np.asarray(self["observed_days"], dtype=np.float64))
        return (np.asarray(self["observed_days"])[ok].astype(np.int64),
                np.asarray(self["reached"])[ok])

    def reached_within(self, days: int) -> float:
        """Kaplan-Meier estimate of the share reaching value within ``days`` of starting.

        Unlike the raw share reached, accounts still inside their first ``days`` days are
        not counted as failures: they leave the estimate when their observation ends.

        Examples
        --------
        >>> ttv = time_to_value({"a": "2024-01-01", "b": "2024-01-25"},
        ...                     {"customer_id": ["a"], "user_id": [1], "at": ["2024-01-05"]},
        ...                     milestone=Milestone(), at="2024-01-31")
        >>> ttv.share_reached, ttv.reached_within(4), ttv.reached_within(3)
        (0.5, 0.5, 0.0)
        """
        if days < 0:
            raise InvalidParameterError("days must be >= 0.")
        time, event = self._started()
        if time.size == 0:
            _warn("TimeToValue.reached_within: no account has started; returning NaN.")
            return float("nan")
        km = kc.kaplan_meier(np.zeros(time.size, np.int64), time, event, 1, 1.96)
        last = km.survival.shape[1] - 1
        return float(1.0 - km.survival[0, min(int(days), last)])

    def survival(self, confidence: float = 0.95) -> Any:
        """The Kaplan-Meier curve of not yet having reached value, by day since the start.

        A :class:`~csmetrics.cohorts.SurvivalCurve` whose ``time`` is days, whose
        ``churned`` column counts accounts *reaching value* that day and whose
        ``survival`` is the share not yet there.
        """
        from csmetrics.cohorts import kaplan_meier

        time, event = self._started()
        return kaplan_meier(time, event, confidence=confidence)

    def by_segment(self, by: By) -> TableResult:
        """Per segment: started accounts, reached, share reached and Kaplan-Meier median."""
        ctx = "TimeToValue.by_segment"
        name, labels, seg = _segments(np.asarray(self["customer_id"]), by, ctx)
        time = np.asarray(self["observed_days"], dtype=np.float64)
        ok = ~np.isnan(time)
        n = labels.size
        reached = np.asarray(self["reached"])
        started = np.bincount(seg[ok], minlength=n)
        got = np.bincount(seg[ok & reached], minlength=n)
        median = np.full(n, np.nan)
        if ok.any():
            km = kc.kaplan_meier(seg[ok], time[ok].astype(np.int64), reached[ok], n, 1.96)
            median = kc.first_time_at_or_below(
                np.where(km.at_risk[:, :1] > 0, km.survival, np.nan), 0.5)
        return TableResult({name: labels, "started": started.astype(np.int64),
                            "reached": got.astype(np.int64),
                            "share_reached": _ratio(got, started, context=ctx,
                                                    what="the number of started accounts"),
                            "median_days": median}, title=f"{self.title}, by {name}")

    def __repr__(self) -> str:
        return (f"TimeToValue({self.started:,} started, {self.share_reached:.1%} reached, "
                f"median {self.median_days:g} days, at {self.at})")


def _start_days(source: Any, context: str) -> tuple[NDArray[Any], I64]:
    """Customer ids and first start day (days since the epoch) of each."""
    if _is_mapping(source) and not _is_subscriptions(source):
        ids = np.empty(len(source), dtype=object)
        ids[:] = list(source.keys())
        raw = _as_array(list(source.values()))
        chk = Checker(raw.size, context)
        days = to_dates(raw, "start date", chk)
        missing = np.isnat(days)
        if missing.any():
            raise DataValidationError(column="start date", rule="must not be missing",
                                      count=int(missing.sum()),
                                      positions=np.flatnonzero(missing)[:5].tolist(),
                                      n_rows=missing.size, context=context)
        return id_array(ids, context, "start dates"), days.astype(np.int64)
    subs = _subscriptions(source, context)
    first = np.full(subs.customer_ids.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, subs.customer_codes, subs.start.astype(np.int64))
    present = first < np.iinfo(np.int64).max
    return subs.customer_ids[present], first[present]


def time_to_value(subs_or_start_dates: Any, usage: Any, *, milestone: str | Milestone,
                  at: PeriodLike | _dt.datetime | None = None, by: By = None,
                  customers: ArrayLike | None = None) -> TimeToValue | TableResult:
    """Days from each account's first subscription start to its first milestone event.

    Parameters
    ----------
    subs_or_start_dates : SubscriptionTable, list of Subscription, or mapping
        Subscriptions (an account's start is the earliest ``start`` of its spans, trial
        spans included), or a mapping from customer id to start date.
    usage : UsageTable, list of UsageEvent, or columns
    milestone : str or Milestone
        A feature name (its first event), or a :class:`Milestone`.
    at : date, period or timestamp, optional
        The observation day: events after it are not seen and accounts not there yet are
        censored at it. Default: the last UTC day with an event in ``usage``.
    by : mapping or "all", optional
        Per segment: started, reached, share reached and Kaplan-Meier median.
    customers : sequence of ids, optional
        The accounts to report (default: every account with a start date).

    Returns
    -------
    TimeToValue or TableResult
        Per account (see :class:`TimeToValue`), with ``share_reached``,
        ``share_not_reached`` and ``median_days``.

    Notes
    -----
    Only events from the start date (00:00 UTC) to the end of ``at`` count.
    ``days_to_value = milestone UTC date - start date`` (0 is the same day). Accounts that
    have not reached the milestone are right-censored at ``observed_days = at - start``:
    they stay in the result and in the denominator of ``share_reached``, and the median is
    the Kaplan-Meier estimate (Kaplan and Meier, 1958), which uses the censored accounts
    for as long as they were observed. Dropping them would bias time to value downwards.
    An account starting after ``at`` is ``"not started"`` and counts nowhere.

    Examples
    --------
    >>> starts = {"a": "2024-01-01", "b": "2024-01-10", "c": "2024-01-20"}
    >>> events = {"customer_id": ["a", "a", "b"], "user_id": [1, 1, 2],
    ...           "at": ["2023-12-30", "2024-01-04T10:00", "2024-01-30"],
    ...           "feature": ["report"] * 3}
    >>> ttv = time_to_value(starts, events, milestone="report", at="2024-01-31")
    >>> ttv["days_to_value"].tolist(), ttv["observed_days"].tolist()
    ([3.0, 20.0, nan], [3.0, 20.0, 11.0])
    >>> ttv.share_reached, ttv.median_days
    (0.6666666666666666, 20.0)
    """
    ctx = "time_to_value"
    mile = Milestone(features=(milestone,)) if isinstance(milestone, str) else milestone
    if not isinstance(mile, Milestone):
        raise InvalidParameterError(f"{ctx}: milestone must be a feature name or a Milestone.")
    table = _usage(usage, ctx)
    start_ids, start_day = _start_days(subs_or_start_dates, ctx)
    if at is None:
        if len(table) == 0:
            raise InvalidParameterError(f"{ctx}: the usage table is empty; give at=.")
        at_day = int(table.t_us.max() // ku.US_PER_DAY)
    else:
        at_day = day_number(utc_day(at, ctx))
    row_ids = start_ids if customers is None else id_array(customers, ctx, "customers")
    spos = positions(start_ids, row_ids)
    has_start = spos >= 0
    row_start = np.where(has_start, start_day[np.maximum(spos, 0)], 0)

    # Start day of each account of the usage table (or none), then its qualifying events.
    code_of_row = positions(table.customer_ids, row_ids)
    start_of_code = np.full(table.n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    linked = has_start & (code_of_row >= 0)
    start_of_code[code_of_row[linked]] = row_start[linked] * ku.US_PER_DAY
    t = table.t_us
    acc = table.customer_codes
    keep = (t >= start_of_code[acc]) & (t < (at_day + 1) * ku.US_PER_DAY)
    if mile.features:
        _, codes = _feature_codes(table, mile.features, ctx)
        keep &= np.isin(table.feature_codes, codes)
    rows_kept = np.flatnonzero(keep)
    if mile.distinct_users:
        members, first_t = ku.first_time_per_key(table.member_codes[rows_kept], t[rows_kept])
        when = ku.kth_time(table.member_customer[members], first_t, mile.count,
                           table.n_customers)
    else:
        when = ku.kth_time(acc[rows_kept], t[rows_kept], mile.count, table.n_customers)
    row_when = np.full(row_ids.size, ku.NEVER, dtype=np.int64)
    row_when[code_of_row >= 0] = when[code_of_row[code_of_row >= 0]]
    started = has_start & (row_start <= at_day)
    reached = started & (row_when != ku.NEVER)
    reached_day = np.where(reached, row_when // ku.US_PER_DAY, 0)
    days = np.where(reached, reached_day - row_start, np.nan)
    observed = np.where(started, np.where(reached, reached_day, at_day) - row_start, np.nan)
    status = np.where(reached, "reached", np.where(
        started, "not yet reached", np.where(has_start, "not started", "no start date")))
    reached_at = np.where(reached, row_when, np.iinfo(np.int64).min).view("datetime64[us]")
    start_col = np.where(has_start, row_start, np.iinfo(np.int64).min).view("datetime64[D]")

    n_started = int(started.sum())
    if n_started == 0:
        _warn(f"{ctx}: no account has started by {np.datetime64(at_day, 'D')}; the shares "
              "and the median are NaN.")
        share = float("nan")
        median = float("nan")
    else:
        share = float(reached.sum() / n_started)
        km = kc.kaplan_meier(np.zeros(n_started, np.int64), observed[started].astype(np.int64),
                             reached[started], 1, 1.96)
        median = float(kc.first_time_at_or_below(km.survival, 0.5)[0])
        if np.isnan(median):
            _warn(f"{ctx}: fewer than half of the started accounts have reached the "
                  "milestone (Kaplan-Meier), so the median time to value is not reached; "
                  "returning NaN.")
    at_dt = np.datetime64(at_day, "D")
    result = TimeToValue(
        {"customer_id": row_ids, "start": start_col, "reached": reached,
         "reached_at": reached_at, "days_to_value": days, "observed_days": observed,
         "status": status.astype(object)},
        title=f"Time to value: days from first start to the {mile.describe()} (at {at_dt})",
        metric="days_to_value", at=at_dt, milestone=mile, started=n_started,
        share_reached=share, share_not_reached=1.0 - share, median_days=median)
    return result if by is None else result.by_segment(by)

