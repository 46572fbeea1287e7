"""Fitted scorecard weights (csmetrics.health.fit) and the logistic kernel under it.

References: statsmodels' ``Logit`` and ``GLM(family=Binomial())`` (test-only, independent
implementations) on one fixed simulated dataset; for the L2 fit, statsmodels'
``GLM(...).fit_regularized(alpha=..., L1_wt=0)`` and the closed first-order condition of the
penalized likelihood; a hand computation of log-odds for a 2x2 table.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from csmetrics._kernels.logistic import fit_logistic, wald


def _data(seed: int = 7, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.normal(size=n), rng.uniform(0, 1, size=n), rng.normal(size=n)])
    eta = -0.5 + 1.2 * x[:, 0] - 2.0 * x[:, 1] + 0.0 * x[:, 2]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return x, y


class TestKernel:
    def test_coefficients_and_errors_match_statsmodels_logit(self) -> None:
        x, y = _data()
        ref = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        fit = fit_logistic(x, y)
        assert fit.converged
        np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(fit.se, ref.bse, rtol=1e-6)
        assert fit.loglik == pytest.approx(ref.llf, rel=1e-10)
        assert fit.null_loglik == pytest.approx(ref.llnull, rel=1e-10)
        _, p, lo, hi = wald(fit.coef, fit.se, 0.95)
        np.testing.assert_allclose(p, ref.pvalues, rtol=1e-5)
        np.testing.assert_allclose(np.column_stack([lo, hi]), ref.conf_int(0.05), rtol=1e-6)

    def test_matches_statsmodels_glm_binomial(self) -> None:
        x, y = _data(seed=11, n=400)
        ref = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit()
        fit = fit_logistic(x, y)
        np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(fit.se, ref.bse, rtol=1e-6)

    def test_l2_fit_matches_statsmodels_fit_regularized(self) -> None:
        x, y = _data(seed=3, n=500)
        lam = 25.0
        # statsmodels minimises -llf/n + alpha/2 * |b|^2 (L1_wt=0): alpha = lam/n, 0 on b0.
        alpha = np.array([0.0, 1.0, 1.0, 1.0]) * lam / y.size
        ref = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit_regularized(
            alpha=alpha, L1_wt=0.0, method="elastic_net", maxiter=2000, cnvrg_tol=1e-12)
        fit = fit_logistic(x, y, penalty=lam)
        # statsmodels' coordinate descent stops at ~1e-5; ours is the better optimum.
        np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-3, atol=1e-4)
        design = sm.add_constant(x)

        def objective(b: np.ndarray) -> float:
            eta = design @ b
            return float(-np.sum(y * eta - np.logaddexp(0, eta)) + lam / 2 * np.sum(b[1:] ** 2))

        assert objective(fit.coef) <= objective(np.asarray(ref.params)) + 1e-12
        plain = fit_logistic(x, y)
        assert np.all(np.abs(fit.coef[1:]) < np.abs(plain.coef[1:]))  # shrunk toward 0

    def test_l2_fit_solves_the_penalized_score_equation(self) -> None:
        # Closed check: at the penalized optimum X'(y - p) = lam * b (0 for the intercept).
        x, y = _data(seed=5, n=300)
        lam = 10.0
        fit = fit_logistic(x, y, penalty=lam)
        design = np.column_stack([np.ones(y.size), x])
        p = 1 / (1 + np.exp(-design @ fit.coef))
        score = design.T @ (y - p)
        np.testing.assert_allclose(score, lam * np.r_[0.0, fit.coef[1:]], atol=1e-7)

    def test_two_by_two_table_by_hand(self) -> None:
        # x = 0: 3 of 12 churn (log-odds log(3/9)); x = 1: 6 of 10 (log(6/4)).
        x = np.r_[np.zeros(12), np.ones(10)][:, None]
        y = np.r_[np.ones(3), np.zeros(9), np.ones(6), np.zeros(4)]
        fit = fit_logistic(x, y)
        assert fit.coef[0] == pytest.approx(np.log(3 / 9), abs=1e-9)
        assert fit.coef[1] == pytest.approx(np.log(6 / 4) - np.log(3 / 9), abs=1e-9)
        # Woolf's standard error of a log odds ratio: sqrt(1/a + 1/b + 1/c + 1/d).
        assert fit.se[1] == pytest.approx(np.sqrt(1 / 3 + 1 / 9 + 1 / 6 + 1 / 4), rel=1e-7)

    def test_separated_data_is_reported_not_converged(self) -> None:
        x = np.array([[0.0], [1.0], [2.0], [3.0]])
        y = np.array([0.0, 0.0, 1.0, 1.0])
        assert not fit_logistic(x, y).converged
        assert fit_logistic(x, y, penalty=1.0).converged  # the penalty keeps it finite
