"""ARR, the average sale price, the renewal calendar and scheduled churn (issue 15).

References are independent: pandas workings of the definitions on random portfolios (ARR,
ASP), renewal calendars worked by hand with the arithmetic written out, and hypothesis
properties (the bridge still closes with scheduled churn; outcomes add up).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics import Subscription as S
from csmetrics.datasets import synthetic_columns

_MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "quarter": 3.0, "year": 12.0}


def _frame(seed: int, n: int = 150) -> pd.DataFrame:
    cols = synthetic_columns(n, months=24, seed=seed, start="2023-01")
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(cols)
    frame["plan"] = rng.choice(["basic", "pro"], len(frame))
    # Some monthly spans on a term contract: a renews_at a year after they start.
    term = (frame["interval"] == "month") & (rng.random(len(frame)) < 0.2)
    frame.loc[term, "renews_at"] = frame.loc[term, "start"] + pd.Timedelta(days=365)
    return frame


def _pandas_customer_mrr(frame: pd.DataFrame, day: pd.Timestamp, rows: Any = None
                         ) -> pd.DataFrame:
    """Each customer's MRR on ``day`` from the definitions: charge / months per interval,
    summed over active spans and rounded to the cent per customer."""
    f = frame if rows is None else frame[rows]
    active = (f["start"] <= day) & (f["end"].isna() | (f["end"] > day))
    f = f[active]
    months = f["interval"].map(_MONTHS) * f["interval_count"]
    row = f["amount"] * f["quantity"] * (1 - f["discount"]) / months
    return row.groupby([f["customer_id"], f["plan"]]).sum().round(2).reset_index(name="mrr")


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_run_rate_arr_is_twelve_times_mrr_worked_in_pandas(seed: int) -> None:
    frame = _frame(seed)
    day = pd.Timestamp("2024-06-30")
    per = _pandas_customer_mrr(frame, day)
    # by="plan": a customer is in each plan they hold, with that plan's MRR.
    expected = (12 * per.groupby("plan")["mrr"].sum()).round(2).to_dict()
    got = cm.arr(frame, "2024-06", by="plan").to_dict()
    assert dict(zip(got["plan"], got["arr"], strict=True)) == pytest.approx(expected)
    whole = _pandas_customer_mrr(frame.assign(plan="all"), day)
    assert float(cm.arr(frame, "2024-06")) == pytest.approx(12 * whole["mrr"].sum())
    assert float(cm.arr(frame, "2024-06")) == pytest.approx(12 * float(cm.mrr(frame, "2024-06")))


@pytest.mark.parametrize("seed", [2, 11])
def test_contracted_arr_counts_term_plans_only(seed: int) -> None:
    frame = _frame(seed)
    months = frame["interval"].map(_MONTHS) * frame["interval_count"]
    term = (months >= 12) | frame["renews_at"].notna()
    per = _pandas_customer_mrr(frame.assign(plan="all"), pd.Timestamp("2024-03-31"), term)
    got = cm.arr(frame, "2024-03", view="contracted")
    assert float(got) == pytest.approx(12 * per["mrr"].sum())
    assert int(got["customers"][0]) == int((per["mrr"] > 0).sum())
    # Month-to-month plans contribute nothing: dropping them changes nothing.
    assert float(cm.arr(frame[term], "2024-03", view="contracted")) == pytest.approx(float(got))


def test_contracted_arr_by_hand() -> None:
    subs = [S(customer_id="a", start="2024-01-01", amount=24_000, interval="year",
              interval_count=2),                                   # 12,000 a year
            S(customer_id="b", start="2024-01-01", amount=900, interval="quarter"),  # none
            S(customer_id="c", start="2024-01-01", amount=100, renews_at="2025-01-01"),
            S(customer_id="d", start="2024-01-01", amount=100)]    # month-to-month: none
    got = cm.arr(subs, "2024-02", view="contracted")
    assert float(got) == 12_000 + 12 * 100
    assert int(got["customers"][0]) == 2
    # The run rate counts everyone: 12 x (1,000 + 300 + 100 + 100).
    assert float(cm.arr(subs, "2024-02")) == 12 * 1500


@pytest.mark.parametrize("seed", [3, 5])
def test_average_sale_price_is_new_mrr_per_new_customer_worked_in_pandas(seed: int) -> None:
    frame = _frame(seed).assign(plan="all")
    # A customer is new in the first month whose end finds them paying (MRR > 0), looking
    # back to the first start in the data; ASP = new MRR / new customers of each month.
    ends = pd.date_range("2021-01-31", "2024-12-31", freq="ME")
    first: dict[Any, tuple[pd.Timestamp, float]] = {}
    for day in ends:
        for cust, mrr in _pandas_customer_mrr(frame, day)[["customer_id", "mrr"]].itertuples(
                index=False):
            if mrr > 0 and cust not in first:
                first[cust] = (day, mrr)
    new = pd.DataFrame([(d.strftime("%Y-%m"), m) for d, m in first.values()],
                       columns=["period", "mrr"])
    window = new[new["period"].between("2024-01", "2024-12")]
    expected = window.groupby("period")["mrr"].agg(["sum", "count"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        got = cm.average_selling_price(frame, "2024-01", "2024-12").to_dict()
    for period, asp, new_mrr, count in zip(got["period"], got["asp"], got["new_mrr"],
                                           got["new_customers"], strict=True):
        if period in expected.index:
            assert new_mrr == pytest.approx(expected.loc[period, "sum"])
            assert count == expected.loc[period, "count"]
            assert asp == pytest.approx(expected.loc[period, "sum"] / count)
        else:
            assert count == 0
            assert np.isnan(asp)


def test_average_sale_price_chartmogul_example() -> None:
    # ChartMogul's example: three Gold at $100 and seven Silver at $50 in May: ASP $65.
    subs = [S(customer_id=f"g{i}", start="2024-05-02", amount=100) for i in range(3)]
    subs += [S(customer_id=f"s{i}", start="2024-05-09", amount=50) for i in range(7)]
    subs.append(S(customer_id="old", start="2024-01-01", amount=500))   # not new in May
    got = cm.average_selling_price(subs, "2024-05", "2024-05")
    assert float(got) == 65.0
    assert got["new_customers"].tolist() == [10]


def _year(c: str, start: str, amount: float, end: str | None = None, sub: str | None = None,
          **kw: Any) -> S:
    return S(customer_id=c, subscription_id=sub or c, start=start, end=end, amount=amount,
             interval="year", **kw)


class TestRenewalCalendarByHand:
    """Annual plans renewing in March and April 2024; the data is known to 2024-12-31."""

    SUBS = (
        # a: renews flat on 2024-03-01 (the span runs on).
        _year("a", "2023-03-01", 1200),
        # b: renews on 2024-03-15 at 1,800 (a new span of its subscription): expanded.
        _year("b", "2023-03-15", 1200, end="2024-03-15"),
        _year("b", "2024-03-15", 1800),
        # c: renews on 2024-03-20 at 600: contracted.
        _year("c", "2023-03-20", 1200, end="2024-03-20"),
        _year("c", "2024-03-20", 600),
        # d: ends on its term end, 2024-03-25, never to return: lost.
        _year("d", "2023-03-25", 2400, end="2024-03-25"),
        # e: lapses on 2024-04-05 and signs again on 2024-04-20, inside the 30-day grace:
        # read on 2024-05-05, renewed flat.
        _year("e", "2023-04-05", 1200, end="2024-04-05"),
        _year("e", "2024-04-20", 1200),
        # f: renews on 2024-04-10, then cancels on 2024-04-25, inside the grace: lost.
        _year("f", "2023-04-10", 1200, end="2024-04-25"),
        # g: cancelled mid-term (2023-09-01): no renewal falls due in 2024.
        _year("g", "2023-04-12", 1200, end="2023-09-01"),
        # h: monthly billing on a term contract renewing 2024-04-30: ARR 12 x 100.
        S(customer_id="h", subscription_id="h", start="2023-05-01", amount=100,
          renews_at="2024-04-30"),
        # i: month-to-month: never in the calendar.
        S(customer_id="i", subscription_id="i", start="2023-01-01", amount=100),
    )

    def calendar(self, **kw: Any) -> dict[str, list[Any]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
            return cm.renewals(list(self.SUBS), "2024-03", "2024-04", as_of="2024-12-31",
                               **kw).to_dict()

    def test_march(self) -> None:
        r = self.calendar()
        march = {k: v[0] for k, v in r.items()}
        assert march["period"] == "2024-03"
        assert march["renewals"] == 4                          # a, b, c, d
        assert march["arr_up"] == 1200 + 1200 + 1200 + 2400    # = 6,000
        assert (march["renewed_flat"], march["expanded"], march["contracted"],
                march["lost"], march["pending"]) == (1, 1, 1, 1, 0)
        assert march["retained_arr"] == 1200 + 1200 + 600      # min(after, before)
        assert march["renewed_arr"] == 1200 + 1800 + 600       # after
        assert march["lost_arr"] == 2400
        assert march["gross_renewal_rate"] == pytest.approx(3000 / 6000)
        assert march["net_renewal_rate"] == pytest.approx(3600 / 6000)

    def test_april(self) -> None:
        r = self.calendar()
        april = {k: v[1] for k, v in r.items()}
        assert april["renewals"] == 3                          # e, f, h (not g)
        assert april["arr_up"] == 1200 + 1200 + 1200          # h: 12 x 100
        assert (april["renewed_flat"], april["lost"]) == (2, 1)   # e and h; f
        assert april["gross_renewal_rate"] == pytest.approx(2400 / 3600)

    def test_a_shorter_grace_reads_e_before_it_came_back(self) -> None:
        # With 10 days, e is read on 2024-04-15, between its lapse and its return: lost;
        # f is read on 2024-04-20, before its cancellation on the 25th: renewed flat.
        r = self.calendar(grace_days=10, by="customer_id")
        lost = {c for c, n in zip(r["customer_id"], r["lost"], strict=True) if n}
        flat = {c for c, n in zip(r["customer_id"], r["renewed_flat"], strict=True) if n}
        assert lost == {"d", "e"}
        assert flat == {"a", "f", "h"}
        thirty = self.calendar(by="customer_id")
        assert {c for c, n in zip(thirty["customer_id"], thirty["lost"], strict=True)
                if n} == {"d", "f"}

    def test_pending_after_the_data_edge(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
            r = cm.renewals(list(self.SUBS), "2024-03", "2024-04", as_of="2024-04-15").to_dict()
        # Read 30 days after: a on 03-31 and b on 04-14 are known by 2024-04-15; c (04-19),
        # d (04-24) and every April renewal (05-05 and later) are pending.
        assert r["pending"] == [2, 3]
        assert r["pending_arr"] == [1200 + 2400, 3600]
        # March's rates are over a and b only: (1200 + 1200) / 2400 gross, 3000 / 2400 net.
        assert r["gross_renewal_rate"][0] == pytest.approx(1.0)
        assert r["net_renewal_rate"][0] == pytest.approx(3000 / 2400)
        assert np.isnan(r["gross_renewal_rate"][1])

    def test_split_by_health_band(self) -> None:
        health = {"a": "green", "b": "green", "c": "red", "d": "red"}
        r = self.calendar(health=health)
        rows = {(p, b): (n, up) for p, b, n, up in zip(
            r["period"], r["health_band"], r["renewals"], r["arr_up"], strict=True)}
        assert rows[("2024-03", "green")] == (2, 2400)
        assert rows[("2024-03", "red")] == (2, 3600)
        assert rows[("2024-04", "(none)")] == (3, 3600)       # e, f, h have no band

    def test_health_scores_give_their_bands(self) -> None:
        card = cm.HealthScorecard(measures=[cm.Measure(name="u", rule=cm.Linear(low=0,
                                                                                high=1))])
        scores = card.score({"customer_id": list("abcdefghi"),
                             "u": [0.9, 0.9, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5, 0.5]})
        r = self.calendar(health=scores)
        assert set(r["health_band"]) <= {*scores.band_names, "(none)"}
        assert sum(r["arr_up"]) == 6000 + 3600

    def test_a_bad_health_is_refused(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match=r"^renewals: health must be "):
            cm.renewals(list(self.SUBS), "2024-03", "2024-04", health=["green"])


def test_renewal_dates_follow_the_billing_interval_and_clip_the_day() -> None:
    # A two-year plan from 2022-01-31 renews on 2024-01-31; one from 2023-02-28 (billed
    # yearly) on 2024-02-28; a yearly plan with renews_at 2024-02-29 then on 2025-02-28.
    subs = [S(customer_id="a", start="2022-01-31", amount=2400, interval="year",
              interval_count=2),
            S(customer_id="b", start="2023-02-28", amount=1200, interval="year"),
            S(customer_id="c", start="2023-06-01", amount=1200, interval="year",
              renews_at="2024-02-29")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        r = cm.renewals(subs, "2024-01", "2025-02", as_of="2026-01-01").to_dict()
    due = {p: n for p, n in zip(r["period"], r["renewals"], strict=True) if n}
    assert due == {"2024-01": 1, "2024-02": 2, "2025-02": 2}


def test_scheduled_churn_by_hand() -> None:
    subs = [S(customer_id="a", start="2024-01-01", amount=100, cancel_at="2024-03-15",
              end="2024-03-15"),
            S(customer_id="b", start="2024-01-01", amount=50),
            S(customer_id="b", start="2024-02-10", amount=30, cancel_at="2024-05-01")]
    r = cm.mrr_movements(subs, "2024-01", "2024-04").to_dict()
    # Jan: a (100, leaving 15 March); Feb: a and b's add-on (30); Mar: a gone, add-on 30.
    assert r["scheduled_churn"] == [100, 130, 30, 30]
    assert r["scheduled_churned_customers"] == [1, 2, 1, 1]
    assert r["churn"] == [0, 0, 100, 0]          # the churn itself, when it happens
    # The details list each scheduled customer apart from the churn, with no change.
    d = cm.mrr_movements(subs, "2024-01", "2024-04").details().to_dict()
    scheduled = [(p, c, m, x) for p, c, m, x in zip(d["period"], d["customer_id"],
                                                    d["movement"], d["change"], strict=True)
                 if m == "scheduled_churn"]
    assert [(p, c) for p, c, _, _ in scheduled] == [
        ("2024-01", "a"), ("2024-02", "a"), ("2024-02", "b"), ("2024-03", "b"),
        ("2024-04", "b")]
    assert all(x == 0 for *_, x in scheduled)
    before = cm.mrr_movements([S(**{**s.model_dump(), "cancel_at": None}) for s in subs],
                              "2024-01", "2024-04").to_dict()
    for name, values in before.items():          # every other column is unchanged
        if not name.startswith("scheduled"):
            assert r[name] == values, name


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40))
def test_the_bridge_closes_with_scheduled_churn(seed: int, n: int) -> None:
    cols = synthetic_columns(n, months=18, seed=seed, start="2023-07")
    rng = np.random.default_rng(seed)
    later = cols["start"] + rng.integers(1, 600, cols["start"].size).astype("timedelta64[D]")
    cols["cancel_at"] = np.where(rng.random(later.size) < 0.4, later, np.datetime64("NaT"))
    r = cm.mrr_movements(cols, "2024-01", "2024-12", by="plan")
    start, end = np.asarray(r["starting_mrr"]), np.asarray(r["ending_mrr"])
    moved = (np.asarray(r["new"]) + np.asarray(r["expansion"]) + np.asarray(r["reactivation"])
             - np.asarray(r["contraction"]) - np.asarray(r["churn"]))
    np.testing.assert_allclose(start + moved, end, atol=1e-6)
    assert (np.asarray(r["scheduled_churn"]) <= end + 1e-9).all()
    assert (np.asarray(r["scheduled_churned_customers"])
            <= np.asarray(r["ending_customers"])).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), grace=st.integers(0, 90))
def test_renewal_outcomes_add_up(seed: int, n: int, grace: int) -> None:
    cols = synthetic_columns(n, months=30, seed=seed, start="2022-07")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        r = cm.renewals(cols, "2023-01", "2024-12", grace_days=grace)
    g = {k: np.asarray(r[k]) for k in r.column_names}
    outcomes = (g["renewed_flat"] + g["expanded"] + g["contracted"] + g["lost"] + g["pending"])
    assert (outcomes == g["renewals"]).all()
    assert (g["customers"] <= g["renewals"]).all()
    assert (g["retained_arr"] <= g["renewed_arr"] + 1e-9).all()
    decided = g["arr_up"] - g["pending_arr"]
    assert (g["retained_arr"] + g["lost_arr"] <= decided + 1e-6).all()
    ok = decided > 0
    assert (g["gross_renewal_rate"][ok] <= 1 + 1e-12).all()
    order = np.random.default_rng(seed).permutation(cols["start"].size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        shuffled = cm.renewals({k: v[order] for k, v in cols.items()}, "2023-01", "2024-12",
                               grace_days=grace)
    assert shuffled["period"].tolist() == r["period"].tolist()
    for k in r.column_names[1:]:
        np.testing.assert_allclose(np.asarray(shuffled[k], dtype=float), g[k].astype(float),
                                   rtol=1e-12, equal_nan=True, err_msg=k)
