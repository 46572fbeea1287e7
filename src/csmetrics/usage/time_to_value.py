"""Time to value: days from an account's first start to its first milestone, censored.

:class:`Milestone` (the event that marks first value), :func:`time_to_value` and its
:class:`TimeToValue` result, with Kaplan-Meier estimates that keep the accounts not there
yet. Re-exported by :mod:`csmetrics.usage`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csmetrics._core.checks import Checker
from csmetrics._core.columns import as_column
from csmetrics._core.convert import to_dates
from csmetrics._core.ids import id_array, positions
from csmetrics._kernels import cohorts as kc
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import DataValidationError, InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_number, utc_day
from csmetrics.results import TableResult
from csmetrics.usage.common import (
    I64,
    AccountResult,
    By,
    _feature_codes,
    _is_mapping,
    _is_subscriptions,
    _ratio,
    _segments,
    _subscriptions,
    _usage,
    _warn,
)

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
        from csmetrics.value.survival import kaplan_meier

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
        raw = as_column(list(source.values()))
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

