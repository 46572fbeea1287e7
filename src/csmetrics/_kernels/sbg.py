"""Shifted-beta-geometric kernels: the likelihood, its derivatives and the fit, on counts.

Pure numpy (and scipy.special / scipy.optimize, imported lazily). The sBG likelihood is
evaluated on counts: how many customers churned in each period and how many were last seen
alive after each period. A million customers aggregate to a few dozen counts with one
``bincount``, so a fit costs the same for a thousand or a million customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.optional import scipy

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class SurvivalCounts:
    """Customers churning at each period ``t`` (index t, t >= 1) and last seen alive after
    ``u`` periods (index u, u >= 0: known to survive past u)."""

    churned: F64
    censored: F64

    @property
    def n_periods(self) -> int:
        return int(self.churned.size) - 1

    def at_risk(self) -> F64:
        """Customers alive at the start of each period t (observed time >= t)."""
        leaving = self.churned + self.censored
        out: F64 = np.cumsum(leaving[::-1])[::-1]
        return out


def counts_from_durations(durations: I64, churned: NDArray[np.bool_]) -> SurvivalCounts:
    """Aggregate per-customer durations to counts with two ``bincount`` calls."""
    size = int(durations.max()) + 1 if durations.size else 1
    c = np.bincount(durations[churned], minlength=size).astype(np.float64)
    s = np.bincount(durations[~churned], minlength=size).astype(np.float64)
    return SurvivalCounts(c, s)


def counts_from_survivors(survivors: F64) -> SurvivalCounts:
    """Aggregate cohorts of survivor counts, shaped ``(n_cohorts, n_periods + 1)`` with NaN
    after each cohort's last observed period, to churn and censoring counts."""
    n_cohorts, width = survivors.shape
    observed = ~np.isnan(survivors)
    last = observed.sum(axis=1) - 1
    filled = np.where(observed, survivors, 0.0)
    lost = filled[:, :-1] - filled[:, 1:]
    lost = np.where(observed[:, 1:], lost, 0.0)
    churned = np.zeros(width)
    churned[1:] = lost.sum(axis=0)
    censored = np.bincount(last, weights=filled[np.arange(n_cohorts), last], minlength=width)
    return SurvivalCounts(churned, censored.astype(np.float64))


def log_survival(alpha: float, beta: float, t: F64) -> F64:
    """log S(t) = log B(alpha, beta + t) - log B(alpha, beta)."""
    betaln = scipy("special").betaln
    out: F64 = betaln(alpha, beta + t) - betaln(alpha, beta)
    return out


def log_churn_probability(alpha: float, beta: float, t: F64) -> F64:
    """log P(T = t) = log B(alpha + 1, beta + t - 1) - log B(alpha, beta), t >= 1."""
    betaln = scipy("special").betaln
    out: F64 = betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta)
    return out


def log_likelihood(alpha: float, beta: float, counts: SurvivalCounts) -> float:
    """Sum over periods of churners x log P(T = t) plus survivors x log S(u)."""
    t = np.arange(counts.churned.size, dtype=np.float64)
    churn_part = counts.churned[1:] @ log_churn_probability(alpha, beta, t[1:])
    alive_part = counts.censored @ log_survival(alpha, beta, t)
    return float(churn_part + alive_part)


def derivatives(alpha: float, beta: float, counts: SurvivalCounts
                ) -> tuple[float, F64, F64]:
    """Log-likelihood, its gradient and Hessian in (alpha, beta), from digamma and trigamma.

    With ``f_t = log B(a + 1, b + t - 1) - log B(a, b)`` for churners and
    ``g_u = log B(a, b + u) - log B(a, b)`` for survivors, and ``d/da log B(a, b) =
    psi(a) - psi(a + b)``, ``d2/da2 log B(a, b) = psi1(a) - psi1(a + b)``,
    ``d2/dadb log B(a, b) = -psi1(a + b)``.
    """
    special = scipy("special")
    digamma, polygamma = special.digamma, special.polygamma
    a, b = alpha, beta
    t = np.arange(counts.churned.size, dtype=np.float64)
    d, c = counts.churned[1:], counts.censored
    tt = t[1:]
    ab = a + b
    psi_ab, psi1_ab = float(digamma(ab)), float(polygamma(1, ab))
    psi_a, psi_b = float(digamma(a)), float(digamma(b))
    psi1_a, psi1_b = float(polygamma(1, a)), float(polygamma(1, b))

    # churners at t >= 1
    abt = digamma(ab + tt)
    abt1 = polygamma(1, ab + tt)
    bt = digamma(b + tt - 1.0)
    bt1 = polygamma(1, b + tt - 1.0)
    ga = d @ (digamma(a + 1.0) - abt - psi_a + psi_ab)
    gb = d @ (bt - abt - psi_b + psi_ab)
    haa = d @ (polygamma(1, a + 1.0) - abt1 - psi1_a + psi1_ab)
    hbb = d @ (bt1 - abt1 - psi1_b + psi1_ab)
    hab = d @ (-abt1 + psi1_ab)

    # survivors past u >= 0
    abu = digamma(ab + t)
    abu1 = polygamma(1, ab + t)
    bu = digamma(b + t)
    bu1 = polygamma(1, b + t)
    ga += c @ (psi_ab - abu)
    gb += c @ (bu - abu - psi_b + psi_ab)
    haa += c @ (psi1_ab - abu1)
    hbb += c @ (bu1 - abu1 - psi1_b + psi1_ab)
    hab += c @ (psi1_ab - abu1)

    ll = log_likelihood(a, b, counts)
    grad = np.array([ga, gb], dtype=np.float64)
    hess = np.array([[haa, hab], [hab, hbb]], dtype=np.float64)
    return ll, grad, hess


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood estimate: parameters, log-likelihood and Hessian at the optimum,
    whether the optimiser converged and whether a parameter reached its bound."""

    alpha: float
    beta: float
    log_likelihood: float
    hessian: F64
    converged: bool
    at_bound: bool


_LOG_BOUND = 18.0  # parameters are kept within exp(+-18): about 1.5e-8 to 6.6e7


def fit(counts: SurvivalCounts) -> Fit:
    """Maximum-likelihood (alpha, beta): L-BFGS-B on log-parameters with the analytic
    gradient, then Newton steps with the analytic Hessian to polish the optimum."""
    minimize = scipy("optimize").minimize

    def objective(x: F64) -> tuple[float, F64]:
        a, b = float(np.exp(x[0])), float(np.exp(x[1]))
        ll, grad, _ = derivatives(a, b, counts)
        return -ll, -grad * np.array([a, b])

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * 2
    res = minimize(objective, np.zeros(2), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500})
    x = np.asarray(res.x, dtype=np.float64)
    for _ in range(8):
        a, b = float(np.exp(x[0])), float(np.exp(x[1]))
        _, grad, hess = derivatives(a, b, counts)
        scale = np.array([a, b])
        g = grad * scale
        h = hess * np.outer(scale, scale) + np.diag(g)
        if not np.all(np.isfinite(h)) or np.linalg.det(-h) <= 0 or -h[0, 0] <= 0:
            break
        step = np.linalg.solve(h, g)
        if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1.0:
            break
        candidate = np.clip(x - step, -_LOG_BOUND, _LOG_BOUND)
        if log_likelihood(float(np.exp(candidate[0])), float(np.exp(candidate[1])),
                          counts) < log_likelihood(a, b, counts) - 1e-9:
            break
        x = candidate
        if np.max(np.abs(step)) < 1e-12:
            break
    a, b = float(np.exp(x[0])), float(np.exp(x[1]))
    ll, grad, hess = derivatives(a, b, counts)
    at_bound = bool(np.any(np.abs(x) >= _LOG_BOUND - 1e-6))
    converged = bool(np.all(np.abs(grad * np.array([a, b])) < 1e-4 * max(1.0, abs(ll))))
    return Fit(a, b, ll, hess, converged, at_bound)


def hyp2f1_1(b: F64, c: F64, z: F64) -> F64:
    """Gauss hypergeometric 2F1(1, b; c; z), the sum over t >= 0 of (b)_t / (c)_t z**t."""
    out: F64 = scipy("special").hyp2f1(1.0, b, c, z)
    return out
