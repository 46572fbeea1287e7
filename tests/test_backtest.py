"""Churn outcomes after a date and the health backtest.

References: hand-worked subscription histories (the days counted on a calendar in the
comments), the public MRR bridge (``mrr_movements``, whose churn the outcomes must agree
with), a naive day-by-day pure-Python oracle on hypothesis data, lifelines'
``concordance_index`` for Harrell's C and an O(n^2) pairwise count for the AUC.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.statistics import multivariate_logrank_test

import csmetrics as cm
from csmetrics import Subscription, health_backtest
from csmetrics.exceptions import (
    CurrencyMismatchError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.health.outcomes import churn_outcomes, horizon_end

# --- churn outcomes ----------------------------------------------------------------------


def sub(cid: str, start: str, end: str | None, amount: float, currency: str = "USD"
        ) -> Subscription:
    return Subscription(customer_id=cid, start=start, end=end, amount=amount,
                        currency=currency)


def test_outcomes_by_hand() -> None:
    subs = [
        sub("churns", "2023-01-01", "2024-02-15", 100),       # gone 15 Feb: 31 + 15 = 46 days
        sub("gap", "2023-01-01", "2024-01-10", 40),           # a gap inside January: renewed
        sub("gap", "2024-01-20", None, 40),                   # before the month end, no churn
        sub("returns", "2023-05-01", "2024-03-01", 60),       # gone 1 March (61 days) ...
        sub("returns", "2024-05-01", None, 60),               # ... and back in May
        sub("down", "2023-01-01", None, 30),
        sub("down", "2023-01-01", "2024-04-01", 20),          # 50 -> 30: contraction
        sub("late", "2024-02-01", None, 10),                  # not paying at `at`
        sub("edge", "2023-01-01", "2024-06-30", 10),          # gone on the horizon's last day
    ]
    out = churn_outcomes(subs, "2023-12", horizon=6)
    got = {c: i for i, c in enumerate(out["customer_id"].tolist())}
    assert sorted(got) == ["churns", "down", "edge", "gap", "returns"]  # "late" is left out
    row = {c: {k: out[k].tolist()[i] for k in out.columns} for c, i in got.items()}
    assert row["churns"]["churned"]
    assert row["churns"]["days"] == 46
    assert not row["gap"]["churned"]
    assert row["gap"]["days"] == 182
    assert row["returns"]["churned"]
    assert row["returns"]["days"] == 31 + 29 + 1
    assert row["returns"]["returned"]
    assert not row["returns"]["contracted"]
    assert not row["down"]["churned"]
    assert row["down"]["contracted"]
    assert (row["down"]["mrr_at"], row["down"]["mrr_at_horizon"]) == (50.0, 30.0)
    assert row["edge"]["churned"]
    assert row["edge"]["days"] == 182
    assert row["churns"]["contracted"]
    assert row["churns"]["mrr_at_horizon"] == 0.0
    assert out.horizon_end == "2024-06-30"
    assert out.at == "2023-12-31"


def test_outcomes_censored_at_the_data_edge() -> None:
    # The latest date in the data is 1 March 2024: an account still paying is followed to
    # there (61 days from 31 Dec), not to the horizon end.
    subs = [sub("a", "2023-01-01", None, 10), sub("b", "2023-01-01", "2024-03-01", 10)]
    out = churn_outcomes(subs, "2023-12", horizon=12)
    assert out["churned"].tolist() == [False, True]
    assert out["days"].tolist() == [61, 61]
    assert out.follow_up_end == "2024-03-01"


def test_outcomes_agree_with_the_bridge() -> None:
    demo = cm.datasets.demo_portfolio()
    out = churn_outcomes(demo, "2024-03", horizon=6)
    details = cm.mrr_movements(demo, "2024-04", "2024-09", by="customer_id").details()
    churn = details["customer_id"][details["movement"] == "churn"]
    paying = cm.mrr(demo, "2024-03", by="customer_id")
    at_risk = set(np.asarray(paying["customer_id"])[np.asarray(paying["mrr"]) > 0].tolist())
    assert set(out["customer_id"].tolist()) == at_risk
    expected = set(churn.tolist()) & at_risk
    assert set(out["customer_id"][out["churned"]].tolist()) == expected
    assert out["churned"].sum() > 0


def test_outcomes_follow_the_policy_on_free_accounts() -> None:
    subs = [sub("a", "2023-01-01", "2024-02-01", 10), sub("a", "2024-02-01", None, 0)]
    assert churn_outcomes(subs, "2023-12", horizon=3)["churned"].tolist() == [True]
    free = cm.MetricPolicy(free_customers="customers")
    kept = churn_outcomes(subs, "2023-12", horizon=3, policy=free)
    assert kept["churned"].tolist() == [False]
    assert kept["contracted"].tolist() == [True]


def test_outcomes_refuse_bad_options_and_mixed_currencies() -> None:
    subs = [sub("a", "2023-01-01", None, 10)]
    for bad in (0, 2.5, True, "6M", None):
        with pytest.raises(InvalidParameterError, match="horizon"):
            churn_outcomes(subs, "2023-12", horizon=bad)  # type: ignore[arg-type]
    mixed = [*subs, sub("a", "2023-01-01", None, 10, "EUR")]
    with pytest.raises(CurrencyMismatchError, match="'a'"):
        churn_outcomes(mixed, "2023-12", horizon=3)


def test_outcomes_of_nothing() -> None:
    out = churn_outcomes({"customer_id": [], "start": [], "amount": []}, "2023-12", horizon=3)
    assert len(out) == 0
    assert next(iter(out.columns)) == "customer_id"
    assert "0 accounts" in repr(out)


def test_horizon_end() -> None:
    d = np.datetime64
    assert horizon_end(d("2024-01-31"), 1) == d("2024-02-29")
    assert horizon_end(d("2024-01-30"), 1) == d("2024-02-29")
    assert horizon_end(d("2024-01-15"), 3) == d("2024-04-15")
    assert horizon_end(d("2024-04-30"), 1) == d("2024-05-31")


def _naive(spans: list[tuple[int, int, int | None, int]], at: dt.date, months: int
           ) -> dict[int, tuple[bool, int, int, int]]:
    """Day by day: MRR on a day sums the spans with start <= day < end; an account leaves on
    the first day its MRR is 0 and it stays 0 to the next month end (or the horizon end)."""
    end = horizon_end(np.datetime64(at), months).astype(dt.date)
    n = (end - at).days
    edge = max([s for _, s, _, _ in spans] + [e for _, _, e, _ in spans if e is not None])
    follow = min(max((dt.date(2020, 1, 1) + dt.timedelta(edge) - at).days, 0), n)
    out = {}
    for c in {c for c, _, _, _ in spans}:
        def mrr(k: int, c: int = c) -> int:
            day = (at - dt.date(2020, 1, 1)).days + k
            return sum(a for cc, s, e, a in spans if cc == c and s <= day
                       and (e is None or day < e))
        if mrr(0) <= 0:
            continue
        days = [at + dt.timedelta(k) for k in range(n + 1)]
        month_end = [k for k in range(1, n + 1)
                     if (days[k] + dt.timedelta(1)).day == 1 or k == n]
        churn = None
        for k in range(1, n + 1):
            if mrr(k - 1) > 0 and mrr(k) == 0:
                m = next(j for j in month_end if j >= k)
                if all(mrr(j) == 0 for j in range(k, m + 1)):
                    churn = k
                    break
        out[c] = (churn is not None, follow if churn is None else churn, mrr(0), mrr(n))
    return out


span = st.tuples(st.integers(0, 3), st.integers(1400, 1700),
                 st.one_of(st.none(), st.integers(1, 200)), st.integers(0, 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(span, min_size=1, max_size=8), st.integers(1, 4))
def test_outcomes_match_a_day_by_day_oracle(raw: list[Any], months: int) -> None:
    spans = [(c, s, None if e is None else s + e, a) for c, s, e, a in raw]
    base = dt.date(2020, 1, 1)
    subs = [sub(f"c{c}", str(base + dt.timedelta(s)), None if e is None
                else str(base + dt.timedelta(e)), a) for c, s, e, a in spans]
    at = dt.date(2024, 1, 31)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = churn_outcomes(subs, at, horizon=months)
    naive = _naive(spans, at, months)
    got = {int(c[1:]): (bool(ch), int(d), round(m0), round(mh)) for c, ch, d, m0, mh in zip(
        out["customer_id"].tolist(), out["churned"].tolist(), out["days"].tolist(),
        out["mrr_at"].tolist(), out["mrr_at_horizon"].tolist(), strict=True)}
    assert got == naive


# --- discrimination kernels ----------------------------------------------------------------

from lifelines.utils import concordance_index  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

from csmetrics._kernels import discrimination as kd  # noqa: E402
from csmetrics.health import HealthScorecard, Linear, Measure  # noqa: E402


def _pairwise_c(time: Any, event: Any, score: Any) -> float:
    """Harrell's C by every pair: comparable when the shorter time is an event (an event
    and a censoring at one time: the censored one lived longer), score ties 1/2."""
    num = den = 0.0
    n = len(time)
    for i in range(n):
        for j in range(n):
            if not event[i] or i == j:
                continue
            if time[i] < time[j] or (time[i] == time[j] and not event[j]):
                den += 1
                num += 1.0 if score[j] > score[i] else 0.5 if score[j] == score[i] else 0.0
    return num / den if den else float("nan")


def _pairwise_auc(score: Any, positive: Any) -> float:
    pos = [s for s, p in zip(score, positive, strict=True) if p]
    neg = [s for s, p in zip(score, positive, strict=True) if not p]
    wins = sum(1.0 if a < b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.integers(0, 4)),
                min_size=2, max_size=30))
def test_concordance_counts_every_pair(rows: list[Any]) -> None:
    time, event, score = (np.array(c) for c in zip(*rows, strict=True))
    c = kd.concordance(time, event.astype(bool), score.astype(float))
    expected = _pairwise_c(time, event, score)
    assert c.index == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("seed", range(4))
def test_concordance_as_lifelines(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 500
    score = np.round(rng.normal(size=n), 1)             # ties in the score
    time = rng.integers(1, 60, n) + (score > 0) * 10    # ties in time, and a signal
    event = rng.random(n) < 0.6
    ours = kd.concordance(time, event, score).index
    # lifelines: "predicted_scores: higher means longer survival", as here
    assert ours == pytest.approx(concordance_index(time, score, event), rel=1e-12)


def test_auc_by_hand_and_by_pairs() -> None:
    # churned scores 10, 30, 30; retained 20, 30, 40, 50. Pairs (churned below retained):
    # 10 beats all 4; each 30 ties one 30 (1/2) and beats 40, 50: 2.5 each -> 9 / 12.
    score = np.array([10, 30, 30, 20, 30, 40, 50], dtype=float)
    churned = np.array([1, 1, 1, 0, 0, 0, 0], dtype=bool)
    assert kd.mann_whitney_auc(score, churned) == pytest.approx(9 / 12)
    rng = np.random.default_rng(7)
    s, p = rng.integers(0, 6, 200).astype(float), rng.random(200) < 0.3
    auc = kd.mann_whitney_auc(s, p)
    assert auc == pytest.approx(_pairwise_auc(s, p))
    curve = kd.roc(s, p)   # the trapezoids under the ROC are the same area
    assert np.trapezoid(curve.true_positive_rate, curve.false_positive_rate) == pytest.approx(auc)
    assert (curve.false_positive_rate[[0, -1]] == [0, 1]).all()
    assert np.isnan(kd.mann_whitney_auc(s, np.zeros(200, bool)))


def test_deciles_share_ties() -> None:
    assert kd.score_deciles(np.arange(20.0)).tolist() == [i // 2 + 1 for i in range(20)]
    tied = kd.score_deciles(np.array([1.0, 1.0, 1.0, 1.0, 2.0]))
    assert len(set(tied[:4].tolist())) == 1
    assert tied[4] == 10


# --- the backtest ------------------------------------------------------------------------

CARD = HealthScorecard(measures=[Measure(name="signal", rule=Linear(low=0, high=1))])
AT = np.datetime64("2023-12-31")


def _portfolio(n: int, seed: int) -> tuple[list[Subscription], Any, Any]:
    """Accounts paying since 2023-01-01; after AT each churns with a daily hazard driven by
    its usage: low usage, high hazard (0.05% to 0.6% a day). A late account keeps the
    data's edge past the horizon."""
    rng = np.random.default_rng(seed)
    usage = rng.random(n)
    hazard = 0.0005 + 0.0055 * (1 - usage) ** 2
    churn_after = np.ceil(rng.exponential(1 / hazard)).astype(int)
    ids = [f"acct{i:05d}" for i in range(n)]
    subs = [sub(c, "2023-01-01", None if d > 400 else str(AT + np.timedelta64(int(d), "D")),
                50) for c, d in zip(ids, churn_after, strict=True)]
    subs.append(sub("late", "2025-06-01", None, 10))
    return subs, ids, usage


def test_a_signal_that_drives_churn_is_found_and_noise_is_not() -> None:
    subs, ids, usage = _portfolio(3000, 11)
    real = health_backtest(CARD.score({"customer_id": ids, "signal": usage}), subs, AT,
                           horizon=6)
    assert real["band"].tolist() == ["red", "yellow", "green"]
    rates = real["churn_rate"]
    assert rates[0] > rates[1] > rates[2]               # monotone by band
    assert real["churn_lower"][0] > real["churn_upper"][2]
    assert real.concordance > 0.62
    assert real.auc < 1 - 0.62 or real.auc > 0.62       # lower scores churn: AUC high
    assert real.auc > 0.62
    assert real.logrank.p_value < 1e-6
    noise = np.random.default_rng(99).random(3000)
    fake = health_backtest(CARD.score({"customer_id": ids, "signal": noise}), subs, AT,
                           horizon=6)
    assert abs(fake.concordance - 0.5) < 0.03
    assert abs(fake.auc - 0.5) < 0.04
    assert real.lift["lift"][0] > 1.5 > fake.lift["lift"][0]


def test_the_backtest_by_hand() -> None:
    # a (red) churns on 20 Aug, b (yellow) on 2 Nov, c (green) stays: within 6 months of
    # 30 June 2024 (to 31 Dec) a and b churn, c does not.
    subs = [sub("a", "2024-01-01", "2024-08-20", 10), sub("b", "2024-01-01", "2024-11-02", 10),
            sub("c", "2024-01-01", None, 10), sub("d", "2024-01-01", "2024-03-01", 10),
            sub("e", "2024-01-01", None, 10), sub("f", "2024-01-01", "2024-10-01", 10)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e has no score: the scorecard says so
        scores = CARD.score({"customer_id": ["a", "b", "c", "d", "e", "f"],
                             "signal": [0.1, 0.6, 0.9, 0.2, None, 0.3]})
        bt = health_backtest(scores, subs, "2024-06", horizon=6)
    assert bt["accounts"].tolist() == [2, 1, 1]          # a and f red, b yellow, c green
    assert bt["churned"].tolist() == [2, 1, 0]
    assert (bt.accounts, bt.not_paying, bt.churned) == (4, 1, 3)   # d gone before June
    assert bt.unscored == 1                              # e pays but has no score
    # days: a 51, f 93, b 125, c censored at 184. Every comparable pair is concordant.
    assert bt.comparable_pairs == 3 + 2 + 1
    assert bt.concordance == 1.0
    assert bt.auc == 1.0
    lo, hi = proportion_confint(1, 1, alpha=0.05, method="wilson")
    assert (bt["churn_lower"][1], bt["churn_upper"][1]) == (pytest.approx(lo), 1.0)
    lo, hi = proportion_confint(0, 1, alpha=0.05, method="wilson")
    assert (bt["churn_lower"][2], bt["churn_upper"][2]) == (0.0, pytest.approx(hi))


def test_bands_rates_and_survival_agree_with_the_references() -> None:
    subs, ids, usage = _portfolio(600, 3)
    bt = health_backtest(CARD.score({"customer_id": ids, "signal": usage}), subs, AT,
                         horizon=3, confidence=0.9)
    for i in range(3):
        lo, hi = proportion_confint(bt["churned"][i], bt["accounts"][i], alpha=0.1,
                                    method="wilson")
        assert bt["churn_lower"][i] == pytest.approx(lo)
        assert bt["churn_upper"][i] == pytest.approx(hi)
    out = churn_outcomes(subs, AT, horizon=3)
    band = np.asarray(CARD.score({"customer_id": ids, "signal": usage})["band"])
    keep = np.isin(np.asarray(ids), np.asarray(out["customer_id"]))
    ref = multivariate_logrank_test(np.asarray(out["days"]), band[keep],
                                    np.asarray(out["churned"]))
    assert bt.logrank.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert set(bt.survival["band"].tolist()) == {"red", "yellow", "green"}
    assert bt.survival["time"].max() <= 91


def test_several_dates_stack() -> None:
    subs, ids, usage = _portfolio(400, 5)
    first = CARD.score({"customer_id": ids, "signal": usage})
    later = np.datetime64("2024-01-31")
    one = health_backtest(first, subs, AT, horizon=3)
    two = health_backtest(first, subs, later, horizon=3)
    both = health_backtest({str(AT): first, str(later): first}, subs, horizon=3)
    assert both.accounts == one.accounts + two.accounts
    assert both["churned"].tolist() == (one["churned"] + two["churned"]).tolist()
    assert both.at == (str(AT), str(later))
    pairs = health_backtest([(later, first), (AT, first)], subs, horizon=3)
    assert pairs.at == both.at
    assert pairs.concordance == both.concordance


def test_bad_calls_are_csmetrics_errors() -> None:
    subs, ids, usage = _portfolio(50, 1)
    scores = CARD.score({"customer_id": ids, "signal": usage})
    with pytest.raises(InvalidParameterError, match="at="):
        health_backtest(scores, subs, horizon=3)
    with pytest.raises(InvalidParameterError, match="one score table"):
        health_backtest({AT: scores}, subs, AT, horizon=3)
    with pytest.raises(InvalidParameterError, match="HealthScores"):
        health_backtest({"customer_id": ids}, subs, AT, horizon=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="repeats"):
        health_backtest([(AT, scores), ("2023-12", scores)], subs, horizon=3)
    with pytest.raises(InvalidParameterError, match="horizon"):
        health_backtest(scores, subs, AT, horizon=0)
    with pytest.raises(InvalidParameterError, match="confidence"):
        health_backtest(scores, subs, AT, horizon=3, confidence=95)
    other = HealthScorecard(measures=CARD.measures, bands={"low": "[0, 40]",
                                                           "high": "(40, 100]"})
    with pytest.raises(InvalidParameterError, match="different bands"):
        health_backtest({AT: scores, "2024-01": other.score(
            {"customer_id": ids, "signal": usage})}, subs, horizon=3)
    with pytest.raises(InvalidParameterError):
        health_backtest([], subs, horizon=3)


def test_nothing_to_backtest_is_nan_with_a_warning() -> None:
    subs = [sub("a", "2023-01-01", None, 10), sub("b", "2023-01-01", None, 10)]
    scores = CARD.score({"customer_id": ["a", "b"], "signal": [0.1, 0.9]})
    with pytest.warns(UndefinedMetricWarning, match="Harrell's C is NaN"):
        bt = health_backtest(scores, subs, AT, horizon=3)
    assert np.isnan(bt.concordance)
    assert np.isnan(bt.auc)
    assert np.isnan(bt["churn_rate"][1])        # yellow has no account
    assert bt.churn_rate == 0.0


def test_the_result_displays_converts_and_plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    subs, ids, usage = _portfolio(300, 2)
    labels = [f"<i>{i}</i>" for i in ids]
    subs = [sub(f"<i>{s.customer_id}</i>", str(s.start), None if s.end is None
                else str(s.end), float(s.amount)) for s in subs]
    bt = health_backtest(CARD.score({"customer_id": labels, "signal": usage}), subs, AT,
                         horizon=6)
    assert repr(bt).startswith("HealthBacktest(300 accounts, 1 date, 6 months: C ")
    assert "Harrell's C" in str(bt)
    assert "ROC AUC" in str(bt)
    assert "<i>" not in bt._repr_html_()
    assert list(bt.to_pandas().index.names) == ["band"]
    assert bt.to_dict()["band"] == ["red", "yellow", "green"]
    assert bt.summary()["accounts"] == 300
    assert bt.to_polars().shape[0] == 3
    with pytest.raises(AttributeError):
        bt.auc = 0.5  # type: ignore[misc]
    left, right = bt.plot()
    assert right.get_xlabel() == "retained accounts flagged"
    assert {t.get_text() for t in left.get_legend().get_texts()} == {"red", "yellow", "green"}
    assert bt.plot("roc").get_ylabel() == "churned accounts flagged"
    with pytest.raises(InvalidParameterError, match="kind"):
        bt.plot("pie")
