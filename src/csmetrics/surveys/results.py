"""Result objects of the survey metrics: estimates with intervals, comparisons and trends.

:class:`SurveyEstimate` and its subclasses (NPS, CSAT, CES) are returned by the metrics in
:mod:`csmetrics.surveys`, :class:`Comparison` by the tests and :class:`SurveyTrend` by
:func:`~csmetrics.surveys.survey_trend`. They are re-exported by :mod:`csmetrics.surveys`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import Frequency
from csmetrics.results import SkippedRows, TableResult
from csmetrics.tables.surveys import SurveyScale

_E = TypeVar("_E", bound="SurveyEstimate")


class SurveyEstimate(TableResult):
    """A survey metric: one row per segment (one row without ``by=``) with its interval.

    ``ci_low`` and ``ci_high`` always bound the headline column (``nps``, ``csat`` or
    ``ces``). For a single row, :attr:`score`, :meth:`confidence_interval` and
    :meth:`value` read numbers directly; with segments, read columns (``result["nps"]``) or
    pick a segment with :meth:`row`.
    """

    metric: str
    headline: str
    confidence: float
    by: str | None
    skipped: SkippedRows

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, headline: str,
                 confidence: float, by: str | None, skipped: SkippedRows,
                 **extra: Any) -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, headline=headline, confidence=confidence, by=by,
                  skipped=skipped, **extra)

    def _single(self) -> None:
        if len(self) != 1:
            raise InvalidParameterError(
                f"{type(self).__name__} has {len(self)} rows (one per {self.by!r}); read a "
                f"column such as result[{self.headline!r}] or pick one with result.row(label)."
            )

    def value(self, column: str) -> float:
        """The number in ``column`` of a single-row result."""
        self._single()
        return float(self[column][0])

    @property
    def score(self) -> float:
        """The headline number of a single-row result (NPS, CSAT share or CES mean)."""
        return self.value(self.headline)

    def confidence_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the headline's interval, for a single-row result."""
        return self.value("ci_low"), self.value("ci_high")

    def row(self: _E, label: Any) -> _E:
        """The one-row result of segment ``label``."""
        if self.by is None:
            return self
        hits = np.flatnonzero(np.asarray([v == label for v in self[self.by].tolist()]))
        if hits.size != 1:
            shown = ", ".join(repr(v) for v in self[self.by].tolist()[:10])
            raise InvalidParameterError(f"no segment {label!r}; segments: {shown}.")
        return _take_rows(self, hits)

    def __repr__(self) -> str:
        name = type(self).__name__
        if len(self) == 1:
            low, high = self["ci_low"][0], self["ci_high"][0]
            n = self["n"][0]
            return (f"{name}({self.headline}={_fmt(self[self.headline][0])}, "
                    f"{self.confidence:.0%} CI {_fmt(low)} to {_fmt(high)}, n={_fmt(n)})")
        return f"{name}({len(self):,} segments by {self.by!r})"


def _take_rows(result: _E, idx: NDArray[np.int64]) -> _E:
    new = copy.copy(result)
    TableResult.__init__(new, {k: v[idx] for k, v in result.columns.items()},
                         title=result.title, money=result.money)
    return new


def _fmt(v: Any) -> str:
    v = float(v)
    if v != v:
        return "NaN"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


class NetPromoterScore(SurveyEstimate):
    """Net Promoter Score with its interval, counts and shares (see :func:`net_promoter_score`).

    Columns: the segment (with ``by``), ``nps``, ``ci_low``, ``ci_high``, ``se`` (all in NPS
    points), ``n`` (answers), ``effective_n``, ``promoters``, ``passives``, ``detractors``
    (weighted counts) and ``promoter_share``, ``passive_share``, ``detractor_share``
    (fractions). Attribute ``interval`` names the interval method.
    """

    interval: str


class CustomerSatisfactionScore(SurveyEstimate):
    """CSAT: share satisfied with its Wilson interval and the mean score with its t-interval.

    Columns: the segment (with ``by``), ``csat`` (fraction satisfied), ``ci_low``, ``ci_high``,
    ``mean``, ``mean_ci_low``, ``mean_ci_high``, ``sd``, ``n``, ``effective_n``,
    ``satisfied`` (weighted count). Attributes ``scale`` and ``satisfied_at``.
    """

    scale: SurveyScale
    satisfied_at: float


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


class Comparison(TableResult):
    """A test of a difference: between two results, or of one result against a benchmark.

    Columns include ``difference``, ``ci_low``, ``ci_high``, ``p_value`` and ``significant``;
    the statistic (``z`` or ``t``) and the two estimates are named after the metric.
    Attributes ``metric``, ``method``, ``confidence`` and ``alternative``.
    """

    metric: str
    method: str
    confidence: float
    alternative: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, method: str,
                 confidence: float, alternative: str = "two-sided") -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, method=method, confidence=confidence, alternative=alternative)

    def _one(self, column: str) -> Any:
        if len(self) != 1:
            raise InvalidParameterError(
                f"Comparison has {len(self)} rows; read the column result[{column!r}].")
        return self[column][0]

    def value(self, column: str) -> float:
        """The number in ``column`` of a single-row comparison."""
        return float(self._one(column))

    @property
    def difference(self) -> float:
        """The estimated difference (single row)."""
        return float(self._one("difference"))

    @property
    def p_value(self) -> float:
        """The p-value (single row)."""
        return float(self._one("p_value"))

    @property
    def significant(self) -> bool:
        """Whether the difference is significant at the confidence level (single row)."""
        return bool(self._one("significant"))

    def confidence_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the difference (single row)."""
        return float(self._one("ci_low")), float(self._one("ci_high"))

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"Comparison({self.metric}: difference {_fmt(self['difference'][0])}, "
                    f"{self.confidence:.0%} CI {_fmt(self['ci_low'][0])} to "
                    f"{_fmt(self['ci_high'][0])}, p={float(self['p_value'][0]):.4g}, "
                    f"{self.method})")
        return f"Comparison({self.metric}, {len(self):,} rows, {self.method})"


class SurveyTrend(TableResult):
    """A survey metric per period (and segment), with the change from the period before.

    Columns: ``period``, the segment (with ``by``), the metric (``nps``, ``csat`` or ``ces``),
    ``ci_low``, ``ci_high``, ``n``, ``effective_n``, ``change`` (from the previous period of
    the same segment), ``change_ci_low``, ``change_ci_high``, ``p_value`` and
    ``significant``. Attributes ``metric``, ``freq``, ``periods``, ``confidence``,
    ``account_weighting``.
    """

    metric: str
    freq: Frequency
    periods: tuple[str, ...]
    confidence: float
    account_weighting: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, freq: Frequency,
                 periods: tuple[str, ...], confidence: float, account_weighting: str) -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, freq=freq, periods=periods, confidence=confidence,
                  account_weighting=account_weighting)

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        flagged = int(np.sum(self["significant"]))
        return (f"SurveyTrend({self.metric}, {n} period{'s' * (n != 1)}, {span}, "
                f"{flagged} significant change{'s' * (flagged != 1)})")
