"""Customer lifetimes and Kaplan-Meier survival curves with Greenwood errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import fail
from csmetrics._core.optional import scipy
from csmetrics._kernels import cohorts as kc
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import (
    PeriodLike,
    parse_frequency,
    period_ends_before,
    snapshot_date,
)
from csmetrics.results import TableResult
from csmetrics.revenue.segments import By, Segmentation, segment
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.value.cohorts import _as_table, _change_points, _labels, _warn

_OPEN = np.iinfo(np.int64).max


_DAY = np.timedelta64(1, "D")


def _lifetimes(table: SubscriptionTable, seg: Segmentation, at: PeriodLike
               ) -> tuple[kc.Lifetimes, NDArray[Any]]:
    f = parse_frequency("month")
    at_day = snapshot_date(at)
    if len(table):
        snaps = np.concatenate([period_ends_before(table.start.min(), at_day, f), [at_day]])
    else:
        snaps = np.array([at_day])
    snaps = snaps.astype("datetime64[D]")
    points = _change_points(table, seg, snaps.astype(np.int64))
    lt = kc.lifetimes(points, snaps.size - 1)
    return lt, _labels(snaps, f)


def customer_lifetimes(subscriptions: Any, *, at: PeriodLike, by: By = None) -> TableResult:
    """Each customer's first paying lifetime in months, churned or censored at ``at``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The observation snapshot: a month's last day, or a date (then the last interval,
        from the previous month end to that date, is partial).
    by : str or mapping, optional
        As in :func:`cohort_table`; with a column, the unit is the customer within the
        segment.

    Returns
    -------
    TableResult
        One row per customer (and segment) that had MRR > 0 at a month end up to ``at``:
        ``customer_id``, the segment column when split, ``cohort`` (month of the first
        positive snapshot), ``lifetime`` (months, see the module notes) and ``churned``
        (False: still paying at ``at``, the lifetime is right-censored).

    Notes
    -----
    The lifetimes are those :func:`survival_curve` estimates from, and the per-customer
    durations :meth:`csmetrics.sbg.ShiftedBetaGeometric.fit` takes:
    ``ShiftedBetaGeometric.fit(durations=lt["lifetime"], churned=lt["churned"])``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2024-01-05", end="2024-04-02", amount=9),
    ...         Subscription(customer_id="b", start="2024-02-10", amount=9)]
    >>> print(customer_lifetimes(subs, at="2024-06"))
    Customer lifetimes (months, at 2024-06-30)
    customer_id  cohort   lifetime  churned
    a            2024-01         3  yes
    b            2024-02         4  no
    """
    ctx = "customer_lifetimes"
    table = _as_table(subscriptions, ctx)
    seg = segment(table, by, ctx)
    lt, labels = _lifetimes(table, seg, at)
    cols: dict[str, Any] = {"customer_id": table.customer_ids[seg.customer_of_entity[lt.entity]]}
    if seg.name is not None:
        cols[seg.name] = seg.labels[seg.segment_of_entity[lt.entity]]
    cols["cohort"] = labels[lt.cohort]
    cols["lifetime"] = lt.lifetime
    cols["churned"] = lt.churned
    return TableResult(cols, title=f"Customer lifetimes (months, at {snapshot_date(at)})")


class SurvivalCurve(TableResult):
    """A Kaplan-Meier survival curve (one per segment when split).

    Columns: the segment column when split, the time column (``month`` for
    :func:`survival_curve`, ``time`` for :func:`kaplan_meier`), ``at_risk``, ``churned``,
    ``censored``, ``survival``, ``std_error`` (Greenwood), ``lower`` and ``upper``
    (log-log confidence limits). One row per time from 0 to the last observed time.

    Attributes
    ----------
    confidence : float
        Level of the confidence limits.
    medians : TableResult
        Median lifetime per segment with its confidence limits (``median``, ``lower``,
        ``upper``; NaN where not reached).
    segment_name : str or None
        Name of the segment column, when split.
    """

    confidence: float
    medians: TableResult
    segment_name: str | None
    time_name: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, confidence: float,
                 medians: TableResult, segment_name: str | None, time_name: str) -> None:
        super().__init__(columns, title=title)
        self._set(confidence=confidence, medians=medians, segment_name=segment_name,
                  time_name=time_name)

    @property
    def median(self) -> float:
        """The median lifetime of an unsplit curve (NaN when survival stays above 0.5)."""
        if len(self.medians) != 1:
            raise InvalidParameterError(
                "this curve is split by segment: read each segment's median from .medians.")
        return float(self.medians["median"][0])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The curve as steps with its confidence band (needs the ``plot`` extra)."""
        from csmetrics.plotting.charts import plot_survival_curve

        return plot_survival_curve(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        n = len(self.medians)
        if n == 1:
            return f"SurvivalCurve({len(self):,} times, median {self.median:g})"
        return f"SurvivalCurve({n} segments, {len(self):,} rows)"


def _z(confidence: float, context: str) -> float:
    if not 0 < confidence < 1:
        raise InvalidParameterError(
            f"{context}: confidence must be between 0 and 1, got {confidence!r}.")
    return float(scipy("special").ndtri(0.5 + confidence / 2))


def _curve(group: NDArray[np.int64], time: NDArray[np.int64], event: NDArray[np.bool_],
           labels: NDArray[Any], segment_name: str | None, time_name: str,
           confidence: float, title: str, context: str) -> SurvivalCurve:
    z = _z(confidence, context)
    n_groups = labels.size
    km = kc.kaplan_meier(group, time, event, n_groups, z)
    median = kc.first_time_at_or_below(km.survival, 0.5)
    # The median's limits: the first times the lower and the upper band reach 0.5 (where
    # everyone has churned, S = 0 and so are both bands, though their formula is undefined).
    gone = km.survival <= 0
    med_lower = kc.first_time_at_or_below(np.where(gone, 0.0, km.lower), 0.5)
    med_upper = kc.first_time_at_or_below(np.where(gone, 0.0, km.upper), 0.5)
    # Times after a group's last observation carry no information; empty groups have none.
    n_times = km.survival.shape[1]
    observed = km.at_risk > 0
    unreached = np.isnan(median) & (km.at_risk[:, 0] > 0)
    if unreached.any():
        which = "" if segment_name is None else f" in {int(unreached.sum())} segments"
        _warn(f"{context}: survival stays above 0.5{which} through the last observed time, "
              "so the median lifetime is not reached (NaN).")
    emptied = np.isnan(km.std_error) & observed
    if emptied.any():
        _warn(f"{context}: every customer still at risk churned at once (at {time_name} "
              f"{int(np.nonzero(emptied)[1].min())}); survival is 0 from there and its "
              "standard error and limits are NaN.")
    g, t = np.nonzero(observed)
    cols: dict[str, Any] = {}
    if segment_name is not None:
        cols[segment_name] = labels[g]
    cols[time_name] = np.arange(n_times, dtype=np.int64)[t]
    cols["at_risk"] = km.at_risk[g, t]
    cols["churned"] = km.events[g, t]
    cols["censored"] = km.censored[g, t]
    cols["survival"] = km.survival[g, t]
    cols["std_error"] = km.std_error[g, t]
    cols["lower"] = km.lower[g, t]
    cols["upper"] = km.upper[g, t]
    med_cols: dict[str, Any] = {} if segment_name is None else {segment_name: labels}
    med_cols.update(median=median, lower=med_lower, upper=med_upper)
    medians = TableResult(med_cols, title=f"Median {time_name}s ({confidence:.0%} limits)")
    return SurvivalCurve(cols, title=title, confidence=confidence, medians=medians,
                         segment_name=segment_name, time_name=time_name)


def survival_curve(subscriptions: Any, *, at: PeriodLike, by: By = None,
                   confidence: float = 0.95) -> SurvivalCurve:
    """Kaplan-Meier curve of customer lifetime in months, active customers censored at ``at``.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The observation snapshot (see :func:`customer_lifetimes`).
    by : str or mapping, optional
        One curve per segment (a column, or a mapping from customer id to segment).
    confidence : float, default 0.95
        Level of the log-log confidence limits.

    Returns
    -------
    SurvivalCurve
        ``survival`` by ``month`` with Greenwood standard errors and confidence limits;
        ``.median`` (unsplit) or ``.medians`` the median lifetime.

    Warns
    -----
    UndefinedMetricWarning
        Survival never falls to 0.5 (the median is NaN), or every remaining customer
        churns at once (the standard error after that is NaN).

    Notes
    -----
    See the module documentation for the definitions. Lifetimes are counted in month ends,
    as in :func:`csmetrics.mrr_movements`: a customer who pays on 10 January and cancels on
    5 March was paying on 31 January and 28 February, so their lifetime is 2 months. The
    estimate is computed from counts per month (one ``bincount``), so a million customers
    cost a few milliseconds after their lifetimes are known.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id=i, start="2024-01-10", end=end, amount=10)
    ...         for i, end in enumerate(["2024-03-05", "2024-03-20", "2024-05-02", None])]
    >>> curve = survival_curve(subs, at="2024-06")
    >>> curve["survival"].round(3).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    >>> curve.median     # S is 0.5 from month 2 until month 4
    3.0
    """
    ctx = "survival_curve"
    table = _as_table(subscriptions, ctx)
    seg = segment(table, by, ctx)
    lt, _ = _lifetimes(table, seg, at)
    group = seg.segment_of_entity[lt.entity]
    title = f"Customer survival (Kaplan-Meier, months, at {snapshot_date(at)})"
    labels = seg.labels if seg.name is not None else np.array([None], dtype=object)
    return _curve(group, lt.lifetime, lt.churned, labels, seg.name, "month", confidence,
                  title, ctx)


def kaplan_meier(durations: ArrayLike, churned: ArrayLike, *, groups: ArrayLike | None = None,
                 confidence: float = 0.95) -> SurvivalCurve:
    """Kaplan-Meier curve from per-customer durations in whole periods.

    Parameters
    ----------
    durations : array-like of int
        Periods observed for each customer (>= 0).
    churned : array-like of bool
        True where the customer churned after ``durations`` periods; False where they were
        still active (right-censored: the lifetime is longer).
    groups : array-like, optional
        A segment label per customer, for one curve per segment.
    confidence : float, default 0.95
        Level of the log-log confidence limits.

    Returns
    -------
    SurvivalCurve
        As :func:`survival_curve`, with the time column named ``time``.

    Raises
    ------
    DataValidationError
        A duration is missing, negative or not a whole number, or the arrays differ in
        length.

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
    d = np.asarray(durations)
    e = np.asarray(churned)
    if d.ndim != 1 or e.shape != d.shape:
        raise InvalidParameterError(
            f"{ctx}: durations and churned must be 1-d and of one length, got shapes "
            f"{d.shape} and {e.shape}.")
    time = _whole_periods(d, "durations", ctx)
    event = _booleans(e, "churned", ctx)
    if groups is None:
        labels = np.array([None], dtype=object)
        code = np.zeros(time.size, dtype=np.int64)
        name = None
    else:
        g = np.asarray(groups)
        if g.shape != d.shape:
            raise InvalidParameterError(f"{ctx}: groups must have one label per duration.")
        labels, inverse = np.unique(g, return_inverse=True)
        labels = labels.astype(object)
        code = inverse.reshape(-1).astype(np.int64)
        name = "segment"
    return _curve(code, time, event, labels, name, "time", confidence,
                  "Survival (Kaplan-Meier)", ctx)


def _whole_periods(values: NDArray[Any], name: str, context: str) -> NDArray[np.int64]:
    try:
        v = values.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{context}: {name} must be numbers.") from None
    fail(name, "must not be missing (NaN)", np.isnan(v), context)
    fail(name, "must be a whole number >= 0", (v < 0) | (v != np.floor(v)), context)
    return v.astype(np.int64)


def _booleans(values: NDArray[Any], name: str, context: str) -> NDArray[np.bool_]:
    if values.dtype == bool:
        return values
    try:
        v = values.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{context}: {name} must be booleans (or 0/1).") from None
    fail(name, "must be True/False (or 1/0)", ~np.isin(v, (0.0, 1.0)), context)
    return np.asarray(v == 1.0, dtype=bool)
