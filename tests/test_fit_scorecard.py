"""Fitted scorecard weights (csmetrics.health.fit) and the logistic kernel under it.

References: statsmodels' ``Logit`` and ``GLM(family=Binomial())`` (test-only, independent
implementations) on one fixed simulated dataset; for the L2 fit, statsmodels'
``GLM(...).fit_regularized(alpha=..., L1_wt=0)`` and the closed first-order condition of the
penalized likelihood; a hand computation of log-odds for a 2x2 table.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics._kernels.logistic import fit_logistic, wald
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning


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


# --- fit_scorecard ----------------------------------------------------------------------------

B_USAGE, B_TICKETS, B0 = -3.0, -1.5, 0.5


def _portfolio(n: int = 3000, seed: int = 1) -> dict[str, Any]:
    """Accounts paying since 2023. Signals read at 2024-01 and 2024-06; churn within the 3
    months after each is drawn from logit P = B0 + B_USAGE * u_pts + B_TICKETS * t_pts, the
    points of the two measures (by hand: usage 0..1 -> 0..1, tickets 0..10 -> 1..0)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:05d}" for i in range(n)], dtype=object)
    end: list[str | None] = [None] * n
    alive = np.ones(n, dtype=bool)
    out: dict[str, Any] = {}
    for label, days in (("2024-01", ("2024-02-15", "2024-03-15", "2024-04-10")),
                        ("2024-06", ("2024-07-15", "2024-08-15", "2024-09-10"))):
        who = np.flatnonzero(alive)
        usage = rng.uniform(-0.1, 1.1, size=who.size)        # clamped by the rule
        tickets = rng.integers(0, 13, size=who.size).astype(float)
        noise = rng.uniform(0, 1, size=who.size)
        u_pts = np.clip(usage, 0, 1)
        t_pts = 1 - np.clip(tickets / 10, 0, 1)
        p = 1 / (1 + np.exp(-(B0 + B_USAGE * u_pts + B_TICKETS * t_pts)))
        churn = rng.uniform(size=who.size) < p
        for i, d in zip(who[churn], rng.choice(days, size=int(churn.sum())), strict=True):
            end[i] = str(d)
        alive[who[churn]] = False
        out[label] = {"signals": {"customer_id": ids[who], "usage": usage, "tickets": tickets,
                                  "noise": noise},
                      "x": np.column_stack([u_pts, t_pts, noise]), "y": churn.astype(float)}
    out["subs"] = {"customer_id": [*ids, "edge"], "amount": [50] * (n + 1),
                   "start": ["2023-01-01"] * (n + 1), "end": [*end, "2025-12-31"]}
    return out


def _measures() -> list[Any]:
    from csmetrics.health import Linear, Measure

    return [Measure(name="usage", rule=Linear(low=0, high=1)),
            Measure(name="tickets", rule=Linear(low=0, high=10), direction="lower"),
            Measure(name="noise", rule=Linear(low=0, high=1))]


@pytest.fixture(scope="module")
def port() -> dict[str, Any]:
    return _portfolio()


def _fit(port: dict[str, Any], **kw: Any) -> Any:
    from csmetrics.health import fit_scorecard

    kw.setdefault("measures", _measures())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the noise measure may be clipped
        return fit_scorecard(port["2024-01"]["signals"], port["subs"], at="2024-01",
                             horizon=3, **kw)


class TestFitScorecard:
    def test_plain_fit_matches_statsmodels_logit_on_the_points(self, port: dict[str, Any]
                                                               ) -> None:
        ref = sm.Logit(port["2024-01"]["y"], sm.add_constant(port["2024-01"]["x"])).fit(disp=0)
        f = _fit(port, penalty=0)
        assert f.accounts == port["2024-01"]["y"].size
        np.testing.assert_allclose(f["coefficient"], ref.params, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(f["std_error"], ref.bse, rtol=1e-6)
        np.testing.assert_allclose(np.c_[f["or_low"], f["or_high"]], np.exp(ref.conf_int()),
                                   rtol=1e-6)
        assert f.log_likelihood == pytest.approx(ref.llf, rel=1e-10)
        # Weights by hand: negative slopes normalised, a positive one clipped to 0.
        b = np.asarray(ref.params[1:])
        w = np.clip(-b, 0, None) / np.clip(-b, 0, None).sum()
        np.testing.assert_allclose(f["weight"][1:], w, rtol=1e-6)
        np.testing.assert_allclose(list(f.scorecard.effective_weights.values()), w, rtol=1e-6)

    def test_penalized_fit_matches_statsmodels_glm_ridge(self, port: dict[str, Any]) -> None:
        x, y = port["2024-01"]["x"], port["2024-01"]["y"]
        lam = 30.0
        ref = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit_regularized(
            alpha=np.array([0.0, 1, 1, 1]) * lam / y.size, L1_wt=0.0, method="elastic_net",
            maxiter=2000, cnvrg_tol=1e-12)
        f = _fit(port, penalty=lam)
        np.testing.assert_allclose(f["coefficient"], ref.params, rtol=1e-3, atol=1e-4)
        assert f.penalty == lam

    def test_weights_recover_the_simulated_ones(self, port: dict[str, Any]) -> None:
        f = _fit(port)  # default penalty 1
        w = f.scorecard.effective_weights
        truth = B_USAGE / (B_USAGE + B_TICKETS)  # 2/3 for usage, 1/3 for tickets
        assert w["usage"] == pytest.approx(truth, abs=0.08)
        assert w["tickets"] == pytest.approx(1 - truth, abs=0.08)
        assert w["noise"] < 0.08

    def test_a_measure_that_raises_churn_is_clipped_with_a_warning(
            self, port: dict[str, Any]) -> None:
        from csmetrics.health import Linear, Measure, fit_scorecard

        sig = dict(port["2024-01"]["signals"])
        sig["unhealthy"] = port["2024-01"]["y"] + np.random.default_rng(3).uniform(
            0, 2, size=port["2024-01"]["y"].size)  # more points where churn happened
        ms = [*_measures()[:2], Measure(name="unhealthy", rule=Linear(low=0, high=3))]
        with pytest.warns(UserWarning, match="'unhealthy'"):
            f = fit_scorecard(sig, port["subs"], at="2024-01", horizon=3, measures=ms)
        assert f.scorecard.effective_weights["unhealthy"] == 0
        assert float(f.row("unhealthy")["coefficient"][0]) > 0

    def test_the_fitted_scorecard_scores_and_explains(self, port: dict[str, Any]) -> None:
        f = _fit(port)
        scores = f.scorecard.score(port["2024-01"]["signals"])
        e = scores.explain("c00000")
        np.testing.assert_allclose(e["weight"], list(f.scorecard.effective_weights.values()))
        # The score is the weighted sum of the points (no measure missing).
        pts = port["2024-01"]["x"][0] * 100
        assert float(scores["score"][0]) == pytest.approx(
            float(np.dot(pts, f["weight"][1:])), rel=1e-9)

    def test_a_scorecard_template_keeps_its_bands_and_groups(self, port: dict[str, Any]
                                                             ) -> None:
        from csmetrics.health import HealthScorecard

        ms = _measures()
        ms[0] = ms[0].model_copy(update={"group": "product"})
        ms[2] = ms[2].model_copy(update={"group": "product"})
        card = HealthScorecard(measures=ms, groups={"product": 5}, bands={
            "at risk": "[0, 40]", "ok": "(40, 100]"}, name="mine")
        f = _fit(port, measures=card, name="refit")
        assert f.scorecard.bands == card.bands
        assert f.scorecard.name == "refit"
        np.testing.assert_allclose(list(f.scorecard.effective_weights.values()),
                                   f["weight"][1:], rtol=1e-9)
        assert card.effective_weights["usage"] == pytest.approx(5 / 6 / 2)  # unchanged

    def test_out_of_time_validation_auc(self, port: dict[str, Any]) -> None:
        later = port["2024-06"]
        f = _fit(port, validate_at="2024-06", validation_signals=later["signals"])
        v = f.validation
        assert v["sample"].tolist() == ["in sample", "out of time"]
        row = v.row("out of time")
        assert int(row["accounts"][0]) == later["y"].size
        assert int(row["churned"][0]) == int(later["y"].sum())
        # Independent AUC: every churner/retained pair, the churner scoring lower wins,
        # ties 1/2.
        s = later["x"] @ np.asarray(f["weight"][1:]) * 100
        y = later["y"].astype(bool)
        diff = s[y][:, None] - s[~y][None, :]
        ref = (np.count_nonzero(diff < 0) + 0.5 * np.count_nonzero(diff == 0)) / diff.size
        assert float(row["auc"][0]) == pytest.approx(ref, rel=1e-9)
        assert ref > 0.65
        assert 0.6 < float(row["c_index"][0]) < 1
        assert f.backtests["out of time"].auc == float(row["auc"][0])

    def test_missing_measures_are_left_out_and_counted(self, port: dict[str, Any]) -> None:
        from csmetrics.health import fit_scorecard

        sig = dict(port["2024-01"]["signals"])
        usage = np.array(sig["usage"], dtype=float)
        usage[:11] = np.nan
        sig["usage"] = usage
        sig["customer_id"] = np.r_[sig["customer_id"][:-1], ["ghost"]]  # one not paying
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f = fit_scorecard(sig, port["subs"], at="2024-01", horizon=3,
                              measures=_measures())
        assert any(issubclass(w.category, UndefinedMetricWarning) and "11 accounts" in
                   str(w.message) for w in caught)
        counts = dict(zip(f.excluded["reason"].tolist(), f.excluded["accounts"].tolist(),
                          strict=True))
        assert counts["a measure missing"] == 11
        assert counts["not paying at at"] == 1
        assert counts["paying but without signals"] == 2  # the replaced account and 'edge'
        assert f.accounts == port["2024-01"]["y"].size - 12

    def test_input_forms_agree(self, port: dict[str, Any]) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        frame = pd.DataFrame(port["2024-01"]["signals"]).sample(frac=1.0, random_state=0)
        base = _fit(port)["coefficient"]
        for form in (frame, pl.from_pandas(frame), pa.Table.from_pandas(frame)):
            from csmetrics.health import fit_scorecard

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                got = fit_scorecard(form, port["subs"], at="2024-01", horizon=3,
                                    measures=_measures())["coefficient"]
            np.testing.assert_allclose(got, base, rtol=1e-8)

    def test_account_signals_result_as_input(self) -> None:
        import csmetrics as cm
        from csmetrics.health import Linear, Measure

        subs = cm.datasets.demo_portfolio()
        sig = cm.account_signals(subs, "2024-06")  # the demo's usage is quiet before 2024-12
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = cm.fit_scorecard(sig, subs, at="2024-06", horizon=6, measures=[
                Measure(name="mrr_change", rule=Linear(low=-0.5, high=0.5)),
                Measure(name="size", column="mrr", rule=Linear(low=0, high=1000))])
        assert isinstance(f, cm.FittedScorecard)
        assert f.accounts > 0
        assert np.isfinite(f["coefficient"]).all()
        assert "\n" not in repr(f)
        assert "Fitted scorecard" in str(f)
        assert f.to_pandas().index.tolist() == ["(intercept)", "mrr_change", "size"]
        assert "weight" not in f.coefficients.column_names

    @pytest.mark.parametrize("kw", [{"penalty": -1}, {"horizon": 0}, {"measures": []},
                                    {"measures": ["usage"]}, {"confidence": 2},
                                    {"validate_at": "2024-06"}, {"policy": 3}])
    def test_bad_options(self, port: dict[str, Any], kw: dict[str, Any]) -> None:
        from csmetrics.health import fit_scorecard

        args: dict[str, Any] = {"at": "2024-01", "horizon": 3, "measures": _measures(), **kw}
        with pytest.raises(InvalidParameterError, match="fit_scorecard"):
            fit_scorecard(port["2024-01"]["signals"], port["subs"], **args)

    def test_no_churn_is_an_error_not_a_scorecard(self) -> None:
        from csmetrics.health import fit_scorecard

        subs = {"customer_id": ["a", "b"], "amount": [1, 1], "start": ["2024-01-01"] * 2,
                "end": [None, "2025-01-01"]}
        with pytest.raises(InvalidParameterError, match="churned"):
            fit_scorecard({"customer_id": ["a", "b"], "usage": [0.1, 0.9], "tickets": [1, 2],
                           "noise": [0.5, 0.5]}, subs, at="2024-01", horizon=1,
                          measures=_measures())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(8, 60), st.floats(0.5, 20.0))
def test_ridge_fit_is_the_penalized_optimum_whatever_the_row_order(
        seed: int, n: int, lam: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (rng.uniform(size=n) < 0.4).astype(float)
    fit = fit_logistic(x, y, penalty=lam)
    design = np.column_stack([np.ones(n), x])
    p = 1 / (1 + np.exp(-design @ fit.coef))
    # The penalized score equation: X'(y - p) = lam * b (0 for the intercept).
    np.testing.assert_allclose(design.T @ (y - p), lam * np.r_[0.0, fit.coef[1:]], atol=1e-6)
    order = rng.permutation(n)
    np.testing.assert_allclose(fit_logistic(x[order], y[order], penalty=lam).coef, fit.coef,
                               rtol=1e-7, atol=1e-9)
