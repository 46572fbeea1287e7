"""Support SLAs: the new ticket fields, response and resolution times, SLA attainment, reopen
rate, tickets per account, backlog age and the support account signals.

References: Kaplan-Meier against lifelines' ``KaplanMeierFitter`` (an independent
implementation); Wilson intervals against statsmodels' ``proportion_confint``; every other
number worked by hand beside its assertion.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics._kernels import cohorts as kc
from csmetrics._kernels import support as ks
from csmetrics.exceptions import DataValidationError, InvalidParameterError, UndefinedMetricWarning
from csmetrics.tables.tickets import SupportTicket, SupportTicketTable

H = 3_600_000_000  # microseconds per hour
BASE = np.datetime64("2024-03-01T00:00", "us")


def quiet(fn: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def hours_after(values: list[float | None]) -> list[Any]:
    """Timestamps ``values`` hours after 1 March 2024 00:00 UTC (None stays None)."""
    return [None if v is None else BASE + np.timedelta64(round(v * H), "us") for v in values]


# --- the ticket fields ---------------------------------------------------------------------------


def test_each_later_time_must_not_precede_the_opening() -> None:
    cols = {"customer_id": ["a", "a", "b", "b"],
            "opened_at": ["2024-03-02T10:00Z"] * 4,
            "first_response_at": ["2024-03-02T11:00Z", "2024-03-02T09:00Z", None,
                                  "2024-03-01T00:00Z"],
            "reopened_at": [None, None, "2024-03-01T10:00Z", None]}
    with pytest.raises(DataValidationError) as err:
        SupportTicketTable.from_columns(cols)
    text = str(err.value)
    # column, rule, count, lines and values, for each rule broken
    assert ("column 'first_response_at' must not be before 'opened_at'; 2 of 4 rows break "
            "this rule (first at rows 1, 3; values '2024-03-02T09:00Z', '2024-03-01T00:00Z')"
            ) in text
    assert ("column 'reopened_at' must not be before 'opened_at'; 1 of 4 rows breaks this "
            "rule (at row 2; value '2024-03-01T10:00Z')") in text
    skipped = SupportTicketTable.from_columns(cols, errors="skip")
    assert len(skipped) == 1
    assert skipped.skipped.rows.tolist() == [1, 2, 3]
    assert len(skipped) + len(skipped.skipped) == 4          # kept + skipped = input


def test_priority_is_codes_and_categories_and_a_segment() -> None:
    t = SupportTicketTable.from_columns({
        "customer_id": ["a", "b", "c"], "opened_at": ["2024-03-01"] * 3,
        "priority": ["urgent", None, "low"]})
    assert t.priorities.tolist() == ["low", "urgent"]
    assert t.priority_codes.tolist() == [1, -1, 0]
    assert t.column("priority").tolist() == ["urgent", None, "low"]
    assert "priority" in t.segment_columns


def test_records_and_columns_build_the_same_table_with_the_new_fields() -> None:
    rows = [{"customer_id": "a", "opened_at": "2024-03-01T09:00Z",
                 "first_response_at": "2024-03-01T09:30Z", "priority": "high",
                 "resolved_at": "2024-03-02T09:00Z", "reopened_at": "2024-03-01T20:00Z",
                 "contacts": 2},
            {"customer_id": "b", "opened_at": "2024-03-01T10:00Z", "priority": "low"}]
    from_records = SupportTicketTable.from_records([SupportTicket(**r) for r in rows])
    cols = {k: [r.get(k) for r in rows] for k in
            ("customer_id", "opened_at", "first_response_at", "priority", "resolved_at",
             "reopened_at", "contacts")}
    assert from_records.to_dict() == SupportTicketTable.from_columns(cols).to_dict()


def test_csv_and_parquet_readers_carry_the_new_fields(tmp_path: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    cols = {"customer_id": ["a", "b"], "opened_at": ["2024-03-01T09:00Z", "2024-03-01T10:00Z"],
            "first_response_at": ["2024-03-01T09:30Z", ""], "priority": ["high", "low"],
            "reopened_at": ["", "2024-03-01T12:00Z"]}
    path = tmp_path / "t.csv"
    lines = [",".join(cols)] + [",".join(cols[k][i] for k in cols) for i in range(2)]
    path.write_text("\n".join(lines) + "\n")
    expected = SupportTicketTable.from_columns(
        {k: [v or None for v in vals] for k, vals in cols.items()}).to_dict()
    assert cm.read_tickets_csv(path).to_dict() == expected
    pq.write_table(pa.table({k: pa.array([v or None for v in vals]) for k, vals in
                             cols.items()}), tmp_path / "t.parquet")
    assert cm.read_tickets_parquet(tmp_path / "t.parquet").to_dict() == expected


def test_synthetic_tickets_keep_their_older_columns() -> None:
    cols = cm.datasets.synthetic_ticket_columns(30, days=30, seed=1)
    t = SupportTicketTable.from_columns(cols)
    # the first reply never comes after the resolution, the reopening before the opening
    op, fr, rs = (t.opened_at.view(np.int64), t.first_response_at.view(np.int64),
                  t.resolved_at.view(np.int64))
    both = ~np.isnat(t.first_response_at) & ~np.isnat(t.resolved_at)
    assert (fr[both] <= rs[both]).all()
    assert (fr[~np.isnat(t.first_response_at)] >=
                                             op[~np.isnat(t.first_response_at)]).all()
    assert set(t.priorities.tolist()) == {"urgent", "high", "normal", "low"}
    # The older columns are byte for byte what the generator gave before the SLA fields
    # existed: the digest of its output at commit dcceeaf (196 tickets for these arguments).
    digest = hashlib.sha256()
    for k in ("ticket_id", "customer_id", "opened_at", "resolved_at", "contacts"):
        digest.update(np.ascontiguousarray(cols[k]).tobytes())
    assert len(cols["ticket_id"]) == 196
    assert digest.hexdigest() == (
        "92efa6e222805c135265e1f58ed0ecf5cbe4d3c91a4664033a1c62ebd55f0bb7")


# --- Kaplan-Meier against lifelines -------------------------------------------------------------


def _random_times(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 40, n) * (H // 4)           # quarter hours: many ties
    event = rng.random(n) < 0.7
    return time.astype(np.int64), event


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_km_survival_matches_lifelines(seed: int) -> None:
    lifelines = pytest.importorskip("lifelines")
    time, event = _random_times(seed, 150)
    group = np.zeros(time.size, dtype=np.int64)
    rc = ks.ranked_counts(group, time, event, 1)
    km = kc.estimate(rc.events, rc.censored, 1.96)
    fit = lifelines.KaplanMeierFitter().fit(time / H, event)
    at = rc.times[0] / H
    expected = fit.survival_function_at_times(at).to_numpy()
    np.testing.assert_allclose(km.survival[0], expected, rtol=1e-12)


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_median_and_its_limits_match_lifelines(seed: int) -> None:
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import median_survival_times

    time, event = _random_times(seed, 120)
    # Answered tickets open at 1 March 00:00 and are answered ``time`` later; unanswered
    # ones open ``time`` before the end of 10 March, so that is their age (censoring time).
    at_end = BASE.astype(np.int64) + 10 * 24 * H
    first_open = at_end - time
    opened = np.where(event, BASE.astype(np.int64), first_open)
    responded = np.where(event, opened + time, np.iinfo(np.int64).min)
    cols = {"customer_id": np.arange(time.size) % 5,
            "opened_at": opened.view("datetime64[us]"),
            "first_response_at": responded.view("datetime64[us]")}
    r = quiet(lambda: cm.first_response_time(cols, "2024-03-10", percentiles=(75,)))
    fit = lifelines.KaplanMeierFitter().fit(time / H, event)
    with warnings.catch_warnings():  # lifelines notes it reads its own step function
        warnings.simplefilter("ignore")
        limits = median_survival_times(fit.confidence_interval_)
        p75 = float(fit.percentile(0.25))
    assert float(r) == pytest.approx(fit.median_survival_time_)
    assert r["median_lower"][0] == pytest.approx(float(limits.iloc[0, 0]))
    assert r["median_upper"][0] == pytest.approx(float(limits.iloc[0, 1]))
    assert r["p75_hours"][0] == pytest.approx(p75)
    assert r["responded"][0] == int(event.sum())
    assert r["censored"][0] == int((~event).sum())


def test_per_group_curves_match_one_curve_each() -> None:
    lifelines = pytest.importorskip("lifelines")
    time, event = _random_times(8, 200)
    group = np.random.default_rng(8).integers(0, 3, time.size).astype(np.int64)
    q = ks.km_quantiles(group, time, event, 4, np.array([0.5]), 1.96)
    for g in range(3):
        fit = lifelines.KaplanMeierFitter().fit(time[group == g] / H, event[group == g])
        assert q.value[0, g] / H == pytest.approx(fit.median_survival_time_)
    assert math.isnan(q.value[0, 3])
    assert q.tickets[3] == 0


# --- response and resolution times by hand ---------------------------------------------------


def test_unanswered_tickets_are_censored_at_the_as_of_day_not_dropped() -> None:
    # Five tickets opened at 00:00 on 1 March: replies after 1, 3 and 10 hours; two without
    # one. As of the end of 1 March (24 hours) both are censored at 24 h.
    # KM: 1 h: 5 at risk, S = 4/5; 3 h: S = 4/5 * 3/4 = 3/5; 10 h: S = 3/5 * 2/3 = 2/5.
    # Median (S <= 0.5): 10 h. Dropping the unanswered would give a median of 3 h.
    cols = {"customer_id": list("abcde"), "opened_at": hours_after([0] * 5),
            "first_response_at": hours_after([1, 3, 10, None, None])}
    r = cm.first_response_time(cols, "2024-03-01", percentiles=(40,))
    assert float(r) == 10.0
    assert r["p40_hours"].tolist() == [3.0]                    # S(3) = 0.6 <= 0.6
    assert (r["tickets"][0], r["responded"][0], r["censored"][0]) == (5, 3, 2)
    # As of the day before the replies were known, a ticket opened later does not count.
    late = {**cols, "opened_at": hours_after([0, 0, 0, 0, 30])}
    later = quiet(lambda: cm.first_response_time(late, "2024-03-01"))
    assert later["tickets"].tolist() == [4]


def test_a_percentile_not_reached_is_nan_with_a_warning() -> None:
    cols = {"customer_id": list("abc"), "opened_at": hours_after([0] * 3),
            "resolved_at": hours_after([2, None, None])}
    with pytest.warns(UndefinedMetricWarning, match="median"):
        r = cm.resolution_time(cols, "2024-03-01")
    assert math.isnan(float(r))                                 # S stays at 2/3


def test_resolution_time_by_priority_and_the_opened_window() -> None:
    cols = {"customer_id": ["a", "a", "b", "b"],
            "opened_at": hours_after([0, 0, 30, 30]),
            "resolved_at": hours_after([4, 8, 31, 33]),
            "priority": ["urgent", "low", "urgent", "low"]}
    r = cm.resolution_time(cols, "2024-03-05", by="priority", percentiles=(50,))
    # urgent: 4 h and 1 h -> median 1 h (S(1) = 1/2); low: 8 h and 3 h -> 3 h
    assert r["priority"].tolist() == ["low", "urgent"]
    assert r["median_hours"].tolist() == [3.0, 1.0]
    only_second_day = cm.resolution_time(cols, "2024-03-05", opened=("2024-03-02",
                                                                    "2024-03-02"),
                                         percentiles=(50,))
    assert only_second_day["tickets"].tolist() == [2]
    assert float(only_second_day) == 1.0
    with pytest.raises(InvalidParameterError, match="opened"):
        cm.resolution_time(cols, "2024-03-05", opened=("2024-03-03", "2024-03-01"))


def test_first_response_time_needs_first_responses() -> None:
    with pytest.raises(InvalidParameterError, match="first_response_at"):
        cm.first_response_time({"customer_id": ["a"], "opened_at": ["2024-03-01"]},
                               "2024-03-02")
    with pytest.raises(InvalidParameterError, match="percentiles must be"):
        cm.first_response_time({"customer_id": ["a"], "opened_at": ["2024-03-01"]},
                               "2024-03-02", percentiles=(100,))


# --- SLA attainment ------------------------------------------------------------------------------


def test_sla_attainment_by_priority_by_hand() -> None:
    # Targets: urgent 1 h, normal 8 h (first reply). As of the end of 1 March (24 h):
    #   urgent, opened 0 h, reply at 0.5 h          met
    #   urgent, opened 0 h, reply at 2 h            breached (2 > 1)
    #   urgent, opened 23.5 h, no reply (0.5 h old)  pending
    #   normal, opened 0 h, reply at 8 h            met (exactly at the target)
    #   normal, opened 10 h, no reply (14 h old)     breached (still open past its target)
    cols = {"customer_id": list("aabbc"),
            "opened_at": hours_after([0, 0, 23.5, 0, 10]),
            "first_response_at": hours_after([0.5, 2, None, 8, None]),
            "priority": ["urgent", "urgent", "urgent", "normal", "normal"]}
    targets = {"urgent": "1h", "normal": 8}
    r = cm.sla_attainment(cols, "2024-03-01", targets=targets, by="priority")
    assert r["priority"].tolist() == ["normal", "urgent"]
    assert r["met"].tolist() == [1, 1]
    assert r["breached"].tolist() == [1, 1]
    assert r["pending"].tolist() == [0, 1]
    assert r["attainment"].tolist() == [0.5, 0.5]               # pending not in the denominator
    whole = cm.sla_attainment(cols, "2024-03-01", targets=targets)
    assert (int(whole["tickets"][0]), float(whole)) == (5, 0.5)
    # a day later the pending urgent ticket is a breach: 2 met of 5
    later = cm.sla_attainment(cols, "2024-03-02", targets=targets)
    assert float(later) == pytest.approx(2 / 5)


def test_sla_attainment_interval_is_wilson() -> None:
    statsmodels = pytest.importorskip("statsmodels.stats.proportion")
    rng = np.random.default_rng(3)
    n = 80
    delay = rng.exponential(3.0, n)
    cols = {"customer_id": rng.integers(0, 9, n), "opened_at": hours_after([0.0] * n),
            "resolved_at": hours_after(delay.tolist())}
    r = cm.sla_attainment(cols, "2024-03-05", targets=4, kind="resolution",
                          confidence=0.9)
    met = int((np.round(delay * H) <= 4 * H).sum())
    lo, hi = statsmodels.proportion_confint(met, n, alpha=0.1, method="wilson")
    assert int(r["met"][0]) == met
    assert (r["lower"][0], r["upper"][0]) == pytest.approx((lo, hi), rel=1e-9)


def test_sla_targets_must_cover_every_priority() -> None:
    cols = {"customer_id": ["a", "b"], "opened_at": hours_after([0, 0]),
            "first_response_at": hours_after([1, 1]), "priority": ["high", None]}
    with pytest.raises(InvalidParameterError, match=r"\(no priority\), high"):
        cm.sla_attainment(cols, "2024-03-01", targets={"urgent": 1})
    ok = cm.sla_attainment(cols, "2024-03-01", targets={"high": 2, None: "30m"})
    assert ok["met"].tolist() == [1]
    assert ok["breached"].tolist() == [1]
    with pytest.raises(InvalidParameterError, match="targets must be a duration"):
        cm.sla_attainment(cols, "2024-03-01", targets="-4h")
    with pytest.raises(InvalidParameterError, match="kind must be one of"):
        cm.sla_attainment(cols, "2024-03-01", targets=1, kind="reply")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 40), st.one_of(
    st.none(), st.floats(0, 30)), st.sampled_from(["urgent", "high", "normal"])),
    min_size=1, max_size=25), st.randoms())
def test_sla_outcomes_add_up_and_row_order_does_not_matter(rows: list[Any], rnd: Any) -> None:
    cols = {"customer_id": [r[0] for r in rows], "opened_at": hours_after([r[1] for r in rows]),
            "first_response_at": hours_after([None if r[2] is None else r[1] + r[2]
                                              for r in rows]),
            "priority": [r[3] for r in rows]}
    targets = {"urgent": 1, "high": "4h", "normal": "1d"}
    r = quiet(lambda: cm.sla_attainment(cols, "2024-03-02", targets=targets, by="customer_id"))
    assert (r["met"] + r["breached"] + r["pending"]).tolist() == r["tickets"].tolist()
    order = list(range(len(rows)))
    rnd.shuffle(order)
    shuffled = {k: [v[i] for i in order] for k, v in cols.items()}
    again = quiet(lambda: cm.sla_attainment(shuffled, "2024-03-02", targets=targets,
                                            by="customer_id"))
    assert str(again.to_dict()) == str(r.to_dict())     # (NaN prints alike)
    # the oracle, ticket by ticket, in the microseconds the table holds
    end = 48 * H
    met = breached = 0
    for _, opened, reply, prio in rows:
        o = round(opened * H)
        if o >= end:
            continue
        target = {"urgent": 1, "high": 4, "normal": 24}[prio] * H
        e = None if reply is None else round((opened + reply) * H)
        done = e is not None and e < end
        elapsed = e - o if done and e is not None else end - o
        met += int(done and elapsed <= target)
        breached += int(elapsed > target)
    assert int(r["met"].sum()) == met
    assert int(r["breached"].sum()) == breached


# --- reopen rate, volume, backlog ---------------------------------------------------------------


def test_reopen_rate_counts_reopenings_known_by_the_end_of_the_window() -> None:
    statsmodels = pytest.importorskip("statsmodels.stats.proportion")
    cols = {"customer_id": ["a", "a", "b", "b", "c"],
            "opened_at": ["2024-03-01", "2024-03-02", "2024-03-03", "2024-02-20", "2024-03-04"],
            "resolved_at": ["2024-03-05", "2024-03-09", "2024-03-04", "2024-02-25", None],
            "reopened_at": [None, "2024-03-06", "2024-04-02", None, "2024-03-10"]}
    r = cm.reopen_rate(cols, "2024-03", "2024-03")
    # resolved in March: the first three; reopened by 31 March: the second (the third's
    # reopening is in April); the fourth was resolved in February, the fifth is still open.
    assert (r["resolved"][0], r["reopened"][0]) == (3, 1)
    assert float(r) == pytest.approx(1 / 3)
    lo, hi = statsmodels.proportion_confint(1, 3, alpha=0.05, method="wilson")
    assert (r["lower"][0], r["upper"][0]) == pytest.approx((lo, hi), rel=1e-9)
    per = cm.reopen_rate(cols, "2024-03", "2024-04", by="customer_id")
    assert per["reopened"].tolist() == [1, 1, 0]
    assert per["resolved"].tolist() == [2, 1, 0]
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(cm.reopen_rate(cols, "2024-01", "2024-01").value)


def test_tickets_per_account_per_calendar_month() -> None:
    cols = {"customer_id": ["a", "a", "a", "b", "b"],
            "opened_at": ["2024-02-01", "2024-02-10", "2024-02-29", "2024-02-15", "2024-03-01"]}
    r = cm.tickets_per_account(cols, "2024-02-01", "2024-02-29", by="customer_id")
    # February 2024 is one month (29 days): a 3 tickets, b 1
    assert r["tickets_per_month"].tolist() == [3.0, 1.0]
    half = cm.tickets_per_account(cols, "2024-02-01", "2024-02-15")
    # 3 tickets (a 2, b 1), 2 accounts, 15 days of 29 -> 3 / 2 / (15/29)
    assert float(half) == pytest.approx(3 / 2 / (15 / 29))
    with_idle = cm.tickets_per_account(cols, "2024-02", "2024-03", customers=["a", "b", "z"])
    # 5 tickets, 3 accounts (z has none), 2 months
    assert float(with_idle) == pytest.approx(5 / 3 / 2)


def test_backlog_age_against_numpy_inverted_cdf() -> None:
    rng = np.random.default_rng(11)
    n = 60
    opened = BASE + (rng.integers(0, 30 * 24, n) * H).astype("timedelta64[us]")
    resolved = np.where(rng.random(n) < 0.5, opened + np.timedelta64(5 * H, "us"),
                        np.datetime64("NaT", "us"))
    cols = {"customer_id": rng.integers(0, 4, n), "opened_at": opened, "resolved_at": resolved}
    r = cm.backlog_age(cols, "2024-03-31", by="customer_id")
    end = np.datetime64("2024-04-01T00:00", "us")
    for i, c in enumerate(r["customer_id"].tolist()):
        mine = (cols["customer_id"] == c) & (opened < end) & (np.isnat(resolved) |
                                                            (resolved >= end))
        age = (end - opened[mine]) / np.timedelta64(1, "D")
        assert r["open_tickets"][i] == mine.sum()
        assert r["median_age_days"][i] == pytest.approx(
            np.percentile(age, 50, method="inverted_cdf"))
        assert r["p90_age_days"][i] == pytest.approx(np.percentile(age, 90,
                                                                   method="inverted_cdf"))
        assert r["oldest_age_days"][i] == pytest.approx(age.max())


# --- account signals ------------------------------------------------------------------------------


def test_support_signals_per_account_by_hand() -> None:
    tickets = {"customer_id": ["a", "a", "b"],
               "opened_at": ["2024-12-20T10:00Z", "2024-12-01T10:00Z", "2024-12-10T00:00Z"],
               "first_response_at": ["2024-12-20T12:00Z", "2024-12-01T11:00Z", None],
               "resolved_at": [None, "2024-12-03T10:00Z", "2024-12-11T00:00Z"],
               "reopened_at": [None, "2024-12-02T10:00Z", None],
               "priority": ["high", "normal", "normal"]}
    s = quiet(lambda: cm.account_signals(tickets=tickets, at="2024-12",
                                         sla_targets={"high": "4h", "normal": "24h"}))
    assert s["customer_id"].tolist() == ["a", "b"]
    assert s["open_tickets"].tolist() == [1, 0]
    # 90 days to 31 December are 3 October .. 31 December: 29/31 + 1 + 1 months
    months = 29 / 31 + 2
    assert s["tickets_per_month"].tolist() == pytest.approx([2 / months, 1 / months])
    # a: replies after 2 h and 1 h -> median 1 h; b: unanswered, censored -> NaN
    assert s["median_first_response_hours"][0] == 1.0
    assert math.isnan(s["median_first_response_hours"][1])
    # a: both within target; b: unanswered for 21 days past its 24 h target
    assert s["sla_attainment"].tolist() == [1.0, 0.0]
    # resolved in the window: a one (reopened), b one
    assert s["reopen_rate"].tolist() == [1.0, 0.0]
    old = cm.account_signals(tickets={k: tickets[k] for k in
                                      ("customer_id", "opened_at", "resolved_at")},
                             at="2024-12")
    assert old.column_names == ("customer_id", "open_tickets")
