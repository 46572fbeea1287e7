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
from csmetrics._kernels import value as kv
from csmetrics.exceptions import (
    InvalidParameterError,
)
from csmetrics.results import TableResult
from csmetrics.value.lifetime import _array, _out, _warn

# --- shifted-beta-geometric --------------------------------------------------------------------


def _t_array(t: ArrayLike, name: str, context: str, minimum: int) -> NDArray[np.float64]:
    a = _array(t, name, context)
    fail(name, f"must be a whole number >= {minimum}",
         ((a < minimum) | (a != np.floor(a))).ravel(), context)
    return a


_GEOMETRIC = 1e4
"""Above this alpha + beta the fitted beta distribution has a polarization below 1e-4: churn is
the same for everyone and the sBG has become the geometric model, its limit."""


class ShiftedBetaGeometric:
    """The shifted-beta-geometric model of contract duration (Fader and Hardie 2007).

    Build one from known parameters, ``ShiftedBetaGeometric(alpha, beta)``, or estimate
    them with :meth:`fit`. Periods are renewal periods (months for monthly plans).

    Parameters
    ----------
    alpha, beta : float
        Parameters (> 0) of the beta distribution of the per-period churn probability.

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
    _counts: kv.SurvivalCounts | None

    def __init__(self, alpha: float, beta: float) -> None:
        for name, v in (("alpha", alpha), ("beta", beta)):
            if not (isinstance(v, int | float | np.floating | np.integer) and math.isfinite(v)
                    and v > 0):
                raise InvalidParameterError(
                    f"ShiftedBetaGeometric: {name} must be a finite number > 0, got {v!r}.")
        self._init(float(alpha), float(beta), math.nan, np.full((2, 2), np.nan), None, True)

    def _init(self, alpha: float, beta: float, ll: float, cov: NDArray[np.float64],
              counts: kv.SurvivalCounts | None, converged: bool) -> None:
        cov.flags.writeable = False
        n = 0 if counts is None else round(float(counts.churned.sum() + counts.censored.sum()))
        churned = 0 if counts is None else round(float(counts.churned.sum()))
        for name, value in (("alpha", alpha), ("beta", beta), ("log_likelihood", ll),
                            ("covariance", cov), ("_counts", counts), ("n_customers", n),
                            ("n_churned", churned), ("converged", converged)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ShiftedBetaGeometric is read-only")

    # --- estimation -------------------------------------------------------------------------

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
            larger). :func:`csmetrics.cohorts.customer_lifetimes` gives these.
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
        ctx = "ShiftedBetaGeometric.fit"
        if (survivors is None) == (durations is None):
            raise InvalidParameterError(
                f"{ctx}: pass either survivors (counts per period) or durations with churned.")
        if survivors is not None:
            if churned is not None:
                raise InvalidParameterError(f"{ctx}: churned goes with durations, not "
                                            "survivors.")
            counts = kv.counts_from_survivors(_survivor_matrix(survivors, ctx))
        elif durations is not None:
            if churned is None:
                raise InvalidParameterError(f"{ctx}: durations need churned (True where the "
                                            "customer churned, False where still active).")
            counts = _duration_counts(durations, churned, ctx)
        total = counts.churned.sum() + counts.censored.sum()
        if total == 0:
            raise InvalidParameterError(f"{ctx}: there are no customers to fit.")
        if counts.churned.sum() == 0:
            raise InvalidParameterError(
                f"{ctx}: no customer churned, so the data say nothing about how churn varies "
                "across customers; the model cannot be estimated.")
        if counts.churned[1] == total:
            raise InvalidParameterError(
                f"{ctx}: every customer churned in the first period; the model cannot be "
                "estimated (the likelihood rises without bound as beta goes to 0).")
        result = kv.fit(counts)
        flat = result.alpha + result.beta > _GEOMETRIC
        if result.at_bound or not result.converged or flat:
            mean = result.alpha / (result.alpha + result.beta)
            _warn(f"{ctx}: the likelihood is flat or still rising at alpha={result.alpha:.4g}, "
                  f"beta={result.beta:.4g}: the data show little heterogeneity (a constant "
                  f"churn probability of {mean:.4g} fits about as well) or are too few; alpha "
                  "and beta are not identified separately, only their ratio.")
        info = -result.hessian
        if np.all(np.isfinite(info)) and np.linalg.det(info) > 0 and info[0, 0] > 0:
            cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
        else:
            _warn(f"{ctx}: the information matrix is singular; standard errors are NaN.")
            cov = np.full((2, 2), np.nan)
        model = cls.__new__(cls)
        model._init(result.alpha, result.beta, result.log_likelihood, cov, counts,
                    result.converged and not result.at_bound)
        return model

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard errors of alpha and beta (NaN for a model built from parameters)."""
        se = np.sqrt(np.diag(self.covariance))
        return {"alpha": float(se[0]), "beta": float(se[1])}

    def summary(self, confidence: float = 0.95) -> TableResult:
        """Estimates with standard errors and Wald confidence limits.

        Examples
        --------
        >>> print(ShiftedBetaGeometric(1.0, 2.0).summary().select("parameter", "estimate"))
        sBG parameters
        parameter  estimate
        alpha             1
        beta              2
        """
        if not 0 < confidence < 1:
            raise InvalidParameterError("summary: confidence must be between 0 and 1.")
        z = float(scipy("special").ndtri(0.5 + confidence / 2))
        est = np.array([self.alpha, self.beta])
        se = np.sqrt(np.diag(self.covariance))
        return TableResult({"parameter": np.array(["alpha", "beta"], dtype=object),
                            "estimate": est, "std_error": se, "lower": est - z * se,
                            "upper": est + z * se}, title="sBG parameters")

    # --- the model's answers ----------------------------------------------------------------

    def survival(self, t: ArrayLike) -> float | NDArray[np.float64]:
        """Probability that a customer is still active after ``t`` periods, S(t).

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 1.0).survival([0, 1, 3])   # 1 / (t + 1)
        array([1.  , 0.5 , 0.25])
        """
        a = _t_array(t, "t", "survival", 0)
        return _out(np.exp(kv.log_survival(self.alpha, self.beta, a)))

    def churn_probability(self, t: ArrayLike) -> float | NDArray[np.float64]:
        """Probability that a new customer churns at the end of period ``t`` (t >= 1), P(T=t).

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 1.0).churn_probability(1)
        0.5
        """
        a = _t_array(t, "t", "churn_probability", 1)
        return _out(np.exp(kv.log_churn_probability(self.alpha, self.beta, a)))

    def retention_rate(self, t: ArrayLike) -> float | NDArray[np.float64]:
        """Share of customers active in period ``t - 1`` who renew for period ``t`` (t >= 1).

        ``r_t = (beta + t - 1) / (alpha + beta + t - 1)``, rising with t.

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 3.0).retention_rate([1, 2])
        array([0.75, 0.8 ])
        """
        a = _t_array(t, "t", "retention_rate", 1)
        b = self.beta + a - 1.0
        return _out(b / (self.alpha + b))

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
            _warn(f"expected_lifetime: alpha = {self.alpha:.4g} <= 1, so the expected lifetime "
                  "is infinite; use discounted_expected_lifetime or the median.")
            return math.inf
        return (self.alpha + self.beta - 1.0) / (self.alpha - 1.0)

    def discounted_expected_lifetime(self, discount_rate: ArrayLike
                                     ) -> float | NDArray[np.float64]:
        """Discounted expected lifetime of a new customer: sum over t >= 0 of S(t) / (1+d)^t.

        Multiply by the margin per period to get the CLV of a new customer who pays at the
        start of each period. Equal to ``2F1(1, beta; alpha + beta; 1 / (1 + d))``.

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, > 0 (0 gives :meth:`expected_lifetime`).

        Examples
        --------
        >>> round(ShiftedBetaGeometric(3.0, 4.0).discounted_expected_lifetime(0.1), 4)
        2.3749
        """
        d = _array(discount_rate, "discount_rate", "discounted_expected_lifetime")
        fail("discount_rate", "must be >= 0", (d < 0).ravel(), "discounted_expected_lifetime")
        if np.any(d == 0):
            mean = self.expected_lifetime()
            pos = np.where(d > 0, d, 1.0)
            out = np.where(d > 0, kv.hyp2f1_1(np.asarray(self.beta), np.asarray(
                self.alpha + self.beta), 1.0 / (1.0 + pos)), mean)
            return _out(np.asarray(out, dtype=np.float64))
        return _out(kv.hyp2f1_1(np.asarray(self.beta), np.asarray(self.alpha + self.beta),
                                1.0 / (1.0 + d)))

    def discounted_expected_residual_lifetime(self, discount_rate: ArrayLike, n: ArrayLike = 1
                                              ) -> float | NDArray[np.float64]:
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
        d = _array(discount_rate, "discount_rate", ctx)
        fail("discount_rate", "must be >= 0", (d < 0).ravel(), ctx)
        k = _t_array(n, "n", ctx, 1)
        d, k = np.broadcast_arrays(d, k)
        b = self.beta + k
        ab = self.alpha + self.beta + k
        pos = np.where(d > 0, d, 1.0)
        lead = (b - 1.0) / (ab - 1.0)
        with np.errstate(divide="ignore"):
            out = lead * kv.hyp2f1_1(b, ab, 1.0 / (1.0 + pos))
        if np.any(d == 0):
            if self.alpha <= 1:
                _warn(f"{ctx}: alpha <= 1 and no discount: the expected residual lifetime is "
                      "infinite.")
                undiscounted = np.full(k.shape, np.inf)
            else:
                undiscounted = (b - 1.0) / (self.alpha - 1.0)
            out = np.where(d > 0, out, undiscounted)
        return _out(np.asarray(out, dtype=np.float64))

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

        Examples
        --------
        >>> sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> proj = sbg.projection(12, observed=[1000, 631, 468, 382, 326, 289, 262, 241, 223,
        ...                                     207, 194, 183, 173])
        >>> float(proj["observed_survival"][12]), round(float(proj["survival"][12]), 3)
        (0.173, 0.17)
        """
        obs_s: NDArray[np.float64] = np.zeros(0)
        if observed is not None:
            obs = _survivor_matrix(observed, "projection")
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
        last = periods if periods is not None else max(n_obs - 1, 1)
        if not isinstance(last, int | np.integer) or last < 1:
            raise InvalidParameterError(f"projection: periods must be a whole number >= 1, "
                                        f"got {periods!r}.")
        t = np.arange(last + 1, dtype=np.float64)
        model_s = np.exp(kv.log_survival(self.alpha, self.beta, t))
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
        from csmetrics.plotting.charts import plot_sbg_projection

        return plot_sbg_projection(self, periods=periods, observed=observed, ax=ax)

    def __repr__(self) -> str:
        fitted = "" if math.isnan(self.log_likelihood) else (
            f", log_likelihood={self.log_likelihood:.3f}, customers={self.n_customers:,}")
        return f"ShiftedBetaGeometric(alpha={self.alpha:.4g}, beta={self.beta:.4g}{fitted})"


def _survivor_matrix(survivors: Any, context: str) -> NDArray[np.float64]:
    """Survivor counts as (cohorts, periods + 1), NaN after each cohort's last period."""
    try:
        m = np.asarray(survivors, dtype=np.float64)
    except (TypeError, ValueError):
        rows = [np.asarray(s, dtype=np.float64).ravel() for s in survivors]
        width = max((r.size for r in rows), default=0)
        m = np.full((len(rows), width), np.nan)
        for i, r in enumerate(rows):  # one pass per cohort, not per customer
            m[i, :r.size] = r
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[1] == 0:
        raise InvalidParameterError(f"{context}: survivors must be counts per period: one "
                                    "sequence, several sequences, or a 2-d array.")
    nan = np.isnan(m)
    fail("survivors", "must have no gap: NaN may only follow a cohort's last count",
         np.asarray((nan[:, :-1] & ~nan[:, 1:]).any(axis=1), dtype=bool), context)
    fail("survivors", "must start with a count > 0 (the cohort's size)",
         nan[:, 0] | (np.where(nan[:, 0], 0, m[:, 0]) <= 0), context)
    fail("survivors", "must be finite and >= 0",
         np.asarray((np.isinf(m) | (m < 0)).any(axis=1), dtype=bool), context)
    with np.errstate(invalid="ignore"):
        rising = (m[:, 1:] > m[:, :-1]) & ~nan[:, 1:]
    fail("survivors", "must not increase from one period to the next (a cohort cannot gain "
         "customers)", np.asarray(rising.any(axis=1), dtype=bool), context)
    return m


def _duration_counts(durations: ArrayLike, churned: ArrayLike, context: str
                     ) -> kv.SurvivalCounts:
    d = np.asarray(durations)
    c = np.asarray(churned)
    if d.ndim != 1 or c.shape != d.shape:
        raise InvalidParameterError(f"{context}: durations and churned must be 1-d and of one "
                                    f"length, got shapes {d.shape} and {c.shape}.")
    try:
        v = d.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{context}: durations must be numbers.") from None
    fail("durations", "must not be missing (NaN)", np.isnan(v), context)
    fail("durations", "must be a whole number >= 0", (v < 0) | (v != np.floor(v)), context)
    if c.dtype != bool:
        try:
            cf = c.astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"{context}: churned must be booleans.") from None
        fail("churned", "must be True/False (or 1/0)", ~np.isin(cf, (0.0, 1.0)), context)
        c = cf == 1.0
    fail("durations", "must be >= 1 where churned (a customer pays at least one period)",
         c & (v < 1), context)
    return kv.counts_from_durations(v.astype(np.int64), c)
