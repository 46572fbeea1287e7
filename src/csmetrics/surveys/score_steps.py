"""NPS, CSAT and CES as three steps each: prepare, partial and finalize.

``_<metric>_prepare`` validates the call's answers (``_Data``: the rows a partition splits by
customer) and fixes its plan, ``_<metric>_partial`` counts one part's answers (the arrays of
``csmetrics.surveys.steps``: answers per group and scale point, and the weight sums), and
``_<metric>_finalize`` makes the result from the combined counts. The public functions of
``csmetrics.surveys.scores`` are exactly ``finalize(partial(data, plan), plan)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.checks import ErrorMode
from csmetrics._core.formatting import format_number
from csmetrics._core.partials import MetricParts, Partials
from csmetrics._core.warnings import warn_if_undefined
from csmetrics.exceptions import InvalidParameterError
from csmetrics.surveys.inputs import AccountWeighting, WeightType, _Data, _load, is_answers
from csmetrics.surveys.results import (
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
)
from csmetrics.surveys.stats import (
    _CES,
    _DEFAULT_SATISFIED,
    _INTERVAL_NAMES,
    FEWER_THAN_TWO,
    MEAN_INTERVAL,
    _ces_version,
    _label_column,
    _nps_columns,
    _share_mean_columns,
    _threshold,
)
from csmetrics.surveys.steps import _Plan, count_part, prepare_answers, tally
from csmetrics.tables.surveys import SurveyScale, SurveyScaleLike


@dataclass(frozen=True)
class _ScorePlan:
    """The plan of one NPS, CSAT or CES call: the answers' plan and the metric's options."""

    core: _Plan
    confidence: float
    interval: str = "adjusted_wald"
    n_resamples: int = 2_000
    seed: Any = 0
    threshold: float = 0.0
    version: str = ""
    higher: bool = True


def _score_partial(part: _Data, plan: _ScorePlan) -> Partials:
    """The answers of one part counted per group and scale point (and the weight sums)."""
    return count_part(part, plan.core)


def _by_text(plan: _Plan) -> str:
    return f" by {plan.by_name}" if plan.by_name else ""


# --- NPS -------------------------------------------------------------------------------------


def _nps_prepare(scores: Any, *, by: Any = None, weights: ArrayLike | None = None,
                 confidence: float = 0.95, interval: str = "adjusted_wald",
                 weight_type: WeightType = "sampling", survey: str = "nps",
                 account_weighting: AccountWeighting = "response",
                 revenue: Mapping[Any, Any] | None = None, n_resamples: int = 2_000,
                 seed: int | np.random.Generator | None = 0, errors: ErrorMode = "raise"
                 ) -> tuple[_Data, _ScorePlan]:
    ctx = "net_promoter_score"
    data = _load(scores, context=ctx, survey=survey, scale=None, weights=weights,
                 weight_type=weight_type, by=by, errors=errors)
    if (data.scale.low, data.scale.high, data.scale.integer) != (0, 10, True):
        raise InvalidParameterError(
            f"{ctx}: survey {survey!r} is on a {data.scale} scale; NPS needs 0-10 answers.")
    data, core = prepare_answers(data, metric=ctx, account_weighting=account_weighting,
                                 revenue=revenue, bootstrap=interval == "bootstrap")
    return data, _ScorePlan(core, confidence, interval, n_resamples, seed)


def _nps_finalize(parts: Partials, plan: _ScorePlan) -> NetPromoterScore:
    t = tally(parts, plan.core)
    core = t.plan
    cols = _nps_columns(t, confidence=plan.confidence, interval=plan.interval,
                        n_resamples=plan.n_resamples, seed=plan.seed, context=core.context)
    return NetPromoterScore(
        _label_column(t, cols),
        title=f"Net Promoter Score{_by_text(core)} ({plan.confidence:.0%} "
              f"{_INTERVAL_NAMES[plan.interval]} interval)",
        metric="nps", headline="nps", confidence=plan.confidence, by=core.by_name,
        skipped=core.skipped, interval=plan.interval)


# --- CSAT ------------------------------------------------------------------------------------


def _csat_prepare(scores: Any, *, by: Any = None, scale: SurveyScaleLike | None = None,
                  satisfied_at: float | None = None, confidence: float = 0.95,
                  weights: ArrayLike | None = None, weight_type: WeightType = "sampling",
                  survey: str = "csat", account_weighting: AccountWeighting = "response",
                  revenue: Mapping[Any, Any] | None = None, errors: ErrorMode = "raise"
                  ) -> tuple[_Data, _ScorePlan]:
    ctx = "customer_satisfaction_score"
    parsed = None if scale is None else SurveyScale.parse(scale)
    if parsed is None and is_answers(scores):
        parsed = SurveyScale(1, 5, label="satisfaction")
    data = _load(scores, context=ctx, survey=survey, scale=parsed, weights=weights,
                 weight_type=weight_type, by=by, errors=errors)
    threshold = _threshold(satisfied_at, _DEFAULT_SATISFIED, data.scale, ctx, "satisfied_at")
    data, core = prepare_answers(data, metric=ctx, account_weighting=account_weighting,
                                 revenue=revenue, threshold=threshold)
    return data, _ScorePlan(core, confidence, threshold=threshold)


def _csat_finalize(parts: Partials, plan: _ScorePlan) -> CustomerSatisfactionScore:
    t = tally(parts, plan.core)
    core = t.plan
    ctx = core.context
    c, no_spread = _share_mean_columns(t, confidence=plan.confidence,
                                       threshold=plan.threshold, at_most=False, context=ctx)
    warn_if_undefined(no_spread, context=ctx, what=MEAN_INTERVAL, because=FEWER_THAN_TWO)
    cols = {"csat": c["share"], "ci_low": c["lo"], "ci_high": c["hi"], "mean": c["mean"],
            "mean_ci_low": c["m_lo"], "mean_ci_high": c["m_hi"], "sd": c["sd"], "n": t.n,
            "effective_n": t.n_eff, "satisfied": c["hit"]}
    return CustomerSatisfactionScore(
        _label_column(t, cols),
        title=f"CSAT{_by_text(core)}: share answering >= {format_number(plan.threshold)} on "
              f"{core.scale} ({plan.confidence:.0%} Wilson interval)",
        metric="csat", headline="csat", confidence=plan.confidence, by=core.by_name,
        skipped=core.skipped, scale=core.scale, satisfied_at=plan.threshold)


# --- CES -------------------------------------------------------------------------------------


def _ces_prepare(scores: Any, *, by: Any = None, version: str = "2.0",
                 scale: SurveyScaleLike | None = None, easy_at: float | None = None,
                 confidence: float = 0.95, weights: ArrayLike | None = None,
                 weight_type: WeightType = "sampling", survey: str = "ces",
                 account_weighting: AccountWeighting = "response",
                 revenue: Mapping[Any, Any] | None = None, errors: ErrorMode = "raise"
                 ) -> tuple[_Data, _ScorePlan]:
    ctx = "customer_effort_score"
    ver = _ces_version(version)
    spec = _CES[ver]
    parsed = None if scale is None else SurveyScale.parse(scale)
    if parsed is None and is_answers(scores):
        parsed = spec["scale"]  # type: ignore[assignment]
    data = _load(scores, context=ctx, survey=survey, scale=parsed, weights=weights,
                 weight_type=weight_type, by=by, errors=errors)
    higher = bool(spec["higher"])
    if (ver == "1.0" and easy_at is None and data.from_table
            and (data.scale.low, data.scale.high) != (1, 5)):
        raise InvalidParameterError(
            f"{ctx}: CES 1.0 is answered on 1-5, but the table's scale of survey {survey!r} "
            f"is {data.scale}; declare scales={{{survey!r}: (1, 5)}} when building the table "
            "(or give easy_at).")
    threshold = _threshold(easy_at, spec["easy"], data.scale, ctx, "easy_at")  # type: ignore[arg-type]
    data, core = prepare_answers(data, metric=ctx, account_weighting=account_weighting,
                                 revenue=revenue, threshold=threshold, at_most=not higher)
    return data, _ScorePlan(core, confidence, threshold=threshold, version=ver, higher=higher)


def _ces_finalize(parts: Partials, plan: _ScorePlan) -> CustomerEffortScore:
    t = tally(parts, plan.core)
    core = t.plan
    ctx = core.context
    higher = plan.higher
    c, no_spread = _share_mean_columns(t, confidence=plan.confidence,
                                       threshold=plan.threshold, at_most=not higher,
                                       context=ctx)
    warn_if_undefined(no_spread, context=ctx, what=MEAN_INTERVAL, because=FEWER_THAN_TWO)
    polarity = "higher is easier" if higher else "lower is easier"
    cols = {"ces": c["mean"], "ci_low": c["m_lo"], "ci_high": c["m_hi"], "sd": c["sd"],
            "easy_share": c["share"], "easy_ci_low": c["lo"], "easy_ci_high": c["hi"],
            "n": t.n, "effective_n": t.n_eff}
    side = ">=" if higher else "<="
    return CustomerEffortScore(
        _label_column(t, cols),
        title=f"Customer Effort Score {plan.version}{_by_text(core)}: mean on {core.scale}, "
              f"{polarity}; easy {side} {format_number(plan.threshold)} "
              f"({plan.confidence:.0%} intervals)",
        metric="ces", headline="ces", confidence=plan.confidence, by=core.by_name,
        skipped=core.skipped, version=plan.version, scale=core.scale, higher_is_easier=higher,
        easy_at=plan.threshold, polarity=polarity)


SCORE_PARTS: dict[str, MetricParts] = {
    "net_promoter_score": MetricParts(_nps_prepare, _score_partial, _nps_finalize),
    "customer_satisfaction_score": MetricParts(_csat_prepare, _score_partial, _csat_finalize),
    "customer_effort_score": MetricParts(_ces_prepare, _score_partial, _ces_finalize),
}
"""NPS, CSAT and CES as their three steps (``csmetrics.surveys.partials``)."""
