"""Estimating the shifted-beta-geometric model: from survivor counts or per-customer
durations to churn and censoring counts, then maximum likelihood with standard errors.

``ShiftedBetaGeometric.fit`` calls ``estimate`` here; the model and its answers are in
``csmetrics.value.sbg``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import fail
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import sbg as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.value.arrays import durations_and_churned, numbers

MAX_PERIODS = 10_000
"""The longest history the model is fitted to or projected over, in periods (833 years of
months): beyond, the arrays would not fit in memory."""

GEOMETRIC = 1e4
"""Above this alpha + beta the fitted beta distribution has a polarization below 1e-4: churn is
the same for everyone and the sBG has become the geometric model, its limit."""


@dataclass(frozen=True)
class Estimate:
    """A fitted sBG: the parameters, the log-likelihood, the asymptotic covariance of
    (alpha, beta), the counts fitted and whether the optimum is an interior maximum."""

    alpha: float
    beta: float
    log_likelihood: float
    covariance: NDArray[np.float64]
    counts: ks.SurvivalCounts
    converged: bool


def estimate(survivors: Any, durations: ArrayLike | None, churned: ArrayLike | None,
             context: str) -> Estimate:
    """Maximum-likelihood (alpha, beta) from survivor counts or durations with churn flags.

    Raises
    ------
    InvalidParameterError
        Neither or both inputs given, or data that do not identify the model (no customers,
        no churn, or everyone churning in the first period).
    DataValidationError
        A negative, missing or increasing survivor count, or a bad duration.

    Warns
    -----
    UndefinedMetricWarning
        The fit is (nearly) geometric or at the edge of the parameter space, or the
        information matrix is singular (standard errors NaN).
    """
    if (survivors is None) == (durations is None):
        raise InvalidParameterError(
            f"{context}: pass either survivors (counts per period) or durations with churned.")
    if survivors is not None:
        if churned is not None:
            raise InvalidParameterError(f"{context}: churned goes with durations, not "
                                        "survivors.")
        counts = ks.counts_from_survivors(survivor_matrix(survivors, context))
    elif durations is not None:
        if churned is None:
            raise InvalidParameterError(f"{context}: durations need churned (True where the "
                                        "customer churned, False where still active).")
        counts = _duration_counts(durations, churned, context)
    total = counts.churned.sum() + counts.censored.sum()
    if total == 0:
        raise InvalidParameterError(f"{context}: there are no customers to fit.")
    if counts.churned.sum() == 0:
        raise InvalidParameterError(
            f"{context}: no customer churned, so the data say nothing about how churn varies "
            "across customers; the model cannot be estimated.")
    if counts.churned[1] == total:
        raise InvalidParameterError(
            f"{context}: every customer churned in the first period; the model cannot be "
            "estimated (the likelihood rises without bound as beta goes to 0).")
    result = ks.fit(counts)
    flat = result.alpha + result.beta > GEOMETRIC
    if result.at_bound or not result.converged or flat:
        mean = result.alpha / (result.alpha + result.beta)
        warn_undefined(
            f"{context}: the likelihood is flat or still rising at alpha={result.alpha:.4g}, "
            f"beta={result.beta:.4g}: the data show little heterogeneity (a constant churn "
            f"probability of {mean:.4g} fits about as well) or are too few; alpha and beta "
            "are not identified separately, only their ratio.")
    info = -result.hessian
    if np.all(np.isfinite(info)) and np.linalg.det(info) > 0 and info[0, 0] > 0:
        cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
    else:
        warn_undefined(f"{context}: the information matrix is singular; standard errors are "
                       "NaN.")
        cov = np.full((2, 2), np.nan)
    return Estimate(result.alpha, result.beta, result.log_likelihood, cov, counts,
                    result.converged and not result.at_bound)


def survivor_matrix(survivors: Any, context: str) -> NDArray[np.float64]:
    """Survivor counts as (cohorts, periods + 1), NaN after each cohort's last period.

    Raises
    ------
    InvalidParameterError
        ``survivors`` is not one sequence of counts, several, or a 2-d array.
    DataValidationError
        A cohort with a gap, not starting with a count > 0, with a negative or infinite
        count, or gaining customers.
    """
    what = "survivors must be counts per period: one sequence, several sequences, or a 2-d array"
    try:
        m = numbers(survivors, "survivors", context)
    except InvalidParameterError as exc:  # cohorts of several lengths, or not numbers
        if isinstance(survivors, str | bytes | Mapping) or not hasattr(survivors, "__iter__"):
            raise exc from None
        try:
            rows = [numbers(s, "survivors", context).ravel() for s in survivors]
        except InvalidParameterError:
            raise exc from None
        width = max((r.size for r in rows), default=0)
        m = np.full((len(rows), width), np.nan)
        for i, r in enumerate(rows):  # one pass per cohort, not per customer
            m[i, :r.size] = r
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[1] == 0:
        raise InvalidParameterError(f"{context}: {what}.")
    if m.shape[1] > MAX_PERIODS + 1:
        raise InvalidParameterError(f"{context}: survivors may cover at most {MAX_PERIODS:,} "
                                    f"periods, got {m.shape[1] - 1:,}.")
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
                     ) -> ks.SurvivalCounts:
    time, event = durations_and_churned(durations, churned, context)
    fail("durations", "must be >= 1 where churned (a customer pays at least one period)",
         event & (time < 1), context)
    fail("durations", f"must be at most {MAX_PERIODS:,} periods", time > MAX_PERIODS, context)
    return ks.counts_from_durations(time, event)
