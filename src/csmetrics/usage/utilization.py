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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import as_column
from csmetrics._core.convert import to_float
from csmetrics._core.ids import comparable, id_array, positions
from csmetrics._kernels import revenue as kr
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import DataValidationError, InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import utc_day
from csmetrics.results import TableResult
from csmetrics.tables.usage import UsageTable

# The metrics live in private modules by domain, layered without cycles on the shared result
# and input readers (_usage_common): active users, stickiness and engagement
# (_usage_active), rule-based adoption and breadth (_usage_adoption) and time to value
# (_usage_value). Seats, licence utilization and feature adoption (which reads eligible
# users as it reads seats) are defined here. The private modules' public names are
# re-exported here, the one public home of the usage API.
from csmetrics.usage.common import (
    F64,
    AccountResult,
    By,
    _active_per_code,
    _events,
    _feature_codes,
    _finish,
    _is_mapping,
    _is_subscriptions,
    _ratio,
    _Rows,
    _rows,
    _subscriptions,
    _usage,
    _window,
)

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
    >>> from csmetrics import Subscription
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
        raw = as_column(list(value.values()))
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
        arr = np.asarray(as_column(value) if not isinstance(value, np.ndarray) else value)
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
        ``seated_active_users`` (the active users of accounts with seats, which pooled
        rows divide by the seats), ``unused_seats`` (``max(seats - active, 0)``), ``overage``
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
    >>> print(r.select("customer_id", "active_users", "seats", "utilization", "overage"))
    Licence utilization (30 days 2024-03-02 to 2024-03-31)
    customer_id  active_users  seats  utilization  overage
    a                       3      4         0.75        0
    b                       3      2          1.5        1
    c                       0      0          NaN        0
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
    # Pooled rows divide the active users of accounts that have seats by those seats: the
    # column says which active users that is, so a pooled row divides out.
    seated_active = np.where(seat > 0, active, 0.0)
    result = AccountResult(
        {"customer_id": rows.ids, "active_users": active, "seated_active_users": seated_active,
         "seats": seat, "utilization": util, "unused_seats": unused, "overage": over,
         "over_limit": over_limit},
        title=f"Licence utilization ({win.describe()})", metric="utilization",
        sums=("active_users", "seated_active_users", "seats", "unused_seats", "overage",
              "over_limit"),
        ratios={"utilization": ("seated_active_users", "seats")},
        accounts_over_limit=int(over_limit.sum()),
        accounts_without_seats=int((~(seat > 0)).sum()))
    return _finish(result, by)


# --- feature adoption ------------------------------------------------------------------------


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

