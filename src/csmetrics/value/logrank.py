"""The log-rank test: do customer lifetimes differ between segments?

Definitions
-----------
The (Mantel-Haenszel) log-rank test compares the survival of k groups on the lifetimes
``survival_curve`` estimates from. At every time ``t`` at which some lifetime ends in churn,
``d_t`` churns among the ``n_t`` customers at risk (lifetimes of at least ``t``; a lifetime
censored at ``t`` is at risk at ``t``, as in the Kaplan-Meier curve), of whom ``n_gt`` are
in group ``g``. Under the null hypothesis of one survival curve, group ``g`` expects
``E_g = sum_t d_t n_gt / n_t`` of the churns and observes ``O_g``. With the hypergeometric
covariance ``V_gh = sum_t d_t (n_t - d_t) / (n_t - 1) (n_gt / n_t) (delta_gh - n_ht / n_t)``
the statistic is ``(O - E)' V^- (O - E)``, chi-square with ``k - 1`` degrees of freedom
(the rank of ``V``: a segment without customers, or whose customers leave before any
churn, adds none). For two groups it is ``(O_1 - E_1)^2 / V_11``.

References
----------
Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising in
its consideration. Cancer Chemotherapy Reports 50, 163-170. Peto, R. and Peto, J. (1972).
Asymptotically efficient rank invariant test procedures. JRSS A 135, 185-207. Klein, J. P.
and Moeschberger, M. L. (2003). Survival Analysis, 2nd ed., section 7.3 (the k-sample test).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.optional import scipy
from csmetrics._core.segments import from_labels, segment_columns
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import logrank as klr
from csmetrics.periods.calendar import PeriodLike, snapshot_date
from csmetrics.results import TableResult
from csmetrics.revenue.segments import By
from csmetrics.value.arrays import durations_and_churned
from csmetrics.value.survival import _partial, _prepare

__all__ = ["LogRankTest", "logrank", "logrank_result", "logrank_test"]


class LogRankTest(TableResult):
    """A log-rank test across segments: one row per segment, the test as attributes.

    Columns: the segment column, ``customers`` (lifetimes in the segment), ``observed``
    (churns) and ``expected`` (churns expected under one common survival curve). A test has
    no single value (``.value`` raises); read ``statistic`` and ``p_value``.

    Attributes
    ----------
    statistic : float
        The chi-square statistic (NaN without a degree of freedom).
    p_value : float
        Its upper tail probability (NaN without a degree of freedom).
    df : int
        Degrees of freedom: the rank of the covariance (segments - 1 when every segment has
        customers at risk at some churn).
    covariance : ndarray, shape (segments, segments)
        The covariance of ``observed - expected``.
    segment_name : str or None
        The segment column.
    """

    statistic: float
    p_value: float
    df: int
    covariance: NDArray[np.float64]
    segment_name: str | None

    def __init__(self, columns: Mapping[str, Any], *, title: str, statistic: float,
                 p_value: float, df: int, covariance: NDArray[np.float64],
                 segment_name: str | None) -> None:
        super().__init__(columns, title=title)
        cov = np.array(covariance, dtype=np.float64)
        cov.flags.writeable = False
        self._set(statistic=float(statistic), p_value=float(p_value), df=int(df),
                  covariance=cov, segment_name=segment_name)

    @property
    def index_columns(self) -> tuple[str, ...]:
        """``to_pandas()`` indexes the rows by segment."""
        return () if self.segment_name is None else (self.segment_name,)

    def summary(self) -> str:
        """The test in one line: statistic, degrees of freedom and p-value."""
        return (f"log-rank chi-square {self.statistic:.4g} on {self.df} df, "
                f"p = {self.p_value:.4g}")

    def __str__(self) -> str:
        return f"{self.to_text()}\n{self.summary()}"

    def to_html(self, *, max_rows: int | None = 40) -> str:
        """The table with the test as a line under it (every string escaped)."""
        import html

        return f"{super().to_html(max_rows=max_rows)}<p>{html.escape(self.summary())}</p>"

    def __repr__(self) -> str:
        return (f"LogRankTest({len(self)} segments: chi2 {self.statistic:.4g} on {self.df} "
                f"df, p {self.p_value:.4g})")


def logrank_result(events: NDArray[np.int64], censored: NDArray[np.int64],
                   labels: NDArray[Any], segment_name: str | None, title: str,
                   context: str) -> LogRankTest:
    """The ``LogRankTest`` of events and censorings per (segment, time index), shaped
    ``(segments, times)`` with times increasing; warns when the test is undefined."""
    test = klr.logrank(events, censored)
    if test.df == 0:
        why = ("fewer than two segments have customers" if np.count_nonzero(test.members) < 2
               else "no churn at a time when two segments have customers at risk")
        warn_undefined(f"{context}: {why}, so the log-rank test has no degree of freedom; "
                       "the statistic and p-value are NaN.")
        p_value = np.nan
    else:
        p_value = float(scipy("special").chdtrc(test.df, test.statistic))
    cols = segment_columns(segment_name, labels, context)
    cols.update(customers=test.members, observed=test.observed, expected=test.expected)
    return LogRankTest(cols, title=title, statistic=test.statistic, p_value=p_value,
                       df=test.df, covariance=test.covariance, segment_name=segment_name)


def logrank_test(subscriptions: Any, at: PeriodLike, *, by: By) -> LogRankTest:
    """Log-rank test of whether customer lifetimes (months, to ``at``) differ by segment.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The observation snapshot: lifetimes still running there are censored (see
        ``customer_lifetimes``).
    by : str or mapping
        The segments to compare: a column (``"plan"``, any input column; a customer who
        changes plan starts a new lifetime in the new plan, as in ``survival_curve``) or a
        mapping from customer id to segment (ids it lacks in ``"(none)"``). ``None`` is one
        segment: there is nothing to compare (NaN, with a warning).

    Returns
    -------
    LogRankTest
        One row per segment (``customers``, ``observed`` and ``expected`` churns) and the
        test: ``statistic``, ``p_value``, ``df``, ``covariance``.

    Raises
    ------
    ColumnNotFoundError
        ``by`` names no column of the input.

    Warns
    -----
    UndefinedMetricWarning
        Fewer than two segments have customers, or no churn happens while two segments have
        customers at risk: the statistic and p-value are NaN.

    Notes
    -----
    See the module documentation for the definition. The times are the whole months of
    ``survival_curve``, so churns in the same month are tied, and ties are handled by the
    hypergeometric variance (as R's ``survdiff`` and lifelines do).

    References
    ----------
    Mantel, N. (1966). Cancer Chemotherapy Reports 50, 163-170.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> ends = {"basic": ["2024-02-05", "2024-03-05", "2024-03-20", None],
    ...         "pro": ["2024-05-02", None, None, None]}
    >>> subs = [Subscription(customer_id=f"{p}{i}", plan=p, start="2024-01-10", end=e,
    ...                      amount=10) for p, es in ends.items() for i, e in enumerate(es)]
    >>> test = logrank_test(subs, "2024-06", by="plan")
    >>> test["observed"].tolist(), test["expected"].round(3).tolist()
    ([3, 1], [1.557, 2.443])
    >>> round(test.statistic, 4), test.df    # E = 4/8 + 2 x 3/7 + 1/5 for basic
    (2.5445, 1)
    """
    table, plan = _prepare(subscriptions, at, by=by)
    partials = _partial(table, plan)
    title = f"Log-rank test of customer lifetimes (months, at {snapshot_date(at)})"
    return logrank_result(partials["churned"], partials["censored"], plan.labels,
                          plan.segments.name, title, "logrank_test")


def logrank(durations: ArrayLike, churned: ArrayLike, *, by: ArrayLike) -> LogRankTest:
    """Log-rank test across groups from per-customer durations and churn flags.

    Parameters
    ----------
    durations : array-like of int
        Periods observed for each customer (>= 0), as in ``kaplan_meier``.
    churned : array-like of bool
        True where the customer churned after ``durations`` periods; False where still
        active (right-censored).
    by : array-like
        One group label per customer (missing labels in ``"(none)"``); a pandas Series
        names the segment column.

    Returns
    -------
    LogRankTest
        As ``logrank_test``.

    Raises
    ------
    DataValidationError
        A duration is missing, negative or not a whole number, or a flag is not True/False.
    InvalidParameterError
        The arrays differ in length, or ``by`` has not one label per duration.

    Warns
    -----
    UndefinedMetricWarning
        Fewer than two groups, or no churn while two groups are at risk (NaN).

    Examples
    --------
    Remission weeks of the Freireich et al. (1963) leukaemia trial, 6-MP against placebo
    (Klein and Moeschberger's worked example; R's ``survdiff`` prints chi-square 16.8):

    >>> mp = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> mp_relapsed = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    >>> test = logrank(mp + placebo, mp_relapsed + [1] * 21, by=["6-MP"] * 21 + ["placebo"] * 21)
    >>> round(test.statistic, 1), test["observed"].tolist()
    (16.8, [9, 21])
    """
    ctx = "logrank"
    time, event = durations_and_churned(durations, churned, ctx)
    segs = from_labels(by, time.size, ctx)
    events, censored = klr.counts_by_time(segs.of_row, time, event, segs.labels.size)
    return logrank_result(events, censored, segs.labels, segs.name,
                          "Log-rank test", ctx)
