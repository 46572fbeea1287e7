"""Result objects of the survey metrics: estimates with intervals, comparisons and trends.

``SurveyEstimate`` and its subclasses (NPS, CSAT, CES) are returned by the metrics of
``csmetrics.surveys``, ``Comparison`` by the tests and ``SurveyTrend`` by ``survey_trend``.
Each is a ``MetricResult``: one row without ``by=`` (one per segment with it, the segment
column first), a value column (``nps``, ``csat``, ``ces``; ``difference`` for a comparison;
the metric for a trend), and ``float(result)`` / ``result.value`` for the number of a one-row
result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from csmetrics._core.formatting import format_number
from csmetrics.periods.calendar import Frequency
from csmetrics.results import MetricResult, SkippedRows
from csmetrics.tables.surveys import SurveyScale


class SurveyEstimate(MetricResult):
    """A survey metric: one row per segment (one row without ``by=``) with its interval.

    The value column is the headline (``nps``, ``csat`` or ``ces``), and ``ci_low`` and
    ``ci_high`` always bound it. For a one-row result ``float(result)``, ``result.value`` and
    ``result.score`` give the headline and ``confidence_interval()`` its bounds; with
    segments, read columns (``result["nps"]``) or pick a segment with ``result.row(label)``.

    Attributes
    ----------
    metric, headline : str
        The metric (``"nps"``) and its value column.
    confidence : float
        The confidence level of the intervals.
    by : str or None
        The segment column (``None`` without ``by=``).
    skipped : SkippedRows
        Answers left out with ``errors="skip"`` and the rule each broke.
    """

    metric: str
    headline: str
    confidence: float
    by: str | None
    skipped: SkippedRows

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, headline: str,
                 confidence: float, by: str | None, skipped: SkippedRows,
                 **extra: Any) -> None:
        super().__init__(columns, value=headline, title=title, segment=by)
        self._set(metric=metric, headline=headline, confidence=confidence, by=by,
                  skipped=skipped, **extra)

    @property
    def score(self) -> float:
        """The headline number of a one-row result (NPS, CSAT share or CES mean)."""
        return float(self)

    def confidence_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the headline's interval, for a one-row result."""
        self._single()
        return float(self["ci_low"][0]), float(self["ci_high"][0])

    def _legacy_value(self, column: str) -> float:
        """``result.value("mean")``, as before 0.2: the number in ``column`` of one row."""
        self._single()
        return float(self[column][0])

    def __repr__(self) -> str:
        name = type(self).__name__
        if len(self) == 1:
            low, high = self["ci_low"][0], self["ci_high"][0]
            return (f"{name}({self.headline}={format_number(self[self.headline][0])}, "
                    f"{self.confidence:.0%} CI {format_number(low)} to {format_number(high)}, "
                    f"n={format_number(self['n'][0])})")
        return f"{name}({len(self):,} segments by {self.by!r})"


class NetPromoterScore(SurveyEstimate):
    """Net Promoter Score with its interval, counts and shares (see ``net_promoter_score``).

    Columns: the segment (with ``by``), ``nps``, ``ci_low``, ``ci_high``, ``se`` (all in NPS
    points), ``n`` (answers), ``effective_n``, ``promoters``, ``passives``, ``detractors``
    (weighted counts) and ``promoter_share``, ``passive_share``, ``detractor_share``
    (fractions). Attribute ``interval`` names the interval method.

    Examples
    --------
    >>> from csmetrics.surveys import net_promoter_score
    >>> r = net_promoter_score([10, 9, 8, 3])     # (2 - 1) / 4; adjusted centre 1 / 7
    >>> r
    NetPromoterScore(nps=25, 95% CI -44.1598 to 72.7312, n=4)
    >>> float(r), r.value, r["promoters"].item()
    (25.0, 25.0, 2.0)
    >>> net_promoter_score([10, 3], by=["x", "y"]).row("y").value
    -100.0
    """

    interval: str

    def plot(self, *, ax: Any = None) -> Any:
        """Bar chart of the shares of detractors, passives and promoters, titled with the NPS
        and its interval (one row: pick a segment with ``row(label)``; needs the ``plot``
        extra)."""
        self._single()
        from csmetrics.plotting import plot_nps

        return plot_nps(self, ax=ax)


class CustomerSatisfactionScore(SurveyEstimate):
    """CSAT: share satisfied with its Wilson interval and the mean score with its t-interval.

    Columns: the segment (with ``by``), ``csat`` (fraction satisfied), ``ci_low``, ``ci_high``,
    ``mean``, ``mean_ci_low``, ``mean_ci_high``, ``sd``, ``n``, ``effective_n``,
    ``satisfied`` (weighted count). Attributes ``scale`` and ``satisfied_at``.
    """

    scale: SurveyScale
    satisfied_at: float

    def plot(self, *, ax: Any = None) -> Any:
        """The share satisfied with its interval, one point per segment (needs the ``plot``
        extra; see ``csmetrics.plotting.plot_survey_estimate``).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics.surveys import customer_satisfaction_score
        >>> customer_satisfaction_score([5, 4, 2, 1]).plot().get_xlabel()
        'share satisfied'
        """
        from csmetrics.plotting import plot_survey_estimate

        return plot_survey_estimate(self, ax=ax)


class CustomerEffortScore(SurveyEstimate):
    """CES: mean effort score with its t-interval and the share answering on the easy side.

    Columns: the segment (with ``by``), ``ces`` (mean), ``ci_low``, ``ci_high``, ``sd``,
    ``easy_share``, ``easy_ci_low``, ``easy_ci_high`` (Wilson), ``n``, ``effective_n``.
    Attributes ``version``, ``scale``, ``higher_is_easier``, ``easy_at`` and ``polarity``
    (a sentence such as ``"higher is easier"``).
    """

    version: str
    scale: SurveyScale
    higher_is_easier: bool
    easy_at: float
    polarity: str

    def plot(self, *, ax: Any = None) -> Any:
        """The mean effort score with its interval on the scale, one point per segment
        (needs the ``plot`` extra; see ``csmetrics.plotting.plot_survey_estimate``).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics.surveys import customer_effort_score
        >>> [float(x) for x in customer_effort_score([7, 6, 5, 2]).plot().get_xlim()]
        [1.0, 7.0]
        """
        from csmetrics.plotting import plot_survey_estimate

        return plot_survey_estimate(self, ax=ax)


class Comparison(MetricResult):
    """A test of a difference: between two results, or of one result against a benchmark.

    The value column is ``difference``: the *observed* difference (``a - b``, or the estimate
    minus the benchmark). ``ci_low`` and ``ci_high`` bound the difference, and ``p_value``
    and ``significant`` test whether it is 0. Where the interval and the test are built
    around another estimate of the difference than the observed one (the adjusted-Wald NPS
    adds 3/4 of an answer to the promoters and to the detractors), ``interval_centre`` holds
    that estimate: the interval is ``interval_centre ± z se`` and the statistic is
    ``interval_centre / se``. The statistic (``z`` or ``t``) and the two estimates are named
    after the metric. Attributes ``metric``, ``method``, ``confidence`` and ``alternative``.

    Examples
    --------
    >>> from csmetrics.surveys import compare_nps
    >>> c = compare_nps([9], [6])
    >>> float(c), c["interval_centre"].item(), c.significant
    (200.0, 50.0, False)
    """

    metric: str
    method: str
    confidence: float
    alternative: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, method: str,
                 confidence: float, alternative: str = "two-sided",
                 segment: str | None = None) -> None:
        super().__init__(columns, value="difference", title=title, segment=segment)
        self._set(metric=metric, method=method, confidence=confidence, alternative=alternative)

    def _one(self, column: str) -> Any:
        self._single()
        return self[column][0]

    def _legacy_value(self, column: str) -> float:
        """``comparison.value("z")``, as before 0.2: the number in ``column`` of one row."""
        return float(self._one(column))

    @property
    def difference(self) -> float:
        """The observed difference (one row)."""
        return float(self._one("difference"))

    @property
    def p_value(self) -> float:
        """The p-value (one row)."""
        return float(self._one("p_value"))

    @property
    def significant(self) -> bool:
        """Whether the difference is significant at the confidence level (one row)."""
        return bool(self._one("significant"))

    def confidence_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the difference (one row)."""
        return float(self._one("ci_low")), float(self._one("ci_high"))

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"Comparison({self.metric}: difference "
                    f"{format_number(self['difference'][0])}, {self.confidence:.0%} CI "
                    f"{format_number(self['ci_low'][0])} to {format_number(self['ci_high'][0])}"
                    f", p={float(self['p_value'][0]):.4g}, {self.method})")
        return f"Comparison({self.metric}, {len(self):,} rows, {self.method})"


class SurveyTrend(MetricResult):
    """A survey metric per period (and segment), with the change from the period before.

    Columns: ``period``, the segment (with ``by``), the metric (``nps``, ``csat`` or ``ces``;
    the value column), ``ci_low``, ``ci_high``, ``n``, ``effective_n``, ``change`` (from the
    previous period of the same segment), ``change_ci_low``, ``change_ci_high``, ``p_value``
    and ``significant``. Attributes ``metric``, ``freq``, ``periods``, ``confidence``,
    ``account_weighting``.
    """

    metric: str
    freq: Frequency
    periods: tuple[str, ...]
    confidence: float
    account_weighting: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, freq: Frequency,
                 periods: tuple[str, ...], confidence: float, account_weighting: str,
                 segment: str | None = None) -> None:
        super().__init__(columns, value=metric, title=title, segment=segment)
        self._set(metric=metric, freq=freq, periods=periods, confidence=confidence,
                  account_weighting=account_weighting)

    def plot(self, *, ax: Any = None, band: bool = True) -> Any:
        """The metric per period with its interval band and its significant changes ringed,
        one line per segment (needs the ``plot`` extra; see
        ``csmetrics.plotting.plot_survey_trend``)."""
        from csmetrics.plotting import plot_survey_trend

        return plot_survey_trend(self, ax=ax, band=band)

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        flagged = int(np.sum(self["significant"]))
        return (f"SurveyTrend({self.metric}, {n} period{'s' * (n != 1)}, {span}, "
                f"{flagged} significant change{'s' * (flagged != 1)})")
