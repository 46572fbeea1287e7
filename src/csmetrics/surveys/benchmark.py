"""One-sample tests of a survey result against a benchmark ("is our NPS above 30?").

``compare_to_benchmark``, re-exported by ``csmetrics.surveys``.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np

from csmetrics._core.formatting import format_number
from csmetrics._core.options import (
    CONFIDENCE,
    Interval,
    OneOf,
    Satisfies,
    check_option,
    validate_params,
)
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.surveys.inputs import Floats
from csmetrics.surveys.results import (
    Comparison,
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
    SurveyEstimate,
)
from csmetrics.surveys.stats import _nps_interval, _stats, _t, _z

Alternative = Literal["greater", "less", "two-sided"]

_ALTERNATIVE = OneOf("greater", "less", "two-sided")
_MEASURE = OneOf("share", "mean", None)
_FINITE = Satisfies(lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)
                    and math.isfinite(v), "a finite number")
_NPS_BENCHMARK = Interval(-100, 100)
_SHARE_BENCHMARK = Satisfies(lambda v: 0 < v < 1,
                             "a fraction between 0 and 1 (exclusive) for a share")


@validate_params({"benchmark": _FINITE, "alternative": _ALTERNATIVE,
                  "confidence": CONFIDENCE, "measure": _MEASURE})
def compare_to_benchmark(
    result: SurveyEstimate,
    benchmark: float,
    *,
    alternative: Alternative = "greater",
    confidence: float = 0.95,
    measure: Literal["share", "mean"] | None = None,
) -> Comparison:
    """Test a score against a benchmark value, one-sided by default ("is it above 30?").

    Parameters
    ----------
    result : NetPromoterScore, CustomerSatisfactionScore or CustomerEffortScore
        The estimate (each segment is tested).
    benchmark : float
        The value to beat, in the measure's units: NPS points (-100..100), a fraction for a
        share, scale points for a mean.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        The alternative hypothesis: the true value is above (below, or not equal to) the
        benchmark. For CES 1.0, where lower is better, "better" is ``"less"``.
    confidence : float, default 0.95
        The confidence bound (``ci_low`` for "greater", ``ci_high`` for "less") is one-sided
        at this level, and ``significant`` means ``p < 1 - confidence``.
    measure : {"share", "mean"}, optional
        For CSAT (default ``"share"``) and CES (default ``"mean"``): which number to test.

    Returns
    -------
    Comparison
        Value column ``difference``: the observed ``estimate - benchmark``. Also
        ``estimate``, ``benchmark``, ``interval_centre`` (the estimate the interval and the
        test are built on, minus the benchmark), ``ci_low`` and ``ci_high`` (the interval of
        the difference, the open side infinite when one-sided), ``estimate_ci_low`` and
        ``estimate_ci_high`` (the same interval for the score itself: the benchmark added
        back), ``se``, ``statistic``, ``df``, ``p_value`` and ``significant``.

    Raises
    ------
    InvalidParameterError
        A bad option, a result of another metric, or a benchmark outside the measure's
        range (-100..100 for NPS, strictly between 0 and 1 for a share).

    Notes
    -----
    * NPS: ``z = (centre - benchmark) / SE`` with the centre and SE of the result's interval
      method: the adjusted centre for adjusted-Wald (3/4 of an answer added to the promoters
      and to the detractors, as the interval is), the observed score for Wald, and the score
      and the bootstrap SD for the bootstrap. So ``interval_centre`` is the adjusted centre
      minus the benchmark, which is what the p-value tests, while ``difference`` is what was
      observed.
    * Shares: the one-sample score test ``z = (p - p0) / sqrt(p0 (1 - p0) / n)`` of the
      observed share, whose inversion is Wilson's interval; the bound is the one-sided
      Wilson bound.
    * Means: the one-sample t test ``t = (mean - m0) / (s / sqrt(n))`` with ``n - 1``
      degrees of freedom, and the t bound around the observed mean.

    A result without answers (or with too few for a standard error) gives NaN with an
    ``UndefinedMetricWarning``.

    Examples
    --------
    >>> from csmetrics.surveys import net_promoter_score
    >>> r = net_promoter_score([10] * 45 + [8] * 35 + [5] * 20)     # NPS 25
    >>> c = compare_to_benchmark(r, 10)                            # is it above 10?
    >>> float(c), round(c.p_value, 4), c.significant
    (15.0, 0.0293, True)
    """
    ctx = "compare_to_benchmark"
    if not isinstance(result, NetPromoterScore | CustomerSatisfactionScore
                      | CustomerEffortScore):
        raise InvalidParameterError(
            f"{ctx}: expected a result of net_promoter_score, customer_satisfaction_score or "
            f"customer_effort_score, got {type(result).__name__}.")
    two = alternative == "two-sided"
    zq = _z(confidence, two_sided=two)
    b = float(benchmark)
    df = np.full(len(result), np.nan)
    n = result["effective_n"]
    if isinstance(result, NetPromoterScore):
        check_option(ctx, "benchmark", benchmark, _NPS_BENCHMARK)
        if result.interval == "bootstrap":
            centre, se = result["nps"] / 100, result["se"] / 100
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                centre, se = _nps_interval(result["promoter_share"],
                                           result["detractor_share"], n, result.interval)
        estimate, what = result["nps"], "NPS"
        stat = ks.standardized(centre - b / 100, se)
        lo = np.clip(100 * (centre - zq * se), -100, 100)
        hi = np.clip(100 * (centre + zq * se), -100, 100)
        centre, se = 100 * centre, 100 * se
    elif (measure or ("share" if isinstance(result, CustomerSatisfactionScore) else "mean")
          ) == "share":
        check_option(ctx, "benchmark", benchmark, _SHARE_BENCHMARK)
        estimate = result["csat"] if isinstance(result, CustomerSatisfactionScore) else (
            result["easy_share"])
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(b * (1 - b) / n)
        stat = ks.standardized(estimate - b, se)
        lo, hi = ks.wilson(estimate, n, zq)
        centre, what = estimate, "share"
    else:
        estimate = result["mean"] if isinstance(result, CustomerSatisfactionScore) else (
            result["ces"])
        with np.errstate(invalid="ignore", divide="ignore"):
            se = result["sd"] / np.sqrt(n)
        df = n - 1.0
        stat = ks.standardized(estimate - b, se)
        tq = _t(confidence, df, two_sided=two)
        lo, hi = estimate - tq * se, estimate + tq * se
        centre, what = estimate, "mean"
    p_value = _p_value(stat, df, alternative)
    warn_if_undefined(np.isnan(p_value), context=ctx,
                      because="the estimate has no answers, or too few for a standard error")
    if alternative == "greater":
        hi = np.full(len(result), np.inf)
    elif alternative == "less":
        lo = np.full(len(result), -np.inf)
    cols = {"estimate": estimate, "benchmark": np.full(len(result), b),
            "difference": estimate - b, "interval_centre": centre - b, "ci_low": lo - b,
            "ci_high": hi - b, "estimate_ci_low": lo, "estimate_ci_high": hi, "se": se,
            "statistic": stat, "df": df, "p_value": p_value,
            "significant": p_value < 1 - confidence}
    if result.by is not None:
        cols = {result.by: result[result.by], **cols}
    sign = {"greater": ">", "less": "<", "two-sided": "!="}[alternative]
    return Comparison(cols, title=f"{what} {sign} {format_number(b)}? ({confidence:.0%}, "
                                  f"{alternative})",
                      metric=result.metric, method=f"one-sample {'t' if what == 'mean' else 'z'}"
                      " test", confidence=confidence, alternative=alternative,
                      segment=result.by)


def _p_value(stat: Floats, df: Floats, alternative: str) -> Floats:
    norm, student = _stats().norm, _stats().t
    use_t = np.isfinite(df)
    with np.errstate(invalid="ignore"):
        if alternative == "greater":
            upper = np.where(use_t, student.sf(stat, np.where(use_t, df, 1)), norm.sf(stat))
        elif alternative == "less":
            upper = np.where(use_t, student.cdf(stat, np.where(use_t, df, 1)), norm.cdf(stat))
        else:
            upper = 2 * np.where(use_t, student.sf(np.abs(stat), np.where(use_t, df, 1)),
                                 norm.sf(np.abs(stat)))
    return np.asarray(np.where(np.isnan(stat), np.nan, upper), dtype=np.float64)
