"""Tests of survey results: two samples, a benchmark, and the sample size of an NPS survey.

:func:`compare_nps` (z test on the NPS interval's standard errors), :func:`compare_proportions`
(Newcombe's interval), :func:`compare_means` (Welch), :func:`compare_to_benchmark` (one-sample
z or t) and :func:`nps_sample_size`. They are re-exported by :mod:`csmetrics.surveys`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import to_float
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import TableResult
from csmetrics.surveys.inputs import Floats, _as_1d, _check_options
from csmetrics.surveys.results import (
    _E,
    Comparison,
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
    SurveyEstimate,
    _fmt,
)
from csmetrics.surveys.stats import (
    _INTERVAL_NAMES,
    _nps_interval,
    _ratio,
    _stats,
    _t,
    _two_sided_p,
    _warn,
    _z,
)
from csmetrics.tables.surveys import SurveyTable

Alternative = Literal["greater", "less", "two-sided"]


def _as_result(value: Any, kind: type[_E], make: Any, context: str) -> _E:
    if isinstance(value, kind):
        return value
    if isinstance(value, SurveyEstimate | TableResult):
        raise InvalidParameterError(
            f"{context}: expected a {kind.__name__} or the answers to compute one, got a "
            f"{type(value).__name__}.")
    result: _E = make(value)
    return result


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


def _with_labels(by: str | None, labels: NDArray[Any] | None, cols: dict[str, Any]
                 ) -> dict[str, Any]:
    return cols if by is None or labels is None else {by: labels, **cols}


def compare_nps(a: Any, b: Any, *, confidence: float = 0.95,
                interval: Literal["adjusted_wald", "wald"] = "adjusted_wald") -> Comparison:
    """Test the difference between two Net Promoter Scores (``a - b``, in NPS points).

    Parameters
    ----------
    a, b : NetPromoterScore, array-like of 0-10 answers, or SurveyTable
        The two independent samples (results of :func:`net_promoter_score`, for weights or
        segments; segments are compared row by row).
    confidence : float, default 0.95
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        Standard errors of each score, as in :func:`net_promoter_score`.

    Returns
    -------
    Comparison
        ``nps_a``, ``nps_b``, ``difference`` (``nps_a - nps_b``), ``ci_low``, ``ci_high``,
        ``se``, ``z``, ``p_value`` (two-sided) and ``significant`` (``p < 1 - confidence``,
        the same as the interval excluding 0).

    Notes
    -----
    ``SE = sqrt(SE_a^2 + SE_b^2)`` with each standard error from the chosen method; ``z`` is
    the difference of the (adjusted) centres over ``SE``, and the interval is that difference
    ``± z_{1-α/2} SE``. This is the test Lewis and Sauro (MeasuringU, 2021) derived from the
    adjusted-Wald interval. ``difference`` reports the raw scores' difference.

    Examples
    --------
    >>> last = [9] * 40 + [7] * 30 + [3] * 30     # NPS 10, 100 answers
    >>> this = [9] * 50 + [7] * 30 + [3] * 20     # NPS 30, 100 answers
    >>> c = compare_nps(this, last)
    >>> c.difference, round(c.p_value, 3), c.significant
    (20.0, 0.083, False)
    """
    ctx = "compare_nps"
    _check_options(ctx, confidence, interval=(interval, ("adjusted_wald", "wald")))

    def make(x: Any) -> NetPromoterScore:
        # Imported here: csmetrics.surveys, which defines the metric, re-exports this module.
        from csmetrics.surveys.scores import net_promoter_score

        return net_promoter_score(x, interval="wald")

    ra = _as_result(a, NetPromoterScore, make, ctx)
    rb = _as_result(b, NetPromoterScore, make, ctx)
    ia, ib, by, labels = _align(ra, rb, ctx)
    z = _z(confidence)
    ca, sa, _ = _nps_interval(ra["promoter_share"][ia], ra["detractor_share"][ia],
                              ra["effective_n"][ia], z, interval)
    cb, sb, _ = _nps_interval(rb["promoter_share"][ib], rb["detractor_share"][ib],
                              rb["effective_n"][ib], z, interval)
    diff, se = ca - cb, np.hypot(sa, sb)
    stat = _ratio(diff, se)
    p = _two_sided_p(stat)
    cols = {"nps_a": ra["nps"][ia], "nps_b": rb["nps"][ib],
            "difference": ra["nps"][ia] - rb["nps"][ib],
            "ci_low": np.clip(100 * (diff - z * se), -200, 200),
            "ci_high": np.clip(100 * (diff + z * se), -200, 200), "se": 100 * se, "z": stat,
            "p_value": p, "significant": p < 1 - confidence}
    return Comparison(_with_labels(by, labels, cols),
                      title=f"NPS a - b ({confidence:.0%} {_INTERVAL_NAMES[interval]} z test)",
                      metric="nps", method=f"{_INTERVAL_NAMES[interval]} z test",
                      confidence=confidence)


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
        ``share_a``, ``share_b``, ``difference``, ``ci_low``, ``ci_high`` (Newcombe), ``z``
        and ``p_value`` (two-sided score test), and ``significant`` (the interval excludes
        0).

    Notes
    -----
    Newcombe's hybrid score interval (method 10 of his 1998 comparison of eleven methods)
    combines the Wilson intervals ``(l_a, u_a)`` and ``(l_b, u_b)``:
    ``d - sqrt((p_a - l_a)^2 + (u_b - p_b)^2)`` to ``d + sqrt((u_a - p_a)^2 + (p_b - l_b)^2)``.
    It stays within -1..1 and behaves at 0% and 100%. The p-value is the pooled two-proportion
    z test (uncorrected chi-square); in rare borderline cases it can disagree with the
    interval, and ``significant`` follows the interval.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890.

    Examples
    --------
    >>> c = compare_proportions((56, 70), (48, 80))     # Newcombe (1998), example (a)
    >>> round(c.difference, 4), [round(v, 4) for v in c.confidence_interval()]
    (0.2, [0.0524, 0.3339])
    """
    ctx = "compare_proportions"
    _check_options(ctx, confidence)
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
    _warn(ctx, ~((na > 0) & (nb > 0)), "an empty sample", unit="comparison")
    lo, hi = ks.newcombe(pa, na, pb, nb, _z(confidence))
    stat = ks.pooled_z(pa, na, pb, nb)
    stat = np.where((pa == pb) & np.isnan(stat), 0.0, stat)
    cols = {"share_a": pa, "share_b": pb, "difference": pa - pb, "ci_low": lo, "ci_high": hi,
            "z": stat, "p_value": _two_sided_p(stat), "significant": (lo > 0) | (hi < 0)}
    return Comparison(_with_labels(by, labels, cols),
                      title=f"Share a - b ({confidence:.0%} Newcombe interval)",
                      metric="share", method="Newcombe hybrid score interval",
                      confidence=confidence)


def _as_mean(x: Any, context: str) -> tuple[Floats, Floats, Floats, SurveyEstimate | None]:
    if isinstance(x, CustomerSatisfactionScore | CustomerEffortScore):
        centre = x["mean"] if isinstance(x, CustomerSatisfactionScore) else x["ces"]
        return centre, x["sd"] ** 2, x["effective_n"], x
    if isinstance(x, SurveyEstimate | TableResult | SurveyTable):
        raise InvalidParameterError(
            f"{context}: expected an array of values or a CSAT or CES result, got "
            f"{type(x).__name__}.")
    values = _as_1d(x, context, "values")
    chk = Checker(values.size, context)
    v = to_float(values, "values", chk) if values.dtype.kind not in "iuf" else values.astype(
        np.float64)
    chk.check(~np.isfinite(v), "values", "must be finite numbers (not missing)")
    n = float(v.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = float(np.var(v, ddof=1)) if v.size > 1 else np.nan
        mean = float(v.mean()) if v.size else np.nan
    return np.array([mean]), np.array([var]), np.array([n]), None


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
        ``mean_a``, ``mean_b``, ``difference``, ``ci_low``, ``ci_high``, ``se``, ``t``,
        ``df`` (Welch-Satterthwaite), ``p_value`` (two-sided) and ``significant``.

    Notes
    -----
    ``SE = sqrt(s_a^2/n_a + s_b^2/n_b)``; ``df = SE^4 / ((s_a^2/n_a)^2/(n_a - 1) +
    (s_b^2/n_b)^2/(n_b - 1))``; the interval is ``difference ± t_df SE``. Unlike Student's
    pooled test it does not assume equal variances. Fewer than two values on a side give NaN.

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
    >>> round(c.value("t"), 4), round(c.value("df"), 3), round(c.p_value, 5)
    (-1.8608, 17.776, 0.07939)
    """
    ctx = "compare_means"
    _check_options(ctx, confidence)
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
    _warn(ctx, ~((na > 1) & (nb > 1)), "fewer than two values on a side", unit="comparison")
    diff, se, df = ks.welch(ma, va, na, mb, vb, nb)
    student = _stats().t
    stat = _ratio(diff, se)
    with np.errstate(invalid="ignore"):
        p = np.asarray(2.0 * student.sf(np.abs(stat), df), dtype=np.float64)
    tq = _t(confidence, df)
    cols = {"mean_a": ma, "mean_b": mb, "difference": diff, "ci_low": diff - tq * se,
            "ci_high": diff + tq * se, "se": se, "t": stat, "df": df, "p_value": p,
            "significant": p < 1 - confidence}
    return Comparison(_with_labels(by, labels, cols),
                      title=f"Mean a - b ({confidence:.0%} Welch t interval)",
                      metric="mean", method="Welch t test", confidence=confidence)


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
        ``estimate``, ``benchmark``, ``difference``, ``se``, ``statistic``, ``df``,
        ``p_value``, ``ci_low``, ``ci_high`` (the open side infinite when one-sided) and
        ``significant``.

    Notes
    -----
    * NPS: ``z = (centre - benchmark) / SE`` with the centre and SE of the result's interval
      method (the adjusted centre for adjusted-Wald; the score and the bootstrap SD for the
      bootstrap).
    * Shares: the one-sample score test ``z = (p - p0) / sqrt(p0 (1 - p0) / n)``, whose
      inversion is Wilson's interval; the bound is the one-sided Wilson bound.
    * Means: the one-sample t test ``t = (mean - m0) / (s / sqrt(n))`` with ``n - 1``
      degrees of freedom.

    Examples
    --------
    >>> from csmetrics.surveys import net_promoter_score
    >>> r = net_promoter_score([10] * 45 + [8] * 35 + [5] * 20)     # NPS 25
    >>> c = compare_to_benchmark(r, 10)                            # is it above 10?
    >>> round(c.p_value, 4), c.significant
    (0.0293, True)
    """
    ctx = "compare_to_benchmark"
    _check_options(ctx, confidence, alternative=(alternative, ("greater", "less", "two-sided")))
    if not isinstance(result, NetPromoterScore | CustomerSatisfactionScore
                      | CustomerEffortScore):
        raise InvalidParameterError(
            f"{ctx}: expected a result of net_promoter_score, customer_satisfaction_score or "
            f"customer_effort_score, got {type(result).__name__}.")
    if not (isinstance(benchmark, int | float) and math.isfinite(benchmark)):
        raise InvalidParameterError(f"{ctx}: benchmark must be a finite number.")
    two = alternative == "two-sided"
    zq = _z(confidence, two_sided=two)
    b = float(benchmark)
    df = np.full(len(result), np.nan)
    if isinstance(result, NetPromoterScore):
        if not -100 <= b <= 100:
            raise InvalidParameterError(f"{ctx}: an NPS benchmark is between -100 and 100.")
        p, d, n = result["promoter_share"], result["detractor_share"], result["effective_n"]
        if result.interval == "bootstrap":
            centre, se = result["nps"] / 100, result["se"] / 100
        else:
            centre, se, _ = _nps_interval(p, d, n, zq, result.interval)
        estimate, what = result["nps"], "NPS"
        stat = _ratio(centre - b / 100, se)
        lo, hi = 100 * (centre - zq * se), 100 * (centre + zq * se)
        se = 100 * se
        lo, hi = np.clip(lo, -100, 100), np.clip(hi, -100, 100)
    else:
        default = "share" if isinstance(result, CustomerSatisfactionScore) else "mean"
        which = measure or default
        _check_options(ctx, confidence, measure=(which, ("share", "mean")))
        n = result["effective_n"]
        if which == "share":
            estimate = result["csat"] if isinstance(result, CustomerSatisfactionScore) else (
                result["easy_share"])
            if not 0 < b < 1:
                raise InvalidParameterError(f"{ctx}: a share benchmark is a fraction in (0, 1).")
            with np.errstate(invalid="ignore", divide="ignore"):
                se = np.sqrt(b * (1 - b) / n)
            stat = _ratio(estimate - b, se)
            lo, hi = ks.wilson(estimate, n, zq)
            what = "share"
        else:
            estimate = result["mean"] if isinstance(result, CustomerSatisfactionScore) else (
                result["ces"])
            with np.errstate(invalid="ignore", divide="ignore"):
                se = result["sd"] / np.sqrt(n)
            df = n - 1.0
            stat = _ratio(estimate - b, se)
            tq = _t(confidence, df, two_sided=two)
            lo, hi = estimate - tq * se, estimate + tq * se
            what = "mean"
    p_value = _p_value(stat, df, alternative)
    if alternative == "greater":
        hi = np.full(len(result), np.inf)
    elif alternative == "less":
        lo = np.full(len(result), -np.inf)
    cols = {"estimate": estimate, "benchmark": np.full(len(result), b),
            "difference": estimate - b, "se": se, "statistic": stat, "df": df,
            "p_value": p_value, "ci_low": lo, "ci_high": hi,
            "significant": p_value < 1 - confidence}
    labels = None if result.by is None else result[result.by]
    sign = {"greater": ">", "less": "<", "two-sided": "!="}[alternative]
    return Comparison(_with_labels(result.by, labels, cols),
                      title=f"{what} {sign} {_fmt(b)}? ({confidence:.0%}, {alternative})",
                      metric=result.metric, method=f"one-sample {'t' if what == 'mean' else 'z'}"
                      " test", confidence=confidence, alternative=alternative)


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


def nps_sample_size(
    margin: float,
    *,
    confidence: float = 0.95,
    promoters: float | None = None,
    detractors: float | None = None,
    interval: Literal["adjusted_wald", "wald"] = "adjusted_wald",
) -> int:
    """Answers needed for an NPS interval of ``± margin`` points.

    Parameters
    ----------
    margin : float
        The half-width wanted, in NPS points (5 means ±5).
    confidence : float, default 0.95
    promoters, detractors : float, optional
        Expected shares (fractions). Without them, the worst case (half promoters, half
        detractors: the largest variance) is assumed, which never under-samples.
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        The method the interval will be computed with.

    Returns
    -------
    int
        The smallest number of answers whose expected margin is at most ``margin``.

    Notes
    -----
    With ``V = p + d - (p - d)^2`` and ``z`` the normal quantile, the Wald margin is
    ``100 z sqrt(V / n)``, so ``n = ceil((100 z)^2 V / margin^2)``; the adjusted-Wald margin
    uses ``n + 3``, so three fewer answers are needed (taking ``V`` at the expected shares).
    At ``p = d = 1/3`` and 95% this is the rule of thumb "margin ≈ 160 / sqrt(n)"
    (Engelhardt, 2016).

    Examples
    --------
    >>> nps_sample_size(5, promoters=1/3, detractors=1/3, interval="wald")
    1025
    >>> nps_sample_size(5)           # worst case
    1534
    """
    ctx = "nps_sample_size"
    _check_options(ctx, confidence, interval=(interval, ("adjusted_wald", "wald")))
    if not (isinstance(margin, int | float) and 0 < margin <= 200 and math.isfinite(margin)):
        raise InvalidParameterError(f"{ctx}: margin must be in NPS points, > 0, got {margin!r}.")
    if (promoters is None) != (detractors is None):
        raise InvalidParameterError(f"{ctx}: give both promoters and detractors, or neither.")
    p = 0.5 if promoters is None else float(promoters)
    d = 0.5 if detractors is None else float(detractors)
    if not (0 <= p <= 1 and 0 <= d <= 1 and p + d <= 1):
        raise InvalidParameterError(
            f"{ctx}: promoters and detractors are shares with a sum of at most 1.")
    var = p + d - (p - d) ** 2
    n = (100 * _z(confidence)) ** 2 * var / margin ** 2
    if interval == "adjusted_wald":
        n -= 3
    # Round away float noise before the ceiling: 1024.0000000001 answers is 1024.
    return max(math.ceil(round(n, 9)), 1)
