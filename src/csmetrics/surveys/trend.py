"""Survey metrics over time: ``survey_trend``, with the change from period to period.

Re-exported by ``csmetrics.surveys``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import CONFIDENCE, InstanceOf, OneOf, validate_params
from csmetrics._core.partials import Partials
from csmetrics._core.segments import By, segment_columns
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import FREQ, Frequency, PeriodLike, parse_frequency
from csmetrics.periods.days import day_bounds
from csmetrics.results import TableResult
from csmetrics.surveys.inputs import (
    ACCOUNT_WEIGHTING,
    NUMBER,
    REVENUE,
    AccountWeighting,
    Floats,
    _Data,
    _load,
    is_answers,
)
from csmetrics.surveys.results import SurveyTrend
from csmetrics.surveys.stats import (
    _CES,
    _DEFAULT_SATISFIED,
    CES_VERSION,
    FEWER_THAN_TWO,
    MEAN_INTERVAL,
    TEST_INTERVAL,
    _ces_version,
    _nps_columns,
    _nps_interval,
    _share_mean_columns,
    _t,
    _threshold,
    _two_sided_p,
    _welch_p,
    _z,
)
from csmetrics.surveys.steps import _Plan, _Tally, count_part, prepare_answers, tally

_METRIC = OneOf("nps", "csat", "ces")
_SURVEY = InstanceOf((str,), optional=True, what="a survey name (text)")


@validate_params({"metric": _METRIC, "freq": FREQ, "survey": _SURVEY, "confidence": CONFIDENCE,
                  "interval": TEST_INTERVAL, "satisfied_at": NUMBER, "version": CES_VERSION,
                  "account_weighting": ACCOUNT_WEIGHTING, "revenue": REVENUE},
                 renamed={"table": "surveys"})
def survey_trend(
    surveys: Any,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    *,
    metric: Literal["nps", "csat", "ces"] = "nps",
    freq: str | Frequency = "month",
    by: By = None,
    survey: str | None = None,
    confidence: float = 0.95,
    interval: Literal["adjusted_wald", "wald"] = "adjusted_wald",
    satisfied_at: float | None = None,
    version: str = "2.0",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
) -> SurveyTrend:
    """A survey metric per period (and segment), flagging significant changes.

    Parameters
    ----------
    surveys : SurveyTable, list of SurveyResponse (or dicts), or columns
        The responses in any table form (a mapping of arrays, a pandas or polars DataFrame,
        a pyarrow Table); ``submitted_at`` places each in a period. (Named ``table`` before
        0.2; that keyword still works, with a DeprecationWarning, until 0.3.)
    start, end : period or date, optional
        The window (inclusive); default from the first to the last response.
    metric : {"nps", "csat", "ces"}, default "nps"
        NPS (points), CSAT (share satisfied) or CES (mean): the value column.
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>"
        Period length.
    by : str or mapping, optional
        A column (``"customer_id"``, ``"respondent_id"``, or any other column of raw input,
        kept by itself) or a mapping from customer id to segment (unmapped ids in
        ``"(none)"``), as in ``net_promoter_score``.
    survey : str, optional
        The survey to read; default the metric's name.
    confidence : float, default 0.95
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        NPS intervals and change tests.
    satisfied_at : float, optional
        CSAT threshold, or the CES easy-side threshold (see
        ``customer_satisfaction_score`` and ``customer_effort_score``).
    version : {"2.0", "1.0"}, default "2.0"
        CES version (see ``customer_effort_score``).
    account_weighting : {"response", "account", "revenue"}, default "response"
        B2B aggregation: every answer counts; every account counts once in each period (its
        answers averaged first); or accounts weighted by ``revenue``.
    revenue : mapping, optional
        Customer id to revenue, for ``account_weighting="revenue"``.

    Returns
    -------
    SurveyTrend
        One row per period (and segment, period-major): ``period``, the segment column, the
        metric (the value column), ``ci_low``, ``ci_high``, ``n``, ``effective_n``,
        ``change`` from the previous period of the same segment, for NPS
        ``change_centre`` (the change of the interval method's centres, on which the change
        interval is built: a small sample's observed change can lie outside it),
        ``change_ci_low``, ``change_ci_high``, ``p_value`` and ``significant``.

    Raises
    ------
    InvalidParameterError
        A bad option, an array of answers (which has no dates), an empty table without a
        window, or ``end`` before ``start``.

    Notes
    -----
    Every period from the first to the last is listed, so gaps show: a period without
    answers has NaN values (with one ``UndefinedMetricWarning``) and no change on either
    side of it. The change tests are those of ``compare_nps`` (NPS; ``change`` is the
    observed change, while the interval and the p-value are built on the change of the
    interval method's centres), ``compare_proportions`` (CSAT; ``significant`` when
    Newcombe's interval excludes 0) and ``compare_means`` (CES, Welch). Each period is
    tested against the one before only: over many periods, some flags are expected by
    chance alone (about one in twenty at 95%).

    Examples
    --------
    >>> from csmetrics.datasets import synthetic_surveys
    >>> t = synthetic_surveys(300, months=6, start="2024-01", seed=2)
    >>> trend = survey_trend(t, freq="quarter")
    >>> trend["period"].tolist()
    ['2024-Q1', '2024-Q2']
    >>> survey_trend(t, "2024-04", "2024-06", freq="quarter")["period"].tolist()
    ['2024-Q2']
    """
    data, plan = _trend_prepare(
        surveys, start, end, metric=metric, freq=freq, by=by, survey=survey,
        confidence=confidence, interval=interval, satisfied_at=satisfied_at, version=version,
        account_weighting=account_weighting, revenue=revenue)
    return _trend_finalize(_trend_partial(data, plan), plan)


@dataclass(frozen=True)
class _TrendPlan:
    """The plan of one ``survey_trend`` call: the answers' plan (groups are period x
    segment), the periods and the options."""

    core: _Plan
    metric: str
    freq: Frequency
    periods: tuple[str, ...]
    period_of_group: NDArray[Any]
    n_seg: int
    confidence: float
    interval: str
    threshold: float
    higher: bool
    account_weighting: str


def _trend_prepare(surveys: Any, start: PeriodLike | None = None,
                   end: PeriodLike | None = None, *, metric: str = "nps",
                   freq: str | Frequency = "month", by: By = None, survey: str | None = None,
                   confidence: float = 0.95, interval: str = "adjusted_wald",
                   satisfied_at: float | None = None, version: str = "2.0",
                   account_weighting: AccountWeighting = "response",
                   revenue: Mapping[Any, Any] | None = None) -> tuple[_Data, _TrendPlan]:
    """The answers in the window, grouped by period x segment, and the plan of the call."""
    ctx = "survey_trend"
    if isinstance(surveys, TableResult) or is_answers(surveys):
        raise InvalidParameterError(
            f"{ctx}: surveys must be survey data in a table form (a SurveyTable, "
            "SurveyResponse records or columns with submitted_at), got "
            f"{type(surveys).__name__}: an array of answers has no dates.")
    f = parse_frequency(freq)
    data = _load(surveys, context=ctx, survey=survey or metric, scale=None, weights=None,
                 weight_type="sampling", by=by, errors="raise")
    if metric == "nps" and (data.scale.low, data.scale.high, data.scale.integer) != (0, 10, True):
        raise InvalidParameterError(f"{ctx}: NPS needs a 0-10 survey, got {data.scale}.")
    assert data.dates is not None
    pidx = f.period_index(data.dates.astype("datetime64[M]").astype(np.int64))
    if start is None and end is None and pidx.size == 0:
        raise InvalidParameterError(f"{ctx}: there are no answers to place in periods.")
    first = int(pidx.min()) if start is None else int(f.period_index(np.array(
        [day_bounds(start)[0].astype("datetime64[M]").astype(np.int64)]))[0])
    last = int(pidx.max()) if end is None else int(f.period_index(np.array(
        [day_bounds(end)[1].astype("datetime64[M]").astype(np.int64)]))[0])
    if last < first:
        raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
    keep = (pidx >= first) & (pidx <= last)
    if not keep.all():
        idx = np.flatnonzero(keep)
        data = data.take(idx)
        pidx = pidx[idx]
    n_periods = (last - first) // f.months + 1
    n_seg = data.n_groups
    seg = np.zeros(pidx.size, np.int64) if data.groups is None else data.groups
    periods = tuple(f.label(first + k * f.months) for k in range(n_periods))
    per = np.repeat(np.arange(n_periods), n_seg)
    data = replace(data, groups=(pidx - first) // f.months * n_seg + seg,
                   n_groups=n_periods * n_seg, labels=np.tile(data.labels, n_periods))
    higher, threshold = True, 0.0
    if metric != "nps":
        ver = _ces_version(version)
        higher = metric == "csat" or bool(_CES[ver]["higher"])
        defaults = _DEFAULT_SATISFIED if metric == "csat" else _CES[ver]["easy"]
        threshold = _threshold(satisfied_at, defaults, data.scale, ctx,  # type: ignore[arg-type]
                               "satisfied_at")
    data, core = prepare_answers(data, metric=ctx, account_weighting=account_weighting,
                                 revenue=revenue, threshold=threshold, at_most=not higher)
    return data, _TrendPlan(core, metric, f, periods, np.asarray(periods, dtype=object)[per],
                            n_seg, confidence, interval, threshold, higher, account_weighting)


def _trend_partial(part: _Data, plan: _TrendPlan) -> Partials:
    """The answers of one part counted per (period, segment) and scale point."""
    return count_part(part, plan.core)


def _trend_finalize(parts: Partials, plan: _TrendPlan) -> SurveyTrend:
    ctx = plan.core.context
    t = tally(parts, plan.core)
    n_periods = len(plan.periods)
    cols = segment_columns(plan.core.by_name, plan.core.labels, ctx,
                           {"period": plan.period_of_group})
    cols.update(_trend_columns(t, plan, n_periods))
    by_name = plan.core.by_name
    by_text = f" by {by_name}" if by_name else ""
    return SurveyTrend(cols, title=f"{plan.metric.upper()} by {plan.freq.name}{by_text} "
                                   f"({plan.confidence:.0%} intervals; change vs previous "
                                   "period)",
                       metric=plan.metric, freq=plan.freq, periods=plan.periods,
                       confidence=plan.confidence, account_weighting=plan.account_weighting,
                       segment=by_name)


def _trend_columns(t: _Tally, plan: _TrendPlan, n_periods: int) -> dict[str, Any]:
    metric, confidence, interval = plan.metric, plan.confidence, plan.interval
    ctx, n_seg = plan.core.context, plan.n_seg
    z = _z(confidence)
    shape = (n_periods, n_seg)

    def shifted(a: Floats) -> tuple[Floats, Floats]:
        """Each period's value and the previous period's (NaN for the first)."""
        grid = a.reshape(shape)
        prev = np.vstack([np.full((1, n_seg), np.nan), grid[:-1]])
        return grid.reshape(-1), prev.reshape(-1)

    if metric == "nps":
        c = _nps_columns(t, confidence=confidence, interval=interval, n_resamples=2,
                         seed=None, context=ctx)
        value, low, high = c["nps"], c["ci_low"], c["ci_high"]
        with np.errstate(invalid="ignore", divide="ignore"):
            centre, se = _nps_interval(c["promoter_share"], c["detractor_share"], t.n_eff,
                                       interval)
        cur, prev = shifted(centre)
        se_cur, se_prev = shifted(se)
        diff, dse = cur - prev, np.hypot(se_cur, se_prev)
        p = _two_sided_p(ks.standardized(diff, dse))
        v_cur, v_prev = shifted(value)
        change, c_lo, c_hi = v_cur - v_prev, 100 * (diff - z * dse), 100 * (diff + z * dse)
        significant = p < 1 - confidence
    else:
        c2, no_spread = _share_mean_columns(t, confidence=confidence,
                                            threshold=plan.threshold, at_most=not plan.higher,
                                            context=ctx)
        n_cur, n_prev = shifted(t.n_eff)
        if metric == "csat":
            value, low, high = c2["share"], c2["lo"], c2["hi"]
            cur, prev = shifted(value)
            change = cur - prev
            c_lo, c_hi = ks.newcombe(cur, n_cur, prev, n_prev, z)
            stat = ks.pooled_z(cur, n_cur, prev, n_prev)
            stat = np.where((cur == prev) & np.isnan(stat), 0.0, stat)
            p = _two_sided_p(stat)
            significant = (c_lo > 0) | (c_hi < 0)
        else:
            warn_if_undefined(no_spread, context=ctx, what=MEAN_INTERVAL,
                              because=FEWER_THAN_TWO)
            value, low, high = c2["mean"], c2["m_lo"], c2["m_hi"]
            cur, prev = shifted(value)
            v_cur, v_prev = shifted(c2["sd"] ** 2)
            change, dse, df = ks.welch(cur, v_cur, n_cur, prev, v_prev, n_prev)
            p = _welch_p(ks.standardized(change, dse), df)
            tq = _t(confidence, df)
            c_lo, c_hi = change - tq * dse, change + tq * dse
            significant = p < 1 - confidence
    cols = {metric: value, "ci_low": low, "ci_high": high, "n": t.n, "effective_n": t.n_eff,
            "change": change}
    if metric == "nps":  # the interval is centred here, not on the observed change
        cols["change_centre"] = 100 * diff
    cols.update(change_ci_low=c_lo, change_ci_high=c_hi, p_value=p,
                significant=np.asarray(significant, dtype=bool))
    return cols
