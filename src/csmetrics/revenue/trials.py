"""Trial conversion.

A trial is an account whose first subscription spans are free ($0 MRR, e.g. an amount of 0 or
a 100% discount); it converts when a paid span (MRR > 0) starts later. The rate is converted
trials over trials started in the window (ChartMogul's trial-to-paid conversion rate), with
trials still undecided at at reported apart."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import Interval, validate_params
from csmetrics._core.partials import Job, Partials, relabel, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By, resolve, segment_columns
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_number, span_days, utc_day
from csmetrics.periods.windows import MAX_DAYS
from csmetrics.results import MetricResult, TableResult
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable

I64 = NDArray[np.int64]


class TrialConversion(MetricResult):
    """Trial-to-paid conversion of the trials started in a window.

    Columns (one row, or one per segment): ``trials``, ``converted``, ``not_converted``,
    ``pending`` (undecided at ``at``), ``conversion_rate`` (``converted / trials``),
    ``decided_rate`` (``converted / (converted + not_converted)``) and
    ``median_days_to_convert`` (of the converted trials).

    Attributes
    ----------
    rate : float
        The conversion rate of a single-row result.
    trials_detail : TableResult
        One row per trial: ``customer_id``, ``trial_start``, ``trial_end`` (NaT while the
        free span is open), ``converted_at``, ``days_to_convert`` and ``status``
        (``"converted"``, ``"not converted"``, ``"pending"``).
    at : numpy.datetime64
    """

    rate: float
    trials_detail: TableResult
    at: np.datetime64

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"TrialConversion(rate={self.rate:.4g}, trials={int(self['trials'][0]):,}, "
                    f"pending={int(self['pending'][0]):,})")
        return f"TrialConversion({len(self)} segments)"


@staged(TrialConversion)
@validate_params({"within_days": Interval(0, MAX_DAYS, integer=True, optional=True)})
def trial_conversion_rate(subscriptions: Any, start: PeriodLike, end: PeriodLike, *,
                          at: PeriodLike | _dt.datetime | None = None,
                          within_days: int | None = None, by: By = None) -> Job[TrialConversion]:
    """Share of the trials started from ``start`` to ``end`` that converted to paid (0-1).

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    start, end : period or date
        Trials starting from the first day of ``start`` to the last day of ``end``.
    at : date, period or timestamp, optional
        What is known: a paid span starting after ``at`` is not (yet) a conversion.
        Default: the last day of ``end``.
    within_days : int, optional
        Count a conversion only when the paid span starts within this many days of the
        trial's start (ChartMogul's "trial-to-paid in days" filter).
    by : str or mapping, optional
        ``None`` (every trial), a column (a row column such as ``"plan"`` takes the
        trial's first span) or a customer-to-segment mapping: one row per segment.

    Returns
    -------
    TrialConversion
        Value column ``conversion_rate``, with the counts; ``.trials_detail`` lists every
        trial.

    Notes
    -----
    A *trial* is an account whose earliest spans (those starting on its first start date)
    all have MRR 0, and its *trial start* is that date; its *trial end* is the latest end
    of the free spans starting before its first paid span. It *converts* when a span with
    MRR > 0 starts on or after the trial start and on or before ``at`` (and, with
    ``within_days``, no later than ``trial start + within_days``). Otherwise it is *pending*
    while the outcome is open at ``at`` (the free span is still running, or the
    ``within_days`` period has not elapsed) and *not converted* after. The rate counts
    every trial of the window in its denominator, pending ones included, as ChartMogul
    does, so it can still rise as pending trials convert; ``decided_rate`` leaves them out.

    References
    ----------
    ChartMogul, "Metric: Trial-to-paid conversion rate": if 10 customers started a trial in
    May 2015 and 5 became paying customers, the conversion rate for May 2015 is 50%.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-03", end="2024-01-17", amount=0),
    ...     Subscription(customer_id="a", start="2024-01-17", amount=49),
    ...     Subscription(customer_id="b", start="2024-01-10", end="2024-01-24", amount=0),
    ...     Subscription(customer_id="c", start="2024-01-25", amount=0),
    ...     Subscription(customer_id="d", start="2024-01-05", amount=49),
    ... ]
    >>> tc = trial_conversion_rate(subs, "2024-01", "2024-01")
    >>> tc.value, tc["pending"].tolist(), tc["decided_rate"].tolist()
    (0.3333333333333333, [1], [0.5])
    >>> tc.trials_detail["status"].tolist()
    ['converted', 'not converted', 'pending']
    """
    table, plan = _prepare(subscriptions, start, end, at=at, within_days=within_days, by=by)
    return Job(table, plan, _partial, _finalize)


_CTX = "trial_conversion_rate"
_BIG = np.iinfo(np.int64).max
_NOT_TRIAL, _CONVERTED, _LOST, _PENDING = 0, 1, 2, 3


@dataclass(frozen=True)
class _Plan:
    """What the parts of ``trial_conversion_rate`` agree on: the window and ``at`` (days
    since 1970), ``within_days``, and the segments: their labels, and the segment of each
    customer code when ``by`` assigns segments to customers (``of_customer``; None for a
    row column, which each part resolves over its rows and maps with ``relabel()``)."""

    first_day: int
    last_day: int
    at_day: int
    within_days: int | None
    name: str | None
    labels: NDArray[Any]
    by: By
    of_customer: I64 | None
    customer_ids: NDArray[Any]


def _prepare(subscriptions: Any, start: PeriodLike, end: PeriodLike, *,
                             at: PeriodLike | _dt.datetime | None = None,
                             within_days: int | None = None, by: By = None
                             ) -> tuple[SubscriptionTable, _Plan]:
    """The table and the plan of ``trial_conversion_rate`` (the window, the segments)."""
    subs = as_table(subscriptions, _CTX, by=by)
    first_day, _ = span_days(start, _CTX)
    _, last_day = span_days(end, _CTX)
    if last_day < first_day:
        raise InvalidParameterError(f"{_CTX}: end {end!r} is before start {start!r}.")
    at_day = last_day if at is None else day_number(utc_day(at, _CTX))
    segs = resolve(by, subs, _CTX)
    of_customer: I64 | None = None
    if segs.per_customer:
        of_customer = np.zeros(subs.customer_ids.size, dtype=np.int64)
        of_customer[subs.customer_codes] = segs.of_row
    return subs, _Plan(int(first_day), int(last_day), int(at_day),
                           None if within_days is None else int(within_days), segs.name,
                           segs.labels, by, of_customer, subs.customer_ids)


def _partial(part: SubscriptionTable, plan: _Plan) -> Partials:
    """A part's trials (see ``_Plan``): the counts per segment (``trials``, ``converted``,
    ``not_converted``, ``pending``) and, per customer code (0 for customers not in the
    part, so parts add up to the whole), each trial's ``status`` (1 converted, 2 not
    converted, 3 pending, 0 no trial of the window), ``segment``, ``trial_start``,
    ``trial_end`` and ``first_paid`` (days): what the per-trial detail and the median days
    to convert are read from."""
    n = part.customer_ids.size
    code = part.customer_codes
    s_day = part.start.astype(np.int64)
    e_day = np.where(np.isnat(part.end), _BIG, part.end.astype(np.int64))
    paid = part.mrr_units > 0
    first_start = np.full(n, _BIG, dtype=np.int64)
    np.minimum.at(first_start, code, s_day)
    first_paid = np.full(n, _BIG, dtype=np.int64)
    np.minimum.at(first_paid, code[paid], s_day[paid])
    # A trial: nothing paid starts on the first start date, so every first span is free.
    trial = (first_start < _BIG) & (first_paid > first_start)
    # Trial end: the latest end of the free spans that start before the first paid span.
    free = ~paid & (s_day < first_paid[code])
    trial_end = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(trial_end, code[free], e_day[free])
    in_cohort = trial & (first_start >= plan.first_day) & (first_start <= plan.last_day)
    limit = np.full(n, plan.at_day, dtype=np.int64)
    if plan.within_days is not None:
        limit = np.minimum(limit, first_start + plan.within_days)
    converted = in_cohort & (first_paid <= limit)
    if plan.within_days is None:
        open_at = trial_end > plan.at_day  # the free span is still running after at
    else:
        open_at = (first_start + plan.within_days > plan.at_day) & (first_paid > plan.at_day)
    pending = in_cohort & ~converted & open_at
    lost = in_cohort & ~converted & ~pending
    status = np.select([converted, lost, pending], [_CONVERTED, _LOST, _PENDING], _NOT_TRIAL)
    # Each customer's segment is that of its first span (the trial), earliest row first.
    of_row = _row_segments(part, plan)
    first_row = np.lexsort((s_day, code))
    ordered = code[first_row]
    heads = np.concatenate([[True], ordered[1:] != ordered[:-1]])[:ordered.size]
    seg_of_customer = np.zeros(n, dtype=np.int64)
    seg_of_customer[code[first_row][heads]] = of_row[first_row][heads]
    k = plan.labels.size

    def count(which: NDArray[np.bool_]) -> I64:
        return np.bincount(seg_of_customer[which], minlength=k).astype(np.int64)

    return Partials(_CTX, {
        "trials": count(in_cohort), "converted": count(converted), "not_converted": count(lost),
        "pending": count(pending), "status": status.astype(np.int64),
        "segment": np.where(in_cohort, seg_of_customer, 0),
        "trial_start": np.where(in_cohort, first_start, 0),
        "trial_end": np.where(in_cohort, trial_end, 0),
        "first_paid": np.where(in_cohort, first_paid, 0)})


def _row_segments(part: SubscriptionTable, plan: _Plan) -> I64:
    """The plan segment of each row of ``part``."""
    if plan.of_customer is not None:
        return plan.of_customer[part.customer_codes]
    # A row column: rows, not entities, are what a trial's first span needs (no
    # (customer, segment) pairs to build, as revenue.segments.segment_as would).
    segs = resolve(plan.by, part, _CTX)
    return relabel(segs.labels, plan.labels, _CTX)[segs.of_row]


def _finalize(partials: Partials, plan: _Plan) -> TrialConversion:
    """The rates, the median days to convert and the per-trial detail of the combined
    partials."""
    big = _BIG
    status = partials["status"]
    idx = np.flatnonzero(status != _NOT_TRIAL)
    st = status[idx]
    first_start, first_paid = partials["trial_start"][idx], partials["first_paid"][idx]
    trial_end = partials["trial_end"][idx]
    converted = st == _CONVERTED
    text = np.where(converted, "converted", np.where(st == _PENDING, "pending",
                                                      "not converted")).astype(object)
    days = np.where(converted, first_paid - first_start, np.nan)
    detail = TableResult({
        "customer_id": plan.customer_ids[idx],
        "trial_start": first_start.astype("datetime64[D]"),
        "trial_end": np.where(trial_end == big, np.iinfo(np.int64).min,
                              trial_end).view("datetime64[D]"),
        "converted_at": np.where(converted, first_paid,
                                 np.iinfo(np.int64).min).view("datetime64[D]"),
        "days_to_convert": days, "status": text}, title="Trials")
    seg = partials["segment"][idx]
    name, labels = plan.name, plan.labels
    k = labels.size
    trials, conv = partials["trials"], partials["converted"]
    not_conv, pend = partials["not_converted"], partials["pending"]
    cols = segment_columns(name, labels, _CTX)
    cols.update(
        trials=trials, converted=conv, not_converted=not_conv, pending=pend,
        conversion_rate=divide(conv, trials, context=_CTX, what="the number of trials"),
        decided_rate=divide(conv, conv + not_conv, context=_CTX,
                            what="the number of decided trials"),
        median_days_to_convert=ku.per_group_median(seg[converted], days[converted], k))
    first_day, last_day, at_day = plan.first_day, plan.last_day, plan.at_day
    window = f"{np.datetime64(first_day, 'D')} to {np.datetime64(last_day, 'D')}"
    result = TrialConversion(cols, value="conversion_rate",
                             title=f"Trial conversion (trials started {window}, as of "
                                   f"{np.datetime64(at_day, 'D')})", segment=name)
    result._set(rate=float(cols["conversion_rate"][0]) if k == 1 else float("nan"),
                trials_detail=detail, at=np.datetime64(at_day, "D"))
    return result
