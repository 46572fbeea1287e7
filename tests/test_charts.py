"""Every chart, drawn as the HTML report draws it, checked the way a person would look at it.

The report draws each chart on ``Figure(figsize=(8, 3.6), layout="constrained")`` with
``result.plot(ax=fig.subplots())``; a notebook cell is often narrower, so every chart is
also drawn at 6 x 3.2 inches. After ``fig.canvas.draw()``: every text lies inside the figure,
a legend covers no bar and no line's data point, bars end inside the view limits, tick
labels do not run into each other, and money axes carry the currency with k/M.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics._core.compact import compact_money, currency_prefix, money_ticks, percent_ticks

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

SIZES = [(8.0, 3.6), (6.0, 3.2)]
W = ("2024-01", "2024-12")


# --- the results drawn -----------------------------------------------------------------------


@functools.cache
def _subs() -> Any:
    return cm.datasets.demo_portfolio()


@functools.cache
def _eur() -> Any:
    cols = cm.datasets.synthetic_columns(1500, months=36, seed=4, start="2022-01",
                                         currencies=("EUR",))
    return cm.SubscriptionTable.from_columns(cols)


@functools.cache
def _scores() -> Any:
    card = cm.HealthScorecard(measures=[cm.Measure(name="usage",
                                                   rule=cm.Linear(low=0, high=1))])
    rng = np.random.default_rng(3)
    ids = [f"cus_{i:04d}" for i in range(60)]
    return card.score({"customer_id": ids, "usage": rng.uniform(0, 1, 60)},
                      mrr=dict(zip(ids, rng.uniform(50, 9000, 60).round(2), strict=True)))


@functools.cache
def _surveys() -> Any:
    return cm.datasets.synthetic_surveys(3000, months=12, start="2024-01", seed=5)


@functools.cache
def _reasons() -> Any:
    cols = cm.datasets.synthetic_columns(800, months=24, seed=3, start="2023-01")
    rng = np.random.default_rng(3)
    reasons = np.array(["too expensive", "missing feature", "switched vendor", None],
                       dtype=object)
    cols["churn_reason"] = rng.choice(reasons, len(cols["customer_id"]))
    return cm.SubscriptionTable.from_columns(cols)


def _quiet(make: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        return make()


def _health_trend() -> Any:
    card = cm.HealthScorecard(measures=[cm.Measure(name="u", rule=cm.Linear(low=0, high=1))])
    ids = [f"c{i}" for i in range(40)]
    rng = np.random.default_rng(1)
    return cm.health_trend(card.score({"customer_id": ids, "u": rng.uniform(0, 1, 40)}),
                           card.score({"customer_id": ids, "u": rng.uniform(0, 1, 40)}))


# name -> (result maker, drawing options, the currency of its money axis or None)
CASES: dict[str, tuple[Callable[[], Any], dict[str, Any], str | None]] = {
    "sla_by_priority": (lambda: cm.sla_attainment(
        cm.datasets.demo_tickets(), "2024-12-31", by="priority",
        targets={"urgent": "30m", "high": "1h", "normal": "2h", "low": "4h"}), {}, None),
    "first_response_by_priority": (lambda: cm.first_response_time(
        cm.datasets.demo_tickets(), "2024-12-31", by="priority"), {}, None),
    "resolution_time": (lambda: cm.resolution_time(cm.datasets.demo_tickets(), "2024-12-31"),
                        {}, None),
    "bridge": (lambda: cm.mrr_movements(_subs(), *W), {"kind": "bridge"}, "USD"),
    "bridge_eur_36": (lambda: cm.mrr_movements(_eur(), "2022-01", "2024-12"),
                      {"kind": "bridge"}, "EUR"),
    "movements_12": (lambda: cm.mrr_movements(_subs(), *W), {"kind": "movements"}, "USD"),
    "movements_24": (lambda: cm.mrr_movements(_subs(), "2023-01", "2024-12"),
                     {"kind": "movements"}, "USD"),
    "movements_36": (lambda: cm.mrr_movements(_eur(), "2022-01", "2024-12"),
                     {"kind": "movements"}, "EUR"),
    "movements_segment": (lambda: cm.mrr_movements(_subs(), *W, by="plan"),
                          {"kind": "movements", "segment": "pro"}, "USD"),
    "mrr_series": (lambda: cm.mrr_series(_subs(), *W), {}, "USD"),
    "mrr_series_by": (lambda: cm.mrr_series(_subs(), *W, by="plan"), {}, "USD"),
    "mrr_series_wide_36": (lambda: cm.mrr_series(_eur(), "2022-01", "2024-12", by="plan",
                                                 wide=True), {}, "EUR"),
    "retention_12": (lambda: cm.nrr_series(_subs(), *W), {}, None),
    "retention_36": (lambda: cm.nrr_series(_eur(), "2022-01", "2024-12"), {}, None),
    "cohorts": (lambda: cm.cohort_table(_subs(), start="2024-01", end="2024-12"), {}, None),
    "cohorts_24": (lambda: cm.cohort_table(_eur(), start="2023-01", end="2024-12"), {}, None),
    "cohorts_revenue_by": (lambda: _quiet(lambda: cm.cohort_table(
        _subs(), start="2024-07", end="2024-12", kind="revenue", by="interval")), {}, None),
    "mrr_series_12_segments": (lambda: cm.mrr_series(
        _subs(), *W, by={c: f"segment {i % 12}" for i, c in enumerate(
            _subs().customer_ids.tolist())}), {}, "USD"),
    "survival": (lambda: _quiet(lambda: cm.survival_curve(_subs(), at="2024-12",
                                                          by="interval")), {}, None),
    "sbg": (lambda: cm.ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241]),
            {}, None),
    "nps": (lambda: cm.net_promoter_score(_surveys()), {}, None),
    "csat": (lambda: cm.customer_satisfaction_score([5, 4, 4, 3, 2, 5, 5, 1, 4]), {}, None),
    "ces_by": (lambda: cm.customer_effort_score([7, 6, 5, 2, 3, 6, 7, 4],
                                                by=["a", "a", "a", "b", "b", "b", "c", "c"]),
               {}, None),
    "nps_trend": (lambda: cm.survey_trend(_surveys()), {}, None),
    "nps_trend_by": (lambda: cm.survey_trend(cm.datasets.synthetic_survey_columns(
        3000, months=12, start="2024-01", seed=5), by="segment"), {}, None),
    "csat_trend": (lambda: cm.survey_trend(_surveys(), metric="csat", freq="quarter"), {},
                   None),
    "health_bands": (lambda: cm.health_rollup(_scores()), {}, None),
    "at_risk": (lambda: cm.at_risk(_scores()), {"currency": "USD"}, "USD"),
    "health_transitions": (_health_trend, {}, None),
    "churn_reasons": (lambda: _quiet(lambda: cm.churn_breakdown(_reasons(), *W)), {}, "USD"),
    "churn_reasons_by": (lambda: _quiet(lambda: cm.churn_breakdown(
        _reasons(), "2023-01", "2024-12", by="plan")), {"segment": "pro"}, "USD"),
    "renewals": (lambda: _quiet(lambda: cm.renewals(_subs(), *W)), {}, "USD"),
    "renewals_by_health": (lambda: _quiet(lambda: cm.renewals(
        _subs(), "2023-01", "2024-12", health={c: ("red" if i % 3 else "green") for i, c in
                                                enumerate(_subs().customer_ids.tolist())})),
        {}, "USD"),
}


# --- what a person checks ------------------------------------------------------------------


def _inside(inner: Bbox, outer: Bbox, slack: float = 1.0) -> bool:
    return (inner.x0 >= outer.x0 - slack and inner.y0 >= outer.y0 - slack
            and inner.x1 <= outer.x1 + slack and inner.y1 <= outer.y1 + slack)


def _texts(fig: Any) -> list[Text]:
    """The texts a reader sees: titles, axis labels, drawn tick labels, annotations, legends
    (the figure's Text objects include ticks outside the view, which are never drawn)."""
    out: list[Text] = list(fig.texts)
    for ax in fig.axes:
        out += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts,
                *_tick_labels(ax.xaxis), *_tick_labels(ax.yaxis)]
        legend = ax.get_legend()
        if legend is not None:
            out += [*legend.get_texts(), legend.get_title()]
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def _tick_labels(axis: Any) -> list[Text]:
    """The major tick labels drawn: those of ticks inside the view interval."""
    low, high = sorted(axis.get_view_interval())
    slack = 1e-9 * max(1.0, abs(high - low))
    locs = axis.get_majorticklocs()
    ticks = axis.get_major_ticks(len(locs))
    return [t.label1 for t, x in zip(ticks, locs, strict=True)
            if low - slack <= x <= high + slack and t.label1.get_visible()
            and t.label1.get_text()]


def _corners(t: Text, r: Any) -> Any:
    """The four corners (display units) of a text as drawn, rotated about its anchor."""
    angle = t.get_rotation()
    if angle % 180 == 0 or t.get_rotation_mode() != "anchor":
        b = t.get_window_extent(r)
        return np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1], [b.x0, b.y1]])
    t.set_rotation(0)
    b = t.get_window_extent(r)
    t.set_rotation(angle)
    anchor = t.get_transform().transform(t.get_position())
    box = np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1], [b.x0, b.y1]]) - anchor
    a = np.deg2rad(angle)
    turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return box @ turn.T + anchor


def _polygons_overlap(p: Any, q: Any) -> bool:
    """Whether two convex quadrilaterals overlap (separating axis theorem; touching is not
    overlapping)."""
    for poly in (p, q):
        edges = np.roll(poly, -1, axis=0) - poly
        for nx, ny in np.column_stack([-edges[:, 1], edges[:, 0]]):
            a, b = p @ (nx, ny), q @ (nx, ny)
            if a.max() <= b.min() + 0.5 or b.max() <= a.min() + 0.5:
                return False
    return True


def _in_box(points: Any, box: Bbox) -> Any:
    return ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0)
            & (points[:, 1] <= box.y1))


def check_chart(fig: Any, ax: Any, currency: str | None) -> list[str]:
    """What is wrong with a drawn chart, as sentences (none when it reads well)."""
    if not hasattr(fig.canvas, "get_renderer"):   # a Figure made without pyplot
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    frame = fig.bbox
    problems = []
    for t in _texts(fig):
        if not _inside(t.get_window_extent(r), frame):
            problems.append(f"text {t.get_text()!r} leaves the figure")
    for t in ax.texts:   # value labels and cell annotations stay inside the axes
        if t.get_visible() and t.get_text() and not _inside(t.get_window_extent(r),
                                                            ax.bbox, 1.5):
            problems.append(f"label {t.get_text()!r} leaves the axes")
    labels = [t for t in ax.texts if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(r) for t in labels]
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if boxes[i].overlaps(boxes[j]):
                problems.append(f"labels {labels[i].get_text()!r} and "
                                f"{labels[j].get_text()!r} overlap")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    for p in bars:
        b = p.get_bbox()
        if b.y1 > y1 + 1e-9 or b.y0 < y0 - 1e-9 or b.x1 > x1 + 1e-9 or b.x0 < x0 - 1e-9:
            problems.append(f"a bar {b.bounds} ends outside the view {ax.get_xlim()}, "
                            f"{ax.get_ylim()}")
    legend = ax.get_legend()
    if legend is not None:
        box = legend.get_window_extent(r)
        if not _inside(box, frame):
            problems.append("the legend leaves the figure")
        if any(box.overlaps(p.get_window_extent(r)) for p in bars):
            problems.append("the legend covers a bar")
        for line in ax.get_lines():
            xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
            xy = xy[np.isfinite(xy).all(axis=1)]
            if xy.size and _in_box(line.get_transform().transform(xy), box).any():
                problems.append(f"the legend covers points of {line.get_label()!r}")
    for axis in (ax.xaxis, ax.yaxis):
        labels = _tick_labels(axis)
        shapes = [_corners(t, r) for t in labels]
        for i in range(len(labels)):
            for j in range(i + 1, len(labels)):
                if _polygons_overlap(shapes[i], shapes[j]):
                    problems.append(f"tick labels {labels[i].get_text()!r} and "
                                    f"{labels[j].get_text()!r} overlap")
    if currency is not None:
        money = ax.xaxis if ax.get_xlabel().startswith("MRR") and not ax.get_ylabel() else (
            ax.yaxis)
        ticks = [t.get_text() for t in _tick_labels(money)]
        prefix = currency_prefix(currency)
        if not all(prefix in t or t.endswith("0") for t in ticks) or not any(
                t[-1] in "kMB" for t in ticks):
            problems.append(f"money ticks {ticks} lack {prefix!r} or k/M")
    return problems


def draw(name: str, size: tuple[float, float]) -> tuple[Any, Any, Any]:
    make, options, _ = CASES[name]
    result = make()
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    out = result.plot(ax=ax, **options)
    return fig, ax, out


@pytest.mark.parametrize("size", SIZES, ids=["8x3.6", "6x3.2"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_reads_well_in_the_report_setup(name: str, size: tuple[float, float]) -> None:
    fig, ax, out = draw(name, size)
    assert out is ax
    assert check_chart(fig, ax, CASES[name][2]) == []


_ONE = [cm.Subscription(customer_id="a", start="2024-03-01", amount=10)]
_GONE = [cm.Subscription(customer_id="a", start="2020-01-01", end="2020-02-01", amount=10)]
_CARD = cm.HealthScorecard(measures=[cm.Measure(name="x", rule=cm.Linear(low=0, high=1))])
_GREEN = _CARD.score({"customer_id": ["a", "b"], "x": [0.9, 0.8]}, mrr={"a": 1, "b": 2})

EDGES: dict[str, tuple[Callable[[], Any], dict[str, Any]]] = {
    "bridge of one period": (lambda: cm.mrr_movements(_ONE, "2024-03", "2024-03"), {}),
    "bridge of no MRR": (lambda: cm.mrr_movements(_GONE, "2024-01", "2024-03"), {}),
    "movements of no MRR": (lambda: cm.mrr_movements(_GONE, "2024-01", "2024-03"),
                            {"kind": "movements"}),
    "series of no MRR": (lambda: cm.mrr_series(_GONE, "2024-01", "2024-03"), {}),
    "retention undefined": (lambda: cm.nrr_series(_GONE, "2024-01", "2024-03"), {}),
    "empty cohorts": (lambda: cm.cohort_table(_GONE, start="2024-01", end="2024-03"), {}),
    "NPS of no answers": (lambda: cm.net_promoter_score([]), {}),
    "CSAT of no answers": (lambda: cm.customer_satisfaction_score([]), {}),
    "CES of one answer": (lambda: cm.customer_effort_score([5]), {}),
    "trend with empty periods": (lambda: cm.survey_trend(cm.datasets.synthetic_surveys(
        30, months=6, start="2024-01", seed=1), "2023-10", "2024-09"), {}),
    "no account at risk": (lambda: cm.at_risk(_GREEN), {}),
    "churn of no MRR": (lambda: cm.churn_breakdown(_GONE, "2024-01", "2024-03"), {}),
    "SLA with nothing decided": (lambda: cm.sla_attainment(
        {"customer_id": ["a"], "opened_at": ["2024-03-01T23:00Z"],
         "first_response_at": [None]}, "2024-03-01", targets="4h"), {}),
    "times never reached": (lambda: cm.resolution_time(
        {"customer_id": ["a"], "opened_at": ["2024-03-01"]}, "2024-03-01"), {}),
    "roll-up without scores": (lambda: cm.health_rollup(_CARD.score(
        {"customer_id": ["a"], "x": [float("nan")]})), {}),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_degenerate_results_still_draw(name: str) -> None:
    make, options = EDGES[name]
    result = _quiet(make)
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = _quiet(lambda: result.plot(ax=fig.subplots(), **options))
    _quiet(fig.canvas.draw)
    assert np.isfinite(ax.get_ylim()).all()
    assert np.isfinite(ax.get_xlim()).all()


# --- the checks can fail -------------------------------------------------------------------


def test_the_checks_catch_a_clipped_bar_a_covering_legend_and_bare_money() -> None:
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.bar([0, 1], [160_000, 90_000], label="mrr")
    ax.plot([0, 1], [150_000, 80_000], "o", label="points")
    ax.set_ylim(0, 100_000)                  # cuts the first bar
    ax.legend(loc="upper right")             # over the data
    ax.set_xticks([0, 0.02], ["a long label", "another long one"])
    problems = check_chart(fig, ax, "USD")
    assert any("ends outside the view" in p for p in problems)
    assert any("legend covers" in p for p in problems)
    assert any("overlap" in p for p in problems)
    assert any("money ticks" in p for p in problems)


# --- the formatter, worked by hand -----------------------------------------------------------


@pytest.mark.parametrize(("value", "currency", "text"), [
    (160_000, "USD", "$160k"),          # 160,000 = 160 thousands
    (1_250_000, "EUR", "€1.25M"),       # 1.25 millions, 3 significant digits
    (1_234_567, "EUR", "€1.23M"),       # 1.234567 M to 3 digits
    (3_400_000, "JPY", "¥3.4M"),        # trailing zero of 3.40 dropped
    (12_000, "CHF", "CHF 12k"),         # no common symbol: the code and a space
    (999_999, "USD", "$1M"),            # rounds to 1,000k, which is 1M
    (950, "GBP", "£950"),               # below a thousand: no unit
    (-12_500, "USD", "-$12.5k"),        # the sign first
    (2_500_000_000, "USD", "$2.5B"),
    (0, "USD", "$0"),
])
def test_compact_money_by_hand(value: float, currency: str, text: str) -> None:
    assert compact_money(value, currency) == text


def test_compact_money_of_nan_is_a_dash() -> None:
    assert compact_money(float("nan"), "USD") == "\u2014"


def test_ticks_share_one_unit_and_stay_distinct() -> None:
    # 0..1.5M in steps of 250k: the largest tick is in millions, steps need 2 decimals.
    assert money_ticks([0, 250_000, 500_000, 750_000, 1_000_000, 1_250_000, 1_500_000],
                       "EUR") == ["€0", "€0.25M", "€0.5M", "€0.75M", "€1M", "€1.25M", "€1.5M"]
    assert money_ticks([1_000_000, 1_002_000, 1_004_000], "USD") == [
        "$1M", "$1.002M", "$1.004M"]
    assert percent_ticks([-0.05, 0.0, 0.05, 0.1]) == ["-5%", "0%", "5%", "10%"]
    assert percent_ticks([0.9, 0.925, 0.95]) == ["90%", "92.5%", "95%"]


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.sampled_from(["USD", "EUR", "CHF", "JPY"]))
def test_compact_money_reads_back_within_its_three_digits(value: float, currency: str) -> None:
    text = compact_money(value, currency)
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("-").removeprefix(currency_prefix(currency))
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}.get(body[-1], 1.0)
    number = float(body[:-1] if body[-1] in "kMB" else body)
    assert number < 1000 or body[-1] == "B"      # never "1000k": that is "1M"
    # 3 significant digits: off by at most half a unit of the third digit.
    assert sign * number * scale == pytest.approx(value, rel=5e-3, abs=5e-3)


@pytest.mark.parametrize("seed", range(20))
def test_tick_labels_are_distinct_for_distinct_nice_ticks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    step = float(rng.choice([1, 2, 2.5, 5])) * 10.0 ** int(rng.integers(0, 8))
    start = step * int(rng.integers(-5, 20))
    ticks = [start + k * step for k in range(6)]
    labels = money_ticks(ticks, "USD")
    assert len(set(labels)) == len(labels), (ticks, labels)


# --- the API ---------------------------------------------------------------------------------


def test_every_result_with_a_natural_chart_has_plot() -> None:
    for cls in (cm.MRRMovements, cm.MRRSeries, cm.RetentionSeries, cm.CohortTable,
                cm.SurvivalCurve, cm.ShiftedBetaGeometric, cm.NetPromoterScore,
                cm.CustomerSatisfactionScore, cm.CustomerEffortScore, cm.SurveyTrend,
                cm.HealthRollup, cm.AtRiskAccounts, cm.HealthTrend, cm.ChurnBreakdown,
                cm.HealthBacktest, cm.SlaAttainment, cm.TicketTimes):
        assert callable(getattr(cls, "plot", None)), cls.__name__


def test_the_plot_namespace_has_every_chart_under_a_short_name() -> None:
    import csmetrics.plotting as plotting

    names = {"mrr_bridge": "plot_mrr_bridge", "movements": "plot_mrr_movements",
             "mrr_series": "plot_mrr_series", "retention": "plot_retention_trend",
             "cohorts": "plot_cohort_table", "survival": "plot_survival_curve",
             "sbg": "plot_sbg_projection", "nps": "plot_nps",
             "survey_estimate": "plot_survey_estimate", "csat": "plot_survey_estimate",
             "ces": "plot_survey_estimate", "survey_trend": "plot_survey_trend",
             "health_bands": "plot_health_bands", "at_risk": "plot_at_risk",
             "health_transitions": "plot_health_transitions", "renewals": "plot_renewals",
             "churn_reasons": "plot_churn_breakdown", "backtest": "plot_backtest",
             "sla_attainment": "plot_sla_attainment", "ticket_times": "plot_ticket_times",
             "churn_drivers": "plot_churn_drivers", "mrr_forecast": "plot_mrr_forecast",
             "key_drivers": "plot_key_drivers"}
    assert sorted(cm.plot.__all__) == sorted(names)
    for short, long in names.items():
        assert getattr(cm.plot, short) is getattr(plotting, long)
    assert set(names.values()) == set(plotting.__all__)
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = cm.plot.mrr_bridge(cm.mrr_movements(_subs(), *W), ax=fig.subplots())
    assert ax.get_xticklabels()[0].get_text() == "start"


def test_the_chart_table_of_the_docs_names_real_charts() -> None:
    from tools_loader import gen_api

    gen = gen_api()
    with_plot = {n for n in cm.__all__ if isinstance(getattr(cm, n), type)
                 and callable(getattr(getattr(cm, n), "plot", None))}
    assert set(gen.CHART_NAMES) == with_plot
    for names in gen.CHART_NAMES.values():
        assert all(n in cm.plot.__all__ for n in names.split(", "))


def test_importing_csmetrics_and_its_plot_namespace_does_not_import_matplotlib() -> None:
    code = ("import sys, csmetrics as cm; a = 'matplotlib' in sys.modules; cm.plot.nps; "
            "print(a, 'matplotlib' in sys.modules, 'csmetrics.plot' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False", "True"]


def test_new_charts_without_matplotlib_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(cm.MissingDependencyError, match=r"pip install 'csmetrics\[plot\]'"):
        cm.plot.at_risk(cm.at_risk(_scores()))
    with pytest.raises(cm.MissingDependencyError, match="plot_mrr_series"):
        cm.mrr_series(_subs(), *W).plot()


def test_charts_of_a_split_result_say_what_to_do() -> None:
    split = cm.nrr_series(_subs(), *W, by="interval")
    with pytest.raises(cm.InvalidParameterError, match="segment="):
        split.plot()
    with pytest.raises(cm.InvalidParameterError, match="no segment 'nope'"):
        split.plot(segment="nope")
    with pytest.raises(cm.InvalidParameterError, match="not split by segment"):
        cm.nrr_series(_subs(), *W).plot(segment="x")
    with pytest.raises(cm.InvalidParameterError, match=r"row\(label\)"):
        cm.net_promoter_score([9, 3, 10], by=["a", "b", "a"]).plot()
    with pytest.raises(cm.InvalidParameterError, match="top"):
        cm.at_risk(_scores()).plot(top=0)


def test_a_segment_of_the_bridge_is_that_segments_bridge() -> None:
    split = cm.mrr_movements(_subs(), *W, by="plan")
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = split.plot(segment="pro", ax=fig.subplots())
    rows = np.asarray(split["plan"], dtype=object) == "pro"
    start = float(np.asarray(split["starting_mrr"])[rows][0])
    assert ax.texts[0].get_text() == compact_money(start, "USD")


# --- mrr_series: the result class and wide -------------------------------------------------


def test_mrr_series_is_an_mrr_series_and_still_a_metric_result() -> None:
    s = cm.mrr_series(_subs(), *W)
    assert type(s) is cm.MRRSeries
    assert isinstance(s, cm.MetricResult)
    assert s.column_names == ("period", "mrr", "customers")
    assert s.periods == tuple(str(p) for p in cm.period_range(*W))
    assert float(s["mrr"][-1]) == pytest.approx(
        float(cm.mrr(_subs(), "2024-12")))


def test_wide_mrr_series_has_one_column_per_segment() -> None:
    long = cm.mrr_series(_subs(), *W, by="plan")
    wide = cm.mrr_series(_subs(), *W, by="plan", wide=True)
    plans = list(dict.fromkeys(np.asarray(long["plan"], dtype=object).tolist()))
    assert wide.column_names == ("period", *plans)
    assert len(wide) == 12
    assert wide.wide
    assert wide.money == tuple(plans)
    for plan in plans:
        rows = np.asarray(long["plan"], dtype=object) == plan
        assert wide[plan].tolist() == np.asarray(long["mrr"])[rows].tolist()
    # Each row adds up to the portfolio's MRR at that period end.
    total = np.sum([wide[p] for p in plans], axis=0)
    assert total == pytest.approx(np.asarray(cm.mrr_series(_subs(), *W)["mrr"]))
    assert "pro" in str(wide).splitlines()[1]


def test_wide_without_by_is_refused_with_the_reason() -> None:
    with pytest.raises(cm.InvalidParameterError, match="needs by="):
        cm.mrr_series(_subs(), *W, wide=True)
    with pytest.raises(cm.InvalidParameterError, match="wide"):
        cm.mrr_series(_subs(), *W, by="plan", wide="yes")  # type: ignore[arg-type]


def test_wide_series_of_the_cluster_engine_is_the_local_one() -> None:
    pa = pytest.importorskip("pyarrow")
    from csmetrics.cluster import LocalEngine, metric

    cols = cm.datasets.synthetic_columns(300, months=12, seed=1)
    fn = metric("mrr_series", lambda d, k, p: LocalEngine(d, k, 3), "local")
    got = fn(pa.table(cols), "2024-01", "2024-06", by="plan", wide=True)
    want = cm.mrr_series(cols, "2024-01", "2024-06", by="plan", wide=True)
    assert type(got) is cm.MRRSeries
    assert got.to_dict() == want.to_dict()


def test_a_survey_trend_month_without_neighbours_shows_its_interval() -> None:
    """A band joins neighbouring months; a month alone (answers in March and May only) gets
    its interval as a bar, or it would show as a bare point (seen in the Stripe report)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    table = cm.SurveyTable.from_columns({
        "customer_id": ["a", "b", "c", "d"], "survey": ["nps"] * 4, "score": [10, 3, 9, 6],
        "submitted_at": ["2024-03-05", "2024-03-09", "2024-05-02", "2024-05-20"]})
    trend = cm.survey_trend(table, "2024-03", "2024-05", metric="nps")
    ax = Figure(figsize=(8, 3.6), layout="constrained").subplots()
    trend.plot(ax=ax)
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars) == 1
    segments = bars[0].get_segments()
    assert [round(float(s[0][0])) for s in segments] == [0, 2]     # March and May, not April
    lows = [float(v) for v in np.asarray(trend["ci_low"])[[0, 2]]]
    assert sorted(round(float(s[0][1]), 6) for s in segments) == sorted(round(v, 6) for v in lows)
