"""Goals: progress of a metric from a baseline toward a target, with its uncertainty.

Definitions
-----------
**Target value.** Absolute (``relative=False``): ``target`` itself (NPS 40). Relative
(``relative=True``): a change of the baseline, ``baseline * (1 + target)``; "reduce churn 10%"
is ``target=-0.10``.

**Achieved** (share of the way): ``(current - baseline) / (target value - baseline)``: 0 at
the baseline, 1 on the target, above 1 beyond it, negative when the metric moved away. The
direction of the goal is that of ``target value - baseline``; a target equal to its baseline
has no way to go (NaN with an ``UndefinedMetricWarning``).

**Interval and probability on track.** Where the metric has a sampling uncertainty, the
current value's interval at ``confidence`` and the probability, under the normal
approximation, that the metric's true value already meets the target:
``Phi((current - target value) / se)`` for a goal that raises the metric,
``Phi((target value - current) / se)`` for one that lowers it. Per metric:

**Survey metrics** (``net_promoter_score``, ``customer_satisfaction_score``) have no window
of their own: a baseline or ``progress`` window (a period, or ``(start, end)``) selects the
answers submitted in it.

* ``net_promoter_score``: the NPS interval and standard error of ``net_promoter_score``
  (adjusted Wald by default);
* ``customer_satisfaction_score``, ``logo_churn_rate``, ``customer_retention_rate``: a
  proportion of counts (satisfied of answers, churned of the denominator, retained of the
  starting customers): Wilson (1927) interval, ``se = sqrt(p (1 - p) / n)``;
* money and counts (``mrr``, ``arpa``, ``net_revenue_retention``,
  ``gross_revenue_retention``, ``revenue_churn_rate``, ``customer_count``,
  ``active_users``): the whole book, not a sample: no interval, the bounds and probability
  are NaN (no warning: nothing is undefined, there is no sampling error to state);
* a callable: its result's ``se``, ``ci_low`` and ``ci_high`` columns when it has them,
  otherwise no interval.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.formatting import format_money, format_number
from csmetrics._core.optional import scipy
from csmetrics._core.options import BOOL, CONFIDENCE, check_option
from csmetrics._core.segments import segment_columns
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels.surveys import wilson
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import MetricResult, TableResult
from csmetrics.revenue import (
    arpa,
    customer_count,
    customer_retention_rate,
    gross_revenue_retention,
    logo_churn_rate,
    mrr,
    net_revenue_retention,
    revenue_churn_rate,
)
from csmetrics.surveys import customer_satisfaction_score, net_promoter_score
from csmetrics.tables.coerce import as_surveys
from csmetrics.usage import active_users

__all__ = ["SUPPORTED_METRICS", "Goal", "GoalProgress"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class _Kind:
    """How a supported metric is read: its function, the unit of its value ("rate",
    "score" or "money") and the interval ("score": the metric's own standard error;
    (numerator, denominator): a proportion of counts; None: no interval)."""

    function: Callable[..., TableResult]
    unit: str
    interval: str | tuple[str, str] | None
    answers: bool = False   # a survey metric: a window selects the answers submitted in it


_KINDS: dict[str, _Kind] = {
    "net_promoter_score": _Kind(net_promoter_score, "score", "score", answers=True),
    "customer_satisfaction_score": _Kind(customer_satisfaction_score, "rate",
                                         ("satisfied", "n"), answers=True),
    "logo_churn_rate": _Kind(logo_churn_rate, "rate", ("churned", "denominator")),
    "customer_retention_rate": _Kind(customer_retention_rate, "rate",
                                     ("retained", "starting_customers")),
    "revenue_churn_rate": _Kind(revenue_churn_rate, "rate", None),
    "net_revenue_retention": _Kind(net_revenue_retention, "rate", None),
    "gross_revenue_retention": _Kind(gross_revenue_retention, "rate", None),
    "mrr": _Kind(mrr, "money", None),
    "arpa": _Kind(arpa, "money", None),
    "customer_count": _Kind(customer_count, "count", None),
    "active_users": _Kind(active_users, "count", None),
}

SUPPORTED_METRICS: tuple[str, ...] = tuple(sorted(_KINDS))
"""Names a ``Goal`` takes as its metric (or pass a callable)."""

_INTERVALS = {"score": "the metric's standard error", "rate": "Wilson, from the counts",
              "none": "none: the whole book, no sampling error"}


class Goal:
    """A target for a csmetrics metric, measured from a baseline.

    Parameters
    ----------
    metric : str or callable
        A name in ``SUPPORTED_METRICS`` (``"net_promoter_score"``, ``"logo_churn_rate"``,
        ``"mrr"``, ``"active_users"``, ...) or a callable ``f(data, *window, by=..., **options)``
        returning a result with a value column (or a number).
    target : float
        The target value (``relative=False``) or the relative change of the baseline
        (``relative=True``: ``-0.10`` is 10% lower).
    baseline : float, period, or tuple
        The value the goal is measured from, or the window (the metric's positional
        arguments: ``("2024-01", "2024-06")`` for a rate, ``"2024-06"`` for MRR; ``()`` for
        a metric without a window) on which ``progress`` measures it.
    relative : bool, default False
        Whether ``target`` is a change relative to the baseline.
    by : str or mapping, optional
        One row per segment, as the metric's ``by``.
    options : mapping, optional
        More keyword options for the metric (``{"window": "7D"}``).
    name : str, optional
        A label for the report (default: the metric's name).

    Raises
    ------
    InvalidParameterError
        An unknown metric name, a target that is not a finite number, or a relative goal
        with a baseline of 0.

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> goal = Goal("logo_churn_rate", -0.10, relative=True, baseline=("2024-01", "2024-03"))
    >>> p = goal.progress(demo_portfolio(), "2024-10", "2024-12")
    >>> print(p.summary())
    logo_churn_rate: 7.1% (baseline 4.6%, target 4.2%): -534% of the way, P(on track) 3%
    """

    metric: str | Callable[..., Any]
    target: float
    baseline: Any
    relative: bool
    by: Any
    options: Mapping[str, Any]
    name: str

    def __init__(self, metric: str | Callable[..., Any], target: float, *, baseline: Any,
                 relative: bool = False, by: Any = None,
                 options: Mapping[str, Any] | None = None, name: str | None = None) -> None:
        ctx = "Goal"
        if isinstance(metric, str):
            if metric not in _KINDS:
                raise InvalidParameterError(
                    f"{ctx}: metric must be one of {', '.join(map(repr, SUPPORTED_METRICS))} "
                    f"or a callable, got {metric!r}.")
        elif not callable(metric):
            raise InvalidParameterError(f"{ctx}: metric must be a metric name or a callable, "
                                        f"got {metric!r}.")
        if (isinstance(target, bool) or not isinstance(target, numbers.Real)
                or not _finite(target)):
            raise InvalidParameterError(f"{ctx}: target must be a finite number, got "
                                        f"{target!r}.")
        check_option(ctx, "relative", relative, BOOL)
        if options is not None and not isinstance(options, Mapping):
            raise InvalidParameterError(f"{ctx}: options must be a mapping of the metric's "
                                        f"keyword options, got {options!r}.")
        if name is not None and not isinstance(name, str):
            raise InvalidParameterError(f"{ctx}: name must be a string or None, got {name!r}.")
        if _is_number(baseline) and relative and float(baseline) == 0:
            raise InvalidParameterError(f"{ctx}: a relative target needs a baseline other "
                                        "than 0.")
        label = name if name is not None else (metric if isinstance(metric, str) else
                                               getattr(metric, "__name__", "metric"))
        for attr, value in (("metric", metric), ("target", float(target)),
                            ("baseline", baseline), ("relative", bool(relative)), ("by", by),
                            ("options", dict(options or {})), ("name", str(label))):
            object.__setattr__(self, attr, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Goal is read-only")

    @property
    def function(self) -> Callable[..., Any]:
        """The metric's function (the csmetrics function of a named metric, or the callable).

        Examples
        --------
        >>> Goal("mrr", 1e5, baseline=5e4).function.__name__
        'mrr'
        """
        kind = _KINDS.get(self.metric) if isinstance(self.metric, str) else None
        return kind.function if kind is not None else self.metric  # type: ignore[return-value]

    @property
    def answers(self) -> bool:
        """Whether the metric reads survey answers, which a window selects by date."""
        kind = _KINDS.get(self.metric) if isinstance(self.metric, str) else None
        return kind is not None and kind.answers

    def __repr__(self) -> str:
        kind = "relative" if self.relative else "absolute"
        return f"Goal({self.name}, target={self.target:g} {kind}, baseline={self.baseline!r})"

    def progress(self, data: Any, *window: Any, baseline_data: Any = None,
                 confidence: float = 0.95) -> GoalProgress:
        """Where the metric stands on ``data`` over ``window`` against the goal.

        Parameters
        ----------
        data : the metric's data
            Subscriptions, survey answers, usage events, ...
        *window : period
            The metric's positional window for the current value (``"2024-10", "2024-12"``
            for a rate; none for NPS).
        baseline_data : optional
            Data the baseline window is measured on (default ``data``).
        confidence : float, default 0.95
            Level of the current value's interval.

        Returns
        -------
        GoalProgress
        """
        ctx = "Goal.progress"
        check_option(ctx, "confidence", confidence, CONFIDENCE)
        kind = _KINDS.get(self.metric) if isinstance(self.metric, str) else None
        call: Callable[..., Any] = (kind.function if kind is not None else
                                    self.metric)  # type: ignore[assignment]
        extra = dict(self.options)
        if kind is not None and kind.interval == "score":
            extra.setdefault("confidence", confidence)
        current = _evaluate(call, data, window, self.by, extra, kind)
        values = _values(current)
        z = float(scipy("special").ndtri(0.5 + confidence / 2))
        lower, upper, se, method = _interval(current, values, kind, z)
        if _is_number(self.baseline):
            base = np.full(values.size, float(self.baseline))
        else:
            win = self.baseline if isinstance(self.baseline, tuple) else (self.baseline,)
            before = _evaluate(call, data if baseline_data is None else baseline_data, win,
                               self.by, extra, kind)
            base = _match(current, before)
        target = base * (1.0 + self.target) if self.relative else np.full(values.size,
                                                                          self.target)
        way = target - base
        warn_if_undefined((way == 0) | ~np.isfinite(base), context=ctx, because="the target "
                          "equals the baseline, or the baseline is unknown",
                          what="the share achieved is")
        with np.errstate(invalid="ignore", divide="ignore"):
            achieved = np.where(way != 0, (values - base) / np.where(way != 0, way, 1.0),
                                np.nan)
            direction = np.sign(way)
            prob = scipy("special").ndtr(direction * (values - target) / se)
        prob = np.where((direction != 0) & np.isfinite(se) & (se > 0), prob, np.nan)
        seg = current.segment_column if isinstance(current, TableResult) else None
        labels = None if seg is None else current[seg]
        cols = segment_columns(seg, labels, ctx)
        cols.update(current=values, baseline=base, target=target, achieved=achieved,
                    lower=lower, upper=upper, probability_on_track=prob)
        unit = kind.unit if kind is not None else "value"
        return GoalProgress(cols, goal=self, unit=unit, interval=_INTERVALS[method],
                            confidence=float(confidence), segment=seg,
                            digits=current.digits if isinstance(current, TableResult) else 2)


def _finite(v: numbers.Real) -> bool:
    """Whether a real number is finite as a float (an integer beyond float range is not)."""
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _evaluate(call: Callable[..., Any], data: Any, window: Any, by: Any,
              options: Mapping[str, Any], kind: _Kind | None = None) -> Any:
    kwargs = dict(options)
    if by is not None:
        kwargs["by"] = by
    if kind is not None and kind.answers and window:
        # A survey metric has no window of its own: a period (or start, end) selects the
        # answers submitted in it, so a goal can compare this quarter's NPS with last year's.
        if len(window) > 2:
            raise InvalidParameterError(
                f"Goal: a survey metric's window is a period or (start, end), got {window!r}.")
        data = as_surveys(data, "Goal").between(*window)
        window = ()
    result = call(data, *window, **kwargs)
    if isinstance(result, TableResult):
        if result.value_column is None:
            raise InvalidParameterError(f"Goal: {type(result).__name__} has no value column.")
        return result
    if _is_number(result):
        return float(result)
    raise InvalidParameterError(f"Goal: the metric returned {type(result).__name__}, not a "
                                "result or a number.")


def _values(result: Any) -> F64:
    if isinstance(result, TableResult):
        assert result.value_column is not None
        return np.asarray(result[result.value_column], dtype=np.float64)
    return np.array([float(result)])


def _interval(result: Any, values: F64, kind: _Kind | None, z: float
              ) -> tuple[F64, F64, F64, str]:
    nan = np.full(values.size, np.nan)
    if not isinstance(result, TableResult):
        return nan, nan, nan, "none"
    names = result.column_names
    how = kind.interval if kind is not None else ("score" if "se" in names else None)
    if how == "score":
        lo = result["ci_low"] if "ci_low" in names else values - z * result["se"]
        hi = result["ci_high"] if "ci_high" in names else values + z * result["se"]
        return (np.asarray(lo, dtype=float), np.asarray(hi, dtype=float),
                np.asarray(result["se"], dtype=float), "score")
    if isinstance(how, tuple):
        k = np.asarray(result[how[0]], dtype=float)
        n = np.asarray(result[how[1]], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = k / n
            se = np.sqrt(p * (1.0 - p) / n)
        lo, hi = wilson(p, n, z)
        ok = n > 0
        return (np.where(ok, lo, np.nan), np.where(ok, hi, np.nan), np.where(ok, se, np.nan),
                "rate")
    return nan, nan, nan, "none"


def _match(current: Any, before: Any) -> F64:
    """The baseline of each row of ``current``: the same segment of ``before``."""
    if not isinstance(before, TableResult):
        return np.full(_values(current).size, float(before))
    seg = before.segment_column
    if seg is None or not isinstance(current, TableResult) or current.segment_column is None:
        return np.full(_values(current).size, _values(before)[0] if len(before) == 1
                       else np.nan)
    found = {str(k): v for k, v in zip(before[seg].tolist(), _values(before).tolist(),
                                       strict=True)}
    return np.array([found.get(str(k), np.nan) for k in current[seg].tolist()])


class GoalProgress(MetricResult):
    """Progress toward a ``Goal``: one row (or one per segment).

    Columns: the segment column when split, ``current``, ``baseline``, ``target``,
    ``achieved`` (the value column: share of the way from baseline to target), ``lower`` and
    ``upper`` (the current value's interval), ``probability_on_track``. Attributes ``goal``,
    ``unit`` ("rate", "score", "money", "count" or "value"), ``interval`` (how the interval
    was derived) and ``confidence``. ``summary()`` gives one line per row for a report.
    """

    goal: Goal
    unit: str
    interval: str
    confidence: float

    def __init__(self, columns: Mapping[str, Any], *, goal: Goal, unit: str, interval: str,
                 confidence: float, segment: str | None = None, digits: Any = 2) -> None:
        money = ("current", "baseline", "target", "lower", "upper") if unit == "money" else ()
        super().__init__(columns, value="achieved", title=f"Goal: {goal.name}", money=money,
                         digits=digits, segment=segment)
        self._set(goal=goal, unit=unit, interval=interval, confidence=confidence)

    def _show(self, v: float, digits: int) -> str:
        if not math.isfinite(v):
            return "n/a"
        if self.unit == "rate":
            return f"{v:.1%}"
        if self.unit == "money":
            return format_money(v, digits)
        return format_number(v, 1)

    def summary(self) -> str:
        """One line per row: ``name [segment]: current (baseline b, target t): x% of the
        way[, P(on track) p]``.

        Examples
        --------
        >>> from csmetrics.datasets import demo_portfolio
        >>> goal = Goal("mrr", 80_000, baseline="2024-06")
        >>> print(goal.progress(demo_portfolio(), "2024-12").summary())
        mrr: 68,700.49 (baseline 59,123.49, target 80,000.00): 46% of the way
        """
        lines = []
        seg = self.segment_column
        for i in range(len(self)):
            d = int(self.digits[i])
            label = f" [{self[seg][i]}]" if seg else ""
            show = {k: self._show(float(self[k][i]), d) for k in ("current", "baseline",
                                                                  "target")}
            way = float(self["achieved"][i])
            text = (f"{self.goal.name}{label}: {show['current']} (baseline {show['baseline']}, "
                    f"target {show['target']}): "
                    + (f"{way:.0%} of the way" if math.isfinite(way) else "progress n/a"))
            p = float(self["probability_on_track"][i])
            if math.isfinite(p):
                text += f", P(on track) {p:.0%}"
            lines.append(text)
        return "\n".join(lines)
