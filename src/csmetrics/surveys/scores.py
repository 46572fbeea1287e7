"""Survey metrics: NPS, CSAT and CES with confidence intervals, counts and segments.

Definitions
-----------
**Net Promoter Score.** On the 0-10 "how likely are you to recommend" question, answers 0-6
are *detractors*, 7-8 *passives* and 9-10 *promoters*. ``NPS = 100 * (promoters - detractors)
/ answers``, from -100 to 100. Only whole numbers 0-10 are answers: 6.5, 11, -1, NaN and
missing scores are errors (or, with ``errors="skip"``, rows handed back), never put in a band.

**CSAT.** The share of satisfied answers (a fraction), by default the top two points of a
1-5 scale (4 and 5), with the mean score beside it.

**CES.** CES 2.0 asks for agreement with "the company made it easy for me to handle my
issue" on 1-7 (higher is easier): the mean and the share agreeing (5-7). CES 1.0 asks "how
much effort did you personally have to put forth?" on 1-5 (lower is easier): the mean and
the share answering low effort (1-2). The result states its polarity.

**Intervals.** NPS: adjusted-Wald (default; Sauro and Lewis, after Rocks 2016), Wald, or a
seeded percentile bootstrap. Shares: Wilson (1927) score interval. Means: Student t. With
weights, every interval uses Kish's effective sample size ``(Σw)^2 / Σw^2``.

**Undefined is not zero.** No answers (or only zero weights) give NaN with one
``UndefinedMetricWarning``.

The formulas, edge cases and references are in ``docs/surveys.md`` and in each function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.checks import ErrorMode
from csmetrics._core.options import CONFIDENCE, ERRORS, SEED, validate_params
from csmetrics._core.segments import By
from csmetrics.surveys.inputs import (
    ACCOUNT_WEIGHTING,
    NUMBER,
    REVENUE,
    SCALE,
    SURVEY,
    WEIGHT_TYPE,
    AccountWeighting,
    WeightType,
)
from csmetrics.surveys.results import (
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
)
from csmetrics.surveys.score_steps import (
    _ces_finalize,
    _ces_prepare,
    _csat_finalize,
    _csat_prepare,
    _nps_finalize,
    _nps_prepare,
    _score_partial,
)
from csmetrics.surveys.stats import CES_VERSION, NPS_INTERVAL, RESAMPLES
from csmetrics.tables.surveys import SurveyScaleLike

IntervalMethod = Literal["adjusted_wald", "wald", "bootstrap"]

_COMMON = {"confidence": CONFIDENCE, "weight_type": WEIGHT_TYPE, "survey": SURVEY,
           "account_weighting": ACCOUNT_WEIGHTING, "revenue": REVENUE, "errors": ERRORS}


# --- NPS -------------------------------------------------------------------------------------


@validate_params({**_COMMON, "interval": NPS_INTERVAL, "n_resamples": RESAMPLES,
                  "seed": SEED})
def net_promoter_score(
    scores: Any,
    *,
    by: By | ArrayLike = None,
    weights: ArrayLike | None = None,
    confidence: float = 0.95,
    interval: IntervalMethod = "adjusted_wald",
    weight_type: WeightType = "sampling",
    survey: str = "nps",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
    n_resamples: int = 2_000,
    seed: int | np.random.Generator | None = 0,
    errors: ErrorMode = "raise",
) -> NetPromoterScore:
    """Net Promoter Score (-100 to 100) with its confidence interval, counts and shares.

    Parameters
    ----------
    scores : array-like of int, or survey data
        Answers to "how likely are you to recommend ...?" on the 0-10 scale (a list, numpy
        array, pandas or polars Series, Arrow array), or survey responses in any table form:
        a ``SurveyTable``, a list of ``SurveyResponse`` records (or dicts of their fields),
        or columns (a mapping of arrays, a pandas or polars DataFrame, a pyarrow Table).
        Of survey data, the rows of ``survey`` are used.
    by : str, mapping or array-like, optional
        ``None``: one row. With survey data in a table form, a column (``"customer_id"``
        for one row per account, ``"respondent_id"``, ``"survey"``, or any other column of
        raw input, kept by itself) or a mapping from customer id to segment, whose unmapped
        ids are in the segment ``"(none)"``. With an array of answers, one label per answer
        (missing labels in ``"(none)"``).
    weights : array-like of float, optional
        One weight per answer (finite, >= 0). Not with survey data, which has its own.
    confidence : float, default 0.95
        Confidence level of the interval, strictly between 0 and 1.
    interval : {"adjusted_wald", "wald", "bootstrap"}, default "adjusted_wald"
        How the interval is computed (see Notes).
    weight_type : {"sampling", "frequency"}, default "sampling"
        ``"sampling"`` weights (survey weights) change the estimate, and the interval uses
        Kish's effective sample size. ``"frequency"`` weights are whole numbers counting
        identical answers: a weight of 3 is three answers.
    survey : str, default "nps"
        With survey data, the survey whose answers are used (its scale must be 0-10).
    account_weighting : {"response", "account", "revenue"}, default "response"
        With survey data: every answer counts, every account counts once (the average of
        its answers), or accounts count by their revenue (``revenue=``).
    revenue : mapping, optional
        Customer id to revenue (>= 0), for ``account_weighting="revenue"``.
    n_resamples : int, default 2000
        Bootstrap resamples (at least 2).
    seed : int or numpy Generator, default 0
        Bootstrap seed: the same data and seed give the same interval.
    errors : {"raise", "skip"}, default "raise"
        Stop at an invalid answer, or leave invalid answers (and invalid rows of survey
        data given as records or columns) out and list them in the result's ``skipped``. A
        ``SurveyTable`` passed in was checked when it was built (``errors=`` there).

    Returns
    -------
    NetPromoterScore
        One row (one per segment with ``by``, the segment column first). Value column
        ``nps``; ``ci_low``, ``ci_high``, ``se`` (NPS points), ``n``, ``effective_n``, the
        counts and shares of promoters, passives and detractors. With one row,
        ``float(result)``, ``result.value`` and ``result.score`` are the NPS and
        ``result.confidence_interval()`` its bounds.

    Raises
    ------
    DataValidationError
        An answer is missing, not a number, off the 0-10 scale or not a whole number (6.5
        is in no band), or a weight is missing, infinite or negative.
    InvalidParameterError
        An option is not one of those listed, or a table's survey is not on 0-10.
    ColumnNotFoundError
        ``by`` names no column of the survey data.

    Notes
    -----
    With ``p`` and ``d`` the (weighted) shares of promoters (9-10) and detractors (0-6) and
    ``n`` the (effective) number of answers, ``NPS = 100 (p - d)``.

    * **Wald**: ``NPS ± z 100 sqrt((p + d - (p - d)^2) / n)``. It collapses to a single
      point when every answer is in one band.
    * **Adjusted-Wald** (Sauro and Lewis, following Rocks 2016): add 3/4 of an answer to
      the promoters and to the detractors and 3 to ``n``, then the Wald formula. The interval
      is centred on the adjusted score, so it is pulled towards 0 and, for a handful of
      answers all in one band, need not contain the raw score. Coverage is close to nominal
      even for small samples.
    * **Bootstrap**: percentiles of the NPS of ``n_resamples`` resamples of the answers
      (with their weights), drawn with a seeded generator; ``se`` is their standard deviation.

    Bounds are clipped to -100..100. No answers (or only zero weights) give NaN with one
    ``UndefinedMetricWarning``, never 0. Answers are counted in one pass of ``np.bincount``
    over the integer scores (and segment codes).

    References
    ----------
    Reichheld, F. (2003). The One Number You Need to Grow. Harvard Business Review.
    Rocks, B. (2016). Interval Estimation for the "Net Promoter Score". The American
    Statistician 70(4), 365-372.
    Sauro, J. and Lewis, J. R. (2016). Quantifying the User Experience, 2nd ed.; Lewis and
    Sauro (2020-2021), "Confidence Intervals for Net Promoter Scores", MeasuringU.
    Kish, L. (1965). Survey Sampling. Wiley.

    Examples
    --------
    >>> r = net_promoter_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> float(r)                      # 5 promoters, 3 detractors in 10 answers
    20.0
    >>> [round(x, 1) for x in r.confidence_interval()]     # adjusted-Wald
    [-30.3, 61.1]
    >>> by = net_promoter_score([10, 0, 9, 7], by=["pro", "pro", "basic", None])
    >>> by["segment"].tolist(), by["nps"].tolist()
    (['basic', 'pro', '(none)'], [100.0, 0.0, 0.0])
    >>> by.row("basic").value
    100.0
    """
    data, plan = _nps_prepare(
        scores, by=by, weights=weights, confidence=confidence, interval=interval,
        weight_type=weight_type, survey=survey, account_weighting=account_weighting,
        revenue=revenue, n_resamples=n_resamples, seed=seed, errors=errors)
    return _nps_finalize(_score_partial(data, plan), plan)


# --- CSAT and CES ----------------------------------------------------------------------------


@validate_params({**_COMMON, "scale": SCALE, "satisfied_at": NUMBER})
def customer_satisfaction_score(
    scores: Any,
    *,
    by: By | ArrayLike = None,
    scale: SurveyScaleLike | None = None,
    satisfied_at: float | None = None,
    confidence: float = 0.95,
    weights: ArrayLike | None = None,
    weight_type: WeightType = "sampling",
    survey: str = "csat",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
    errors: ErrorMode = "raise",
) -> CustomerSatisfactionScore:
    """CSAT: the share of satisfied answers (a fraction) with a Wilson interval, and the mean.

    Parameters
    ----------
    scores : array-like, or survey data
        Answers to "how satisfied were you ...?", or survey responses in any table form (as
        in ``net_promoter_score``; the rows of ``survey`` are used).
    by : str, mapping or array-like, optional
        As in ``net_promoter_score``.
    scale : (low, high) or SurveyScale, default (1, 5)
        The answer scale; with survey data, the table's scale of the survey.
    satisfied_at : float, optional
        Lowest satisfied answer, on the scale. Default: the top two points of a 1-5 (4) or
        1-7 (6) scale, the top three of 1-10 or 0-10 (8); other scales need it.
    confidence : float, default 0.95
    weights, weight_type, survey, account_weighting, revenue, errors
        As in ``net_promoter_score``.

    Returns
    -------
    CustomerSatisfactionScore
        Value column ``csat`` (fraction satisfied), its Wilson ``ci_low`` and ``ci_high``,
        ``mean`` with ``mean_ci_low`` and ``mean_ci_high`` (t-interval), ``sd``, ``n``,
        ``effective_n`` and ``satisfied`` (weighted count), one row per segment.

    Raises
    ------
    DataValidationError
        An answer is missing, off the scale or (on an integer scale) not a whole number.
    InvalidParameterError
        A bad option, or no default threshold for the scale.

    Notes
    -----
    ``csat = satisfied / n`` (weighted). Its interval is Wilson's score interval with the
    effective ``n``: ``(p + z^2/2n ± z sqrt(p(1 - p)/n + z^2/4n^2)) / (1 + z^2/n)``, which
    stays within 0..1 and is sensible at 0% and 100%. The mean's interval is
    ``mean ± t(n - 1) s / sqrt(n)`` with ``s`` the sample standard deviation (weighted:
    ``s^2 = Σw(x - m)^2 / Σw * n/(n - 1)`` with Kish's ``n``), clipped to the scale; it is
    NaN, with a warning, for fewer than two (effective) answers. No answers give NaN.

    References
    ----------
    Wilson, E. B. (1927). Probable Inference, the Law of Succession, and Statistical
    Inference. Journal of the American Statistical Association 22, 209-212.

    Examples
    --------
    >>> r = customer_satisfaction_score([5, 4, 4, 3, 5, 2, 5, 4])
    >>> float(r), r["mean"].item()       # 6 of 8 answered 4 or 5
    (0.75, 4.0)
    >>> [round(x, 4) for x in r.confidence_interval()]
    [0.4093, 0.9285]
    """
    data, plan = _csat_prepare(
        scores, by=by, scale=scale, satisfied_at=satisfied_at, confidence=confidence,
        weights=weights, weight_type=weight_type, survey=survey,
        account_weighting=account_weighting, revenue=revenue, errors=errors)
    return _csat_finalize(_score_partial(data, plan), plan)


@validate_params({**_COMMON, "version": CES_VERSION, "scale": SCALE, "easy_at": NUMBER})
def customer_effort_score(
    scores: Any,
    *,
    by: By | ArrayLike = None,
    version: str = "2.0",
    scale: SurveyScaleLike | None = None,
    easy_at: float | None = None,
    confidence: float = 0.95,
    weights: ArrayLike | None = None,
    weight_type: WeightType = "sampling",
    survey: str = "ces",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
    errors: ErrorMode = "raise",
) -> CustomerEffortScore:
    """Customer Effort Score: the mean (scale points) with its t-interval and the easy share.

    Parameters
    ----------
    scores : array-like, or survey data
        The answers, or survey responses in any table form (as in ``net_promoter_score``;
        the rows of ``survey`` are used).
    by : str, mapping or array-like, optional
        As in ``net_promoter_score``.
    version : {"2.0", "1.0"}, default "2.0"
        CES 2.0: agreement with "the company made it easy for me to handle my issue", 1-7,
        **higher is easier**. CES 1.0: "how much effort did you personally have to put
        forth to handle your request?", 1-5, **lower is easier**.
    scale : (low, high) or SurveyScale, optional
        Default 1-7 for 2.0 and 1-5 for 1.0; with survey data, the table's scale of the
        survey.
    easy_at : float, optional
        The threshold of the easy side: answers ``>= easy_at`` (2.0) or ``<= easy_at``
        (1.0). Defaults: 2.0 on 1-7 is 5 (somewhat agree or more), on 1-5 is 4, on 1-10 is
        8; 1.0 on 1-5 is 2 (low or very low effort).
    confidence : float, default 0.95
    weights, weight_type, survey, account_weighting, revenue, errors
        As in ``net_promoter_score``.

    Returns
    -------
    CustomerEffortScore
        Value column ``ces`` (mean) with ``ci_low`` and ``ci_high`` (t-interval), ``sd``,
        ``easy_share`` with ``easy_ci_low`` and ``easy_ci_high`` (Wilson), ``n`` and
        ``effective_n``, one row per segment; ``polarity`` and ``higher_is_easier`` say
        which way is better.

    Raises
    ------
    DataValidationError
        An answer is missing, off the scale or not a whole number.
    InvalidParameterError
        A bad option or version, or no default ``easy_at`` for the scale.

    Notes
    -----
    The intervals are those of ``customer_satisfaction_score``: Student t for the mean (NaN
    with a warning below two effective answers) and Wilson for the share. A CES 1.0 mean of
    2.1 is *better* than one of 2.8; a CES 2.0 mean of 5.6 is better than 5.1. Comparing
    means across versions is meaningless; the result states its version and polarity.

    References
    ----------
    Dixon, M., Freeman, K. and Toman, N. (2010). Stop Trying to Delight Your Customers.
    Harvard Business Review (CES 1.0). CEB / Gartner (2013), The Effortless Experience:
    CES 2.0.

    Examples
    --------
    >>> r = customer_effort_score([7, 6, 5, 5, 3, 6, 2, 7])
    >>> float(r), r["easy_share"].item(), r.polarity
    (5.125, 0.75, 'higher is easier')
    >>> customer_effort_score([1, 2, 2, 4, 5], version="1.0").polarity
    'lower is easier'
    """
    data, plan = _ces_prepare(
        scores, by=by, version=version, scale=scale, easy_at=easy_at, confidence=confidence,
        weights=weights, weight_type=weight_type, survey=survey,
        account_weighting=account_weighting, revenue=revenue, errors=errors)
    return _ces_finalize(_score_partial(data, plan), plan)
