"""MRR movements: hand-worked scenarios for every movement type and edge."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

import csmetrics as cm
from csmetrics import Subscription

MONEY = ["starting_mrr", "new", "expansion", "contraction", "churn", "reactivation", "ending_mrr"]


def sub(customer: str, start: str, amount: float, **kw: Any) -> Subscription:
    return Subscription(customer_id=customer, start=start, amount=amount, **kw)


def rows(result: cm.MRRMovements, *names: str) -> dict[str, list[Any]]:
    """period -> values of ``names`` (default: the money columns)."""
    names = names or tuple(MONEY)
    return {p: [result[n][i] for n in names] for i, p in enumerate(result["period"])}


def test_chartmogul_syncalytics_walkthrough() -> None:
    # ChartMogul Help, "MRR movements" (article 201244842). Plans: Silver $30/month,
    # Gold $500/year. Dates are ours (the article gives none); the classification is theirs:
    # 4 Gold yearly billed $2,000 -> New Business $166.67; adding 2 Silver monthly ($60) ->
    # Expansion, as an additional subscription of an existing customer; cancelling Silver
    # while Gold runs -> Contraction $60; cancelling Gold, the last one, at the end of the
    # paid year -> Churn $166.67; re-subscribing to 3 Gold monthly ($50 x 3 = $150) ->
    # Reactivation $150.
    subs = [
        sub("syncalytics", "2024-01-10", 500, quantity=4, interval="year",
            subscription_id="gold", end="2025-01-10"),
        sub("syncalytics", "2024-02-20", 30, quantity=2, subscription_id="silver",
            end="2024-03-05"),
        sub("syncalytics", "2025-03-01", 50, quantity=3, subscription_id="gold-monthly"),
    ]
    r = cm.mrr_movements(subs, "2024-01", "2025-03")
    got = rows(r)
    assert got["2024-01"] == [0, 166.67, 0, 0, 0, 0, 166.67]
    assert got["2024-02"] == [166.67, 0, 60, 0, 0, 0, 226.67]
    assert got["2024-03"] == [226.67, 0, 0, 60, 0, 0, 166.67]
    assert got["2025-01"] == [166.67, 0, 0, 0, 166.67, 0, 0]
    assert got["2025-02"] == [0, 0, 0, 0, 0, 0, 0]
    assert got["2025-03"] == [0, 0, 0, 0, 0, 150, 150]
    movements = r.details()["movement"].tolist()
    assert movements == ["new", "expansion", "contraction", "churn", "reactivation"]


def test_counts_follow_movements() -> None:
    subs = [sub("a", "2024-01-05", 10), sub("b", "2024-01-20", 20, end="2024-02-15"),
            sub("b", "2024-03-01", 20)]
    r = cm.mrr_movements(subs, "2024-01", "2024-03")
    got = rows(r, "starting_customers", "new_customers", "churned_customers",
               "reactivated_customers", "ending_customers")
    assert got == {"2024-01": [0, 2, 0, 0, 2], "2024-02": [2, 0, 1, 0, 1],
                   "2024-03": [1, 0, 0, 1, 2]}


class TestEdges:
    def test_mid_month_start_counts_in_its_month(self) -> None:
        subs = [sub("a", "2024-03-15", 10), sub("b", "2024-03-31", 10), sub("c", "2024-04-01", 10)]
        got = rows(cm.mrr_movements(subs, "2024-03", "2024-04"), "new")
        assert got == {"2024-03": [20.0], "2024-04": [10.0]}

    def test_span_between_two_snapshots_never_shows(self) -> None:
        subs = [sub("a", "2024-01-05", 10, end="2024-01-25")]
        r = cm.mrr_movements(subs, "2024-01", "2024-02")
        assert all(v == 0 for col in MONEY for v in r[col])
        assert len(r.details()) == 0

    def test_open_ended_subscriptions_never_churn_at_the_data_edge(self) -> None:
        subs = [sub("a", "2020-01-01", 10), sub("b", "2024-06-01", 10, interval="year")]
        r = cm.mrr_movements(subs, "2024-01", "2024-12")
        assert r["churn"].sum() == 0
        assert r["ending_mrr"][-1] == float(cm.mrr(subs, "2024-12")) == 10.83

    def test_customers_before_the_window_are_in_starting_mrr(self) -> None:
        subs = [sub("a", "2019-05-17", 70), sub("b", "2023-12-31", 30)]
        r = cm.mrr_movements(subs, "2024-01", "2024-01")
        assert rows(r) == {"2024-01": [100, 0, 0, 0, 0, 0, 100]}
        assert r["starting_customers"][0] == 2

    def test_return_after_churn_before_the_window_is_reactivation(self) -> None:
        subs = [sub("a", "2021-02-01", 10, end="2021-07-01"), sub("a", "2024-03-10", 25)]
        got = rows(cm.mrr_movements(subs, "2024-01", "2024-03"), "new", "reactivation")
        assert got["2024-03"] == [0, 25]

    def test_earlier_activity_that_never_reached_a_snapshot_does_not_make_a_return(self) -> None:
        # The first span lived 5-20 January: never on a month end, so March is new.
        subs = [sub("a", "2024-01-05", 10, end="2024-01-20"), sub("a", "2024-03-01", 10)]
        got = rows(cm.mrr_movements(subs, "2024-01", "2024-03"), "new", "reactivation")
        assert got["2024-03"] == [10, 0]

    def test_price_change_on_consecutive_rows_is_expansion_not_churn_and_new(self) -> None:
        subs = [sub("a", "2024-01-01", 50, subscription_id="s", end="2024-02-10"),
                sub("a", "2024-02-10", 80, subscription_id="s")]
        got = rows(cm.mrr_movements(subs, "2024-01", "2024-02"))
        assert got["2024-02"] == [50, 0, 30, 0, 0, 0, 80]

    def test_downgrade_is_contraction(self) -> None:
        subs = [sub("a", "2024-01-01", 80, subscription_id="s", end="2024-02-10"),
                sub("a", "2024-02-10", 50, subscription_id="s")]
        got = rows(cm.mrr_movements(subs, "2024-02", "2024-02"))
        assert got["2024-02"] == [80, 0, 0, 30, 0, 0, 50]

    def test_sub_cent_change_is_no_change(self) -> None:
        # Three seats at 33.3333 (99.9999) replaced by a $100 plan: both are $100.00.
        subs = [sub("a", "2024-01-01", 33.3333, quantity=3, subscription_id="s",
                    end="2024-02-01"),
                sub("a", "2024-02-01", 100, subscription_id="s")]
        r = cm.mrr_movements(subs, "2024-01", "2024-02")
        assert rows(r)["2024-02"] == [100, 0, 0, 0, 0, 0, 100]
        assert r.details()["movement"].tolist() == ["new"]

    def test_second_subscription_is_expansion_and_cancelling_one_of_two_is_contraction(
            self) -> None:
        subs = [sub("a", "2024-01-01", 100, subscription_id="core", end="2024-04-01"),
                sub("a", "2024-02-01", 40, subscription_id="addon", end="2024-03-01")]
        got = rows(cm.mrr_movements(subs, "2024-01", "2024-04"))
        assert got["2024-02"] == [100, 0, 40, 0, 0, 0, 140]
        assert got["2024-03"] == [140, 0, 0, 40, 0, 0, 100]
        assert got["2024-04"] == [100, 0, 0, 0, 100, 0, 0]

    def test_moving_to_a_free_plan_is_churn_and_paying_again_is_reactivation(self) -> None:
        subs = [sub("a", "2024-01-01", 30, subscription_id="s", end="2024-02-01"),
                sub("a", "2024-02-01", 30, discount=1, subscription_id="s", end="2024-03-01"),
                sub("a", "2024-03-01", 30, subscription_id="s")]
        got = rows(cm.mrr_movements(subs, "2024-01", "2024-03"), "new", "churn", "reactivation")
        assert got == {"2024-01": [30, 0, 0], "2024-02": [0, 30, 0], "2024-03": [0, 0, 30]}

    def test_annual_plan_counts_its_monthly_share_every_month(self) -> None:
        subs = [sub("a", "2024-01-01", 1200, interval="year", end="2025-01-01")]
        r = cm.mrr_movements(subs, "2024-01", "2025-01")
        assert r["ending_mrr"].tolist() == [100.0] * 12 + [0.0]
        assert r["new"][0] == 100
        assert r["churn"][-1] == 100

    def test_quarterly_frequency_nets_changes_inside_a_quarter(self) -> None:
        subs = [sub("a", "2024-01-10", 10, end="2024-02-10"), sub("b", "2024-02-01", 20)]
        r = cm.mrr_movements(subs, "2024-Q1", "2024-Q2", freq="quarter")
        assert rows(r) == {"2024-Q1": [0, 20, 0, 0, 0, 0, 20], "2024-Q2": [20, 0, 0, 0, 0, 0, 20]}

    def test_fiscal_year_labels_and_snapshots(self) -> None:
        subs = [sub("a", "2024-03-15", 10), sub("b", "2024-04-15", 20)]
        r = cm.mrr_movements(subs, "FY2025", "FY2025", freq="year-apr")
        # FY2025 runs 1 Apr 2024 - 31 Mar 2025: a is in the base (31 Mar 2024), b is new.
        assert rows(r) == {"FY2025": [10, 20, 0, 0, 0, 0, 30]}

    def test_date_bounds_are_snapshots_themselves(self) -> None:
        subs = [sub("a", "2024-02-20", 10), sub("b", "2024-03-05", 20),
                sub("c", "2024-03-12", 40)]
        r = cm.mrr_movements(subs, "2024-02-15", "2024-03-10")
        # Snapshots 15 Feb (base), 29 Feb, 10 Mar: c starts after the last one.
        assert rows(r, "new", "ending_mrr") == {"2024-02": [10, 10], "2024-03": [20, 30]}

    def test_empty_window_is_an_error(self) -> None:
        with pytest.raises(cm.InvalidParameterError, match="empty"):
            cm.mrr_movements([sub("a", "2024-01-01", 1)], "2024-03", "2024-02")

    def test_empty_table_gives_zero_rows_of_movement(self) -> None:
        empty = cm.SubscriptionTable.from_columns({"customer_id": [], "start": [],
                                                   "amount": []})
        r = cm.mrr_movements(empty, "2024-01", "2024-03")
        assert r["period"].tolist() == ["2024-01", "2024-02", "2024-03"]
        assert all(v == 0 for col in MONEY for v in r[col])


class TestSegments:
    subs: ClassVar[list[Subscription]] = [
        sub("a", "2024-01-01", 100, plan="basic", subscription_id="a1", end="2024-02-15"),
        sub("a", "2024-02-15", 300, plan="pro", subscription_id="a1"),
        sub("b", "2024-01-01", 100, plan="basic"),
        sub("c", "2024-02-03", 50, plan="basic"),
    ]

    def test_by_plan_moves_a_customer_between_plans(self) -> None:
        r = cm.mrr_movements(self.subs, "2024-02", "2024-02", by="plan")
        got = {p: [r[n][i] for n in MONEY] for i, p in enumerate(r["plan"])}
        # a leaves basic (churn 100 from basic) and joins pro (new to pro, 300).
        assert got["basic"] == [200, 50, 0, 0, 100, 0, 150]
        assert got["pro"] == [0, 300, 0, 0, 0, 0, 300]

    def test_by_customer_mapping_sums_to_the_total_movement_by_movement(self) -> None:
        segments = {"a": "enterprise", "b": "smb", "c": "smb"}
        split = cm.mrr_movements(self.subs, "2024-01", "2024-03", by=segments)
        total = cm.mrr_movements(self.subs, "2024-01", "2024-03")
        for col in MONEY:
            per_period = np.add.reduceat(split[col], np.arange(0, len(split), 2))
            np.testing.assert_allclose(per_period, total[col], atol=1e-9)
        a_feb = [split[c][2] for c in MONEY]  # period-major: 2024-02 enterprise
        assert split["segment"][2] == "enterprise"
        assert a_feb == [100, 0, 200, 0, 0, 0, 300]

    def test_by_currency_keeps_currencies_apart(self) -> None:
        subs = [sub("a", "2024-01-01", 10), sub("b", "2024-01-01", 1000, currency="JPY")]
        r = cm.mrr_movements(subs, "2024-01", "2024-01", by="currency")
        assert r["currency"].tolist() == ["JPY", "USD"]
        assert r["new"].tolist() == [1000.0, 10.0]
        with pytest.raises(cm.CurrencyMismatchError):
            cm.mrr_movements(subs, "2024-01", "2024-01")


class TestDetails:
    def test_details_list_every_change_in_the_window(self) -> None:
        subs = [sub("a", "2023-06-01", 10, subscription_id="s", end="2024-02-01"),
                sub("a", "2024-02-01", 15, subscription_id="s"),
                sub("b", "2024-01-15", 5, end="2024-03-01")]
        d = cm.mrr_movements(subs, "2024-01", "2024-03").details()
        assert d.to_dict() == {
            "period": ["2024-01", "2024-02", "2024-03"],
            "customer_id": ["b", "a", "b"],
            "movement": ["new", "expansion", "churn"],
            "previous_mrr": [0.0, 10.0, 5.0],
            "mrr": [5.0, 15.0, 0.0],
            "change": [5.0, 5.0, -5.0],
        }


def test_mrr_series_equals_mrr_at_each_period_end() -> None:
    subs = cm.datasets.synthetic_portfolio(300, months=18, seed=5)
    series = cm.mrr_series(subs, "2022-01", "2023-06")
    expected = [float(cm.mrr(subs, p)) for p in cm.period_range("2022-01", "2023-06")]
    assert series["mrr"].tolist() == pytest.approx(expected, abs=1e-9)
    by_plan = cm.mrr_series(subs, "2023-06", "2023-06", by="plan")
    snapshot = cm.mrr(subs, "2023-06", by="plan")
    assert by_plan["mrr"].tolist() == pytest.approx(snapshot["mrr"].tolist(), abs=1e-9)
