"""Churn drivers: the discrete-time hazard model over monthly snapshots (csmetrics.health).

References: the stacked account-month rows and their events are built in the test from the
simulation itself (not from csmetrics' outcomes) and fitted with statsmodels' ``Logit``
(test-only, an independent implementation); a simulated portfolio where churn is driven by
one known signal (its odds ratio is set by the simulation).
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

import csmetrics as cm
from csmetrics.exceptions import CSMetricsError, InvalidParameterError, UndefinedMetricWarning
from csmetrics.health import ChurnDrivers, churn_drivers

MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
NOISE = ("noise_a", "noise_b", "noise_c", "noise_d")


def _month_end(label: str) -> dt.date:
    y, m = map(int, label.split("-"))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def simulate(n: int = 1500, seed: int = 2024, slope: float = -1.0, base: float = -2.5
             ) -> dict[str, Any]:
    """Accounts paying since 2023; each month an alive account churns mid next month with
    probability expit(base + slope * usage), usage ~ N(0, 1) read at the month's end."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"acct{i:05d}" for i in range(n)], dtype=object)
    alive = np.ones(n, dtype=bool)
    end: list[str | None] = [None] * n
    snaps: dict[str, dict[str, Any]] = {}
    stacked_x, stacked_y, stacked_month = [], [], []
    for label in MONTHS:
        usage = rng.normal(size=n)
        noise = {k: rng.normal(size=n) for k in NOISE}
        who = np.flatnonzero(alive)
        snaps[label] = {"customer_id": ids[who], "usage": usage[who],
                        **{k: v[who] for k, v in noise.items()}}
        p = 1 / (1 + np.exp(-(base + slope * usage[who])))
        churn = rng.uniform(size=who.size) < p
        day = (_month_end(label) + dt.timedelta(days=15)).isoformat()
        for i in who[churn]:
            end[i] = day
        alive[who[churn]] = False
        stacked_x.append(np.column_stack([usage[who], *(noise[k][who] for k in NOISE)]))
        stacked_y.append(churn.astype(float))
        stacked_month.append(np.full(who.size, label, dtype=object))
    # One account runs to 2025, so the data's edge is past every horizon.
    subs = {"customer_id": [*ids, "edge"], "amount": [100] * (n + 1),
            "start": ["2023-01-01"] * (n + 1), "end": [*end, "2025-12-31"]}
    return {"subs": subs, "snaps": snaps, "x": np.vstack(stacked_x),
            "y": np.concatenate(stacked_y), "month": np.concatenate(stacked_month)}


@pytest.fixture(scope="module")
def sim() -> dict[str, Any]:
    return simulate()


@pytest.fixture(scope="module")
def drivers(sim: dict[str, Any]) -> ChurnDrivers:
    return churn_drivers(sim["snaps"], sim["subs"], horizon=1,
                         signals=["usage", *NOISE])


class TestAgainstStatsmodels:
    def test_coefficients_errors_intervals_match_logit_on_the_stacked_rows(
            self, sim: dict[str, Any], drivers: ChurnDrivers) -> None:
        ref = sm.Logit(sim["y"], sm.add_constant(sim["x"])).fit(disp=0)
        assert drivers.rows == sim["y"].size
        assert drivers.events == int(sim["y"].sum())
        np.testing.assert_allclose(drivers["coefficient"], ref.params, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(drivers["std_error"], ref.bse, rtol=1e-6)
        np.testing.assert_allclose(drivers["p_value"], ref.pvalues, rtol=1e-4, atol=1e-12)
        ci = np.exp(ref.conf_int(0.05))
        np.testing.assert_allclose(drivers["or_low"], ci[:, 0], rtol=1e-6)
        np.testing.assert_allclose(drivers["or_high"], ci[:, 1], rtol=1e-6)
        assert drivers.log_likelihood == pytest.approx(ref.llf, rel=1e-10)
        assert drivers.null_log_likelihood == pytest.approx(ref.llnull, rel=1e-10)

    def test_standardized_slopes_match_logit_on_standardized_rows(
            self, sim: dict[str, Any]) -> None:
        x = sim["x"]
        z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
        ref = sm.Logit(sim["y"], sm.add_constant(z)).fit(disp=0)
        d = churn_drivers(sim["snaps"], sim["subs"], horizon=1, signals=["usage", *NOISE],
                          standardize=True)
        np.testing.assert_allclose(d["coefficient"], ref.params, rtol=1e-7, atol=1e-9)
        assert d.standardized
        assert d.scales["usage"][1] == pytest.approx(x[:, 0].std(ddof=1))


class TestKnownDriver:
    def test_the_driving_signal_is_found_and_the_noise_is_not(
            self, drivers: ChurnDrivers) -> None:
        usage = drivers.row("usage")
        assert float(usage["or_high"][0]) < 1  # the interval excludes 1, on the low side
        # The simulated odds ratio per unit of usage is exp(-1) = 0.368.
        assert float(usage["or_low"][0]) < np.exp(-1) < float(usage["or_high"][0])
        covers = [float(drivers.row(k)["or_low"][0]) < 1 < float(drivers.row(k)["or_high"][0])
                  for k in NOISE]
        assert sum(covers) >= 3

    def test_a_signal_without_effect_gives_no_driver(self) -> None:
        s = simulate(n=800, seed=5, slope=0.0)
        d = churn_drivers(s["snaps"], s["subs"], horizon=1, signals=["usage"])
        u = d.row("usage")
        assert float(u["or_low"][0]) < 1 < float(u["or_high"][0])


class TestRowsAccounted:
    def test_every_excluded_row_is_counted(self, sim: dict[str, Any]) -> None:
        snaps = {k: dict(v) for k, v in sim["snaps"].items()}
        first = snaps["2024-01"]
        usage = np.array(first["usage"], dtype=float)
        usage[:7] = np.nan  # 7 at-risk account-months miss a signal
        first["usage"] = usage
        # A row for an account that is not paying, and 3 paying accounts without signals.
        second = snaps["2024-02"]
        second = {k: np.r_[np.asarray(v)[3:], ["ghost"] if k == "customer_id" else [0.0]]
                  for k, v in second.items()}
        snaps["2024-02"] = second
        with pytest.warns(UndefinedMetricWarning, match="7 account-months"):
            d = churn_drivers(snaps, sim["subs"], horizon=1, signals=["usage", *NOISE])
        counts = dict(zip(d.excluded["reason"].tolist(), d.excluded["rows"].tolist(),
                          strict=True))
        assert counts["a signal missing"] == 7
        assert counts["not paying at the month's end"] == 1
        # The 3 dropped accounts of February and the 'edge' account in every month.
        assert counts["paying but without signals"] == 3 + len(MONTHS)
        assert d.rows + 7 + 3 == sim["y"].size
        with pytest.raises(InvalidParameterError, match="missing"):
            churn_drivers(snaps, sim["subs"], horizon=1, signals=["usage"], missing="error")

    def test_outcomes_cut_by_the_data_edge_are_counted_not_guessed(self) -> None:
        subs = {"customer_id": ["a", "b", "c"], "amount": [10, 10, 10],
                "start": ["2024-01-01"] * 3, "end": ["2024-02-10", None, "2024-03-05"]}
        snaps = {"2024-01": {"customer_id": ["a", "b", "c"], "x": [0.0, 1.0, 2.0]},
                 "2024-02": {"customer_id": ["b", "c"], "x": [1.0, 0.5]}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            d = churn_drivers(snaps, subs, horizon=1)
        counts = dict(zip(d.excluded["reason"].tolist(), d.excluded["rows"].tolist(),
                          strict=True))
        # The data end 2024-03-05: b's March is not seen in full (c churns in it: seen).
        assert counts["outcome window cut by the data's edge"] == 1
        assert d.rows == 4

    def test_row_order_and_input_forms_do_not_matter(self, sim: dict[str, Any],
                                                     drivers: ChurnDrivers) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        rng = np.random.default_rng(0)
        pairs = []
        for i, (m, cols) in enumerate(sim["snaps"].items()):
            order = rng.permutation(len(cols["customer_id"]))
            frame = pd.DataFrame({k: np.asarray(v)[order] for k, v in cols.items()})
            form = [frame, pl.from_pandas(frame), pa.Table.from_pandas(frame)][i % 3]
            pairs.append((m, form))
        d = churn_drivers(pairs, sim["subs"], horizon=1, signals=["usage", *NOISE])
        np.testing.assert_allclose(d["coefficient"], drivers["coefficient"], rtol=1e-9)


class TestUndefinedAndBad:
    def test_no_churn_is_nan_with_a_warning(self) -> None:
        subs = {"customer_id": ["a", "b"], "amount": [10, 10],
                "start": ["2024-01-01"] * 2, "end": [None, "2025-01-01"]}
        snaps = {"2024-01": {"customer_id": ["a", "b"], "x": [1.0, 2.0]}}
        with pytest.warns(UndefinedMetricWarning, match="NaN"):
            d = churn_drivers(snaps, subs, horizon=1)
        assert np.isnan(d["coefficient"]).all()
        assert d.rows == 2
        assert d.events == 0

    @pytest.mark.parametrize("kwargs", [{"horizon": 0}, {"horizon": 1.5},
                                        {"horizon": 1, "standardize": "yes"},
                                        {"horizon": 1, "confidence": 95},
                                        {"horizon": 1, "missing": "fill"},
                                        {"horizon": 1, "baseline": "tenure"},
                                        {"horizon": 1, "policy": "stripe"}])
    def test_bad_options_are_invalid_parameters(self, kwargs: dict[str, Any]) -> None:
        snaps = {"2024-01": {"customer_id": ["a"], "x": [1.0]}}
        subs = {"customer_id": ["a"], "amount": [1], "start": ["2024-01-01"], "end": [None]}
        with pytest.raises(InvalidParameterError, match="churn_drivers"):
            churn_drivers(snaps, subs, **kwargs)

    @pytest.mark.parametrize("snaps", [42, "2024-01", [("2024-01",)],
                                       {"2024-01": {"id": ["a"]}},
                                       {"2024-01": {"customer_id": ["a", "a"], "x": [1, 2]}},
                                       {"2024-01": {"customer_id": ["a"], "x": ["high"]}}])
    def test_bad_input_is_a_csmetrics_error(self, snaps: Any) -> None:
        subs = {"customer_id": ["a"], "amount": [1], "start": ["2024-01-01"], "end": [None]}
        with pytest.raises(CSMetricsError):
            churn_drivers(snaps, subs, horizon=1, signals=["x"])


class TestResult:
    def test_views(self, drivers: ChurnDrivers) -> None:
        assert "\n" not in repr(drivers)
        assert repr(drivers).startswith("ChurnDrivers(5 signals")
        assert "account-months" in str(drivers)
        assert drivers.to_dict()["term"][0] == "(intercept)"
        assert list(drivers.to_pandas().index) == ["(intercept)", "usage", *NOISE]
        with pytest.raises(AttributeError):
            drivers.rows = 3  # type: ignore[misc]

    def test_html_escapes_signal_names(self) -> None:
        s = simulate(n=300, seed=3)
        snaps = {m: {"customer_id": v["customer_id"], "<b>use</b>": v["usage"]}
                 for m, v in s["snaps"].items()}
        html = churn_drivers(snaps, s["subs"], horizon=1)._repr_html_()
        assert "&lt;b&gt;use&lt;/b&gt;" in html
        assert "<b>use" not in html

    def test_plot_odds_ratios(self, drivers: ChurnDrivers) -> None:
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        ax = drivers.plot()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == ["usage", *NOISE]
        assert ax.get_xscale() == "log"
        import matplotlib.pyplot as plt

        plt.close("all")

    def test_account_signals_snapshots(self) -> None:
        subs = cm.datasets.demo_portfolio()
        snaps = [(m, cm.account_signals(subs, m)) for m in ("2024-06", "2024-07", "2024-08")]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            d = churn_drivers(snaps, subs, horizon=3, standardize=True)
        assert isinstance(d, ChurnDrivers)
        assert d.months == ("2024-06", "2024-07", "2024-08")
        assert d.rows > 0
        assert d.events > 0
        assert np.isfinite(d["coefficient"]).all()
        assert d["term"].tolist() == ["(intercept)", "mrr", "mrr_change"]
        # mrr_change is NaN without MRR three months before: those rows are counted.
        assert int(d.excluded.row("a signal missing")["rows"][0]) > 0


def test_monthly_baseline_matches_logit_with_month_dummies(sim: dict[str, Any]) -> None:
    dummies = (sim["month"][:, None] == np.array(MONTHS[1:])[None, :]).astype(float)
    ref = sm.Logit(sim["y"], sm.add_constant(np.column_stack([sim["x"], dummies]))).fit(disp=0)
    d = churn_drivers(sim["snaps"], sim["subs"], horizon=1, signals=["usage", *NOISE],
                      baseline="monthly")
    assert d["term"].tolist()[-1] == "(month 2024-06)"
    assert d.signals == ("usage", *NOISE)
    np.testing.assert_allclose(d["coefficient"], ref.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(d["std_error"], ref.bse, rtol=1e-6)
    assert repr(d).startswith("ChurnDrivers(5 signals")
