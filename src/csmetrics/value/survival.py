"""Customer lifetimes and Kaplan-Meier survival curves with Greenwood errors.

Definitions
-----------
**Lifetime.** The months from a customer's cohort snapshot (the first month end at which
their MRR is positive) to the first month end at which it is 0 (churned), or, if still
paying at the snapshot ``at``, to ``at`` (censored: the lifetime is longer). Only the first
paying spell counts.

**Kaplan-Meier.** ``S(t) = prod over s <= t of (1 - d_s / n_s)``, with ``d_s`` lifetimes
ending in churn at ``s`` and ``n_s`` lifetimes of at least ``s`` (a lifetime censored at
``s`` is at risk at ``s``). Greenwood's standard error is ``S(t) sqrt(sum d / (n (n - d)))``
and the confidence limits are log-log, ``S ** exp(+-z sqrt(sum d / (n (n - d))) / |log S|)``
(R's ``conf.type = "log-log"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import CONFIDENCE, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.segments import from_labels, resolve, segment_columns
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import cohorts as kc
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import (
    PeriodLike,
    parse_frequency,
    period_ends_before,
    snapshot_date,
)
from csmetrics.results import MetricResult, TableResult
from csmetrics.revenue.segments import By, Segmentation, segment
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.value.arrays import durations_and_churned
from csmetrics.value.changes import change_points, period_labels
from csmetrics.value.plan import PlanSegments, plan_segments, subscription_segments

__all__ = ["SurvivalCurve", "customer_lifetimes", "kaplan_meier", "survival_curve"]


def _snapshots(table: SubscriptionTable, at: PeriodLike) -> NDArray[np.datetime64]:
    """The month ends from the data's first start to ``at``, then ``at`` itself."""
    f = parse_frequency("month")
    at_day = snapshot_date(at)
    if len(table):
        snaps = np.concatenate([period_ends_before(table.start.min(), at_day, f), [at_day]])
    else:
        snaps = np.array([at_day])
    return snaps.astype("datetime64[D]")


def _lifetimes(table: SubscriptionTable, seg: Segmentation, snaps: NDArray[np.datetime64],
               by: By) -> kc.Lifetimes:
    points = change_points(table, seg, snaps.astype(np.int64), by)
    return kc.lifetimes(points, snaps.size - 1)


def customer_lifetimes(subscriptions: Any, at: PeriodLike, *, by: By = None) -> TableResult:
    """Each customer's first paying lifetime in months, churned or censored at ``at``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The observation snapshot: a month's last day, or a date (then the last interval,
        from the previous month end to that date, is partial).
    by : str or mapping, optional
        A column (the unit is then the customer within the segment, so a plan change starts
        a new lifetime in the new plan) or a mapping from customer id to segment (ids it
        lacks in ``"(none)"``), added as a column beside each lifetime.

    Returns
    -------
    TableResult
        One row per customer (and segment) that had MRR > 0 at a month end up to ``at``:
        ``customer_id``, the segment column when split, ``cohort`` (month of the first
        positive snapshot), ``lifetime`` (months, see the module documentation) and
        ``churned`` (False: still paying at ``at``, the lifetime is right-censored). A list
        of customers, not a metric: it has no single value.

    Raises
    ------
    ColumnNotFoundError
        ``by`` names no column of the input (the message lists those there are).

    Notes
    -----
    These are the lifetimes ``survival_curve`` estimates from, and the per-customer
    durations ``ShiftedBetaGeometric.fit`` takes:
    ``ShiftedBetaGeometric.fit(durations=lt["lifetime"], churned=lt["churned"])``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2024-01-05", end="2024-04-02", amount=9),
    ...         Subscription(customer_id="b", start="2024-02-10", amount=9)]
    >>> print(customer_lifetimes(subs, "2024-06"))
    Customer lifetimes (months, at 2024-06-30)
    customer_id  cohort   lifetime  churned
    a            2024-01         3  yes
    b            2024-02         4  no
    """
    ctx = "customer_lifetimes"
    table = as_table(subscriptions, ctx, by=by)
    seg = segment(table, by, ctx)
    snaps = _snapshots(table, at)
    lt = _lifetimes(table, seg, snaps, by)
    labels = period_labels(snaps, parse_frequency("month"))
    ids = {"customer_id": table.customer_ids[seg.customer_of_entity[lt.entity]]}
    # by="customer_id" is the list itself; any other segment adds its column.
    name = None if isinstance(by, str) and by == "customer_id" else seg.name
    cols = segment_columns(name, seg.labels[seg.segment_of_entity[lt.entity]], ctx, ids)
    cols["cohort"] = labels[lt.cohort]
    cols["lifetime"] = lt.lifetime
    cols["churned"] = lt.churned
    return TableResult(cols, title=f"Customer lifetimes (months, at {snapshot_date(at)})")


class SurvivalCurve(TableResult):
    """A Kaplan-Meier survival curve (one per segment when split).

    Columns: the segment column when split, the time column (``month`` for
    ``survival_curve``, ``time`` for ``kaplan_meier``), ``at_risk``, ``churned``,
    ``censored``, ``survival``, ``std_error`` (Greenwood), ``lower`` and ``upper``
    (log-log confidence limits). One row per time from 0 to the last observed time. A curve
    has no single value (``.value`` raises); its one number is ``median``.

    Attributes
    ----------
    confidence : float
        Level of the confidence limits.
    medians : MetricResult
        Median lifetime per segment with its confidence limits (value column ``median``,
        then ``lower`` and ``upper``; NaN where not reached): ``curve.medians.row("pro")``.
    segment_name : str or None
        Name of the segment column, when split.
    time_name : str
        Name of the time column.
    """

    confidence: float
    medians: MetricResult
    segment_name: str | None
    time_name: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, confidence: float,
                 medians: MetricResult, segment_name: str | None, time_name: str) -> None:
        super().__init__(columns, title=title)
        self._set(confidence=confidence, medians=medians, segment_name=segment_name,
                  time_name=time_name)

    @property
    def median(self) -> float:
        """The median lifetime of an unsplit curve (NaN when survival stays above 0.5).

        Raises
        ------
        InvalidParameterError
            The curve is split into several segments (read ``medians``).
        """
        if len(self.medians) != 1:
            raise InvalidParameterError(
                "this curve is split by segment: read each segment's median from .medians.")
        return float(self.medians["median"][0])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The curve as steps with its confidence band (needs the ``plot`` extra)."""
        from csmetrics.plotting import plot_survival_curve

        return plot_survival_curve(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        n = len(self.medians)
        if n == 1:
            return f"SurvivalCurve({len(self):,} times, median {self.median:g})"
        return f"SurvivalCurve({n} segments, {len(self):,} rows)"

    @property
    def index_columns(self) -> tuple[str, ...]:
        """``to_pandas()`` indexes a curve by its segment (when split), then its time column,
        as lifelines indexes a survival function by its timeline."""
        return (*(() if self.segment_name is None else (self.segment_name,)), self.time_name)


def _curve(group: NDArray[np.int64], time: NDArray[np.int64], event: NDArray[np.bool_],
           labels: NDArray[Any], segment_name: str | None, time_name: str,
           confidence: float, title: str, context: str) -> SurvivalCurve:
    n_times = int(time.max()) + 1 if time.size else 1
    events, censored = kc.leaving_counts(group, time, event, labels.size, n_times)
    return _curve_of_counts(events, censored, labels, segment_name, time_name, confidence,
                            title, context)


def _curve_of_counts(events: NDArray[np.int64], censored: NDArray[np.int64],
                     labels: NDArray[Any], segment_name: str | None, time_name: str,
                     confidence: float, title: str, context: str) -> SurvivalCurve:
    """The curve, its medians and warnings from the events and censorings per (group,
    time); times after every group's last member change nothing."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)  # (no scipy import for one quantile)
    n_groups = labels.size
    km = kc.estimate(events, censored, z)
    median = kc.first_time_at_or_below(km.survival, 0.5)
    # The median's limits: the first times the lower and the upper band reach 0.5 (where
    # everyone has churned, S = 0 and so are both bands, though their formula is undefined).
    gone = km.survival <= 0
    med_lower = kc.first_time_at_or_below(np.where(gone, 0.0, km.lower), 0.5)
    med_upper = kc.first_time_at_or_below(np.where(gone, 0.0, km.upper), 0.5)
    # Times after a group's last observation carry no information; empty groups have none.
    n_times = km.survival.shape[1]
    observed = km.at_risk > 0
    members = km.at_risk[:, 0] > 0
    if not members.all():  # an empty group's survival stays 1, so its median is NaN
        which = "" if segment_name is None else (
            f" in {int((~members).sum())} of {n_groups} segments")
        warn_undefined(f"{context}: no lifetimes to estimate from{which}; survival and the "
                       "median are undefined (NaN).")
    unreached = np.isnan(median) & members
    if unreached.any():
        which = "" if segment_name is None else f" in {int(unreached.sum())} segments"
        warn_undefined(f"{context}: survival stays above 0.5{which} through the last observed "
                       "time, so the median lifetime is not reached (NaN).")
    emptied = np.isnan(km.std_error) & observed
    if emptied.any():
        warn_undefined(f"{context}: every customer still at risk churned at once (at "
                       f"{time_name} {int(np.nonzero(emptied)[1].min())}); survival is 0 from "
                       "there and its standard error and limits are NaN.")
    g, t = np.nonzero(observed)
    cols = segment_columns(segment_name, labels[g], context)
    cols[time_name] = np.arange(n_times, dtype=np.int64)[t]
    cols["at_risk"] = km.at_risk[g, t]
    cols["churned"] = km.events[g, t]
    cols["censored"] = km.censored[g, t]
    cols["survival"] = km.survival[g, t]
    cols["std_error"] = km.std_error[g, t]
    cols["lower"] = km.lower[g, t]
    cols["upper"] = km.upper[g, t]
    med_cols = segment_columns(segment_name, labels, context)
    med_cols.update(median=median, lower=med_lower, upper=med_upper)
    medians = MetricResult(med_cols, value="median", segment=segment_name,
                           title=f"Median {time_name}s ({confidence:.0%} limits)")
    return SurvivalCurve(cols, title=title, confidence=confidence, medians=medians,
                         segment_name=segment_name, time_name=time_name)


@staged(SurvivalCurve)
@validate_params({"confidence": CONFIDENCE})
def survival_curve(subscriptions: Any, at: PeriodLike, *, by: By = None,
                   confidence: float = 0.95) -> Job[SurvivalCurve]:
    """Kaplan-Meier curve of customer lifetime in months, active customers censored at ``at``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The observation snapshot (see ``customer_lifetimes``).
    by : str or mapping, optional
        ``None``: one curve. A column (``"plan"``, ``"interval"``, any input column) or a
        mapping from customer id to segment (ids it lacks in ``"(none)"``): one curve per
        segment.
    confidence : float, default 0.95
        Level of the log-log confidence limits, strictly between 0 and 1.

    Returns
    -------
    SurvivalCurve
        ``survival`` by ``month`` with Greenwood standard errors and confidence limits;
        ``.median`` (unsplit) or ``.medians`` the median lifetime.

    Raises
    ------
    InvalidParameterError
        ``confidence`` is not strictly between 0 and 1.
    ColumnNotFoundError
        ``by`` names no column of the input.

    Warns
    -----
    UndefinedMetricWarning
        Survival never falls to 0.5 (the median is NaN), every remaining customer churns at
        once (the standard error after that is NaN), or there are no lifetimes at all.

    Notes
    -----
    See the module documentation for the definitions. Lifetimes are counted in month ends,
    as in ``mrr_movements``: a customer who pays on 10 January and cancels on 5 March was
    paying on 31 January and 28 February, so their lifetime is 2 months. The median is the
    first time with ``S(t) <= 0.5``; where ``S`` is exactly 0.5 over an interval, the
    midpoint of that interval and the first time below it (as R's ``survfit``). The estimate
    is computed from counts per month (one ``bincount``), so a million customers cost a few
    milliseconds after their lifetimes are known.

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete
    observations. JASA 53, 457-481. Greenwood, M. (1926). The errors of sampling of the
    survivorship tables. Reports on Public Health and Medical Subjects 33.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id=i, start="2024-01-10", end=end, amount=10)
    ...         for i, end in enumerate(["2024-03-05", "2024-03-20", "2024-05-02", None])]
    >>> curve = survival_curve(subs, "2024-06")
    >>> curve["survival"].round(3).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    >>> curve.median     # S is 0.5 from month 2 until month 4
    3.0
    """
    table, plan = _prepare(subscriptions, at, by=by, confidence=confidence)
    return Job(table, plan, _partial, _finalize)


@dataclass(frozen=True)
class _Plan:
    """What the parts of a survival curve agree on: the snapshot grid (month ends from the
    whole input's first start to ``at``), the segments and the confidence."""

    segments: PlanSegments
    snaps: NDArray[np.datetime64]
    confidence: float
    title: str

    @property
    def labels(self) -> NDArray[Any]:
        seg = self.segments
        return seg.labels if seg.name is not None else np.array([None], dtype=object)


def _prepare(subscriptions: Any, at: PeriodLike, *, by: By = None, confidence: float = 0.95
             ) -> tuple[SubscriptionTable, _Plan]:
    ctx = "survival_curve"
    table = as_table(subscriptions, ctx, by=by)
    segs = plan_segments(resolve(by, table, ctx), table, by, ctx)
    title = f"Customer survival (Kaplan-Meier, months, at {snapshot_date(at)})"
    return table, _Plan(segs, _snapshots(table, at), confidence, title)


def _partial(part: SubscriptionTable, plan: _Plan) -> Partials:
    """A part's lifetimes as churn events and censorings per (segment, month), shaped
    (segments, snapshots): a lifetime is at most the grid's last index."""
    seg = subscription_segments(part, plan.segments)
    lt = _lifetimes(part, seg, plan.snaps, plan.segments.by)
    events, censored = kc.leaving_counts(seg.segment_of_entity[lt.entity], lt.lifetime,
                                         lt.churned, plan.labels.size, plan.snaps.size)
    return Partials("survival_curve", {"churned": events, "censored": censored})


def _finalize(partials: Partials, plan: _Plan) -> SurvivalCurve:
    return _curve_of_counts(partials["churned"], partials["censored"], plan.labels,
                            plan.segments.name, "month", plan.confidence, plan.title,
                            "survival_curve")


@validate_params({"confidence": CONFIDENCE}, renamed={"groups": "by"})
def kaplan_meier(durations: ArrayLike, churned: ArrayLike, *, by: ArrayLike | None = None,
                 confidence: float = 0.95) -> SurvivalCurve:
    """Kaplan-Meier curve from per-customer durations in whole periods.

    Parameters
    ----------
    durations : array-like of int
        Periods observed for each customer (>= 0).
    churned : array-like of bool
        True where the customer churned after ``durations`` periods; False where they were
        still active (right-censored: the lifetime is longer).
    by : array-like, optional
        One segment label per customer, aligned with ``durations`` (the data are bare
        arrays, so the labels are the column itself): one curve per segment, missing labels
        (None, NaN) in ``"(none)"``. A pandas Series names the segment column. Before 0.2
        this was ``groups=``, still accepted for one release with a ``DeprecationWarning``.
    confidence : float, default 0.95
        Level of the log-log confidence limits, strictly between 0 and 1.

    Returns
    -------
    SurvivalCurve
        As ``survival_curve``, with the time column named ``time``.

    Raises
    ------
    DataValidationError
        A duration is missing, negative or not a whole number, or a churn flag is not
        True/False (1/0).
    InvalidParameterError
        The arrays differ in length, ``by`` has not one label per duration, or
        ``confidence`` is not strictly between 0 and 1.

    Notes
    -----
    The product-limit estimate of the module documentation, with Greenwood standard errors
    and log-log limits; the median as in ``survival_curve``.

    References
    ----------
    Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete
    observations. JASA 53, 457-481.

    Examples
    --------
    Remission times (weeks) of the 6-MP group of Freireich et al. (1963); ``False`` marks a
    patient still in remission:

    >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> km = kaplan_meier(weeks, relapsed)
    >>> km.median
    23.0
    """
    ctx = "kaplan_meier"
    time, event = durations_and_churned(durations, churned, ctx)
    if by is None:
        labels = np.array([None], dtype=object)
        code = np.zeros(time.size, dtype=np.int64)
        name = None
    else:
        segs = from_labels(by, time.size, ctx)
        labels, code, name = segs.labels, segs.of_row, segs.name
    return _curve(code, time, event, labels, name, "time", confidence,
                  "Survival (Kaplan-Meier)", ctx)
