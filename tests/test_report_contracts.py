"""The report's renewal and churn-reason sections, on a portfolio worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

import csmetrics as cm

# A: annual 1,200 from 2023-03-01, renewed on 2024-03-01 (same subscription id, same price):
#    a flat renewal in March 2024; next renewal 2025-03-01, ARR 1,200 due in 2025-03.
# B: annual 2,400 from 2023-05-15, ends on its renewal date 2024-05-15: lost, ARR 2,400,
#    reason "price", voluntary; churned MRR 200 in May.
# C: monthly 50 from 2024-01-01 to 2024-06-30: no renewal (month to month); churned MRR 50
#    in July (the end of June is its last paid day), reason "switched", delinquent.
SUBS = {
    "customer_id": ["A", "A", "B", "C"],
    "subscription_id": ["a", "a", "b", "c"],
    "start": ["2023-03-01", "2024-03-01", "2023-05-15", "2024-01-01"],
    "end": ["2024-03-01", None, "2024-05-15", "2024-06-30"],
    "amount": [1200, 1200, 2400, 50],
    "currency": ["USD"] * 4,
    "interval": ["year", "year", "year", "month"],
    "churn_reason": [None, None, "price", "switched"],
    "churn_type": [None, None, "voluntary", "delinquent"],
}


def test_renewals_decided_and_due() -> None:
    rep = cm.Portfolio(subscriptions=SUBS).report("2024")
    done = rep["renewals"].table
    assert done is not None
    month = {p: i for i, p in enumerate(done["period"].tolist())}
    assert done["renewals"][month["2024-03"]] == 1
    assert done["renewed_flat"][month["2024-03"]] == 1
    assert done["lost"][month["2024-05"]] == 1
    assert done["lost_arr"][month["2024-05"]] == 2400.0
    assert done["gross_renewal_rate"][month["2024-03"]] == 1.0
    assert done["gross_renewal_rate"][month["2024-05"]] == 0.0
    assert np.isnan(done["gross_renewal_rate"][month["2024-01"]])
    due = rep["renewals_due"].table
    assert due is not None
    assert due["period"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert due["arr_up"].tolist() == [0.0, 0.0, 1200.0]
    assert "1,200.00" in rep["renewals_due"].lines[0]


def test_churn_by_reason_and_type_reconcile_with_the_bridge() -> None:
    rep = cm.Portfolio(subscriptions=SUBS).report("2024")
    reasons = rep["churn_by_reason"].table
    assert reasons is not None
    assert reasons["churn_reason"].tolist() == ["price", "switched", "(unknown)"]
    assert reasons["churned_mrr"].tolist() == [200.0, 50.0, 0.0]
    assert reasons["mrr_share"].tolist()[:2] == [0.8, 0.2]
    kinds = rep["churn_by_type"].table
    assert kinds is not None
    assert dict(zip(kinds["churn_type"].tolist(), kinds["churned_mrr"].tolist(),
                    strict=True)) == {"voluntary": 200.0, "delinquent": 50.0, "(unknown)": 0.0}
    bridge = cm.mrr_movements(SUBS, "2024-01", "2024-12")
    assert float(np.sum(bridge["churn"])) == float(np.sum(reasons["churned_mrr"]))


def test_no_term_plans_and_no_reasons_no_sections() -> None:
    plain = {"customer_id": ["x"], "start": ["2024-01-01"], "amount": [10],
             "currency": ["USD"], "interval": ["month"]}
    keys = [s.key for s in cm.Portfolio(subscriptions=plain).report("2024-06").sections]
    assert not {"renewals", "renewals_due", "churn_by_reason", "churn_by_type"} & set(keys)


def test_html_shows_the_sections() -> None:
    html = cm.Portfolio(subscriptions=SUBS).report("2024").to_html(charts=False)
    assert 'id="renewals"' in html
    assert 'id="churn_by_reason"' in html


# Tickets worked by hand: urgent t1 answered after 1 h, resolved after 2 h; urgent t2 answered
# after 3 h, resolved after 10 h; high t3 answered after 2 h and never resolved (open on
# 2024-03-31: censored at the end of that day, 15 days 22 h after opening).
TICKETS = {
    "customer_id": ["A", "B", "C"],
    "ticket_id": ["t1", "t2", "t3"],
    "priority": ["urgent", "urgent", "high"],
    "opened_at": ["2024-03-01T08:00Z", "2024-03-02T08:00Z", "2024-03-16T02:00Z"],
    "first_response_at": ["2024-03-01T09:00Z", "2024-03-02T11:00Z", "2024-03-16T04:00Z"],
    "resolved_at": ["2024-03-01T10:00Z", "2024-03-02T18:00Z", None],
}


def test_support_section_by_priority_with_sla_targets() -> None:
    p = cm.Portfolio(tickets=TICKETS, sla_targets={"urgent": "2h", "high": "4h"})
    section = p.report("2024-03", months=1)["support"]
    t = section.table
    assert t is not None
    row = {v: i for i, v in enumerate(t["priority"].tolist())}
    assert t["tickets"][row["urgent"]] == 2
    # Kaplan-Meier median of {1 h, 3 h}: the smallest t with S(t) <= 0.5 is 1 h.
    assert t["first_response_median_hours"][row["urgent"]] == 1.0
    assert t["first_response_median_hours"][row["high"]] == 2.0
    # t3 is unresolved: its only observation is censored, so its median is undefined.
    assert np.isnan(t["resolution_median_hours"][row["high"]])
    # Urgent within 2 h: t1 (1 h) met, t2 (3 h) breached; high t3 (2 h of 4) met.
    assert t["sla_attainment"][row["urgent"]] == 0.5
    assert t["sla_attainment"][row["high"]] == 1.0
    assert "Open on 2024-03-31: 1" in section.lines[0]
    with pytest.raises(cm.InvalidParameterError):
        cm.Portfolio(tickets=TICKETS, sla_targets={"urgent": "soon"})


def test_old_style_tickets_have_no_support_section() -> None:
    plain = {k: v for k, v in TICKETS.items() if k not in ("priority", "first_response_at")}
    keys = [s.key for s in cm.Portfolio(tickets=plain).report("2024-03").sections]
    assert "support" not in keys


def test_goals_in_the_report() -> None:
    # MRR on 2024-12-31: A 100 (1,200 a year); on 2024-05-31: A 100 + C 50 = 150 (B's end,
    # 05-15, is its first unpaid day; C's, 06-30, is after May).
    goals = [cm.Goal("mrr", 200, baseline="2024-05"),
             cm.Goal("net_promoter_score", 40, baseline="2024-Q1")]
    rep = cm.Portfolio(subscriptions=SUBS, goals=goals).report("2024-12")
    section = rep["goals"]
    assert rep.sections[0].key == "goals"
    t = section.table
    assert t is not None
    assert t["goal"].tolist() == ["mrr"]
    assert t["current"].tolist() == [100.0]
    assert t["baseline"].tolist() == [150.0]
    assert t["achieved"][0] == pytest.approx((100 - 150) / (200 - 150))
    assert np.isnan(t["probability_on_track"][0])
    # The portfolio has no surveys: the NPS goal is listed with the reason, not a failure.
    assert "net_promoter_score: the portfolio has no data for it." in section.lines
    with pytest.raises(cm.InvalidParameterError, match="goals"):
        cm.Portfolio(subscriptions=SUBS, goals=["mrr"])


def test_next_renewal_of_each_account() -> None:
    import datetime as dt

    from csmetrics.periods import Period
    from csmetrics.report.more import next_renewals

    table = cm.SubscriptionTable.from_columns(SUBS)
    # A renews every 1 March; B ended; C is month to month.
    assert next_renewals(table, Period.parse("2024-12")) == {"A": dt.date(2025, 3, 1)}
    assert next_renewals(table, Period.parse("2023-12")) == {
        "A": dt.date(2024, 3, 1), "B": dt.date(2024, 5, 15)}


def test_several_currencies_get_sections_per_currency() -> None:
    # D: an annual EUR plan from 2023-04-01, renewed flat on 2024-04-01 (same subscription).
    two = {k: [*v] for k, v in SUBS.items()}
    for k, v in {"customer_id": "D", "subscription_id": "d", "start": "2023-04-01",
                 "end": None, "amount": 600, "currency": "EUR", "interval": "year",
                 "churn_reason": None, "churn_type": None}.items():
        two[k].append(v)
    fx = cm.FxRates.constant({"EUR": 1.1}, reporting_currency="USD")
    rep = cm.Portfolio(subscriptions=two, fx=fx).report("2024")
    keys = [s.key for s in rep.sections]
    assert {"renewals_eur", "renewals_usd", "churn_by_reason_usd"} <= set(keys)
    eur = rep["renewals_eur"]
    assert eur.title.endswith("(EUR)")
    assert eur.table is not None
    month = eur.table["period"].tolist().index("2024-04")
    assert eur.table["arr_up"][month] == 600.0
    assert eur.table["renewed_flat"][month] == 1
