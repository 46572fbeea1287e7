"""account_signals: every signal worked by hand on two accounts, and the report's health."""

from __future__ import annotations

import math

import pytest

import csmetrics as cm
from csmetrics.health.signals import account_signals, standard_scorecard
from csmetrics.report.portfolio import Portfolio


def tables() -> dict[str, object]:
    subs = [
        cm.Subscription(customer_id="a", start="2024-01-01", amount=50, quantity=2),
        cm.Subscription(customer_id="b", start="2024-08-15", end="2024-10-01", amount=30,
                        quantity=3, subscription_id="b"),
        cm.Subscription(customer_id="b", start="2024-10-01", amount=20, quantity=3,
                        subscription_id="b"),
    ]
    usage = {  # December window (2 to 31 Dec) and the 30 days before it
        "customer_id": ["a", "a", "a", "a", "b", "b", "b"],
        "user_id": ["u1", "u2", "u3", "u1", "v1", "v1", "v2"],
        "at": ["2024-12-10T09:00:00Z", "2024-12-10T10:00:00Z", "2024-12-10T11:00:00Z",
               "2024-11-10T09:00:00Z", "2024-12-10T09:00:00Z", "2024-11-10T09:00:00Z",
               "2024-11-12T09:00:00Z"],
        "feature": ["reports", "reports", "reports", "reports", "reports", "export", "export"],
    }
    surveys = {"customer_id": ["a", "a", "b"], "survey": ["nps"] * 3, "score": [10, 9, 5],
               "submitted_at": ["2024-12-01", "2024-12-05", "2024-11-20"]}
    tickets = {"customer_id": ["a", "b"],
               "opened_at": ["2024-12-20T10:00:00Z", "2024-12-01T10:00:00Z"],
               "resolved_at": [None, "2024-12-03T10:00:00Z"], "contacts": [1, 2]}
    return {"subscriptions": subs, "usage": usage, "surveys": surveys, "tickets": tickets}


def test_each_signal_by_hand() -> None:
    t = tables()
    s = account_signals(**t, at="2024-12", key_features=["reports", "export"])  # type: ignore[arg-type]
    assert s["customer_id"].tolist() == ["a", "b"]
    # MRR: a 50 x 2 = 100; b 20 x 3 = 60 (it was 30 x 3 = 90 on 30 September).
    assert s["mrr"].tolist() == [100.0, 60.0]
    assert s["mrr_change"][0] == 0.0
    assert s["mrr_change"][1] == pytest.approx((60 - 90) / 90)
    # Utilization: a has 3 active users on 2 seats (1.5, overage kept); b 1 of 3.
    assert s["utilization"][0] == 1.5
    assert s["utilization"][1] == pytest.approx(1 / 3)
    # Active users now over the 30 days before: a 3 / 1; b 1 / 2.
    assert s["active_users_trend"].tolist() == [3.0, 0.5]
    # Breadth of ["reports", "export"] in December: a reports only; b reports only.
    assert s["adoption_breadth"].tolist() == [0.5, 0.5]
    # NPS over 180 days: a two promoters = 100; b one detractor = -100.
    assert s["nps"].tolist() == [100.0, -100.0]
    # Open on 31 December: a's ticket; b's was resolved on the 3rd.
    assert s["open_tickets"].tolist() == [1, 0]


def test_undefined_signals_are_nan_not_zero() -> None:
    t = tables()
    s = account_signals(subscriptions=t["subscriptions"], surveys=t["surveys"], at="2024-10")
    # b had no MRR three months before October (it started in August): no change defined.
    assert math.isnan(s["mrr_change"][1])
    # No answers in the 180 days before October for b or a.
    assert math.isnan(s["nps"][0])


def test_the_standard_scorecard_scores_the_signals() -> None:
    t = tables()
    s = account_signals(**t, at="2024-12", key_features=["reports", "export"])  # type: ignore[arg-type]
    scores = standard_scorecard().score(s, mrr="mrr")
    assert scores["coverage"].tolist() == [1.0, 1.0]
    assert all(0 <= v <= 100 for v in scores["score"].tolist())
    assert scores.explain("a").score == scores["score"][0]


def test_report_with_every_table_has_health_and_at_risk() -> None:
    report = Portfolio(subscriptions=cm.datasets.demo_portfolio(),
                       surveys=cm.datasets.demo_surveys(), usage=cm.datasets.demo_usage(),
                       tickets=cm.datasets.demo_tickets()).report()
    keys = [s.key for s in report.sections]
    assert keys[-4:] == ["utilization", "support", "health", "at_risk"]
    health = report["health"].table
    assert health is not None
    assert health["band"].tolist() == ["red", "yellow", "green", "unscored"]
    assert float(health["share_of_accounts"].sum()) == pytest.approx(1.0)
    # Only paying accounts are scored: as many as paying customers on 31 December.
    paying = int(cm.customer_count(cm.datasets.demo_portfolio(), "2024-12"))
    assert int(health["accounts"].sum()) == paying
    # the at-risk list counts the red band's accounts
    assert f"({health['accounts'][0]} in the red band" in report["at_risk"].title


def test_needs_a_table() -> None:
    with pytest.raises(cm.InvalidParameterError):
        account_signals(at="2024-12")


class TestReviewFindings:
    def test_reports_without_subscriptions(self) -> None:
        usage_only = Portfolio(usage=cm.datasets.demo_usage()).report("2024-12")
        assert [s.key for s in usage_only.sections] == ["health"]
        tickets = Portfolio(surveys=cm.datasets.demo_surveys(),
                            tickets=cm.datasets.demo_tickets()).report()
        assert tickets.period == "2024-12"

    def test_mrr_per_account_respects_currencies(self) -> None:
        subs = [cm.Subscription(customer_id="us", start="2024-01-01", amount=100),
                cm.Subscription(customer_id="jp", start="2024-01-01", amount=10_000,
                                currency="JPY"),
                cm.Subscription(customer_id="mix", start="2024-01-01", amount=100),
                cm.Subscription(customer_id="mix", start="2024-01-01", amount=10_000,
                                currency="JPY", subscription_id="m2")]
        own = account_signals(subscriptions=subs, at="2024-12")["mrr"]
        # jp 10,000 yen; mix is in two currencies: undefined without rates; us 100 dollars.
        assert own[0] == 10_000.0
        assert math.isnan(own[1])
        assert own[2] == 100.0
        fx = cm.FxRates.constant({"JPY": 0.0067}, reporting_currency="USD")
        assert account_signals(subscriptions=subs, at="2024-12", fx=fx)["mrr"].tolist() == [
            67.0, 167.0, 100.0]

    def test_number_and_text_ids_across_tables(self) -> None:
        subs = {"customer_id": [1, 2], "start": ["2024-01-01"] * 2, "amount": [10, 20]}
        usage = {"customer_id": ["1", "3"], "user_id": ["a", "b"],
                 "at": ["2024-12-10T00:00:00Z"] * 2}
        s = account_signals(subscriptions=subs, usage=usage, at="2024-12")
        assert s["customer_id"].tolist() == ["1", "2", "3"]
        assert s["utilization"][0] == 1.0

    def test_mrr_change_compares_the_same_day_months_before(self) -> None:
        subs = [cm.Subscription(customer_id="a", start="2024-09-20", amount=10),
                cm.Subscription(customer_id="b", start="2024-01-01", end="2024-09-20",
                                amount=10)]
        change = account_signals(subscriptions=subs, at="2024-12-15")["mrr_change"]
        # On 15 September a had no MRR (undefined change) and b paid 10 (now 0: -100%).
        assert math.isnan(change[0])
        assert change[1] == -1.0
        with pytest.raises(cm.InvalidParameterError, match="window must be"):
            account_signals(subscriptions=subs, at="2024-12", mrr_window="0M")

    def test_the_windows_are_written_with_their_units_and_the_old_names_still_work(
            self) -> None:
        subs = [cm.Subscription(customer_id="a", start="2024-01-01", amount=10,
                                end="2024-11-01", subscription_id="s"),
                cm.Subscription(customer_id="a", start="2024-11-01", amount=15,
                                subscription_id="s")]
        new = account_signals(subs, at="2024-12", mrr_window="2M")["mrr_change"]
        with pytest.warns(DeprecationWarning, match="mrr_months= is deprecated"):
            old = account_signals(subscriptions=subs, at="2024-12", mrr_months=2)["mrr_change"]
        assert new.tolist() == old.tolist() == [0.5]   # 15 against 10 at the end of October
        with pytest.raises(cm.InvalidParameterError, match="give at="):
            account_signals(subs)


class TestCalledLikeItsSiblings:
    """Data first and the day second, as ``mrr(subs, at)``; the other tables by name."""

    def test_subscriptions_and_at_positional_equal_the_keyword_call(self) -> None:
        t = tables()
        positional = account_signals(t["subscriptions"], "2024-12", usage=t["usage"],
                                     surveys=t["surveys"], tickets=t["tickets"])
        keywords = account_signals(subscriptions=t["subscriptions"], usage=t["usage"],
                                   surveys=t["surveys"], tickets=t["tickets"], at="2024-12")
        assert positional.to_dict() == keywords.to_dict()
        # The hand-worked values of test_each_signal_by_hand: a 100 and b 60 of MRR.
        assert positional["mrr"].tolist() == [100.0, 60.0]
        assert positional["open_tickets"].tolist() == [1, 0]

    def test_subscriptions_positional_with_at_by_name(self) -> None:
        t = tables()
        s = account_signals(t["subscriptions"], at="2024-12")
        assert s.column_names == ("customer_id", "mrr", "mrr_change")
        assert s["mrr"].tolist() == [100.0, 60.0]

    def test_a_table_without_subscriptions_goes_by_name(self) -> None:
        t = tables()
        s = account_signals(at="2024-12", tickets=t["tickets"])
        assert s.column_names == ("customer_id", "open_tickets")
        assert s["open_tickets"].tolist() == [1, 0]

    def test_the_earlier_order_still_works_with_a_deprecation_warning(self) -> None:
        t = tables()
        new = account_signals(t["subscriptions"], "2024-12", usage=t["usage"])
        with pytest.warns(DeprecationWarning, match="this argument order is deprecated"):
            old = account_signals(t["subscriptions"], t["usage"], at="2024-12")
        assert old.to_dict() == new.to_dict()
        with pytest.warns(DeprecationWarning, match="this argument order is deprecated"):
            five = account_signals(t["subscriptions"], t["usage"], t["surveys"],
                                   t["tickets"], "2024-12")
        assert five.column_names[-2:] == ("nps", "open_tickets")

    def test_a_table_in_place_of_at_says_how_to_call(self) -> None:
        t = tables()
        usage = cm.UsageTable.from_columns(t["usage"])  # type: ignore[arg-type]
        with pytest.raises(cm.InvalidParameterError,
                           match=r"at \(the second argument\) must be a period or a date, "
                                 r"got UsageTable; the other tables go by name"):
            account_signals(t["subscriptions"], usage)
