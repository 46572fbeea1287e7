"""Properties of the usage metrics on random event logs, against naive pure-Python oracles.

The oracles are written straight from the definitions with Python sets and loops, so they
share no code with the kernels they check.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics._kernels import usage as ku
from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.tables.usage import UsageEvent, UsageTable
from csmetrics.usage import (
    AdoptionRule,
    Milestone,
    active_users,
    active_users_series,
    adoption_breadth,
    adoption_rate,
    engagement,
    feature_adoption,
    license_utilization,
    stickiness,
    time_to_value,
)

EPOCH = dt.datetime(2024, 3, 1)
AT = dt.date(2024, 3, 31)
ACCOUNTS = ["a", "b", "c", "d"]
FEATURES = ["x", "y", "z"]


@st.composite
def logs(draw: st.DrawFn, max_rows: int = 40) -> list[dict[str, Any]]:
    """Events from 1 March to 11 April 2024 00:00; users may share ids across accounts."""
    n = draw(st.integers(0, max_rows))
    rows = []
    for _ in range(n):
        rows.append({
            "customer_id": draw(st.sampled_from(ACCOUNTS)),
            "user_id": draw(st.integers(0, 5)),
            "at": EPOCH + dt.timedelta(microseconds=draw(st.integers(0, 41 * 86_400_000_000))),
            "feature": draw(st.sampled_from([*FEATURES, None])),
            "duration_s": draw(st.one_of(st.none(), st.floats(0, 5_000, allow_nan=False))),
        })
    return rows


def build(rows: list[dict[str, Any]]) -> UsageTable:
    cols = {k: [r[k] for r in rows] for k in
            ("customer_id", "user_id", "at", "feature", "duration_s")}
    return UsageTable.from_columns(cols, features=FEATURES)


def in_window(r: dict[str, Any], days: int, at: dt.date = AT) -> bool:
    return at - dt.timedelta(days=days - 1) <= r["at"].date() <= at


def quiet() -> Any:
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", UndefinedMetricWarning)
    return ctx


def by_account(result: Any, column: str) -> dict[Any, Any]:
    return dict(zip(result["customer_id"].tolist(), result[column].tolist(), strict=True))


@settings(max_examples=60)
@given(logs(), st.sampled_from([1, 7, 28, 30]))
def test_active_users_match_the_set_oracle(rows: list[dict[str, Any]], days: int) -> None:
    users: dict[str, set[Any]] = defaultdict(set)
    for r in rows:
        if in_window(r, days):
            users[r["customer_id"]].add(r["user_id"])
    got = by_account(active_users(build(rows), AT, window=f"{days}D", customers=ACCOUNTS,
                                  by="customer_id"), "active_users")
    assert got == {c: len(users[c]) for c in ACCOUNTS}


@settings(max_examples=60)
@given(logs(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(rows: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a, b = build(rows), build(shuffled)
    starts = dict.fromkeys(ACCOUNTS, "2024-03-05")
    seats = {c: i for i, c in enumerate(ACCOUNTS)}
    ctx = quiet()
    try:
        per = {"customers": ACCOUNTS, "by": "customer_id"}
        rule = AdoptionRule(min_active_days=2)
        pairs = [
            (active_users(a, AT, **per), active_users(b, AT, **per)),
            (active_users(a, AT, by="feature"), active_users(b, AT, by="feature")),
            (stickiness(a, "2024-03", **per), stickiness(b, "2024-03", **per)),
            (engagement(a, AT, **per), engagement(b, AT, **per)),
            (engagement(a, AT), engagement(b, AT)),
            (license_utilization(a, seats, AT, **per), license_utilization(b, seats, AT, **per)),
            (feature_adoption(a, AT, feature=FEATURES, **per),
             feature_adoption(b, AT, feature=FEATURES, **per)),
            (adoption_rate(a, AT, rule=rule, **per), adoption_rate(b, AT, rule=rule, **per)),
            (time_to_value(starts, a, AT, milestone=Milestone(count=2), **per),
             time_to_value(starts, b, AT, milestone=Milestone(count=2), **per)),
            (time_to_value(starts, a, AT, milestone=Milestone(count=2)).accounts_detail,
             time_to_value(starts, b, AT, milestone=Milestone(count=2)).accounts_detail),
            (active_users_series(a, "2024-03-01", "2024-04-10", freq="week"),
             active_users_series(b, "2024-03-01", "2024-04-10", freq="week")),
        ]
    finally:
        ctx.__exit__(None, None, None)
    for x, y in pairs:
        np.testing.assert_equal(x.to_dict(), y.to_dict())


@settings(max_examples=60)
@given(logs())
def test_counts_never_exceed_distinct_users(rows: list[dict[str, Any]]) -> None:
    t = build(rows)
    members: dict[str, set[Any]] = defaultdict(set)
    for r in rows:
        members[r["customer_id"]].add(r["user_id"])
    ctx = quiet()
    try:
        active = by_account(active_users(t, "2024-04-11", window="365D", customers=ACCOUNTS,
                                         by="customer_id"), "active_users")
        month = stickiness(t, "2024-03", customers=ACCOUNTS, by="customer_id")
        feats = feature_adoption(t, AT, feature=FEATURES, customers=ACCOUNTS, by="customer_id")
    finally:
        ctx.__exit__(None, None, None)
    for c in ACCOUNTS:
        assert active[c] == len(members[c])   # a long window sees every user
    assert (month["active_users"] <= np.array([len(members[c]) for c in ACCOUNTS])).all()
    assert (month["user_days"] <= 31 * month["active_users"]).all()
    # Feature users are active users: adoption over active users is never above 1.
    assert (feats["feature_users"] <= feats["eligible_users"]).all()


@settings(max_examples=60)
@given(logs(), st.lists(st.integers(0, 8), min_size=4, max_size=4))
def test_utilization_is_active_over_seats_unclamped(rows: list[dict[str, Any]],
                                                    seats: list[int]) -> None:
    t = build(rows)
    ctx = quiet()
    try:
        r = license_utilization(t, dict(zip(ACCOUNTS, seats, strict=True)), AT,
                                customers=ACCOUNTS, by="customer_id")
    finally:
        ctx.__exit__(None, None, None)
    active = r["active_users"].astype(float)
    for i, s in enumerate(seats):
        if s == 0:
            assert np.isnan(r["utilization"][i])
        else:
            assert r["utilization"][i] == active[i] / s   # exactly, above 1 included
            assert r["over_limit"][i] == (active[i] > s)
            assert r["overage"][i] == max(active[i] - s, 0)


@settings(max_examples=60)
@given(logs())
def test_stickiness_and_engagement_match_the_oracle(rows: list[dict[str, Any]]) -> None:
    t = build(rows)
    ctx = quiet()
    try:
        st_ = stickiness(t, "2024-03", customers=ACCOUNTS, by="customer_id")
        en = engagement(t, AT, window="30D", customers=ACCOUNTS, by="customer_id")
    finally:
        ctx.__exit__(None, None, None)
    for i, c in enumerate(ACCOUNTS):
        march = [r for r in rows if r["customer_id"] == c and r["at"].month == 3]
        days_users = {(r["at"].date(), r["user_id"]) for r in march}
        mau = {r["user_id"] for r in march}
        if mau:
            # Mean over the 31 days of DAU, over MAU.
            assert st_["stickiness"][i] == pytest.approx(len(days_users) / 31 / len(mau))
        else:
            assert np.isnan(st_["stickiness"][i])
        recent = [r for r in rows if r["customer_id"] == c and in_window(r, 30)]
        timed = [r["duration_s"] for r in recent if r["duration_s"] is not None]
        assert en["events"][i] == len(recent)
        assert en["user_days"][i] == len({(r["at"].date(), r["user_id"]) for r in recent})
        if timed:
            assert en["mean_session_s"][i] == pytest.approx(sum(timed) / len(timed))
            assert en["median_session_s"][i] == pytest.approx(float(np.median(timed)))
        else:
            assert np.isnan(en["median_session_s"][i])


@settings(max_examples=60)
@given(logs(), st.integers(1, 3), st.integers(1, 2))
def test_adoption_rule_matches_the_oracle(rows: list[dict[str, Any]], min_days: int,
                                          min_users: int) -> None:
    rule = AdoptionRule(min_active_days=min_days, period_days=5, periods=3,
                        key_features=("x", "y"), min_users_per_day=min_users)
    got = by_account(adoption_rate(build(rows), AT, rule=rule, customers=ACCOUNTS,
                                   by="customer_id"), "periods_met")
    first = AT - dt.timedelta(days=14)
    for c in ACCOUNTS:
        users_on: dict[dt.date, set[Any]] = defaultdict(set)
        for r in rows:
            d = r["at"].date()
            if r["customer_id"] == c and first <= d <= AT and r["feature"] in ("x", "y"):
                users_on[d].add(r["user_id"])
        met = 0
        for block in range(3):
            days = [first + dt.timedelta(days=5 * block + k) for k in range(5)]
            if sum(len(users_on[d]) >= min_users for d in days) >= min_days:
                met += 1
        assert got[c] == met


@settings(max_examples=60)
@given(logs(), st.integers(1, 3), st.booleans())
def test_time_to_value_matches_the_oracle(rows: list[dict[str, Any]], count: int,
                                          per_user: bool) -> None:
    starts = {"a": dt.date(2024, 3, 1), "b": dt.date(2024, 3, 15), "c": dt.date(2024, 4, 2),
              "d": dt.date(2024, 3, 20)}
    ctx = quiet()
    try:
        ttv = time_to_value(starts, build(rows), AT, customers=ACCOUNTS,
                            milestone=Milestone(features=("x",), count=count,
                                                distinct_users=per_user))
    finally:
        ctx.__exit__(None, None, None)
    detail = ttv.accounts_detail
    for i, c in enumerate(ACCOUNTS):
        s = starts[c]
        times = sorted(r["at"] for r in rows if r["customer_id"] == c and r["feature"] == "x"
                       and s <= r["at"].date() <= AT)
        if per_user:
            first: dict[Any, dt.datetime] = {}
            for r in rows:
                if r["customer_id"] == c and r["feature"] == "x" and s <= r["at"].date() <= AT:
                    first[r["user_id"]] = min(first.get(r["user_id"], r["at"]), r["at"])
            times = sorted(first.values())
        if s > AT:
            assert detail["status"][i] == "not started"
        elif len(times) >= count:
            assert detail["days_to_value"][i] == (times[count - 1].date() - s).days
        else:
            assert detail["status"][i] == "not yet reached"
            assert detail["observed_days"][i] == (AT - s).days
    started = [c for c in ACCOUNTS if starts[c] <= AT]
    assert ttv.share_reached + ttv.share_not_reached == pytest.approx(1.0)
    assert ttv.started == len(started)


@settings(max_examples=40)
@given(logs(max_rows=25))
def test_breadth_and_series_match_the_oracle(rows: list[dict[str, Any]]) -> None:
    t = build(rows)
    br = by_account(adoption_breadth(t, AT, features=["x", "y"], customers=ACCOUNTS,
                                     by="customer_id"), "features_used")
    for c in ACCOUNTS:
        used = {r["feature"] for r in rows if r["customer_id"] == c and in_window(r, 30)}
        assert br[c] == len(used & {"x", "y"})
    s = active_users_series(t, "2024-03", "2024-04", customers=ACCOUNTS, by="customer_id")
    for period, c, n in zip(s["period"], s["customer_id"], s["active_users"].tolist(),
                            strict=True):
        month = int(period[-2:])
        assert n == len({r["user_id"] for r in rows
                         if r["customer_id"] == c and r["at"].month == month})


@settings(max_examples=30)
@given(logs(max_rows=12))
def test_records_path_equals_columns_path(rows: list[dict[str, Any]]) -> None:
    records = UsageTable.from_records([UsageEvent(**r) for r in rows], features=FEATURES)
    np.testing.assert_equal(records.to_dict(), build(rows).to_dict())


@settings(max_examples=100)
@given(st.lists(st.integers(0, 300), max_size=200), st.sampled_from([301, 10_000_000]))
def test_distinct_kernel_marks_or_sorts_to_the_same_answer(values: list[int],
                                                           bound: int) -> None:
    keys = np.asarray(values, dtype=np.int64)
    assert ku.distinct(keys, bound).tolist() == sorted(set(values))


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(0, 100, allow_nan=False)),
                max_size=50))
def test_group_median_and_kth_match_the_oracle(pairs: list[tuple[int, float]]) -> None:
    g = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.float64)
    med = ku.per_group_median(g, v, 5)
    kth = ku.kth_time(g, np.round(v * 1000).astype(np.int64), 2, 5)
    for k in range(5):
        vals = sorted(p[1] for p in pairs if p[0] == k)
        if vals:
            assert med[k] == pytest.approx(float(np.median(vals)))
        else:
            assert np.isnan(med[k])
        ints = sorted(round(x * 1000) for x in vals)
        assert kth[k] == (ints[1] if len(ints) >= 2 else ku.NEVER)


@settings(max_examples=50)
@given(logs(), st.lists(st.sampled_from(["x", "y", None]), min_size=4, max_size=4),
       st.lists(st.integers(0, 6), min_size=4, max_size=4))
def test_segments_pool_their_accounts(rows: list[dict[str, Any]], labels: list[Any],
                                      seats: list[int]) -> None:
    # by= a mapping: each segment sums its accounts' counts (unmapped accounts in "(none)"),
    # and its ratio is the ratio of the sums over the accounts where it is defined.
    mapping = {c: lab for c, lab in zip(ACCOUNTS, labels, strict=True) if lab is not None}
    segment_of = {c: mapping.get(c, "(none)") for c in ACCOUNTS}
    t = build(rows)
    seat_map = dict(zip(ACCOUNTS, seats, strict=True))
    ctx = quiet()
    try:
        per = stickiness(t, "2024-03", customers=ACCOUNTS, by="customer_id")
        seg = stickiness(t, "2024-03", customers=ACCOUNTS, by=mapping)
        whole = stickiness(t, "2024-03", customers=ACCOUNTS)
        util = license_utilization(t, seat_map, AT, customers=ACCOUNTS, by=mapping)
        util_per = license_utilization(t, seat_map, AT, customers=ACCOUNTS, by="customer_id")
    finally:
        ctx.__exit__(None, None, None)
    users = by_account(per, "active_users")
    days = by_account(per, "user_days")
    assert int(whole["active_users"][0]) == sum(users.values())
    for i, label in enumerate(seg["segment"].tolist()):
        members = [c for c in ACCOUNTS if segment_of[c] == label]
        assert seg["accounts"][i] == len(members)
        assert seg["active_users"][i] == sum(users[c] for c in members)
        active = [c for c in members if users[c]]
        if active:
            assert seg["stickiness"][i] == pytest.approx(
                sum(days[c] for c in active) / 31 / sum(users[c] for c in active))
        else:
            assert np.isnan(seg["stickiness"][i])
    active_now = by_account(util_per, "active_users")
    for i, label in enumerate(util["segment"].tolist()):
        seated = [c for c in ACCOUNTS if segment_of[c] == label and seat_map[c] > 0]
        if seated:
            assert util["utilization"][i] == pytest.approx(
                sum(active_now[c] for c in seated) / sum(seat_map[c] for c in seated))
        else:
            assert np.isnan(util["utilization"][i])


@settings(max_examples=50)
@given(logs())
def test_active_users_by_feature_match_the_set_oracle(rows: list[dict[str, Any]]) -> None:
    # by="feature": the users of each (account, feature), summed over the accounts.
    users: dict[Any, set[Any]] = defaultdict(set)
    accounts: dict[Any, set[Any]] = defaultdict(set)
    for r in rows:
        accounts[r["feature"]].add(r["customer_id"])
        if in_window(r, 30):
            users[r["feature"]].add((r["customer_id"], r["user_id"]))
    got = active_users(build(rows), AT, by="feature")
    labels = ["(none)" if f is None else f for f in got["feature"].tolist()]
    for label, n, k in zip(labels, got["active_users"].tolist(), got["accounts"].tolist(),
                           strict=True):
        key = None if label == "(none)" else label
        assert n == len(users[key])
        assert k == len(accounts[key])
    assert sorted(labels) == sorted("(none)" if f is None else f for f in accounts)
