"""What a report shares between its parts gives the numbers each metric gives alone.

The report reads shorter windows off one run's bridge, its NRR windows off sums kept with the
change points, and draws its trailing series only when charted; renewals read term spans
made once per table. None of it may change a number: a report on a fresh table equals one on
a table whose caches are warm, and the shared pieces equal the metric functions called one
by one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.datasets import demo_portfolio, synthetic_columns
from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.policies import MetricPolicy
from csmetrics.revenue.churn import logo_churn_rate
from csmetrics.revenue.engine import bridge_partials, run
from csmetrics.revenue.retention import nrr_series, series_rows
from csmetrics.revenue.segments import dense_unique
from csmetrics.revenue.windows import bridge_periods

POLICIES = [None, MetricPolicy(same_period_churn=True),
            MetricPolicy(free_customers="customers", reactivation_window_days=60)]


def _fresh(n: int = 400, seed: int = 3) -> cm.SubscriptionTable:
    return cm.SubscriptionTable.from_columns(synthetic_columns(n, seed=seed))


def _plain(report: cm.PortfolioReport) -> tuple[object, str]:
    data = report.to_dict()
    data.pop("made")
    return repr(data), str(report).replace(report.made, "")


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("period", ["2024-12", "2024-Q4", "2024"])
def test_report_cold_equals_warm(policy: MetricPolicy | None, period: str) -> None:
    table = _fresh()
    cold = cm.Portfolio(subscriptions=table, policy=policy).report(period)
    # Warm every cache of the table with the metrics one by one, in another order.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        cm.nrr_series(table, "2023-01", "2024-12", policy=policy)
        cm.logo_churn_rate(table, "2024-11", "2024-11", policy=policy)
        cm.renewals(table, "2025-01", "2025-03")
    warm = cm.Portfolio(subscriptions=table, policy=policy).report(period)
    assert _plain(cold) == _plain(warm)
    assert _plain(cold) == _plain(cm.Portfolio(subscriptions=_fresh(), policy=policy)
                                  .report(period))


@pytest.mark.parametrize("policy", POLICIES)
def test_headline_equals_the_metrics(policy: MetricPolicy | None) -> None:
    table = _fresh(600, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        head = cm.Portfolio(subscriptions=_fresh(600, seed=5), policy=policy).report(
            "2024-12").headline
        assert head is not None
        churn = [float(logo_churn_rate(table, m, m, policy=policy))
                 for m in ("2024-12", "2024-11", "2023-12")]
        series = cm.nrr_series(_fresh(600, seed=5), "2023-12", "2024-12", policy=policy)
    np.testing.assert_array_equal(head["logo_churn"].values, churn)
    rows = {p: (n, g) for p, n, g in zip(series["period"].tolist(), series["nrr"].tolist(),
                                         series["grr"].tolist(), strict=True)}
    np.testing.assert_array_equal(head["nrr"].values, [rows[m][0] for m in
                                                       ("2024-12", "2024-11", "2023-12")])
    np.testing.assert_array_equal(head["grr"].values, [rows[m][1] for m in
                                                       ("2024-12", "2024-11", "2023-12")])


@pytest.mark.parametrize("policy", POLICIES)
def test_bridge_periods_is_the_shorter_window(policy: MetricPolicy | None) -> None:
    table = _fresh(500, seed=7)
    whole = bridge_partials(run(table, "2023-06", "2024-12", freq="month", by=None,
                                policy=policy, fx=None, context="test"))
    for first, last in [("2023-06", "2023-06"), ("2023-09", "2024-02"), ("2024-12", "2024-12"),
                        ("2023-06", "2024-12")]:
        alone = bridge_partials(run(_fresh(500, seed=7), first, last, freq="month", by=None,
                                    policy=policy, fx=None, context="test"))
        i = (np.datetime64(first, "M") - np.datetime64("2023-06", "M")).astype(int)
        n = (np.datetime64(last, "M") - np.datetime64(first, "M")).astype(int) + 1
        part = bridge_periods(whole, int(i), int(i + n))
        assert part.arrays.keys() == alone.arrays.keys()
        for name in alone.arrays:
            np.testing.assert_array_equal(part[name], alone[name], err_msg=name)


def test_series_rows_are_the_series_rows() -> None:
    for table in (_fresh(300, seed=11), demo_portfolio()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            job = nrr_series.job(table, "2023-10", "2024-12", window="6M")
            rows = series_rows(job, 6, ["2024-12", "2023-10", "2024-03"])
            series = nrr_series(table, "2023-10", "2024-12", window="6M")
        assert rows is not None
        got = {p: (n, g) for p, n, g in zip(series["period"].tolist(), series["nrr"].tolist(),
                                            series["grr"].tolist(), strict=True)}
        for period, pair in rows.items():
            np.testing.assert_array_equal(pair, got[period])
        assert series_rows(job, 5, ["2024-12"]) is None   # not this job's window


def test_dense_unique_is_np_unique() -> None:
    rng = np.random.default_rng(0)
    for size, span in [(0, 1), (1, 1), (50, 10), (5000, 9000), (300, 10 ** 7)]:
        keys = rng.integers(0, span, size).astype(np.int64)
        found, index = dense_unique(keys, span)
        want, inverse = np.unique(keys, return_inverse=True)
        np.testing.assert_array_equal(found, want)
        np.testing.assert_array_equal(index, inverse.reshape(-1))


def test_report_does_not_depend_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    many = _plain(cm.Portfolio(subscriptions=_fresh(800, seed=2)).report("2024-12"))
    monkeypatch.setenv("CSMETRICS_THREADS", "1")
    assert _plain(cm.Portfolio(subscriptions=_fresh(800, seed=2)).report("2024-12")) == many


def test_retention_chart_draws_the_trailing_series() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    table = _fresh(300, seed=4)
    section = cm.Portfolio(subscriptions=table).report("2024-12")["retention"]
    assert section.chart is not None
    ax = Figure().subplots()
    section.chart(ax)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        series = cm.nrr_series(table, "2024-01", "2024-12", window="12M")
    drawn = np.concatenate([line.get_ydata() for line in ax.get_lines()])
    for value in np.asarray(series["nrr"], dtype=float):
        assert value != value or np.any(np.isclose(drawn, value) | np.isclose(drawn, 100 * value))
