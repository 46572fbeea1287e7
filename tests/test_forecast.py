"""mrr_forecast and forecast_backtest against hand workings, the published sBG fit and a
simulated stationary history."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.datasets import demo_portfolio


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _book() -> list[cm.Subscription]:
    S = cm.Subscription
    return [
        S(customer_id="a", start="2024-01-01", end="2025-03-01", amount=100),   # ends: known
        S(customer_id="b", start="2024-06-01", end="2025-06-01", amount=1200, interval="year"),
        S(customer_id="c", start="2023-06-01", amount=50),                      # open-ended
        S(customer_id="d", start="2025-02-01", end="2025-04-01", amount=30),    # booked
        S(customer_id="e", start="2025-02-01", amount=90, interval="quarter"),  # booked, open
    ]


def test_committed_mrr_follows_the_known_spans_by_hand() -> None:
    fc = cm.mrr_forecast(_book(), "2025-01", 5)
    # Jan: a 100 + b 1200/12; Feb: + d 30 + e 90/3 (its first quarter, to 1 May, is
    # contracted); Mar: a ended on 1 March; Apr: d ended on 1 April; May: e's first term is
    # over, b runs to 1 June.
    assert fc["committed"].tolist() == pytest.approx([200, 260, 160, 130, 100])
    # No churn in the history: c's open-ended 50 is retained whole, with no expansion, and
    # e's 30 from May.
    assert fc["retained"].tolist() == pytest.approx([50, 50, 50, 50, 80])
    # New MRR in the window (2024-01..2024-12): a 100 in January, b 100 in June: 200 / 12 a
    # month; the bookings of February (d and e, 60) cover that month's rate; S = 1, so the
    # new MRR accumulates.
    rate = 200 / 12
    assert fc["new"].tolist() == pytest.approx([rate, rate, 2 * rate, 3 * rate, 4 * rate])
    assert fc["mrr"].tolist() == pytest.approx(
        (fc["committed"] + fc["retained"] + fc["new"]).tolist())
    assert fc.origin == "2024-12-31"
    assert fc.history["mrr"][-1] == pytest.approx(250.0)   # a + b + c on 31 December


def test_cancel_at_makes_an_open_span_committed_until_it() -> None:
    table = cm.SubscriptionTable.from_records(_book())
    cancel = np.full(len(table), np.datetime64("NaT"), dtype="datetime64[D]")
    cancel[table.customer_codes == 2] = np.datetime64("2025-03-01")   # customer c
    object.__setattr__(table, "cancel_at", cancel)  # the optional column of a newer table
    fc = cm.mrr_forecast(table, "2025-01", 3)
    assert fc["committed"].tolist() == pytest.approx([250, 310, 160])
    assert fc["retained"].tolist() == pytest.approx([0, 0, 0])


def _fader_hardie_regular() -> list[cm.Subscription]:
    # Fader and Hardie (2007), 'regular' customers: 1000 at the start, survivors after
    # periods 1..7: 631, 468, 382, 326, 289, 262, 241. Months here: a customer lost in
    # period t ends on the first day of month t + 1.
    survivors = [1000, 631, 468, 382, 326, 289, 262, 241]
    subs = []
    cid = 0
    for t in range(1, 8):
        end = f"2017-{t + 1:02d}-01"
        for _ in range(survivors[t - 1] - survivors[t]):
            subs.append(cm.Subscription(customer_id=cid, start="2017-01-01", end=end, amount=10))
            cid += 1
    for _ in range(241):
        subs.append(cm.Subscription(customer_id=cid, start="2017-01-01", amount=10))
        cid += 1
    return subs


def test_sbg_forecast_uses_the_published_fit() -> None:
    fc = _quiet(cm.mrr_forecast, _fader_hardie_regular(), "2017-09", 2, method="sbg")
    # Published estimates: alpha = 0.704, beta = 1.182 (Fader and Hardie 2007, Table 1).
    assert fc.parameters["alpha"] == pytest.approx(0.704, abs=1e-3)
    assert fc.parameters["beta"] == pytest.approx(1.182, abs=1e-3)
    # 241 customers at tenure 7; r_t = (beta + t - 1) / (alpha + beta + t - 1).
    a, b = 0.704, 1.182
    r8, r9 = (b + 7) / (a + b + 7), (b + 8) / (a + b + 8)
    assert fc["retained"].tolist() == pytest.approx([2410 * r8, 2410 * r8 * r9], rel=2e-4)


def test_cohort_forecast_is_the_life_table_by_hand() -> None:
    subs = _fader_hardie_regular()
    fc = _quiet(cm.mrr_forecast, subs, "2017-09", 1, method="cohort", window="3M")
    # Window June..August: tenure 5 (June) 326 at risk, 37 lost; tenure 6 (July) 289, 27;
    # tenure 7 (August) 262, 21. The survivors face tenure 8, with nobody at risk in the
    # window: a thin tenure, and the thin ones hold no exposure, so it takes the overall rate.
    q = (37 + 27 + 21) / (326 + 289 + 262)
    assert fc.parameters["pooled_churn_rate"] == pytest.approx(q)
    assert fc["retained"][0] == pytest.approx(2410 * (1 - q))


def test_interval_brackets_the_point_and_is_reproducible() -> None:
    subs = demo_portfolio()
    a = cm.mrr_forecast(subs, "2025-01", 6, seed=3)
    b = cm.mrr_forecast(subs, "2025-01", 6, seed=3)
    assert a["lower"].tolist() == b["lower"].tolist()
    assert (a["lower"] <= a["mrr"]).all()
    assert (a["mrr"] <= a["upper"]).all()
    wide = cm.mrr_forecast(subs, "2025-01", 6, seed=3, confidence=0.9)
    assert (wide["upper"] - wide["lower"] >= a["upper"] - a["lower"]).all()
    # The interval widens with the horizon.
    assert np.all(np.diff(a["upper"] - a["lower"]) > 0)


def test_segments_each_get_a_forecast() -> None:
    subs = demo_portfolio()
    whole = cm.mrr_forecast(subs, "2025-01", 2)
    split = cm.mrr_forecast(subs, "2025-01", 2, by="plan")
    assert split.segment_column == "plan"
    assert len(split) == 2 * len(set(split["plan"].tolist()))
    # The retained book of the customers is the same split or not (one shared model, no
    # expansion term differs in month 1 only through the segments' own rates).
    assert split["committed"].sum() == pytest.approx(whole["committed"].sum())


def test_no_history_is_nan_with_a_warning() -> None:
    subs = [cm.Subscription(customer_id="a", start="2025-01-15", amount=10)]
    with pytest.warns(cm.UndefinedMetricWarning, match="mrr_forecast"):
        fc = cm.mrr_forecast(subs, "2025-01", 2)
    assert np.isnan(fc["mrr"]).all()


def test_bad_options_are_refused() -> None:
    with pytest.raises(cm.InvalidParameterError, match=r"^mrr_forecast: horizon must be"):
        cm.mrr_forecast(_book(), "2025-01", 0)
    with pytest.raises(cm.InvalidParameterError, match=r"^mrr_forecast: method must be"):
        cm.mrr_forecast(_book(), "2025-01", 2, method="arima")
    with pytest.raises(cm.InvalidParameterError, match="window"):
        cm.mrr_forecast(_book(), "2025-01", 2, window="30D")
    with pytest.raises(cm.InvalidParameterError, match="end"):
        cm.forecast_backtest(_book(), "2024-06", "2024-01")


def test_result_displays_and_converts() -> None:
    fc = cm.mrr_forecast(_book(), "2025-01", 2, by={"a": "<b>x</b>", "c": "y"})
    assert "&lt;b&gt;" in fc._repr_html_()
    assert "<b>x" not in fc._repr_html_()
    assert repr(fc).startswith("MRRForecast(")
    assert "\n" not in repr(fc)
    assert list(fc.to_dict())[:3] == ["segment", "period", "mrr"]
    assert fc.to_pandas().index.names == ["segment", "period"]
    assert fc.to_polars().shape == (len(fc), len(fc.column_names))
    with pytest.raises(AttributeError):
        fc.method = "sbg"  # type: ignore[misc]


def test_plot_draws_history_and_fan() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = cm.mrr_forecast(demo_portfolio(), "2025-01", 3, by="plan").plot(segment="pro")
    assert {"forecast", "history"} <= {line.get_label() for line in ax.get_lines()}
    with pytest.raises(cm.InvalidParameterError, match="segment"):
        cm.mrr_forecast(demo_portfolio(), "2025-01", 3, by="plan").plot()


# --- the backtest --------------------------------------------------------------------------


def test_backtest_sees_nothing_after_each_origin() -> None:
    subs = demo_portfolio()
    bt = cm.forecast_backtest(subs, "2024-07", "2024-09", 2, simulations=200)
    # By hand: the table as known on 30 June 2024: later spans out, later ends open.
    cols = subs.to_dict()
    origin = np.datetime64("2024-06-30")
    start = np.array(cols["start"], dtype="datetime64[D]")
    end = np.array([np.datetime64("NaT") if e is None else e for e in cols["end"]],
                   dtype="datetime64[D]")
    keep = start <= origin
    known = {k: np.asarray(v, dtype=object)[keep] for k, v in cols.items()}
    known["end"] = np.where(end[keep] > origin, None, known["end"])
    if "cancel_at" in known:   # a scheduled cancellation after the origin is not known yet
        cancel = np.array([np.datetime64("NaT") if c is None else c for c in known["cancel_at"]],
                          dtype="datetime64[D]")
        known["cancel_at"] = np.where(cancel > origin, None, known["cancel_at"])
    fc = _quiet(cm.mrr_forecast, known, "2024-07", 2)
    first = bt.details["origin"] == "2024-06-30"
    assert bt.details["mrr"][first].tolist() == pytest.approx(fc["mrr"].tolist())


def test_backtest_scores_by_hand() -> None:
    stats = pytest.importorskip("statsmodels.stats.proportion")
    subs = demo_portfolio()
    bt = cm.forecast_backtest(subs, "2024-01", "2024-12", 3, simulations=300)
    d = bt.details
    # Actuals are the MRR series (another code path).
    series = cm.mrr_series(subs, "2023-01", "2024-12")
    actual = dict(zip(series["period"].tolist(), series["mrr"].tolist(), strict=True))
    assert d["actual"].tolist() == pytest.approx([actual[p] for p in d["period"].tolist()])
    # MASE scale: mean |one-month change| over the 12 months before start (2023-01..2023-12
    # against their previous month ends, 2022-12..2023-11).
    hist = cm.mrr_series(subs, "2022-12", "2023-12")["mrr"]
    scale = np.abs(np.diff(hist)).mean()
    for step in (1, 2, 3):
        rows = d["step"] == step
        err = d["mrr"][rows] - d["actual"][rows]
        covered = int(((d["actual"] >= d["lower"]) & (d["actual"] <= d["upper"]))[rows].sum())
        n = int(rows.sum())
        row = {k: bt[k][step - 1] for k in bt.column_names}
        assert row["forecasts"] == n == 13 - step
        assert row["covered"] == covered
        assert row["mean_error"] == pytest.approx(err.mean())
        assert row["mape"] == pytest.approx(np.mean(np.abs(err) / d["actual"][rows]))
        assert row["mase"] == pytest.approx(np.abs(err).mean() / scale)
        lo, hi = stats.proportion_confint(covered, n, alpha=0.05, method="wilson")
        assert (row["coverage_lower"], row["coverage_upper"]) == pytest.approx((lo, hi))


def _stationary_history(rng: np.random.Generator, months: int = 30) -> dict[str, np.ndarray]:
    # 250 customers at the start, Poisson(15) new a month, churn 4% a month (geometric
    # lifetimes), lognormal prices: a stationary process the model's assumptions hold for.
    n_new = rng.poisson(15, months)
    start = np.concatenate([np.zeros(250, int), np.repeat(np.arange(1, months + 1), n_new)])
    end = start + rng.geometric(0.04, start.size)
    base = np.datetime64("2020-01", "M")
    e = (base + end).astype("datetime64[D]")
    return {"customer_id": np.arange(start.size),
            "start": (base + start).astype("datetime64[D]"),
            "end": np.where(end > months + 6, np.datetime64("NaT"), e),
            "amount": np.round(rng.lognormal(4.0, 0.6, start.size), 2)}


def test_interval_coverage_on_a_simulated_stationary_history_is_nominal() -> None:
    rng = np.random.default_rng(11)
    covered: list[bool] = []
    for r in range(40):  # independent histories; three origins each
        bt = cm.forecast_backtest(_stationary_history(rng), "2022-04", "2022-06", 3,
                                  simulations=300, seed=r)
        covered.extend(bt.details["covered"].tolist())
    share = float(np.mean(covered))
    # 240 forecasts: a standard error of about 0.026 around the nominal 0.8.
    assert len(covered) == 240
    assert abs(share - 0.8) < 0.08, share


def test_backtest_coverage_is_a_fraction_per_step() -> None:
    bt = cm.forecast_backtest(demo_portfolio(), "2024-10", "2024-12", 2, simulations=200)
    assert bt["step"].tolist() == [1, 2]
    assert bt["forecasts"].tolist() == [3, 2]
    assert all(0 <= c <= 1 for c in bt["coverage"].tolist())
    assert not math.isnan(bt["mase"][0])


def test_each_currency_is_its_own_forecast() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    cols = cm.datasets.synthetic_columns(60, months=24, seed=1, currencies=("USD", "JPY"))
    with pytest.raises(cm.CurrencyMismatchError, match=r"^mrr_forecast: "):
        cm.mrr_forecast(cols, "2024-01", 2)
    fc = _quiet(cm.mrr_forecast, cols, "2024-01", 2, by="currency", simulations=200)
    assert fc.segment_currencies == {"JPY": "JPY", "USD": "USD"}
    assert fc.digits.tolist() == [0, 0, 2, 2]   # yen have no minor unit
    assert fc.plot(segment="JPY").get_ylabel() == "MRR (JPY)"


@st.composite
def _portfolios(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(st.integers(3, 25))
    start = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)))
    length = np.array(draw(st.lists(st.integers(1, 30), min_size=n, max_size=n)))
    base = np.datetime64("2023-01", "M")
    end = (base + start + length).astype("datetime64[D]")
    return {"customer_id": np.arange(n) % max(2, n // 2),
            "subscription_id": np.arange(n),
            "start": (base + start).astype("datetime64[D]"),
            "end": np.where(start + length > 26, np.datetime64("NaT"), end),
            "amount": np.array(draw(st.lists(st.integers(1, 500), min_size=n, max_size=n)),
                               dtype=float)}


@settings(max_examples=15, deadline=None)
@given(_portfolios(), st.randoms(use_true_random=False))
def test_parts_add_up_and_row_order_does_not_matter(cols: dict[str, np.ndarray],
                                                    shuffle: Any) -> None:
    order = list(range(len(cols["start"])))
    shuffle.shuffle(order)
    a = _quiet(cm.mrr_forecast, cols, "2024-10", 3, simulations=100)
    b = _quiet(cm.mrr_forecast, {k: v[order] for k, v in cols.items()}, "2024-10", 3,
               simulations=100)
    assert a["period"].tolist() == b["period"].tolist()
    for name in ("mrr", "lower", "upper", "committed", "retained", "new"):
        assert np.allclose(a[name], b[name], equal_nan=True), name
    finite = np.isfinite(a["mrr"])
    total = a["committed"] + a["retained"] + a["new"]
    assert np.allclose(a["mrr"][finite], total[finite])
    assert (a["lower"][finite] <= a["upper"][finite]).all()


def test_committed_mrr_of_a_customer_mappings_segments_adds_up() -> None:
    subs = _book()
    whole = cm.mrr_forecast(subs, "2025-01", 5)
    split = cm.mrr_forecast(subs, "2025-01", 5, by={"a": "x", "b": "y", "d": "x"})
    assert sorted(set(split["segment"].tolist())) == ["(none)", "x", "y"]   # c, e unmapped
    summed = np.zeros(5)
    for label in ("(none)", "x", "y"):
        summed += split["committed"][split["segment"] == label]
    assert summed.tolist() == pytest.approx(whole["committed"].tolist())
