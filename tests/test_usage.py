"""Usage metrics against published definitions and hand-worked cases.

Every expected number is worked out by hand in the comment beside it (or quoted from the
cited source), never taken from running the code under test.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

from csmetrics import Subscription, SubscriptionTable
from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    SignatureError,
    UndefinedMetricWarning,
)
from csmetrics.tables.usage import UsageTable
from csmetrics.usage import (
    AccountResult,
    AdoptionRule,
    Milestone,
    active_users,
    active_users_series,
    active_users_trend,
    adoption_breadth,
    adoption_rate,
    engagement,
    feature_adoption,
    license_utilization,
    seats_at,
    stickiness,
    time_to_value,
)


def events(rows: list[tuple[object, object, str]], **extra: list[object]) -> UsageTable:
    """A table from (customer, user, timestamp) triples."""
    cols: dict[str, list[object]] = {"customer_id": [r[0] for r in rows],
                                     "user_id": [r[1] for r in rows],
                                     "at": [r[2] for r in rows]}
    cols.update(extra)
    return UsageTable.from_columns(cols)


# --- windows and active users ------------------------------------------------------------------


def test_seven_day_window_is_the_day_and_the_six_before() -> None:
    # Statsig: "A weekly active user is someone active within the last 7 days (0-6 days)".
    t = events([("a", 1, "2024-03-25T00:00:00Z"),    # 6 days before the 31st: in
                ("a", 2, "2024-03-24T23:59:59Z"),    # 7 days before: out
                ("a", 3, "2024-03-31T23:59:59Z")])   # the day itself: in
    assert active_users(t, at="2024-03-31", window="7D")["active_users"].tolist() == [2]
    assert active_users(t, at="2024-03-31", window="1D")["active_users"].tolist() == [1]


def test_28_day_mau_boundaries_in_utc() -> None:
    # Mozilla telemetry: the MAU of 2019-01-28 is the 28-day range of UTC days ending with
    # 2019-01-28, i.e. (28 days back, worked by hand) from 2019-01-01 00:00 UTC.
    t = events([("a", 1, "2018-12-31T23:59:59.999999Z"),   # out
                ("a", 2, "2019-01-01T00:00:00Z"),          # in
                ("a", 3, "2019-01-29T00:30:00+01:00"),     # 28 Jan 23:30 UTC: in
                ("a", 4, "2019-01-29T00:00:00Z")])         # out
    r = active_users(t, at="2019-01-28", window="28D")
    assert r["active_users"].tolist() == [2]
    assert "2019-01-01 to 2019-01-28" in r.title


def test_active_users_count_distinct_users_per_account() -> None:
    t = events([("a", 1, "2024-03-01"), ("a", 1, "2024-03-02"), ("a", 2, "2024-03-03"),
                ("b", 1, "2024-03-04"), ("c", 9, "2023-01-01")])
    r = active_users(t, "2024-03-31", by="customer_id")
    # a: users 1 and 2; b: user 1 of b (another person than user 1 of a); c: none recent.
    assert r["customer_id"].tolist() == ["a", "b", "c"]
    assert r["active_users"].tolist() == [2, 1, 0]
    assert r["active"].tolist() == [True, True, False]
    assert isinstance(r, AccountResult)
    assert r.metric == "active_users"
    # Pooled (by=None): 2 + 1 + 0 = 3 users of 3 accounts, 2 of them active.
    total = active_users(t, "2024-03-31")
    assert (int(total), total["accounts"].tolist(), total["active"].tolist()) == (3, [3], [2])


def test_customers_fixes_the_rows_in_order_and_absent_accounts_have_zero() -> None:
    t = events([("a", 1, "2024-03-05"), ("b", 2, "2024-03-05")])
    r = active_users(t, "2024-03-31", customers=["z", "b", "a"], by="customer_id")
    assert r["customer_id"].tolist() == ["z", "b", "a"]
    assert r["active_users"].tolist() == [0, 1, 1]
    with pytest.raises(InvalidParameterError, match="must not repeat ids"):
        active_users(t, at="2024-03-31", customers=["a", "a"])
    with pytest.raises(InvalidParameterError, match="must not contain missing ids"):
        active_users(t, at="2024-03-31", customers=["a", None])


def test_integer_ids_match_customers_given_as_floats_or_text_consistently() -> None:
    t = events([(1, 1, "2024-03-05"), (2, 2, "2024-03-05")])
    assert active_users(t, "2024-03-31", customers=[2.0, 3.0], by="customer_id")[
        "active_users"].tolist() == [1, 0]


def test_segments_sum_users_and_count_active_accounts() -> None:
    t = events([("a", 1, "2024-03-05"), ("a", 2, "2024-03-05"), ("b", 3, "2024-03-05"),
                ("c", 4, "2023-03-01")])
    seg = active_users(t, at="2024-03-31", by={"a": "smb", "b": "ent", "c": "ent"})
    assert seg["segment"].tolist() == ["ent", "smb"]
    assert seg["accounts"].tolist() == [2, 1]
    assert seg["active_users"].tolist() == [1, 2]
    assert seg["active"].tolist() == [1, 1]
    with pytest.warns(DeprecationWarning, match="by='all' is deprecated"):
        total = active_users(t, at="2024-03-31", by="all")   # now by=None
    assert total["active_users"].tolist() == [3]
    assert total["accounts"].tolist() == [3]
    # Accounts the mapping lacks are in "(none)": nothing is dropped.
    partial = active_users(t, "2024-03-31", by={"a": "smb"})
    assert partial["segment"].tolist() == ["smb", "(none)"]
    assert partial["active_users"].tolist() == [2, 1]
    assert partial["accounts"].tolist() == [1, 2]
    with pytest.raises(ColumnNotFoundError, match="'plan' not found"):
        active_users(t, "2024-03-31", by="plan")


def test_at_can_be_a_period_or_an_aware_timestamp() -> None:
    t = events([("a", 1, "2024-02-29T12:00:00Z"), ("a", 2, "2024-03-31T23:00:00Z")])
    # "2024-03" means 31 March; 1 April 01:00 at +02:00 is 31 March 23:00 UTC.
    assert active_users(t, at="2024-03", window="1D")["active_users"].tolist() == [1]
    paris = dt.timezone(dt.timedelta(hours=2))
    at = dt.datetime(2024, 4, 1, 1, 0, tzinfo=paris)
    assert active_users(t, at=at, window="1D")["active_users"].tolist() == [1]
    # 31 days end-inclusive is 1-31 March; 32 days reach back to 29 February.
    assert active_users(t, "2024-03-31", window="31D")["active_users"].tolist() == [1]
    assert active_users(t, "2024-03-31", window="32D")["active_users"].tolist() == [2]
    with pytest.warns(DeprecationWarning, match="window='32D'"):   # a bare number of days
        assert int(active_users(t, "2024-03-31", window=32)) == 2


def test_active_users_trend_compares_with_the_window_before() -> None:
    t = events([("a", 1, "2024-03-01"), ("a", 2, "2024-03-02"), ("a", 1, "2024-03-10"),
                ("b", 3, "2024-03-10")])
    # 7D at 2024-03-14: 8-14 March (a: user 1; b: user 3); before: 1-7 March (a: 1, 2).
    with pytest.warns(UndefinedMetricWarning):
        r = active_users_trend(t, "2024-03-14", window="7D", by="customer_id")
    assert r["active_users"].tolist() == [1, 1]
    assert r["previous_active_users"].tolist() == [2, 0]
    assert r["change"].tolist() == [-1, 1]
    with pytest.warns(UndefinedMetricWarning, match="1 of 2"):
        ratio = active_users_trend(t, "2024-03-14", window="7D", by="customer_id")["ratio"]
    assert ratio[0] == 0.5
    assert np.isnan(ratio[1])


def test_monthly_series_is_calendar_month_active_users() -> None:
    t = events([("a", 1, "2024-01-31T23:59:59Z"), ("a", 1, "2024-02-01T00:00:00Z"),
                ("a", 2, "2024-02-15T00:00Z"), ("b", 3, "2024-03-31T00:00Z")])
    s = active_users_series(t, "2024-01", "2024-03", by="customer_id")
    assert s["period"].tolist() == ["2024-01"] * 2 + ["2024-02"] * 2 + ["2024-03"] * 2
    assert s["active_users"].tolist() == [1, 0, 2, 0, 0, 1]
    assert s["period_end"].astype(str).tolist()[2] == "2024-02-29"
    with pytest.warns(DeprecationWarning, match=r"by='all' is deprecated"):
        q = active_users_series(t, start="2024-Q1", end="2024-Q1", freq="quarter", by="all")
    assert q["active_users"].tolist() == [3]
    assert q["active_accounts"].tolist() == [2]


def test_daily_and_weekly_series() -> None:
    t = events([("a", 1, "2024-03-03T10:00Z"), ("a", 2, "2024-03-03T11:00Z"),
                ("a", 1, "2024-03-04T10:00Z")])
    d = active_users_series(t, start="2024-03-03", end="2024-03-05", freq="day")
    assert d["period"].tolist() == ["2024-03-03", "2024-03-04", "2024-03-05"]
    assert d["active_users"].tolist() == [2, 1, 0]
    # 3 March 2024 is a Sunday (ISO week 9, Monday 26 Feb); 4 March starts week 10.
    w = active_users_series(t, start="2024-03-03", end="2024-03-05", freq="week")
    assert w["period"].tolist() == ["2024-W09", "2024-W10"]
    assert w["period_start"].astype(str).tolist() == ["2024-02-26", "2024-03-04"]
    assert w["active_users"].tolist() == [2, 1]
    with pytest.raises(InvalidParameterError, match="freq must be a period length: 'day', 'week'"):
        active_users_series(t, start="2024-03", end="2024-03", freq="fortnight")


# --- stickiness ----------------------------------------------------------------------------------


def test_stickiness_reproduces_the_mixpanel_dau_mau_tutorial() -> None:
    # Mixpanel, "Tutorial - DAU/MAU" (a week stands in for the month): 10 unique users on
    # day 1 and 1 on each of days 2-7, the same user every day, so MAU = 10. The daily
    # counts sum to 10 + 6 * 1 = 16, mean 16 / 7, and DAU/MAU = 16 / 70 = 0.228571...
    # (the tutorial prints .24 because its sum lists eight terms, 17 / 7 = 2.43).
    day1 = [("app", u, "2015-04-01T12:00:00") for u in range(10)]
    later = [("app", 0, f"2015-04-0{d}T12:00:00") for d in range(2, 8)]
    r = stickiness(events(day1 + later), at="2015-04-07", window="7D")
    assert r["active_users"].tolist() == [10]
    assert r["user_days"].tolist() == [16]
    assert r["stickiness"][0] == pytest.approx(16 / 70)
    # Second case of the tutorial: each later click by a different user, MAU = 16:
    # 16 / 7 / 16 = 1 / 7.
    others = [("app", 100 + d, f"2015-04-0{d}T12:00:00") for d in range(2, 8)]
    r = stickiness(events(day1 + others), at="2015-04-07", window="7D")
    assert r["active_users"].tolist() == [16]
    assert r["stickiness"][0] == pytest.approx(1 / 7)


def test_monthly_stickiness_counts_every_day_of_the_month() -> None:
    # March has 31 days. User 1 active on 31 days, user 2 on 1 day, user 2 twice that day.
    days = [f"2024-03-{d:02d}" for d in range(1, 32)]
    rows = [("a", 1, d) for d in days] + [("a", 2, "2024-03-05"), ("a", 2, "2024-03-05T08:00")]
    rows += [("b", 3, "2024-02-10")]
    with pytest.warns(UndefinedMetricWarning, match="1 of 2"):
        r = stickiness(events(rows), "2024-03", by="customer_id")
    # a: user-days 32, average DAU 32 / 31, MAU 2 -> 16 / 31. b: no MAU -> NaN.
    assert r["user_days"].tolist() == [32, 0]
    assert r["stickiness"][0] == pytest.approx(16 / 31)
    assert np.isnan(r["stickiness"][1])
    # month= (before 0.2) still works; a date given as month= stands for its month.
    with pytest.warns(DeprecationWarning, match="month= is deprecated"):
        old = stickiness(events(rows[:-1]), month="2024-03-17")
    assert float(old) == pytest.approx(16 / 31)
    with pytest.warns(DeprecationWarning, match=r"month= is deprecated"):
        assert float(stickiness(events(rows[:-1]), month="2024-03")) == pytest.approx(16 / 31)


def test_pooled_stickiness_of_a_segment() -> None:
    # a: 1 user on 7 of 7 days (1.0); b: 2 users on 1 day each (2 / 7 / 2 = 1 / 7).
    rows = [("a", 1, f"2024-03-0{d}") for d in range(1, 8)]
    rows += [("b", 2, "2024-03-01"), ("b", 3, "2024-03-02")]
    seg = stickiness(events(rows), "2024-03-07", window="7D")
    # Pooled: (7 / 7 + 2 / 7) / (1 + 2) = (9 / 7) / 3 = 3 / 7.
    assert seg["stickiness"][0] == pytest.approx(3 / 7)


def test_stickiness_needs_a_month_or_a_window() -> None:
    t = events([("a", 1, "2024-03-01")])
    with pytest.raises(SignatureError, match="missing a required argument: 'at'"):
        stickiness(t)  # type: ignore[call-arg]
    with pytest.raises(InvalidParameterError, match="at must name one month"):
        stickiness(t, "2024-Q1")
    with pytest.raises(InvalidParameterError, match="month must name one month"), \
            pytest.warns(DeprecationWarning, match=r"month= is deprecated"):
        stickiness(t, month="2024-Q1")  # type: ignore[call-arg]
    with pytest.raises(SignatureError, match="give at= only"):
        stickiness(t, month="2024-03", at="2024-03-31")  # type: ignore[call-arg]


# --- engagement --------------------------------------------------------------------------------


def test_engagement_frequency_and_session_length() -> None:
    t = events([("a", 1, "2024-03-01T09:00"), ("a", 1, "2024-03-01T15:00"),
                ("a", 1, "2024-03-05T09:00"), ("a", 2, "2024-03-06T10:00"),
                ("b", 3, "2024-03-06T10:00")],
               duration_s=[600, 300, None, 120, None])
    with pytest.warns(UndefinedMetricWarning, match="events with a duration"):
        r = engagement(t, "2024-03-30", by="customer_id")
    # a: 4 events, 2 users -> 2.0 events per user; user-days: (1, 1 Mar), (1, 5 Mar),
    # (2, 6 Mar) = 3 -> 1.5 days per user; timed: 600, 300, 120 -> mean 340, median 300.
    assert r["events"].tolist() == [4, 1]
    assert r["events_per_active_user"].tolist() == [2.0, 1.0]
    assert r["active_days_per_user"].tolist() == [1.5, 1.0]
    assert r["timed_events"].tolist() == [3, 0]
    assert r["mean_session_s"][0] == 340.0
    assert np.isnan(r["mean_session_s"][1])
    assert r["median_session_s"][0] == 300.0
    assert np.isnan(r["median_session_s"][1])
    with pytest.warns(DeprecationWarning, match="by_segment"):
        seg = r.by_segment("all")
    # Pooled: 5 events / 3 users; 340 * 3 / 3 timed events.
    assert seg["events_per_active_user"][0] == pytest.approx(5 / 3)
    assert seg["mean_session_s"][0] == pytest.approx(340.0)
    assert "median_session_s" not in seg.column_names   # medians do not pool from medians
    # by=None takes the median over the events themselves: 600, 300, 120 -> 300.
    whole = engagement(t, "2024-03-30")
    assert float(whole) == pytest.approx(5 / 3)
    assert whole["median_session_s"].tolist() == [300.0]


def test_engagement_of_an_inactive_account_is_nan_with_a_warning() -> None:
    t = events([("a", 1, "2020-01-01")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = engagement(t, at="2024-03-31")
    # One warning per cause (two ratios share the active users as denominator).
    assert [str(w.message).split(" because ")[1] for w in caught] == [
        "the number of active users is zero; returning NaN.",
        "the number of events with a duration is zero; returning NaN."]
    assert r["events"].tolist() == [0]
    assert np.isnan(r["events_per_active_user"][0])


# --- rule-based adoption -------------------------------------------------------------------------


def test_adoption_rule_three_days_a_week_with_a_key_feature_each_day() -> None:
    # Two weeks ending Sunday 17 March 2024: 4-10 and 11-17 March.
    rows = [("a", 1, d) for d in ("2024-03-04", "2024-03-06", "2024-03-08",
                                   "2024-03-11", "2024-03-13", "2024-03-15")]
    feats = ["report"] * 6
    # b: active 3 days a week, but on 13 March only with a login (not a key feature).
    rows += [("b", 2, d) for d in ("2024-03-04", "2024-03-05", "2024-03-06",
                                    "2024-03-11", "2024-03-12", "2024-03-13")]
    feats += ["report"] * 5 + ["login"]
    # "dashboard" has no event yet: declaring the catalogue makes it a known feature.
    t = UsageTable.from_columns({"customer_id": [r[0] for r in rows],
                                 "user_id": [r[1] for r in rows], "at": [r[2] for r in rows],
                                 "feature": feats},
                                features=["dashboard", "login", "report"])
    rule = AdoptionRule(periods=2, key_features=("report", "dashboard"))
    r = adoption_rate(t, "2024-03-17", rule=rule, by="customer_id")
    # a: 3 qualifying days in each week -> both met. b: 3 then 2 -> one met.
    assert r["qualifying_days"].tolist() == [6, 5]
    assert r["periods_met"].tolist() == [2, 1]
    assert r["adopted"].tolist() == [True, False]
    assert r.rate == 0.5
    # Half the weeks are enough with min_periods=1.
    loose = adoption_rate(t, "2024-03-17",
                          rule=AdoptionRule(periods=2, min_periods=1, key_features="report"))
    assert loose.rate == 1.0


def test_adoption_rule_with_several_users_per_day() -> None:
    # A day counts only when 2 users are active: a has 2 users on 1 and 2 March only.
    rows = [("a", 1, "2024-03-01"), ("a", 2, "2024-03-01"), ("a", 1, "2024-03-02"),
            ("a", 2, "2024-03-02"), ("a", 1, "2024-03-03")]
    r = adoption_rate(events(rows), "2024-03-07", rule=AdoptionRule(
        min_active_days=2, period_days=7, periods=1, min_users_per_day=2))
    assert r["qualifying_days"].tolist() == [2]
    assert r.rate == 1.0
    with pytest.warns(DeprecationWarning, match="argument order is deprecated"):
        r = adoption_rate(events(rows), AdoptionRule(min_active_days=3, period_days=7,
                                                     periods=1, min_users_per_day=2),
                          at="2024-03-07")
    assert r.rate == 0.0


def test_accounts_without_events_are_in_the_adoption_denominator() -> None:
    rows = [("a", 1, f"2024-03-{d:02d}") for d in range(1, 29)]
    r = adoption_rate(events(rows), "2024-03-28", customers=["a", "b", "c", "d"],
                      by="customer_id")
    assert r["adopted"].tolist() == [True, False, False, False]
    assert r.rate == 0.25
    with pytest.warns(DeprecationWarning, match=r"by_segment"):
        seg = r.by_segment({"a": "x", "b": "x", "c": "y", "d": "y"})
    assert seg["adoption_rate"].tolist() == [0.5, 0.0]
    assert adoption_rate(events(rows), "2024-03-28", customers=["a", "b", "c", "d"],
                         by={"a": "x", "b": "x", "c": "y", "d": "y"})[
        "adoption_rate"].tolist() == [0.5, 0.0]
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(adoption_rate(events(rows), at="2024-03-28", customers=[]).rate)


def test_adoption_rules_are_checked() -> None:
    with pytest.raises(ValueError, match="cannot exceed period_days"):
        AdoptionRule(min_active_days=8)
    with pytest.raises(ValueError, match="cannot exceed periods"):
        AdoptionRule(periods=2, min_periods=3)
    with pytest.raises(InvalidParameterError, match="no event of feature 'reprot'"):
        adoption_rate(events([("a", 1, "2024-03-01")], feature=["report"]), "2024-03-31",
                      rule=AdoptionRule(key_features=("reprot",)))


# --- licence utilization ---------------------------------------------------------------------


def _users(account: str, n: int, day: str = "2024-03-15") -> list[tuple[object, object, str]]:
    return [(account, f"{account}{i}", day) for i in range(n)]


def test_utilization_reproduces_published_examples() -> None:
    # Petavue, "License Utilization": 100 seats, 60 active -> 60%. RevOS: 100 seats, 62
    # distinct users last month -> 62%; the next month 38 -> 38%.
    t = events(_users("petavue", 60) + _users("revos", 62))
    r = license_utilization(t, {"petavue": 100, "revos": 100}, "2024-03-31", by="customer_id")
    assert r["utilization"].tolist() == [0.6, 0.62]
    later = events(_users("revos", 38, "2024-04-15"))
    assert float(license_utilization(later, {"revos": 100}, "2024-04-30")) == 0.38
    # The per-account value(customer_id) of before 0.2 still works for one release.
    per = license_utilization(later, {"revos": 100}, "2024-04-30", by="customer_id")
    with pytest.warns(DeprecationWarning, match=r"value\(\.\.\.\) is deprecated"):
        assert per.value("revos") == 0.38
    assert per.row("revos").value == 0.38


def test_utilization_is_not_clamped_and_overage_is_flagged() -> None:
    t = events(_users("a", 12) + _users("b", 3))
    r = license_utilization(t, {"a": 10, "b": 4}, "2024-03-31", by="customer_id")
    # a: 12 / 10 = 1.2, 2 users over; b: 3 / 4 = 0.75, one seat unused.
    assert r["utilization"].tolist() == [1.2, 0.75]
    assert r["overage"].tolist() == [2.0, 0.0]
    assert r["unused_seats"].tolist() == [0.0, 1.0]
    assert r["over_limit"].tolist() == [True, False]
    assert r.accounts_over_limit == 1


def test_accounts_without_seats_are_nan_not_an_error() -> None:
    t = events(_users("a", 2) + _users("b", 1) + _users("c", 1))
    with pytest.warns(UndefinedMetricWarning, match="2 of 4 result"):
        r = license_utilization(t, {"a": 4, "b": 0, "d": 5}, "2024-03-31", by="customer_id")
    # Rows: accounts with events and every key of the mapping. c is not in the mapping.
    assert r["customer_id"].tolist() == ["a", "b", "c", "d"]
    assert r["seats"][[0, 1, 3]].tolist() == [4.0, 0.0, 5.0]
    assert np.isnan(r["seats"][2])
    util = r["utilization"]
    assert util[0] == 0.5
    assert np.isnan(util[1])
    assert np.isnan(util[2])
    assert util[3] == 0.0
    assert r.accounts_without_seats == 2
    assert np.isnan(r["overage"][2])


def test_seats_from_subscriptions_are_the_active_quantity_on_the_day() -> None:
    subs = SubscriptionTable.from_records([
        Subscription(customer_id="a", start="2024-01-01", amount=10, quantity=8, plan="pro"),
        Subscription(customer_id="a", start="2024-03-01", amount=10, quantity=2, plan="pro"),
        Subscription(customer_id="a", start="2024-01-01", amount=5, quantity=1, plan="addon"),
        Subscription(customer_id="b", start="2024-01-01", end="2024-03-31", amount=10,
                     quantity=5, plan="pro"),
        Subscription(customer_id="c", start="2024-01-01", end="2024-02-01", amount=10,
                     quantity=5, plan="pro"),
    ])
    # On 31 March: a holds 8 + 2 + 1 = 11 (10 without the add-on); b ended that day.
    assert seats_at(subs, "2024-03-31", by="customer_id")["seats"].tolist() == [11.0, 0.0, 0.0]
    assert seats_at(subs, "2024-03-31", plans=["pro"], by="customer_id")[
        "seats"].tolist() == [10.0, 0.0, 0.0]
    assert float(seats_at(subs, "2024-03-31")) == 11.0   # summed when pooled
    by_plan = seats_at(subs, "2024-03-31", by="plan")    # addon 1; pro 8 + 2
    assert (by_plan["plan"].tolist(), by_plan["seats"].tolist()) == (["addon", "pro"],
                                                                     [1.0, 10.0])
    with pytest.raises(InvalidParameterError, match="no subscription has plan"):
        seats_at(subs, "2024-03-31", plans=["gold"])
    t = events(_users("a", 5) + _users("b", 2))
    with pytest.warns(UndefinedMetricWarning, match="number of seats"):
        r = license_utilization(t, subs, "2024-03-31", plans=["pro"], by="customer_id")
    # Rows: a and b have events; c has no seats on the day (and no events).
    assert r["customer_id"].tolist() == ["a", "b"]
    assert r["utilization"][0] == 0.5
    assert np.isnan(r["utilization"][1])


def test_seats_as_an_array_follow_the_rows() -> None:
    t = events(_users("a", 2) + _users("b", 2))
    r = license_utilization(t, np.array([4, 8]), "2024-03-31", by="customer_id")
    assert r["utilization"].tolist() == [0.5, 0.25]
    r = license_utilization(t, [8, 4], "2024-03-31", customers=["b", "a"], by="customer_id")
    assert r["utilization"].tolist() == [0.25, 0.5]
    with pytest.raises(InvalidParameterError, match="one value per account"):
        license_utilization(t, [1, 2, 3], at="2024-03-31")


def test_bad_seats_are_errors_naming_the_rule() -> None:
    t = events(_users("a", 2))
    with pytest.raises(DataValidationError, match="'seats' must be a finite number >= 0"):
        license_utilization(t, {"a": -3}, at="2024-03-31")
    with pytest.raises(DataValidationError, match="must be a finite number >= 0") as err:
        license_utilization(t, np.array([float("inf")]), at="2024-03-31")
    assert err.value.positions == (0,)


def test_pooled_utilization_of_a_segment_skips_accounts_without_seats() -> None:
    t = events(_users("a", 3) + _users("b", 3) + _users("c", 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        seg = license_utilization(t, {"a": 4, "b": 2, "c": 0}, "2024-03-31")
    # (3 + 3) / (4 + 2) = 1.0; c has no seats and is left out of both sums of the ratio.
    assert seg["utilization"].tolist() == [1.0]
    assert seg["accounts"].tolist() == [3]
    assert seg["over_limit"].tolist() == [1]


# --- feature adoption and breadth ------------------------------------------------------------


def test_feature_adoption_over_active_or_given_eligible_users() -> None:
    t = events([("a", 1, "2024-03-10"), ("a", 2, "2024-03-10"), ("a", 3, "2024-03-10"),
                ("a", 1, "2024-03-11"), ("b", 4, "2024-03-10"), ("a", 4, "2023-01-01")],
               feature=["login", "login", "login", "export", "export", "export"])
    r = feature_adoption(t, "2024-03-31", feature="export", by="customer_id")
    # a: user 1 of 3 active users; b: 1 of 1. The 2023 export is outside the window.
    assert r["feature_users"].tolist() == [1, 1]
    assert r["adoption"].tolist() == [1 / 3, 1.0]
    with pytest.warns(DeprecationWarning, match="argument order is deprecated"):
        r = feature_adoption(t, "export", eligible_users={"a": 10, "b": 1}, at="2024-03-31",
                             by="customer_id")
    assert r["adoption"].tolist() == [0.1, 1.0]
    both = feature_adoption(t, "2024-03-31", feature=["export", "login"], by="customer_id")
    assert list(zip(both["customer_id"], both["feature"], both["feature_users"].tolist(),
                    strict=True)) == [("a", "export", 1), ("a", "login", 3),
                                      ("b", "export", 1), ("b", "login", 0)]
    with pytest.warns(DeprecationWarning, match=r"by_segment"):
        seg = both.by_segment("all")
    # export: (1 + 1) / (3 + 1); login: 3 / 4; account share using login: 1 of 2.
    assert seg["feature"].tolist() == ["export", "login"]
    assert seg["adoption"].tolist() == [0.5, 0.75]
    assert seg["account_share"].tolist() == [1.0, 0.5]
    pooled = feature_adoption(t, "2024-03-31", feature=["export", "login"])   # by=None
    assert pooled["adoption"].tolist() == [0.5, 0.75]
    assert pooled.row("login")["account_share"].tolist() == [0.5]


def test_an_unknown_feature_is_an_error_with_a_suggestion() -> None:
    t = events([("a", 1, "2024-03-10")], feature=["export"])
    with pytest.raises(InvalidParameterError, match="Did you mean 'export'"):
        feature_adoption(t, "2024-03-31", feature="exprot")


def test_breadth_counts_key_features_used_by_enough_users() -> None:
    t = events([("a", 1, "2024-03-10"), ("a", 2, "2024-03-10"), ("a", 1, "2024-03-10"),
                ("b", 3, "2024-03-10"), ("b", 3, "2024-03-10")],
               feature=["report", "report", "api", "report", "api"])
    r = adoption_breadth(t, "2024-03-31", features=["report", "api"], by="customer_id")
    assert r["features_used"].tolist() == [2, 2]
    assert r["breadth"].tolist() == [1.0, 1.0]
    with pytest.warns(DeprecationWarning, match="argument order is deprecated"):
        r = adoption_breadth(t, ["report", "api"], at="2024-03-31", min_users=2,
                             by="customer_id")
    # Only a's report has two users.
    assert r["features_used"].tolist() == [1, 0]
    assert r["users: report"].tolist() == [2, 1]
    assert r["users: api"].tolist() == [1, 1]
    with pytest.warns(DeprecationWarning, match=r"by_segment"):
        assert r.by_segment("all")["breadth"].tolist() == [0.25]
    assert float(adoption_breadth(t, "2024-03-31", features=["report", "api"], min_users=2)
                 ) == 0.25
    with pytest.raises(InvalidParameterError, match="list of feature names"):
        adoption_breadth(t, "2024-03-31", features="report")


# --- time to value -------------------------------------------------------------------------------


def test_time_to_value_keeps_censored_accounts_and_uses_kaplan_meier() -> None:
    starts = {"a": "2024-01-01", "b": "2024-01-10", "c": "2024-01-20", "d": "2024-02-05"}
    t = events([("a", 1, "2023-12-30"),          # before a's start: ignored
                ("a", 1, "2024-01-04T10:00"),    # a reaches value on day 3
                ("b", 2, "2024-01-30T23:00"),    # b on day 20
                ("d", 3, "2024-02-06")],         # d starts after at: not started
               feature=["report"] * 4)
    ttv = time_to_value(starts, t, "2024-01-31", milestone="report")
    detail = ttv.accounts_detail
    assert detail["status"].tolist() == ["reached", "reached", "not yet reached", "not started"]
    np.testing.assert_equal(detail["days_to_value"], [3.0, 20.0, np.nan, np.nan])
    # c is censored at 31 - 20 = 11 days.
    np.testing.assert_equal(detail["observed_days"], [3.0, 20.0, 11.0, np.nan])
    assert ttv.started == 3
    assert ttv.share_reached == pytest.approx(2 / 3)
    assert ttv.share_not_reached == pytest.approx(1 / 3)
    # Kaplan-Meier: day 3, 3 at risk, 1 event -> S = 2/3; c censored at 11; day 20, 1 at
    # risk (b), 1 event -> S = 0. The median is the first day with S <= 1/2: 20 (the
    # mean of the reached accounts alone, dropping c, would say 11.5).
    assert ttv.median_days == 20.0
    assert float(ttv) == 20.0
    assert (ttv["started"].tolist(), ttv["reached"].tolist()) == ([3], [2])
    assert ttv.reached_within(10) == pytest.approx(1 / 3)
    assert ttv.reached_within(25) == 1.0
    with pytest.warns(UndefinedMetricWarning):   # everyone left at risk reached it on day 20
        curve = ttv.survival()
    assert curve["survival"][curve["time"] == 3].tolist() == pytest.approx([2 / 3])


def test_milestones_count_events_or_distinct_users() -> None:
    starts = {"a": "2024-01-01"}
    t = events([("a", 1, "2024-01-02"), ("a", 1, "2024-01-03"), ("a", 2, "2024-01-05"),
                ("a", 3, "2024-01-09"), ("a", 1, "2024-01-10")],
               feature=["report", "report", "login", "report", "report"])
    third = time_to_value(starts, t, "2024-01-31",
                          milestone=Milestone(features="report", count=3))
    # report events on days 1, 2, 8, 9: the third is on 9 January, day 8.
    assert third.accounts_detail["days_to_value"].tolist() == [8.0]
    assert float(third) == 8.0   # the median of one account is its days to value
    users = time_to_value(starts, t, "2024-01-31",
                          milestone=Milestone(count=3, distinct_users=True))
    # Any event: user 1 on day 1, user 2 on day 4, user 3 on day 8.
    assert users.accounts_detail["days_to_value"].tolist() == [8.0]
    assert users.accounts_detail["reached_at"].astype(str).tolist() == [
        "2024-01-09T00:00:00.000000"]
    with pytest.warns(UndefinedMetricWarning, match="median time to value is not reached"):
        none = time_to_value(starts, t, "2024-01-31", milestone=Milestone(count=9))
    assert none.accounts_detail["status"].tolist() == ["not yet reached"]
    assert np.isnan(none.median_days)


def test_time_to_value_from_subscriptions_uses_the_first_start_trial_included() -> None:
    subs = [Subscription(customer_id="a", start="2024-01-01", end="2024-01-15", amount=0),
            Subscription(customer_id="a", start="2024-01-15", amount=50),
            Subscription(customer_id="b", start="2024-01-05", amount=50)]
    t = events([("a", 1, "2024-01-11"), ("b", 2, "2024-01-06")])
    ttv = time_to_value(subs, t, "2024-01-31", milestone=Milestone())
    assert ttv.accounts_detail["start"].astype(str).tolist() == ["2024-01-01", "2024-01-05"]
    assert ttv.accounts_detail["days_to_value"].tolist() == [10.0, 1.0]
    per = time_to_value(subs, t, "2024-01-31", milestone=Milestone(), by="customer_id")
    assert per["median_days"].tolist() == [10.0, 1.0]
    with pytest.warns(DeprecationWarning, match="subs_or_start_dates= is deprecated"):
        old = time_to_value(subs_or_start_dates=subs, usage=t, milestone=Milestone(),
                            at="2024-01-31")
    assert old.accounts_detail["days_to_value"].tolist() == [10.0, 1.0]


def test_time_to_value_rows_segments_and_default_at() -> None:
    starts = {"a": "2024-01-01", "b": "2024-01-01"}
    t = events([("a", 1, "2024-01-03"), ("b", 2, "2024-01-07")], feature=["x", "x"])
    ttv = time_to_value(starts, t, milestone="x", customers=["b", "z", "a"])
    # at defaults to the last day with an event, 7 January.
    assert str(ttv.at) == "2024-01-07"
    assert ttv.accounts_detail["status"].tolist() == ["reached", "no start date", "reached"]
    seg = time_to_value(starts, t, milestone="x", by={"a": "s", "b": "t"})
    assert seg["median_days"].tolist() == [2.0, 6.0]
    assert seg["share_reached"].tolist() == [1.0, 1.0]
    with pytest.raises(InvalidParameterError, match="no event of feature"):
        time_to_value(starts, t, milestone="y")
    with pytest.raises(DataValidationError, match="'start date' must not be missing"):
        time_to_value({"a": None}, t, milestone="x")


def test_no_started_account_gives_nan_shares_with_a_warning() -> None:
    t = events([("a", 1, "2024-01-03")])
    with pytest.warns(UndefinedMetricWarning, match="no account has started"):
        ttv = time_to_value({"a": "2025-01-01"}, t, "2024-01-31", milestone=Milestone())
    assert np.isnan(ttv.share_reached)
    assert np.isnan(ttv.median_days)


# --- results -------------------------------------------------------------------------------------


def test_account_results_print_and_convert() -> None:
    r = active_users(events([("a", 1, "2024-03-05")]), "2024-03-31", by="customer_id")
    assert repr(r) == "AccountResult(active_users=1)"
    assert r.to_dict() == {"customer_id": ["a"], "accounts": [1], "active_users": [1],
                           "active": [1]}
    assert "Active users" in str(r)
    with pytest.raises(InvalidParameterError, match="0 rows for customer 'zz'"), \
            pytest.warns(DeprecationWarning, match=r"value\(\.\.\.\) is deprecated"):
        r.value("zz")


def test_pooled_utilization_divides_out() -> None:
    # Account c has an active user but no seats: pooled, only seated accounts' users are
    # divided by the seats, and the row says so (seated_active_users).
    import warnings

    from csmetrics.usage import license_utilization

    events = {"customer_id": ["a", "a", "c"], "user_id": [1, 2, 3], "at": ["2024-03-10"] * 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pooled = license_utilization(events, {"a": 4, "c": 0}, "2024-03-31")
    assert pooled["active_users"].tolist() == [3]
    assert pooled["seated_active_users"].tolist() == [2]
    assert pooled["utilization"].tolist() == [2 / 4]
