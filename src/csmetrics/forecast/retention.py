"""Retention models of a forecast: the survival of a customer by months of tenure.

Two methods, each giving ``S(t)``, the probability that a customer is still paying ``t``
month ends after their first paying month end, with ``S(0) = 1``:

**cohort**: an empirical life table of the trailing ``window``: at each tenure ``t`` the
customers at risk (paying at the end of tenure ``t - 1`` in a month of the window) and the
churned (not paying at the end of tenure ``t``), ``q_t = churned_t / at_risk_t``. Tenures with
fewer than ``MIN_EXPOSURE`` customers at risk share one pooled rate (their churned over their
at risk), so the long tail is not noise. ``S(t) = prod_{k <= t} (1 - q_k)``.

**sbg**: the shifted-beta-geometric model (Fader and Hardie 2007) fitted by
``ShiftedBetaGeometric.fit`` to every customer's first paying lifetime up to the origin:
``S(t) = B(alpha, beta + t) / B(alpha, beta)``.

Parameter uncertainty gives one survival curve per draw. For the cohort method, a bootstrap of
customers: the life table is recomputed on ``fits`` resamples (with replacement) of the
customers. For the sBG, whose fit costs a tenth of a second, ``fits`` draws of (log alpha,
log beta) from their asymptotic normal law (the fit's observed information); without a usable
information matrix, a bootstrap of a fifth as many refits on resampled counts. A fit at the
geometric limit (alpha + beta above 10,000: no heterogeneity) is the constant churn rate
``p = alpha / (alpha + beta)``, drawn from Beta(churned, months at risk - churned).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels import sbg as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.value.sbg import ShiftedBetaGeometric
from csmetrics.value.sbg_fit import GEOMETRIC

__all__ = ["MIN_EXPOSURE", "Lifetimes", "RetentionModel", "fit_retention"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

MIN_EXPOSURE = 20
"""Below this many customers at risk, a tenure's churn rate is pooled with the other thin
tenures (cohort method)."""


@dataclass(frozen=True)
class Lifetimes:
    """Per customer: month index of the first paying month end, months paid and churn flag
    (the lifetimes of ``customer_lifetimes`` at the origin)."""

    cohort: I64
    lifetime: I64
    churned: NDArray[np.bool_]


@dataclass(frozen=True)
class RetentionModel:
    """Survival by tenure: row 0 the point fit, rows 1.. the bootstrap fits.

    ``survival`` has shape ``(1 + fits, max_tenure + 1)``; ``parameters`` names the point
    fit's parameters (``alpha``, ``beta`` or the pooled monthly churn rate)."""

    method: str
    survival: F64
    parameters: dict[str, float]

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.survival[0]).all())


def fit_retention(method: str, lt: Lifetimes, origin_month: int, window: int,
                  max_tenure: int, fits: int, rng: np.random.Generator) -> RetentionModel:
    """The point fit and ``fits`` bootstrap fits of ``method`` ("cohort" or "sbg")."""
    n = int(lt.lifetime.size)
    t = np.arange(max_tenure + 1, dtype=np.float64)
    if method == "cohort":
        point, pooled = _life_table(lt, np.ones(n), origin_month, window, max_tenure)
        boots = [point]
        for _ in range(fits if n else 0):  # one pass per resample, not per customer
            w = rng.multinomial(n, np.full(n, 1.0 / n)).astype(np.float64)
            boot = _life_table(lt, w, origin_month, window, max_tenure)[0]
            # A resample with nobody at risk in the window says nothing: the point fit.
            boots.append(boot if bool(np.isfinite(boot).all()) else point)
        return RetentionModel("cohort", np.vstack(boots), {"pooled_churn_rate": pooled})
    fitted = _sbg(lt.lifetime, lt.churned)
    if fitted is None:
        nan = np.full((1, max_tenure + 1), np.nan)
        return RetentionModel("sbg", nan, {"alpha": np.nan, "beta": np.nan})
    alpha, beta = fitted.alpha, fitted.beta
    if alpha + beta > GEOMETRIC:  # no heterogeneity: the geometric limit, S(t) = (1 - p)^t
        churned = float(lt.churned.sum())
        p = rng.beta(churned, max(float(lt.lifetime.sum()) - churned, 1.0), fits)
        p = np.concatenate([[alpha / (alpha + beta)], p])[:, None]
        curves = (1.0 - p) ** t[None, :]
    else:
        draws = _wald_draws(fitted, fits, rng)
        if draws is None:  # no usable information matrix: refit on resampled counts
            draws = _count_bootstrap(
                fitted, ks.counts_from_durations(lt.lifetime, lt.churned),
                max(fits // 5, 1), rng)
        a = np.concatenate([[alpha], draws[:, 0]])[:, None]
        b = np.concatenate([[beta], draws[:, 1]])[:, None]
        curves = np.exp(ks.log_survival(a, b, t[None, :]))  # type: ignore[arg-type]
        bad = ~np.isfinite(curves).all(axis=1)
        curves[bad] = curves[0]  # a draw too far out to evaluate: the point fit
    return RetentionModel("sbg", np.asarray(curves, dtype=np.float64),
                          {"alpha": alpha, "beta": beta})


def _wald_draws(model: ShiftedBetaGeometric, fits: int, rng: np.random.Generator
                ) -> F64 | None:
    """(alpha, beta) drawn from the asymptotic normal law of their logarithms (the fit's
    observed information), or None when it is not available."""
    cov = model.covariance
    if not np.isfinite(cov).all():
        return None
    est = np.array([model.alpha, model.beta])
    jac = np.diag(1.0 / est)
    w, v = np.linalg.eigh(jac @ cov @ jac)
    z = rng.standard_normal((fits, 2)) * np.sqrt(np.clip(w, 0.0, None))
    out: F64 = np.exp(np.log(est) + z @ v.T)
    return out


def _count_bootstrap(model: ShiftedBetaGeometric, counts: ks.SurvivalCounts, fits: int,
                     rng: np.random.Generator) -> F64:
    """(alpha, beta) refitted on multinomial resamples of the fit's churn and censoring
    counts (a resample of customers; one with no churn keeps the point fit)."""
    cells = np.concatenate([counts.churned, counts.censored])
    n = round(float(cells.sum()))
    size = counts.churned.size
    out = np.empty((fits, 2))
    for i in range(fits):  # one fit per resample
        draw = rng.multinomial(n, cells / cells.sum()).astype(np.float64)
        boot = ks.SurvivalCounts(draw[:size], draw[size:])
        if draw[:size].sum() == 0 or draw[1] == n:
            out[i] = model.alpha, model.beta
            continue
        r = ks.fit(boot)
        out[i] = r.alpha, r.beta
    return out


def _sbg(lifetime: I64, churned: NDArray[np.bool_]) -> ShiftedBetaGeometric | None:
    """The sBG fit, or None when the data cannot identify it (no churn)."""
    if not bool(churned.any()):
        return None
    try:
        return ShiftedBetaGeometric.fit(durations=lifetime, churned=churned)
    except InvalidParameterError:
        return None


def _life_table(lt: Lifetimes, weight: F64, origin_month: int, window: int, max_tenure: int
                ) -> tuple[F64, float]:
    """Survival from the churn of the window's months, and the pooled churn rate.

    A customer of cohort ``c`` faces tenure ``t`` in month ``c + t``; the window holds the
    months ``origin - window + 1 .. origin``."""
    size = max_tenure + 2
    lo = np.maximum(1, origin_month - window + 1 - lt.cohort)
    hi = np.minimum(lt.lifetime, origin_month - lt.cohort)
    seen = hi >= lo
    steps = (np.bincount(np.minimum(lo[seen], size - 1), weight[seen], size)
             - np.bincount(np.minimum(hi[seen] + 1, size - 1), weight[seen], size))
    at_risk = np.cumsum(steps)[:size - 1]
    died = seen & lt.churned & (lt.lifetime >= lo) & (lt.lifetime <= hi)
    deaths = np.bincount(np.minimum(lt.lifetime[died], size - 2), weight[died], size - 1)
    total_risk = float(at_risk[1:].sum())
    if total_risk == 0:
        return np.full(size - 1, np.nan), np.nan
    pooled = float(deaths[1:].sum()) / total_risk
    thin = at_risk < MIN_EXPOSURE
    thin[0] = False
    thin_risk = float(at_risk[thin].sum())
    tail = float(deaths[thin].sum()) / thin_risk if thin_risk > 0 else pooled
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(thin, tail, deaths / np.where(at_risk > 0, at_risk, 1.0))
    q[0] = 0.0
    return np.asarray(np.cumprod(1.0 - q), dtype=np.float64), pooled
