"""Cohort tables and customer survival: who is still paying, and for how long customers stay.

Definitions
-----------
**Cohort.** A customer's cohort is the period (month, quarter, year) of the first snapshot at
which the customer's MRR is positive: the period in which :func:`csmetrics.mrr_movements`
records them as *new*. A customer who leaves and comes back stays in that first cohort.
Snapshots are period ends (see ``docs/definitions.md``), so a customer who starts and cancels
between two snapshots never joins a cohort.

**Age.** Age ``k`` of cohort ``c`` is the snapshot of period ``c + k``; age 0 is the cohort's
own period. A cell whose snapshot is after the window's last period is *censored*: missing
(NaN), never 0.

**Logo cohort share** at age k: customers of the cohort with MRR > 0 at that snapshot,
divided by the cohort's size (its customers at age 0). Returning customers count again, so
with reactivation a share can rise; without it, shares never rise.

**Revenue cohort share** at age k: the cohort's MRR at that snapshot divided by its MRR at
age 0, expansion, contraction and reactivation included (it can exceed 1).

**Lifetime.** The months from a customer's cohort snapshot (month ends) to the first month
end at which their MRR is 0 (*churned*), or, if they are still paying at the snapshot
``at``, to ``at`` (*censored*: the lifetime is longer than that). Only the first paying
spell counts; a later return does not extend it.

**Kaplan-Meier survival** ``S(t)``: the probability that a customer's lifetime exceeds t
months, ``S(t) = prod over s <= t of (1 - d_s / n_s)`` with ``d_s`` customers churning after
exactly s months and ``n_s`` customers whose observed lifetime is at least s. Greenwood's
standard error ``S(t) sqrt(sum d / (n (n - d)))`` and log-log confidence limits
``S ** exp(+-z se / |log S|)`` (the ``conf.type = "log-log"`` of R's ``survfit``). The median
lifetime is the first t with ``S(t) <= 0.5`` (midway to the next time when S is exactly 0.5
over an interval, as in R); NaN, with a warning, when survival never falls to 0.5.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._kernels import cohorts as kc
from csmetrics._kernels import revenue as kr
from csmetrics._kernels.value import scipy
from csmetrics._segments import By, Segmentation, currency_digits, segment
from csmetrics._validation import fail
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.periods import (
    Frequency,
    PeriodLike,
    parse_frequency,
    period_ends_before,
    period_range,
    snapshot_date,
)
from csmetrics.results import TableResult
from csmetrics.tables import SubscriptionTable

__all__ = [
    "CohortTable",
    "SurvivalCurve",
    "cohort_table",
    "customer_lifetimes",
    "kaplan_meier",
    "survival_curve",
]

_OPEN = np.iinfo(np.int64).max
_DAY = np.timedelta64(1, "D")
CohortKind = Literal["logo", "revenue"]


def _as_table(subscriptions: Any, context: str) -> SubscriptionTable:
    if isinstance(subscriptions, SubscriptionTable):
        return subscriptions
    if isinstance(subscriptions, list | tuple):
        return SubscriptionTable.from_records(subscriptions)
    return SubscriptionTable.from_columns(subscriptions, _context=context)


def _change_points(table: SubscriptionTable, seg: Segmentation, snaps: NDArray[np.int64]
                   ) -> kr.ChangePoints:
    start_days = table.start.astype(np.int64)
    open_rows = np.isnat(table.end)
    end_days = np.where(open_rows, _OPEN, table.end.astype(np.int64))
    return kr.change_points(seg.entity_of_row, start_days, end_days, table.mrr_units, snaps)


def _labels(snaps: NDArray[np.datetime64], f: Frequency) -> NDArray[Any]:
    months = snaps.astype("datetime64[M]").astype(np.int64)
    return np.array([f.label(int(m)) for m in f.period_index(months)], dtype=object)


def _last_data_day(table: SubscriptionTable) -> np.datetime64:
    ends = table.end[~np.isnat(table.end)]
    last = table.start.max()
    return max(last, ends.max()) if ends.size else last


def _warn(message: str) -> None:
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)


# --- cohort tables ----------------------------------------------------------------------------


class CohortTable(TableResult):
    """A cohort table: one row per cohort (and segment), one column per age.

    Columns: ``cohort``, the segment column when split ``by``, ``customers`` (cohort size),
    ``starting_mrr`` (revenue tables), then one column per age ``"0"``, ``"1"``, ... holding
    the share (NaN where censored).

    Attributes
    ----------
    kind : {"logo", "revenue"}
    freq : Frequency
    cohorts : tuple of str
        Cohort label of each row.
    ages : tuple of int
        Age of each value column, in periods of ``freq``.
    values : ndarray of float64, shape (rows, ages)
        The shares, NaN where censored or where the cohort is empty: ready for a heat map.
    active : ndarray of float64, shape (rows, ages)
        Customers of the cohort with MRR > 0 at each age (NaN where censored).
    mrr : ndarray of float64 or None
        The cohort's MRR at each age, in the table's currency (revenue tables only).
    sizes : ndarray of int64
        Customers in each cohort.
    """

    kind: str
    freq: Frequency
    cohorts: tuple[str, ...]
    ages: tuple[int, ...]
    values: NDArray[np.float64]
    active: NDArray[np.float64]
    mrr: NDArray[np.float64] | None
    sizes: NDArray[np.int64]
    currency: str

    def __init__(self, columns: Mapping[str, Any], *, kind: str, freq: Frequency,
                 values: NDArray[np.float64], active: NDArray[np.float64],
                 mrr: NDArray[np.float64] | None, currency: str) -> None:
        unit = freq.name.split("-")[0]
        title = f"{kind.capitalize()} cohorts by {unit} (share of age 0)"
        money = ("starting_mrr",) if kind == "revenue" else ()
        super().__init__(columns, title=title, money=money)
        for a in (values, active, *(() if mrr is None else (mrr,))):
            a.flags.writeable = False
        n_ages = values.shape[1] if values.shape[0] else 0
        self._set(kind=kind, freq=freq, cohorts=tuple(str(c) for c in columns["cohort"]),
                  ages=tuple(range(n_ages)), values=values, active=active, mrr=mrr,
                  sizes=np.asarray(columns["customers"], dtype=np.int64), currency=currency)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """A heat map of the shares (needs the ``plot`` extra); returns the matplotlib Axes."""
        from csmetrics.plotting import plot_cohort_table

        return plot_cohort_table(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        n = len(self)
        span = f", {self.cohorts[0]} to {self.cohorts[-1]}" if n else ""
        return (f"CohortTable({self.kind}, {n} row{'s' * (n != 1)} x {len(self.ages)} "
                f"ages{span})")


def cohort_table(
    subscriptions: Any,
    *,
    freq: str | Frequency = "month",
    kind: CohortKind = "logo",
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    by: By = None,
) -> CohortTable:
    """Share of each cohort still paying (logo) or of its starting MRR (revenue), by age.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    freq : {"month", "quarter", "year"} or a fiscal "quarter-<mon>" / "year-<mon>"
        Period of cohorts and ages; each age is read at the period's last day.
    kind : {"logo", "revenue"}, default "logo"
        Customers still paying over cohort size, or cohort MRR over its MRR at age 0.
    start, end : period or date, optional
        First and last cohort shown; ``end`` is also the last period observed, so every
        later cell is censored (NaN). A date stands for the period containing it. Defaults:
        the first cohort in the data, and the period holding the latest date in the table
        (the latest start or end). With open-ended spans the data do not say when they were
        exported, so pass ``end`` to state it.
    by : str or mapping, optional
        Split by a column (``"plan"``, ``"currency"``, ``"interval"``; the unit is then the
        customer within the segment, so a plan change starts a new cohort of the new plan)
        or by a mapping from customer id to segment.

    Returns
    -------
    CohortTable
        One row per cohort (segment-major when split) and one column per age.

    Raises
    ------
    InvalidParameterError
        Unknown ``kind``, ``start`` after ``end``, or an empty table without a window.
    CurrencyMismatchError
        A revenue table would sum MRR in several currencies (split with ``by="currency"``).

    Warns
    -----
    UndefinedMetricWarning
        Some cohorts in the window have no customers (their shares are NaN).

    Notes
    -----
    A customer's cohort is the period of their first positive-MRR snapshot, looking back to
    the start of the data, so customers who first paid before ``start`` are in no row, even
    if they return inside the window. Cells are computed from MRR change events: each change
    adds to its cohort's cell at its age and a running sum along ages gives the levels, so
    the cost follows the number of changes, not customers x periods.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-05", end="2024-03-10", amount=10),
    ...     Subscription(customer_id="b", start="2024-01-20", amount=30),
    ...     Subscription(customer_id="c", start="2024-02-01", end="2024-03-05", amount=10),
    ...     Subscription(customer_id="c", start="2024-04-15", amount=10),
    ...     Subscription(customer_id="d", start="2024-03-20", amount=20),
    ...     Subscription(customer_id="e", start="2024-04-02", amount=20),
    ... ]
    >>> print(cohort_table(subs, end="2024-04"))  # c left in March and came back in April
    Logo cohorts by month (share of age 0)
    cohort   customers  0    1    2    3
    2024-01          2  1    1  0.5  0.5
    2024-02          1  1    0    1  NaN
    2024-03          1  1    1  NaN  NaN
    2024-04          1  1  NaN  NaN  NaN
    >>> cohort_table(subs, end="2024-04", kind="revenue").values[0].tolist()  # a: $10, b: $30
    [1.0, 1.0, 0.75, 0.75]
    """
    ctx = "cohort_table"
    if kind not in ("logo", "revenue"):
        raise InvalidParameterError(f"{ctx}: kind must be 'logo' or 'revenue', got {kind!r}.")
    table = _as_table(subscriptions, ctx)
    f = parse_frequency(freq)
    seg = segment(table, by, ctx)
    if len(table) == 0 and (start is None or end is None):
        raise InvalidParameterError(
            f"{ctx}: the table is empty, so the window cannot be inferred; pass start and end.")

    # Periods are read in ``freq`` (fiscal names need it): a window's end is the last period
    # of ``freq`` the value covers ("2024-Q1" with months is March), its start the first.
    end_value: PeriodLike = end if end is not None else _last_data_day(table)
    end_period = period_range(end_value, end_value, f)[-1]
    last_day = np.datetime64(end_period.end, "D")
    first_day = table.start.min() if len(table) else last_day
    if start is not None:
        start_period = period_range(start, start, f)[0]
        if start_period > end_period:
            raise InvalidParameterError(f"{ctx}: start {start!r} is after end {end!r}.")
        first_day = min(first_day, np.datetime64(start_period.start, "D"))
    snaps = period_ends_before(first_day, last_day + _DAY, f)
    labels = _labels(snaps, f)
    currency = ""
    if kind == "revenue":
        digits, names = currency_digits(table, seg, table.start <= last_day, ctx)
        currency = ", ".join(sorted({c for c in names if c}))
    last = snaps.size - 1

    points = _change_points(table, seg, snaps.astype(np.int64))
    cohort = kc.first_snapshot(points, seg.n_entities)
    if start is not None:
        first_row = int(np.searchsorted(snaps, np.datetime64(start_period.end, "D")))
    else:
        present = cohort[cohort >= 0]
        first_row = int(present.min()) if present.size else last + 1
    n_cohorts = max(last - first_row + 1, 0)
    n_ages = max(n_cohorts, 1)
    n_seg = seg.n_segments
    row = np.where(cohort >= first_row, seg.segment_of_entity * n_cohorts + cohort - first_row,
                   -1)
    levels = kc.cohort_levels(points, cohort, row, n_seg * n_cohorts, n_ages)

    age = np.arange(n_ages)
    cohort_idx = np.tile(np.arange(n_cohorts), n_seg)
    censored = age[None, :] > (n_cohorts - 1 - cohort_idx)[:, None]
    active = np.where(censored, np.nan, levels.active.astype(np.float64))
    sizes = levels.active[:, 0].astype(np.int64)
    empty = sizes == 0
    if empty.any():
        _warn(f"{ctx}: {int(empty.sum())} of {empty.size} cohorts have no customers; their "
              "shares are NaN.")
    mrr: NDArray[np.float64] | None = None
    if kind == "logo":
        base = np.where(empty, np.nan, sizes.astype(np.float64))
        values = active / base[:, None]
    else:
        scale = (10.0 ** digits)[np.repeat(np.arange(n_seg), n_cohorts)]
        mrr = np.where(censored, np.nan, levels.mrr / scale[:, None])
        # Every member pays at age 0 (that is what makes the cohort), so only an empty
        # cohort starts at zero MRR.
        start_mrr = levels.mrr[:, 0].astype(np.float64)
        values = np.where(censored, np.nan,
                          levels.mrr / np.where(start_mrr > 0, start_mrr, np.nan)[:, None])

    cols: dict[str, Any] = {"cohort": np.tile(labels[first_row:], n_seg)}
    if seg.name is not None:
        cols[seg.name] = np.repeat(seg.labels, n_cohorts)
    cols["customers"] = sizes
    if mrr is not None:
        cols["starting_mrr"] = mrr[:, 0] if n_cohorts else np.zeros(0)
    for k in range(n_ages if n_cohorts else 0):
        cols[str(k)] = values[:, k]
    return CohortTable(cols, kind=kind, freq=f, values=values, active=active, mrr=mrr,
                       currency=currency)


# --- lifetimes and survival -------------------------------------------------------------------


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
        from csmetrics.plotting import plot_survival_curve

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
