"""Logistic regression on plain arrays: (L2-penalized) maximum likelihood, Wald inference.

Pure numpy, with ``scipy.optimize`` (Newton steps in a trust region, exact gradient and
Hessian) and ``scipy.stats`` imported lazily. No tables, no validation: the callers
(``csmetrics.health.fit`` and ``csmetrics.health.drivers``) hand over finite arrays.

The model is ``P(y = 1 | x) = 1 / (1 + exp(-(b0 + x @ b)))``. With ``penalty = lam`` the fit
maximises the penalized log-likelihood::

    l(b0, b) - lam / 2 * sum_j b_j ** 2          (the intercept b0 is not penalized)

which is the posterior mode under independent normal priors ``b_j ~ N(0, 1 / lam)``
(ridge logistic regression; le Cessie and van Houwelingen 1992). The covariance reported is
the inverse of the (penalized) observed information at the fit, the usual Wald approximation
(for ``lam = 0``, exactly what statsmodels' ``Logit`` reports).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.optional import scipy

Floats = NDArray[np.float64]

# Gradient tolerance of the optimizer, on the log-likelihood scale.
_GTOL = 1e-10
_MAX_ITER = 200
# A fitted probability this close to 0 or 1 means the data are (quasi-)separated.
_SEPARATED = 1e-9


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic model: coefficients (intercept first), covariance, likelihoods."""

    coef: Floats           # (p + 1,) intercept, then one per column of X
    cov: Floats            # (p + 1, p + 1) inverse penalized information; NaN if singular
    loglik: float          # log-likelihood at the fit (without the penalty)
    null_loglik: float     # log-likelihood of the intercept-only model
    n: int
    events: int
    converged: bool
    iterations: int

    @property
    def se(self) -> Floats:
        """Standard errors: square roots of the covariance's diagonal."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))


def _design(x: Floats) -> Floats:
    return np.column_stack([np.ones(x.shape[0]), x])


def log_likelihood(design: Floats, y: Floats, beta: Floats) -> float:
    """The Bernoulli log-likelihood ``sum(y * eta - log(1 + exp(eta)))``, computed stably.

    Examples
    --------
    >>> import numpy as np
    >>> round(log_likelihood(np.ones((2, 1)), np.array([0.0, 1.0]), np.zeros(1)), 6)
    -1.386294
    """
    eta = design @ beta
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def fit_logistic(x: Floats, y: Floats, *, penalty: float = 0.0) -> LogisticFit:
    """Fit ``y ~ 1 + x`` by (penalized) maximum likelihood.

    Parameters
    ----------
    x : (n, p) float array
        Predictors, finite; the intercept is added.
    y : (n,) array of 0/1
        Outcomes.
    penalty : float, default 0
        L2 strength ``lam`` on the slopes (not the intercept), on the sum scale.

    Returns
    -------
    LogisticFit

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [0.0], [1.0], [1.0], [1.0]])
    >>> fit = fit_logistic(x, np.array([0, 1, 0, 1, 1.0]))
    >>> np.round(fit.coef, 6).tolist()  # odds 1:1 at x = 0, 2:1 at x = 1: slope log 2
    [0.0, 0.693147]
    """
    optimize = scipy("optimize")
    design = _design(np.asarray(x, dtype=np.float64).reshape(len(y), -1))
    y = np.asarray(y, dtype=np.float64)
    n, k = design.shape
    lam = np.full(k, float(penalty))
    lam[0] = 0.0

    def objective(beta: Floats) -> float:
        return -log_likelihood(design, y, beta) + 0.5 * float(np.sum(lam * beta * beta))

    def gradient(beta: Floats) -> Floats:
        p = _expit(design @ beta)
        out: Floats = design.T @ (p - y) + lam * beta
        return out

    def hessian(beta: Floats) -> Floats:
        p = _expit(design @ beta)
        w = p * (1.0 - p)
        out: Floats = (design * w[:, None]).T @ design + np.diag(lam)
        return out

    start = np.zeros(k)
    events = int(y.sum())
    if 0 < events < n:  # start at the intercept-only fit: the base rate's log-odds
        start[0] = np.log(events / (n - events))
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            res = optimize.minimize(objective, start, jac=gradient, hess=hessian,
                                    method="trust-exact",
                                    options={"gtol": _GTOL, "maxiter": _MAX_ITER})
        except (ValueError, np.linalg.LinAlgError):  # overflow: values beyond any scale
            return LogisticFit(np.full(k, np.nan), np.full((k, k), np.nan), float("nan"),
                               _null_loglik(y), n, events, False, 0)
    beta = np.asarray(res.x, dtype=np.float64)
    for _ in range(3):  # Newton polish: the trust region stops a little short of machine accuracy
        try:
            step = np.linalg.solve(hessian(beta), gradient(beta))
        except np.linalg.LinAlgError:
            break
        small = float(np.max(np.abs(step), initial=0.0)) < 1e-4  # inside Newton's basin
        if not np.all(np.isfinite(step)) or (not small
                                              and objective(beta - step) > objective(beta)):
            break
        beta = beta - step
    info = hessian(beta)
    try:
        cov: Floats = np.asarray(np.linalg.inv(info), dtype=np.float64)
        if not np.all(np.isfinite(cov)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.full((k, k), np.nan)
    p = _expit(design @ beta)
    # Separation: the likelihood keeps rising as slopes grow, so fitted probabilities reach
    # 0 or 1 in floating point; there is no finite maximum (a penalty restores one).
    separated = bool(np.any(np.minimum(p, 1.0 - p) < _SEPARATED))
    converged = bool(np.max(np.abs(gradient(beta)), initial=0.0) < 1e-6 * max(1.0, n ** 0.5)
                     and not separated and np.all(np.isfinite(cov)))
    return LogisticFit(beta, cov, log_likelihood(design, y, beta), _null_loglik(y), n, events,
                       converged, int(res.nit))


def _expit(eta: Floats) -> Floats:
    out: Floats = scipy("special").expit(eta)
    return out


def _null_loglik(y: Floats) -> float:
    n = y.size
    e = float(y.sum())
    if n == 0 or e in (0.0, float(n)):
        return 0.0
    q = e / n
    return float(e * np.log(q) + (n - e) * np.log1p(-q))


def wald(coef: Floats, se: Floats, confidence: float) -> tuple[Floats, Floats, Floats, Floats]:
    """Wald z statistics, two-sided p-values and the interval ``coef -/+ z_(1+c)/2 * se``.

    Examples
    --------
    >>> import numpy as np
    >>> z, p, lo, hi = wald(np.array([1.96]), np.array([1.0]), 0.95)
    >>> round(float(p[0]), 4), round(float(lo[0]), 4), round(float(hi[0]), 2)
    (0.05, 0.0001, 3.92)
    """
    stats = scipy("stats")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    p = 2.0 * stats.norm.sf(np.abs(z))
    half = stats.norm.ppf(0.5 + confidence / 2.0) * se
    return z, np.asarray(p, dtype=np.float64), coef - half, coef + half
