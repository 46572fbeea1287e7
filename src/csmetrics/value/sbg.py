"""The shifted-beta-geometric (sBG) model of contract renewal (Fader and Hardie).

Definitions
-----------
**sBG model** (Fader and Hardie 2007). Each customer churns at the end of each period with
a constant probability theta, and theta varies across customers as Beta(alpha, beta). The
period T in which a customer churns (T >= 1) then has ``P(T = t) = B(alpha + 1, beta + t - 1)
/ B(alpha, beta)`` and survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``;
the retention rate of period t is ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta +
t - 1)``, which rises with t as the customers most likely to churn leave first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import fail
from csmetrics._core.optional import scipy
from csmetrics._core.options import CONFIDENCE, Interval, Satisfies, check_option
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import sbg as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import TableResult
from csmetrics.value.arrays import as_floats, as_whole_numbers
from csmetrics.value.sbg_fit import MAX_PERIODS, estimate, survivor_matrix

__all__ = ["ShiftedBetaGeometric"]

F64 = NDArray[np.float64]
_POSITIVE = Interval(0, math.inf, closed="neither")
_PERIODS = Satisfies(lambda p: p is None or (isinstance(p, int | np.integer)
                                             and not isinstance(p, bool)
                                             and 1 <= p <= MAX_PERIODS),
                     f"None or a whole number from 1 to {MAX_PERIODS:,}")


class ShiftedBetaGeometric:
    """The shifted-beta-geometric model of contract duration (Fader and Hardie 2007).

    Build one from known parameters, ``ShiftedBetaGeometric(alpha, beta)``, or estimate
    them with ``fit``. Periods are renewal periods (months for monthly plans). The model's
    answers about periods ``t`` (``survival``, ``churn_probability``, ``retention_rate``,
    ``discounted_expected_lifetime``, ``discounted_expected_residual_lifetime``) are always
    float64 ndarrays, of the shape of their argument (0-d for a number).

    Parameters
    ----------
    alpha, beta : float
        Parameters (> 0) of the beta distribution of the per-period churn probability.

    Raises
    ------
    InvalidParameterError
        ``alpha`` or ``beta`` is not a finite number > 0.

    Attributes
    ----------
    alpha, beta : float
    log_likelihood : float
        At the estimate (NaN for a model built from parameters).
    standard_errors : dict of str to float
        Of alpha and beta, from the inverse of the observed information (NaN if not fitted).
    covariance : ndarray, shape (2, 2)
        Asymptotic covariance of (alpha, beta).
    n_customers, n_churned : int
        Customers the fit used, and how many of them churned.

    Notes
    -----
    ``S(t) = B(alpha, beta + t) / B(alpha, beta)``, ``r_t = (beta + t - 1) / (alpha + beta +
    t - 1)``, ``E[T] = (alpha + beta - 1) / (alpha - 1)`` (infinite for alpha <= 1). The mean
    churn probability is ``alpha / (alpha + beta)``; heterogeneity makes retention rise with
    tenure.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. Journal
    of Interactive Marketing 21(1), 76-90.
    Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. Marketing Science 29(1), 85-93.

    Examples
    --------
    The 'regular' customers of Fader and Hardie (2007), years 0 to 7:

    >>> sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(sbg.alpha, 3), round(sbg.beta, 3)
    (0.704, 1.182)
    >>> sbg.retention_rate([1, 2, 3]).round(3)     # rising: the likely churners go first
    array([0.627, 0.756, 0.819])
    """

    alpha: float
    beta: float
    log_likelihood: float
    covariance: NDArray[np.float64]
    n_customers: int
    n_churned: int
    converged: bool
    _counts: ks.SurvivalCounts | None

    def __init__(self, alpha: float, beta: float) -> None:
        for name, v in (("alpha", alpha), ("beta", beta)):
            check_option("ShiftedBetaGeometric", name, v, _POSITIVE)
        self._init(float(alpha), float(beta), math.nan, np.full((2, 2), np.nan), None, True)

    def _init(self, alpha: float, beta: float, ll: float, cov: NDArray[np.float64],
              counts: ks.SurvivalCounts | None, converged: bool) -> None:
        cov.flags.writeable = False
        n = 0 if counts is None else round(float(counts.churned.sum() + counts.censored.sum()))
        churned = 0 if counts is None else round(float(counts.churned.sum()))
        for name, value in (("alpha", alpha), ("beta", beta), ("log_likelihood", ll),
                            ("covariance", cov), ("_counts", counts), ("n_customers", n),
                            ("n_churned", churned), ("converged", converged)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ShiftedBetaGeometric is read-only")

    @classmethod
    def fit(cls, survivors: Any = None, *, durations: ArrayLike | None = None,
            churned: ArrayLike | None = None) -> ShiftedBetaGeometric:
        """Maximum-likelihood estimate from survivor counts or per-customer durations.

        Parameters
        ----------
        survivors : sequence of counts, or several sequences, optional
            Customers of a cohort still active after 0, 1, 2, ... periods (the first is the
            cohort size). Several cohorts of different ages: a list of such sequences, or a
            2-D array with NaN after each cohort's last observed period.
        durations : array-like of int, optional
            Per customer, periods paid: for a churned customer the period T >= 1 at whose
            end they left; for an active one the periods survived so far (censored: T is
            larger). ``csmetrics.customer_lifetimes`` gives these.
        churned : array-like of bool, optional
            With ``durations``: True where the customer churned.

        Returns
        -------
        ShiftedBetaGeometric
            The fitted model, with log-likelihood and standard errors.

        Raises
        ------
        InvalidParameterError
            Neither or both inputs given, or no customer churned (nothing identifies the
            churn distribution).
        DataValidationError
            A negative, missing or increasing survivor count, or a bad duration.

        Warns
        -----
        UndefinedMetricWarning
            The fit is (nearly) geometric, alpha + beta above 10,000, or the likelihood keeps
            rising toward the edge of the parameter space: the data show no heterogeneity,
            or are too few. Or the information matrix is singular (standard errors NaN).

        Notes
        -----
        The log-likelihood ``sum_t n_t log P(T = t) + sum_u m_u log S(u)`` (``n_t`` churned
        at t, ``m_u`` last seen alive after u periods) depends on the data only through
        those counts, so customers are aggregated first with ``bincount``: a million
        customers fit as fast as a thousand. It is maximised over log-parameters with
        L-BFGS-B and the analytic gradient, then polished by Newton steps with the analytic
        Hessian, whose inverse at the optimum gives the standard errors.

        Examples
        --------
        >>> sbg = ShiftedBetaGeometric.fit(durations=[1, 1, 2, 3, 3, 3],
        ...                                churned=[True, True, True, False, False, False])
        >>> sbg.n_customers, sbg.n_churned
        (6, 3)
        """
        est = estimate(survivors, durations, churned, "ShiftedBetaGeometric.fit")
        model = cls.__new__(cls)
        model._init(est.alpha, est.beta, est.log_likelihood, est.covariance, est.counts,
                    est.converged)
        return model

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard errors of alpha and beta (NaN for a model built from parameters)."""
        se = np.sqrt(np.diag(self.covariance))
        return {"alpha": float(se[0]), "beta": float(se[1])}

    def summary(self, confidence: float = 0.95) -> TableResult:
        """Estimates with standard errors and Wald confidence limits (``confidence`` level,
        strictly between 0 and 1): columns ``parameter``, ``estimate``, ``std_error``,
        ``lower`` and ``upper``.

        Examples
        --------
        >>> print(ShiftedBetaGeometric(1.0, 2.0).summary().select("parameter", "estimate"))
        sBG parameters
        parameter  estimate
        alpha             1
        beta              2
        """
        check_option("ShiftedBetaGeometric.summary", "confidence", confidence, CONFIDENCE)
        z = float(scipy("special").ndtri(0.5 + confidence / 2))
        est = np.array([self.alpha, self.beta])
        se = np.sqrt(np.diag(self.covariance))
        return TableResult({"parameter": np.array(["alpha", "beta"], dtype=object),
                            "estimate": est, "std_error": se, "lower": est - z * se,
                            "upper": est + z * se}, title="sBG parameters")

    def survival(self, t: ArrayLike) -> F64:
        """Probability that a customer is still active after ``t`` periods, S(t).

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 1.0).survival([0, 1, 3])   # 1 / (t + 1)
        array([1.  , 0.5 , 0.25])
        """
        a = as_whole_numbers(t, "t", "survival", 0)
        return np.asarray(np.exp(ks.log_survival(self.alpha, self.beta, a)), dtype=np.float64)

    def churn_probability(self, t: ArrayLike) -> F64:
        """Probability that a new customer churns at the end of period ``t`` (t >= 1), P(T=t).

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 1.0).churn_probability(1)      # a 0-d array
        array(0.5)
        """
        a = as_whole_numbers(t, "t", "churn_probability", 1)
        return np.asarray(np.exp(ks.log_churn_probability(self.alpha, self.beta, a)),
                          dtype=np.float64)

    def retention_rate(self, t: ArrayLike) -> F64:
        """Share of customers active in period ``t - 1`` who renew for period ``t`` (t >= 1).

        ``r_t = (beta + t - 1) / (alpha + beta + t - 1)``, rising with t.

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 3.0).retention_rate([1, 2])
        array([0.75, 0.8 ])
        """
        a = as_whole_numbers(t, "t", "retention_rate", 1)
        b = self.beta + a - 1.0
        return np.asarray(b / (self.alpha + b), dtype=np.float64)

    def expected_lifetime(self) -> float:
        """Expected number of periods a new customer pays, E[T] = sum over t >= 0 of S(t).

        Returns
        -------
        float
            ``(alpha + beta - 1) / (alpha - 1)``; ``inf`` with a warning when alpha <= 1
            (the tail of long-lived customers is too heavy for a finite mean).

        Examples
        --------
        >>> ShiftedBetaGeometric(3.0, 4.0).expected_lifetime()
        3.0
        """
        if self.alpha <= 1:
            warn_undefined(f"expected_lifetime: alpha = {self.alpha:.4g} <= 1, so the expected "
                           "lifetime is infinite; use discounted_expected_lifetime or the "
                           "median.")
            return math.inf
        return (self.alpha + self.beta - 1.0) / (self.alpha - 1.0)

    def discounted_expected_lifetime(self, discount_rate: ArrayLike) -> F64:
        """Discounted expected lifetime of a new customer: sum over t >= 0 of S(t) / (1+d)^t.

        Multiply by the margin per period to get the CLV of a new customer who pays at the
        start of each period. Equal to ``2F1(1, beta; alpha + beta; 1 / (1 + d))``.

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, >= 0 (0 gives ``expected_lifetime``).

        Examples
        --------
        >>> round(float(ShiftedBetaGeometric(3.0, 4.0).discounted_expected_lifetime(0.1)), 4)
        2.3749
        """
        d = as_floats(discount_rate, "discount_rate", "discounted_expected_lifetime")
        fail("discount_rate", "must be >= 0", (d < 0).ravel(), "discounted_expected_lifetime")
        if np.any(d == 0):
            mean = self.expected_lifetime()
            pos = np.where(d > 0, d, 1.0)
            out = np.where(d > 0, ks.hyp2f1_1(np.asarray(self.beta), np.asarray(
                self.alpha + self.beta), 1.0 / (1.0 + pos)), mean)
            return np.asarray(out, dtype=np.float64)
        return np.asarray(ks.hyp2f1_1(np.asarray(self.beta), np.asarray(self.alpha + self.beta),
                                      1.0 / (1.0 + d)), dtype=np.float64)

    def discounted_expected_residual_lifetime(self, discount_rate: ArrayLike, n: ArrayLike = 1
                                              ) -> F64:
        """DERL: discounted expected future renewals of a customer in period ``n``.

        The customer has made ``n - 1`` renewals and we stand at the end of period ``n``,
        just before their next renewal decision (Fader and Hardie 2010, eq. 6)::

            DERL = (beta + n - 1) / (alpha + beta + n - 1)
                   * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))

        Multiply by the margin per period for the customer's expected residual value.

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, >= 0. At 0 the value is ``(beta + n - 1) / (alpha - 1)``, infinite
            (with a warning) when alpha <= 1.
        n : int or array-like, default 1
            The period the customer is in (>= 1).

        Examples
        --------
        Case 1 of Fader and Hardie (2010), Table 3 (d = 10%):

        >>> sbg = ShiftedBetaGeometric(3.80, 15.20)
        >>> sbg.discounted_expected_residual_lifetime(0.1, n=[1, 2, 3]).round(2)
        array([3.31, 3.45, 3.59])
        """
        ctx = "discounted_expected_residual_lifetime"
        d = as_floats(discount_rate, "discount_rate", ctx)
        fail("discount_rate", "must be >= 0", (d < 0).ravel(), ctx)
        k = as_whole_numbers(n, "n", ctx, 1)
        d, k = np.broadcast_arrays(d, k)
        b = self.beta + k
        ab = self.alpha + self.beta + k
        pos = np.where(d > 0, d, 1.0)
        lead = (b - 1.0) / (ab - 1.0)
        with np.errstate(divide="ignore"):
            out = lead * ks.hyp2f1_1(b, ab, 1.0 / (1.0 + pos))
        if np.any(d == 0):
            if self.alpha <= 1:
                warn_undefined(f"{ctx}: alpha <= 1 and no discount: the expected residual "
                               "lifetime is infinite.")
                undiscounted = np.full(k.shape, np.inf)
            else:
                undiscounted = (b - 1.0) / (self.alpha - 1.0)
            out = np.where(d > 0, out, undiscounted)
        return np.asarray(out, dtype=np.float64)

    def projection(self, periods: int | None = None, *, observed: ArrayLike | None = None
                   ) -> TableResult:
        """The model's survival and retention by period, beside the observed ones.

        Parameters
        ----------
        periods : int, optional
            Last period to project (default: the longest of the fit data and ``observed``).
        observed : sequence of counts, optional
            Survivor counts of one cohort to compare against (for instance later years held
            out of the fit). Without it, the observed values are those of the fit data,
            pooled across cohorts (the Kaplan-Meier estimate of the aggregated counts).

        Returns
        -------
        TableResult
            ``period``, ``survival``, ``retention_rate`` (model), ``observed_survival`` and
            ``observed_retention`` (NaN where there is no observation).

        Raises
        ------
        InvalidParameterError
            ``periods`` is not None or a whole number from 1 to 10,000, or ``observed``
            holds more than one cohort.

        Examples
        --------
        >>> sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> proj = sbg.projection(12, observed=[1000, 631, 468, 382, 326, 289, 262, 241, 223,
        ...                                     207, 194, 183, 173])
        >>> float(proj["observed_survival"][12]), round(float(proj["survival"][12]), 3)
        (0.173, 0.17)
        """
        check_option("ShiftedBetaGeometric.projection", "periods", periods, _PERIODS)
        obs_s: NDArray[np.float64] = np.zeros(0)
        if observed is not None:
            obs = survivor_matrix(observed, "projection")
            if obs.shape[0] != 1:
                raise InvalidParameterError("projection: observed must be one cohort's counts.")
            obs_s = obs[0] / obs[0, 0]
        elif self._counts is not None:
            at_risk = self._counts.at_risk()
            d = self._counts.churned
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(at_risk > 0, 1.0 - d / np.where(at_risk > 0, at_risk, 1.0), np.nan)
            r[0] = 1.0
            obs_s = np.asarray(np.cumprod(r), dtype=np.float64)
            obs_s = obs_s[~np.isnan(obs_s)]
        n_obs = obs_s.size
        last = int(periods) if periods is not None else max(n_obs - 1, 1)
        t = np.arange(last + 1, dtype=np.float64)
        model_s = np.exp(ks.log_survival(self.alpha, self.beta, t))
        model_r = np.full(t.size, np.nan)
        model_r[1:] = (self.beta + t[1:] - 1.0) / (self.alpha + self.beta + t[1:] - 1.0)
        o_s = np.full(t.size, np.nan)
        k = min(n_obs, t.size)
        o_s[:k] = obs_s[:k]
        o_r = np.full(t.size, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            o_r[1:] = np.where(o_s[:-1] > 0, o_s[1:] / o_s[:-1], np.nan)
        return TableResult({"period": t.astype(np.int64), "survival": model_s,
                            "retention_rate": model_r, "observed_survival": o_s,
                            "observed_retention": o_r},
                           title=f"sBG projection (alpha={self.alpha:.4g}, beta={self.beta:.4g})")

    def plot(self, periods: int | None = None, *, observed: ArrayLike | None = None,
             ax: Any = None) -> Any:
        """Projected survival against the observed (needs the ``plot`` extra)."""
        from csmetrics.plotting import plot_sbg_projection

        return plot_sbg_projection(self, periods=periods, observed=observed, ax=ax)

    def __repr__(self) -> str:
        fitted = "" if math.isnan(self.log_likelihood) else (
            f", log_likelihood={self.log_likelihood:.3f}, customers={self.n_customers:,}")
        return f"ShiftedBetaGeometric(alpha={self.alpha:.4g}, beta={self.beta:.4g}{fitted})"
