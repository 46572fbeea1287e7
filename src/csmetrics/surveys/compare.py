"""Two-sample tests of survey results: NPS, proportions (CSAT, CES) and means.

``compare_nps`` (z test on the NPS interval's standard errors), ``compare_proportions``
(Newcombe's interval) and ``compare_means`` (Welch). The one-sample test against a benchmark
is in ``csmetrics.surveys.benchmark``; they are all re-exported by ``csmetrics.surveys``.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import as_1d
from csmetrics._core.convert import to_float
from csmetrics._core.options import CONFIDENCE, validate_params
from csmetrics._core.segments import segment_columns
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.results import TableResult
from csmetrics.surveys.inputs import Floats, is_answers
from csmetrics.surveys.results import (
    Comparison,
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
    SurveyEstimate,
)
from csmetrics.surveys.scores import net_promoter_score
from csmetrics.surveys.stats import (
    _INTERVAL_NAMES,
    TEST_INTERVAL,
    _nps_interval,
    _t,
    _two_sided_p,
    _welch_p,
    _z,
)
from csmetrics.tables.surveys import SurveyTable


def _align(a: SurveyEstimate, b: SurveyEstimate, context: str
           ) -> tuple[NDArray[np.int64], NDArray[np.int64], str | None, NDArray[Any] | None]:
    """Row positions pairing ``a`` with ``b`` (equal segments, or one side a single row)."""
    na, nb = len(a), len(b)
    if na == nb and (a.by is None or b.by is None or
                     a[a.by].tolist() == b[b.by].tolist()):
        by = a.by or b.by
        labels = None if by is None else (a if a.by else b)[by]
        return np.arange(na), np.arange(nb), by, labels
    if na == 1 or nb == 1:
        n = max(na, nb)
        longer = a if na > 1 else b
        return (np.zeros(n, np.int64) if na == 1 else np.arange(n),
                np.zeros(n, np.int64) if nb == 1 else np.arange(n), longer.by,
                None if longer.by is None else longer[longer.by])
    raise InvalidParameterError(
        f"{context}: the two results must have the same segments (or one of them a single "
        f"row); got {na} and {nb} rows.")


def _with_labels(by: str | None, labels: NDArray[Any] | None, cols: dict[str, Any],
                 context: str) -> dict[str, Any]:
    return cols if labels is None else segment_columns(by, labels, context, **cols)


def _as_nps(value: Any, context: str) -> NetPromoterScore:
    """A ``NetPromoterScore``, or the answers (or survey data) to compute one from; its own
    warnings are left to the comparison, which gives one for the whole call."""
    if isinstance(value, NetPromoterScore):
        return value
    if isinstance(value, TableResult):
        raise InvalidParameterError(
            f"{context}: expected a NetPromoterScore or the answers to compute one, got a "
            f"{type(value).__name__}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return net_promoter_score(value, interval="wald")


@validate_params({"confidence": CONFIDENCE, "interval": TEST_INTERVAL})
def compare_nps(a: Any, b: Any, *, confidence: float = 0.95,
                interval: Literal["adjusted_wald", "wald"] = "adjusted_wald") -> Comparison:
    """Test the difference between two Net Promoter Scores (``a - b``, in NPS points).

    Parameters
    ----------
    a, b : NetPromoterScore, array-like of 0-10 answers, or survey data
        The two independent samples: results of ``net_promoter_score`` (for weights or
        segments; segments are compared row by row), answers, or survey data in any table
        form.
    confidence : float, default 0.95
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        Standard errors (and centres) of each score, as in ``net_promoter_score``.

    Returns
    -------
    Comparison
        Value column ``difference``: the observed ``nps_a - nps_b``. Also ``nps_a``,
        ``nps_b``, ``interval_centre`` (the difference of the interval method's centres,
        which the interval and the test are built on), ``ci_low``, ``ci_high``, ``se``,
        ``z``, ``p_value`` (two-sided) and ``significant`` (``p < 1 - confidence``, the same
        as the interval excluding 0).

    Raises
    ------
    InvalidParameterError
        A bad option, a result of another metric, or two segmented results whose segments
        differ.
    DataValidationError
        Answers that are not valid 0-10 answers.

    Notes
    -----
    ``SE = sqrt(SE_a^2 + SE_b^2)`` with each standard error from the chosen method. The
    interval is ``interval_centre ± z_{1-α/2} SE`` and the p-value tests the hypothesis that
    the two true scores are equal with ``z = interval_centre / SE``: this is the test Lewis
    and Sauro (MeasuringU, 2021) derived from the adjusted-Wald interval, whose centre adds
    3/4 of an answer to the promoters and to the detractors of each sample. That estimate of
    the difference, pulled towards 0, is what gives the interval its coverage for small
    samples, so the test uses it too. With ``interval="wald"`` the centre is the observed
    difference. With few answers the two can be far apart: one promoter against one
    detractor is an observed difference of 200 points with an interval from -53.9 to 153.9
    around an adjusted difference of 50.

    References
    ----------
    Lewis, J. R. and Sauro, J. (2021). How to Statistically Compare Two Net Promoter
    Scores. MeasuringU.

    Examples
    --------
    >>> last = [9] * 40 + [7] * 30 + [3] * 30     # NPS 10, 100 answers
    >>> this = [9] * 50 + [7] * 30 + [3] * 20     # NPS 30, 100 answers
    >>> c = compare_nps(this, last)
    >>> float(c), round(c.p_value, 3), c.significant
    (20.0, 0.083, False)
    >>> c = compare_nps([9], [6])                 # observed 200, adjusted centre 50
    >>> float(c), round(c["interval_centre"].item(), 1), [round(v, 1) for v in c.confidence_interval()]
    (200.0, 50.0, [-53.9, 153.9])
    """  # noqa: E501
    ctx = "compare_nps"
    ra, rb = _as_nps(a, ctx), _as_nps(b, ctx)
    ia, ib, by, labels = _align(ra, rb, ctx)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        ca, sa = _nps_interval(ra["promoter_share"][ia], ra["detractor_share"][ia],
                               ra["effective_n"][ia], interval)
        cb, sb = _nps_interval(rb["promoter_share"][ib], rb["detractor_share"][ib],
                               rb["effective_n"][ib], interval)
    centre, se = ca - cb, np.hypot(sa, sb)
    stat = ks.standardized(centre, se)
    p = _two_sided_p(stat)
    warn_if_undefined(np.isnan(p), context=ctx, because="a sample has no answers")
    cols = {"nps_a": ra["nps"][ia], "nps_b": rb["nps"][ib],
            "difference": ra["nps"][ia] - rb["nps"][ib], "interval_centre": 100 * centre,
            "ci_low": np.clip(100 * (centre - z * se), -200, 200),
            "ci_high": np.clip(100 * (centre + z * se), -200, 200), "se": 100 * se, "z": stat,
            "p_value": p, "significant": p < 1 - confidence}
    return Comparison(_with_labels(by, labels, cols, ctx),
                      title=f"NPS a - b ({confidence:.0%} {_INTERVAL_NAMES[interval]} z test)",
                      metric="nps", method=f"{_INTERVAL_NAMES[interval]} z test",
                      confidence=confidence, segment=by)


def _as_share(x: Any, context: str) -> tuple[Floats, Floats, str | None, NDArray[Any] | None,
                                              SurveyEstimate | None]:
    if isinstance(x, CustomerSatisfactionScore):
        return x["csat"], x["effective_n"], x.by, None if x.by is None else x[x.by], x
    if isinstance(x, CustomerEffortScore):
        return x["easy_share"], x["effective_n"], x.by, None if x.by is None else x[x.by], x
    if isinstance(x, tuple) and len(x) == 2:
        hits, n = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in x)
        if hits.shape != n.shape or hits.ndim != 1:
            raise InvalidParameterError(f"{context}: (successes, n) must be two numbers or "
                                        "two arrays of one length.")
        if not (np.all(np.isfinite(hits)) and np.all(n >= 0) and np.all(hits >= 0)
                and np.all(hits <= n)):
            raise InvalidParameterError(
                f"{context}: (successes, n) needs 0 <= successes <= n, got {x!r}.")
        with np.errstate(invalid="ignore", divide="ignore"):
            return hits / n, n, None, None, None
    raise InvalidParameterError(
        f"{context}: expected a CSAT or CES result or a (successes, n) pair, got "
        f"{type(x).__name__}.")


@validate_params({"confidence": CONFIDENCE})
def compare_proportions(a: Any, b: Any, *, confidence: float = 0.95) -> Comparison:
    """Difference of two independent proportions (``a - b``) with Newcombe's interval.

    Parameters
    ----------
    a, b : CustomerSatisfactionScore, CustomerEffortScore, or (successes, n)
        The shares to compare: a CSAT result's ``csat``, a CES result's ``easy_share`` (with
        their effective n), or counts. Segmented results are compared row by row.
    confidence : float, default 0.95

    Returns
    -------
    Comparison
        Value column ``difference`` (the observed ``share_a - share_b``); ``share_a``,
        ``share_b``, ``ci_low``, ``ci_high`` (Newcombe), ``z`` and ``p_value`` (two-sided
        score test), and ``significant`` (the interval excludes 0).

    Raises
    ------
    InvalidParameterError
        A bad option, counts with ``successes > n`` (or negative), or sides of different
        lengths.

    Notes
    -----
    Newcombe's hybrid score interval (method 10 of his 1998 comparison of eleven methods)
    combines the Wilson intervals ``(l_a, u_a)`` and ``(l_b, u_b)``:
    ``d - sqrt((p_a - l_a)^2 + (u_b - p_b)^2)`` to ``d + sqrt((u_a - p_a)^2 + (p_b - l_b)^2)``.
    It is built around the observed difference ``d`` (which it always contains), stays
    within -1..1 and behaves at 0% and 100%. The p-value is the pooled two-proportion z test
    of the same observed difference (uncorrected chi-square); in rare borderline cases it
    can disagree with the interval, and ``significant`` follows the interval.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890.

    Examples
    --------
    >>> c = compare_proportions((56, 70), (48, 80))     # Newcombe (1998), example (a)
    >>> round(float(c), 4), [round(v, 4) for v in c.confidence_interval()]
    (0.2, [0.0524, 0.3339])
    """
    ctx = "compare_proportions"
    pa, na, by_a, lab_a, ra = _as_share(a, ctx)
    pb, nb, by_b, lab_b, rb = _as_share(b, ctx)
    if ra is not None and rb is not None:
        ia, ib, by, labels = _align(ra, rb, ctx)
    elif pa.size == pb.size or pa.size == 1 or pb.size == 1:
        size = max(pa.size, pb.size)
        ia = np.zeros(size, np.int64) if pa.size == 1 else np.arange(size)
        ib = np.zeros(size, np.int64) if pb.size == 1 else np.arange(size)
        by, labels = (by_a, lab_a) if pa.size >= pb.size else (by_b, lab_b)
    else:
        raise InvalidParameterError(f"{ctx}: a and b have {pa.size} and {pb.size} rows.")
    pa, na, pb, nb = pa[ia], na[ia], pb[ib], nb[ib]
    warn_if_undefined(~((na > 0) & (nb > 0)), context=ctx, because="a sample is empty")
    lo, hi = ks.newcombe(pa, na, pb, nb, _z(confidence))
    stat = ks.pooled_z(pa, na, pb, nb)
    stat = np.where((pa == pb) & np.isnan(stat), 0.0, stat)
    cols = {"share_a": pa, "share_b": pb, "difference": pa - pb, "ci_low": lo, "ci_high": hi,
            "z": stat, "p_value": _two_sided_p(stat), "significant": (lo > 0) | (hi < 0)}
    return Comparison(_with_labels(by, labels, cols, ctx),
                      title=f"Share a - b ({confidence:.0%} Newcombe interval)",
                      metric="share", method="Newcombe hybrid score interval",
                      confidence=confidence, segment=None if labels is None else by)


def _as_mean(x: Any, context: str) -> tuple[Floats, Floats, Floats, SurveyEstimate | None]:
    if isinstance(x, CustomerSatisfactionScore | CustomerEffortScore):
        centre = x["mean"] if isinstance(x, CustomerSatisfactionScore) else x["ces"]
        return centre, x["sd"] ** 2, x["effective_n"], x
    if isinstance(x, TableResult | SurveyTable) or not is_answers(x):
        raise InvalidParameterError(
            f"{context}: expected an array of values or a CSAT or CES result, got "
            f"{type(x).__name__}.")
    values = as_1d(x, context, "values")
    chk = Checker(values.size, context)
    v = to_float(values, "values", chk) if values.dtype.kind not in "iuf" else values.astype(
        np.float64)
    chk.check(~np.isfinite(v), "values", "must be finite numbers (not missing)")
    n = float(v.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = float(np.var(v, ddof=1)) if v.size > 1 else np.nan
        mean = float(v.mean()) if v.size else np.nan
    return np.array([mean]), np.array([var]), np.array([n]), None


@validate_params({"confidence": CONFIDENCE})
def compare_means(a: Any, b: Any, *, confidence: float = 0.95) -> Comparison:
    """Welch's t test and interval for the difference of two means (``a - b``).

    Parameters
    ----------
    a, b : array-like of numbers, CustomerSatisfactionScore or CustomerEffortScore
        Raw values, or results whose mean (``mean`` of CSAT, ``ces`` of CES), ``sd`` and
        effective n are used. Segmented results are compared row by row.
    confidence : float, default 0.95

    Returns
    -------
    Comparison
        Value column ``difference`` (``mean_a - mean_b``); ``mean_a``, ``mean_b``,
        ``ci_low``, ``ci_high``, ``se``, ``t``, ``df`` (Welch-Satterthwaite), ``p_value``
        (two-sided) and ``significant``.

    Raises
    ------
    InvalidParameterError
        A bad option, survey data or a result of another metric, or sides of different
        lengths.
    DataValidationError
        A value that is not a finite number.

    Notes
    -----
    ``SE = sqrt(s_a^2/n_a + s_b^2/n_b)``; ``df = SE^4 / ((s_a^2/n_a)^2/(n_a - 1) +
    (s_b^2/n_b)^2/(n_b - 1))``; the interval is ``difference ± t_df SE``, centred on the
    observed difference that the t statistic tests. Unlike Student's pooled test it does
    not assume equal variances. Fewer than two values on a side give NaN.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34, 28-35.

    Examples
    --------
    Student's (1908) sleep data, as in R's ``t.test(extra ~ group, data = sleep)``:

    >>> drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> c = compare_means(drug1, drug2)
    >>> round(c["t"].item(), 4), round(c["df"].item(), 3), round(c.p_value, 5)
    (-1.8608, 17.776, 0.07939)
    """
    ctx = "compare_means"
    ma, va, na, ra = _as_mean(a, ctx)
    mb, vb, nb, rb = _as_mean(b, ctx)
    if ra is not None and rb is not None:
        ia, ib, by, labels = _align(ra, rb, ctx)
    else:
        size = max(ma.size, mb.size)
        if ma.size not in (1, size) or mb.size not in (1, size):
            raise InvalidParameterError(f"{ctx}: a and b have {ma.size} and {mb.size} rows.")
        ia = np.zeros(size, np.int64) if ma.size == 1 else np.arange(size)
        ib = np.zeros(size, np.int64) if mb.size == 1 else np.arange(size)
        longer = ra if ra is not None else rb
        by = None if longer is None else longer.by
        labels = None if longer is None or by is None else longer[by]
    ma, va, na, mb, vb, nb = ma[ia], va[ia], na[ia], mb[ib], vb[ib], nb[ib]
    warn_if_undefined(~((na > 1) & (nb > 1)), context=ctx,
                      because="a side has fewer than two values")
    diff, se, df = ks.welch(ma, va, na, mb, vb, nb)
    stat = ks.standardized(diff, se)
    p = _welch_p(stat, df)
    tq = _t(confidence, df)
    cols = {"mean_a": ma, "mean_b": mb, "difference": diff, "ci_low": diff - tq * se,
            "ci_high": diff + tq * se, "se": se, "t": stat, "df": df, "p_value": p,
            "significant": p < 1 - confidence}
    return Comparison(_with_labels(by, labels, cols, ctx),
                      title=f"Mean a - b ({confidence:.0%} Welch t interval)",
                      metric="mean", method="Welch t test", confidence=confidence,
                      segment=None if labels is None else by)
