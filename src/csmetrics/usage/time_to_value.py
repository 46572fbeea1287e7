"""Time to value: days from an account's first start to its first milestone, censored.

``Milestone`` (the event that marks first value), ``time_to_value`` and its ``TimeToValue``
result, with Kaplan-Meier estimates that keep the accounts not there yet. Time to value is a
property of a whole account, so ``by=`` splits by accounts (``"customer_id"``, a mapping, or
a column of the events with one value per account), never by a column such as ``"feature"``.
Re-exported by ``csmetrics.usage``.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import ConfigDict, Field, field_validator

from csmetrics._core.checks import Checker
from csmetrics._core.convert import to_dates
from csmetrics._core.ids import id_array, positions
from csmetrics._core.models import OptionModel
from csmetrics._core.options import Constraint, InstanceOf, validate_params
from csmetrics._core.partials import Partials
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By, from_mapping, is_mapping, segment_columns
from csmetrics._core.warnings import warn_deprecated, warn_undefined
from csmetrics._kernels import cohorts as kc
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import DataValidationError, InvalidParameterError, UndefinedMetricWarning
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_number, utc_day
from csmetrics.results import TableResult
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import ACCOUNT, BY, AccountSet, Pooling, labels_of, resolve_by
from csmetrics.tables.coerce import as_table, as_usage
from csmetrics.tables.usage import UsageTable
from csmetrics.usage.common import (
    I64,
    WHOLE_ACCOUNT,
    Entities,
    column,
    feature_codes,
    is_subscriptions,
    mapping_items,
    scope,
)

# --- time to value ---------------------------------------------------------------------------


class Milestone(OptionModel):
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
    """Time to value, right-censored at ``at``: pooled, or per segment.

    Columns: the segment column, ``accounts``, ``started`` (accounts whose start is on or
    before ``at``), ``reached`` (of them, those that reached the milestone by ``at``),
    ``share_reached`` (``reached / started``) and ``median_days`` (value column: the
    Kaplan-Meier median of the days to value, NaN while fewer than half have reached it).
    With ``by="customer_id"`` the median of one account is its days to value.

    Attributes
    ----------
    accounts_detail : TableResult
        One row per account: ``customer_id``, ``start`` (first start), ``reached``,
        ``reached_at`` (UTC timestamp of the milestone, NaT if not reached),
        ``days_to_value`` (whole UTC days from the start date to the milestone's date, NaN
        if not reached), ``observed_days`` (days to the milestone, or to ``at`` while not
        reached: the censoring time) and ``status`` (``"reached"``, ``"not yet reached"``,
        ``"not started"`` for a start after ``at``, ``"no start date"``).
    at : numpy.datetime64
        The observation day.
    milestone : csmetrics.Milestone
        The milestone counted.
    started : int
        Accounts whose start is on or before ``at`` (over every account of the result).
    share_reached, share_not_reached : float
        Of the started accounts, the share that reached the milestone by ``at`` and the
        share still censored (not yet reached); they add up to 1.
    median_days : float
        Kaplan-Meier median time to value over every started account.
    """

    accounts_detail: TableResult
    at: np.datetime64
    milestone: Milestone
    started: int
    share_reached: float
    share_not_reached: float
    median_days: float

    def _started(self) -> tuple[I64, NDArray[np.bool_]]:
        detail = self.accounts_detail
        observed = np.asarray(detail["observed_days"], dtype=np.float64)
        ok = ~np.isnan(observed)
        return observed[ok].astype(np.int64), np.asarray(detail["reached"])[ok]

    def reached_within(self, days: int) -> float:
        """Kaplan-Meier estimate of the share reaching value within ``days`` of starting.

        Over every started account of the result. Unlike the raw share reached, accounts
        still inside their first ``days`` days are not counted as failures: they leave the
        estimate when their observation ends.

        Examples
        --------
        >>> ttv = time_to_value({"a": "2024-01-01", "b": "2024-01-25"},
        ...                     {"customer_id": ["a"], "user_id": [1], "at": ["2024-01-05"]},
        ...                     "2024-01-31", milestone=Milestone())
        >>> ttv.share_reached, ttv.reached_within(4), ttv.reached_within(3)
        (0.5, 0.5, 0.0)
        """
        if days < 0:
            raise InvalidParameterError("TimeToValue.reached_within: days must be >= 0.")
        time, event = self._started()
        if time.size == 0:
            warn_undefined("TimeToValue.reached_within: no account has started; returning "
                           "NaN.")
            return float("nan")
        km = kc.kaplan_meier(np.zeros(time.size, np.int64), time, event, 1, 1.96)
        last = km.survival.shape[1] - 1
        return float(1.0 - km.survival[0, min(int(days), last)])

    def survival(self, confidence: float = 0.95) -> Any:
        """The Kaplan-Meier curve of not yet having reached value, by day since the start.

        A ``SurvivalCurve`` (of ``csmetrics.value``) over every started account, whose
        ``time`` is days, whose ``churned`` column counts accounts *reaching value* that day
        and whose ``survival`` is the share not yet there.
        """
        from csmetrics.value.survival import kaplan_meier

        time, event = self._started()
        return kaplan_meier(time, event, confidence=confidence)

    def by_segment(self, by: Any) -> AccountResult:
        """Per segment of the accounts: started, reached, share reached and median
        (deprecated: pass ``by=`` to ``time_to_value``)."""
        ctx = "TimeToValue.by_segment"
        warn_deprecated(f"{ctx}() is deprecated and will be removed in 0.3; pass by= to "
                        "time_to_value itself.")
        detail = self.accounts_detail
        ids = labels_of(np.asarray(detail[ACCOUNT]).tolist())
        if by is None or (isinstance(by, str) and by == "all"):
            name, labels, seg = None, labels_of([None]), np.zeros(ids.size, np.int64)
        elif is_mapping(by) and not isinstance(by, str):
            segments = from_mapping(by, ids, np.arange(ids.size, dtype=np.int64), ctx)
            name, labels, seg = segments.name, segments.labels, segments.of_row
        else:
            raise InvalidParameterError(f"{ctx}: by must be a mapping from customer id to "
                                        f"segment or None, got {by!r}.")
        observed = np.asarray(detail["observed_days"], dtype=np.float64)
        cols = segment_columns(name, labels, ctx)
        cols.update(_pooled(~np.isnan(observed), np.asarray(detail["reached"]), observed,
                            seg, labels.size, ctx))
        return AccountResult(cols, value="median_days", title=f"{self.title}, by {name}",
                             segment=name)

    def __repr__(self) -> str:
        return (f"TimeToValue({self.started:,} started, {self.share_reached:.1%} reached, "
                f"median {self.median_days:g} days, at {self.at})")


def _pooled(started: NDArray[np.bool_], reached: NDArray[np.bool_], observed: NDArray[Any],
            seg: I64, n: int, context: str) -> dict[str, Any]:
    """Per segment: accounts, started, reached, share reached, Kaplan-Meier median."""
    got = started & reached
    n_started = np.bincount(seg[started], minlength=n)
    n_got = np.bincount(seg[got], minlength=n)
    median = np.full(n, np.nan)
    if started.any():
        km = kc.kaplan_meier(seg[started], observed[started].astype(np.int64), reached[started],
                             n, 1.96)
        median = kc.first_time_at_or_below(
            np.where(km.at_risk[:, :1] > 0, km.survival, np.nan), 0.5)
    share = divide(n_got, n_started, context=context, what="the number of started accounts")
    short = (n_started > 0) & np.isnan(median)
    if short.any():
        warn_undefined(f"{context}: the median time to value is not reached for "
                       f"{int(short.sum()):,} of {n:,} result(s): fewer than half of their "
                       "started accounts have reached the milestone (Kaplan-Meier); "
                       "returning NaN.")
    return {"accounts": np.bincount(seg, minlength=n).astype(np.int64),
            "started": n_started.astype(np.int64), "reached": n_got.astype(np.int64),
            "share_reached": share, "median_days": median}


def _start_days(source: Any, context: str) -> tuple[NDArray[Any], I64]:
    """Customer ids and first start day (days since the epoch) of each."""
    if hasattr(source, "keys") and hasattr(source, "items") and not is_subscriptions(source):
        keys, values = mapping_items(source)
        raw = column(values, context)
        days = to_dates(raw, "start date", Checker(raw.size, context))
        missing = np.isnat(days)
        if missing.any():
            raise DataValidationError(column="start date", rule="must not be missing",
                                      count=int(missing.sum()),
                                      positions=np.flatnonzero(missing)[:5].tolist(),
                                      n_rows=missing.size, context=context)
        return id_array(keys, context, "start dates"), days.astype(np.int64)
    subs = as_table(source, context)
    first = np.full(subs.customer_ids.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, subs.customer_codes, subs.start.astype(np.int64))
    present = first < np.iinfo(np.int64).max
    return subs.customer_ids[present], first[present]


_MILESTONE = InstanceOf((str, Milestone), what="a feature name or a Milestone")


VALUE_OPTIONS: dict[str, Constraint] = {"milestone": _MILESTONE, "by": BY}
"""What ``time_to_value``'s options accept."""


@validate_params(VALUE_OPTIONS, renamed={"subs_or_start_dates": "subscriptions"})
def time_to_value(subscriptions: Any, usage: Any, at: PeriodLike | _dt.datetime | None = None,
                  *, milestone: str | Milestone, by: By = None,
                  customers: ArrayLike | None = None) -> TimeToValue:
    """Days from each account's first subscription start to its first milestone event.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, columns, or mapping
        Subscriptions (an account's start is the earliest ``start`` of its spans, trial
        spans included), or a mapping from customer id to start date. (Before 0.2 this was
        ``subs_or_start_dates=``, still accepted with a DeprecationWarning.)
    usage : UsageTable, list of UsageEvent, or columns
    at : date, period or timestamp, optional
        The observation day: events after it are not seen and accounts not there yet are
        censored at it. Default: the last UTC day with an event in ``usage``.
    milestone : str or Milestone
        A feature name (its first event), or a ``Milestone``.
    by : None, str or mapping, optional
        ``None``: every account together; ``"customer_id"``: one row per account; a mapping
        from customer id to segment, or a column of the events with one value per account.
    customers : sequence of ids, optional
        The accounts counted. Default: every account with a start date or with events.

    Returns
    -------
    TimeToValue
        Value column ``median_days``, with ``accounts``, ``started``, ``reached`` and
        ``share_reached``; ``accounts_detail`` has one row per account.

    Notes
    -----
    Only events from the start date (00:00 UTC) to the end of ``at`` count.
    ``days_to_value = milestone UTC date - start date`` (0 is the same day). Accounts that
    have not reached the milestone are right-censored at ``observed_days = at - start``:
    they stay in the result and in the denominator of ``share_reached``, and the median is
    the Kaplan-Meier estimate (Kaplan and Meier, 1958), which uses the censored accounts
    for as long as they were observed. Dropping them would bias time to value downwards.
    An account starting after ``at`` is ``"not started"``, one with events but no start
    date ``"no start date"``; both count in ``accounts`` only. Medians do not pool: each
    row's median is estimated from its own accounts.

    Examples
    --------
    >>> starts = {"a": "2024-01-01", "b": "2024-01-10", "c": "2024-01-20"}
    >>> events = {"customer_id": ["a", "a", "b"], "user_id": [1, 1, 2],
    ...           "at": ["2023-12-30", "2024-01-04T10:00", "2024-01-30"],
    ...           "feature": ["report"] * 3}
    >>> ttv = time_to_value(starts, events, "2024-01-31", milestone="report")
    >>> float(ttv), ttv["share_reached"].tolist()
    (20.0, [0.6666666666666666])
    >>> detail = ttv.accounts_detail
    >>> detail["days_to_value"].tolist(), detail["observed_days"].tolist()
    ([3.0, 20.0, nan], [3.0, 20.0, 11.0])
    """
    table, plan = prepare_time_to_value(subscriptions, usage, at, milestone=milestone, by=by,
                                        customers=customers)
    return finalize_time_to_value(partial_time_to_value(table, plan), plan)


@dataclass(frozen=True)
class ValuePlan:
    """The plan of ``time_to_value``: the accounts, the milestone (and its feature codes),
    the observation day and each counted account's first start day (0 where it has none)."""

    entities: Entities
    milestone: Milestone
    features: I64 | None
    at_day: int
    row_start: I64
    has_start: NDArray[np.bool_]


def prepare_time_to_value(subscriptions: Any, usage: Any,
                          at: PeriodLike | _dt.datetime | None = None, *,
                          milestone: str | Milestone, by: By = None,
                          customers: ArrayLike | None = None
                          ) -> tuple[UsageTable, ValuePlan]:
    """``time_to_value``'s usage table and plan (the start dates are in the plan, one per
    counted account; a partition of the usage table's customers is what parts split)."""
    ctx = "time_to_value"
    mile = Milestone(features=(milestone,)) if isinstance(milestone, str) else milestone
    by = resolve_by(by, ctx)
    table = as_usage(usage, ctx, by=by)
    start_ids, start_day = _start_days(subscriptions, ctx)
    if at is None:
        if len(table) == 0:
            raise InvalidParameterError(f"{ctx}: the usage table is empty; give at.")
        at_day = int(table.t_us.max() // ku.US_PER_DAY)
    else:
        at_day = day_number(utc_day(at, ctx))
    acc = AccountSet.of(table.customer_ids, customers=customers, also=start_ids, context=ctx)
    sc = scope(table, by, acc, ctx, refuse_rows=WHOLE_ACCOUNT.format(what="time to value"))
    spos = positions(start_ids, acc.ids)
    has_start = spos >= 0
    row_start = np.where(has_start, start_day[np.maximum(spos, 0)], 0)
    feats = None
    if mile.features:
        _, feats = feature_codes(table, mile.features, ctx)
    return table, ValuePlan(Entities.of(table, sc.split), mile, feats, at_day, row_start,
                            has_start)


def partial_time_to_value(part: UsageTable, plan: ValuePlan) -> Partials:
    """When each counted account of the part reached the milestone (``found`` 1 and its
    time in microseconds; 0 and 0 where it did not, or has no rows in the part)."""
    table, mile, at_day, sp = part, plan.milestone, plan.at_day, plan.entities.split
    row_start, has_start = plan.row_start, plan.has_start
    # Start day of each account of the usage table (or none), then its qualifying events.
    code_of_row = sp.pick
    start_of_code = np.full(table.n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    linked = has_start & (code_of_row >= 0)
    start_of_code[code_of_row[linked]] = row_start[linked] * ku.US_PER_DAY
    t = table.t_us
    code = table.customer_codes
    keep = (t >= start_of_code[code]) & (t < (at_day + 1) * ku.US_PER_DAY)
    if plan.features is not None:
        keep &= np.isin(table.feature_codes, plan.features)
    rows_kept = np.flatnonzero(keep)
    if mile.distinct_users:
        members, first_t = ku.first_time_per_key(table.member_codes[rows_kept], t[rows_kept])
        when = ku.kth_time(table.member_customer[members], first_t, mile.count,
                           table.n_customers)
    else:
        when = ku.kth_time(code[rows_kept], t[rows_kept], mile.count, table.n_customers)
    row_when = sp.take(when, ku.NEVER)
    found = row_when != ku.NEVER
    return Partials("time_to_value", {"found": found.astype(np.int64),
                                      "when": np.where(found, row_when, 0)})


def finalize_time_to_value(partials: Partials, plan: ValuePlan) -> TimeToValue:
    """``time_to_value``'s result from its combined partials."""
    ctx, mile, at_day, sp = "time_to_value", plan.milestone, plan.at_day, plan.entities.split
    row_start, has_start, row_ids = plan.row_start, plan.has_start, sp.account
    row_when = np.where(partials["found"] > 0, partials["when"], ku.NEVER)
    started = has_start & (row_start <= at_day)
    reached = started & (row_when != ku.NEVER)
    reached_day = np.where(reached, row_when // ku.US_PER_DAY, 0)
    days = np.where(reached, reached_day - row_start, np.nan)
    observed = np.where(started, np.where(reached, reached_day, at_day) - row_start, np.nan)
    status = np.where(reached, "reached", np.where(
        started, "not yet reached", np.where(has_start, "not started", "no start date")))
    at_dt = np.datetime64(at_day, "D")
    detail = TableResult(
        {ACCOUNT: row_ids,
         "start": np.where(has_start, row_start, np.iinfo(np.int64).min).view("datetime64[D]"),
         "reached": reached,
         "reached_at": np.where(reached, row_when, np.iinfo(np.int64).min).view(
             "datetime64[us]"),
         "days_to_value": days, "observed_days": observed, "status": status.astype(object)},
        title=f"Time to value per account (at {at_dt})")
    n_started = int(started.sum())
    with warnings.catch_warnings():
        if n_started == 0:
            warn_undefined(f"{ctx}: no account has started by {at_dt}; the shares and the "
                           "median are NaN.")
            warnings.simplefilter("ignore", UndefinedMetricWarning)
        cols = sp.segment_columns()
        cols.update(_pooled(started, reached, observed, sp.segment, sp.n_segments, ctx))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # the rows have said why
        overall = _pooled(started, reached, observed, np.zeros(started.size, np.int64), 1,
                          ctx)
    result = TimeToValue(
        cols, value="median_days", segment=sp.name, pooling=Pooling(),
        title=f"Time to value: days from first start to the {mile.describe()} (at {at_dt})")
    share = float(reached.sum() / n_started) if n_started else float("nan")
    result._set(accounts_detail=detail, at=at_dt, milestone=mile, started=n_started,
                share_reached=share, share_not_reached=1.0 - share,
                median_days=float(overall["median_days"][0]))
    return result
