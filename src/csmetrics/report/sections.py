"""The sections of a portfolio report, one function per kind of data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from csmetrics._core.segments import By
from csmetrics.periods.calendar import Period
from csmetrics.policies import MetricPolicy
from csmetrics.report.render import ReportSection, chart_of
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio



REVENUE_STEPS = 5
"""Calls of ``step`` by ``revenue_sections`` (survey and extra sections make one each)."""


def _no_step(what: str) -> None:
    """Progress is not followed."""


def revenue_sections(p: Portfolio, first: Period, last: Period, by: By,
                     step: Callable[[str], None] = _no_step) -> list[ReportSection]:
    """Summary, MRR bridge, churn and retention, MRR by segment, cohorts, lifetime;
    ``step(name)`` is called as each part is done."""
    from csmetrics.revenue import arpa, mrr, mrr_movements
    from csmetrics.revenue.churn import (
        customer_count,
        logo_churn_rate,
        quick_ratio,
        revenue_churn_rate,
    )
    from csmetrics.revenue.retention import (
        gross_revenue_retention,
        net_revenue_retention,
        nrr_series,
    )
    from csmetrics.value.cohorts import cohort_table
    from csmetrics.value.lifetime import lifetime_value
    from csmetrics.value.survival import survival_curve

    subs, pol, fx = p.subscriptions, p.policy, p.fx
    assert subs is not None  # checked by the caller
    bridge = mrr_movements(subs, first, last, policy=pol, fx=fx)
    start_mrr = float(bridge["starting_mrr"][0])
    end_mrr = float(bridge["ending_mrr"][-1])
    growth = end_mrr / start_mrr - 1 if start_mrr else float("nan")
    day_before = first.start - np.timedelta64(1, "D").astype(object)
    summary = TableResult({
        "metric": [f"MRR on {last.end}", f"MRR on {day_before}", "MRR growth",
                   f"paying customers on {last.end}", f"ARPA on {last.end}",
                   "net new MRR"],
        "value": [end_mrr, start_mrr, growth,
                  float(customer_count(subs, last)),   # paying: MRR > 0, whatever the policy
                  float(arpa(subs, last, fx=fx)), end_mrr - start_mrr],
    }, title="")
    sections = [ReportSection(
        "summary", f"Summary ({bridge.currency})", summary,
        chart=lambda ax: bridge.plot("bridge", ax=ax))]

    money = [c for c in bridge.column_names if c in bridge.money]
    sections.append(ReportSection(
        "mrr_bridge", f"MRR movements by month ({bridge.currency})",
        bridge.select("period", *money, "new_customers", "churned_customers",
                      "reactivated_customers", "ending_customers", title=""),
        chart=lambda ax: bridge.plot("movements", ax=ax)))
    step("MRR movements")

    window = (first, last)
    policy = pol if pol is not None else MetricPolicy()
    denominators = {"start": "churned / customers at start",
                    "start_plus_new": "churned / (customers at start + new and returning)",
                    "average": "churned / mean of customers at start and at end"}
    react_net = " - reactivation" if policy.reactivation_offsets_net_churn else ""
    react_quick = " + reactivation" if policy.quick_ratio_includes_reactivation else ""
    if by is None:
        rows = [
            ("logo churn rate", logo_churn_rate(subs, *window, policy=pol),
             denominators[policy.churn_denominator]),
            ("gross revenue churn", revenue_churn_rate(subs, *window, policy=pol, fx=fx),
             "(churn + contraction) / start MRR"),
            ("net revenue churn", revenue_churn_rate(subs, *window, net=True, policy=pol,
                                                     fx=fx),
             f"(churn + contraction - expansion{react_net}) / start MRR"),
            ("net revenue retention (cohort)",
             net_revenue_retention(subs, *window, policy=pol, fx=fx),
             "start customers' MRR at end / at start"),
            ("gross revenue retention (cohort)",
             gross_revenue_retention(subs, *window, policy=pol, fx=fx),
             "as NRR, each customer capped at its start MRR"),
            ("quick ratio", quick_ratio(subs, *window, policy=pol, fx=fx),
             f"(new + expansion{react_quick}) / (churn + contraction)"),
        ]
        retention = TableResult({"metric": [r[0] for r in rows],
                                 "value": [float(r[1]) for r in rows],
                                 "definition": [r[2] for r in rows]}, title="")
    else:
        churn_t = logo_churn_rate(subs, *window, by=by, policy=pol)
        nrr_t = net_revenue_retention(subs, *window, by=by, policy=pol, fx=fx)
        grr_t = gross_revenue_retention(subs, *window, by=by, policy=pol, fx=fx)
        name = churn_t.segment_column or "segment"
        retention = TableResult({
            name: churn_t[name], "logo_churn_rate": churn_t["logo_churn_rate"],
            "nrr": nrr_t["net_revenue_retention"], "grr": grr_t["gross_revenue_retention"],
            "starting_mrr": nrr_t["starting_mrr"]}, title="", money=("starting_mrr",))
    trend = nrr_series(subs, first, last, window=f"{min(12, len(bridge.periods))}M", policy=pol,
                       fx=fx)
    sections.append(ReportSection(
        "retention", f"Churn and retention, {first} to {last} (fractions)", retention,
        chart=lambda ax: trend.plot(ax=ax)))
    step("churn and retention")

    by_segment = mrr(subs, last, by=by if by is not None else "plan", fx=fx)
    sections.append(ReportSection("mrr_by_segment", f"MRR on {last.end} by "
                                  f"{by_segment.column_names[0]}", by_segment.select(
                                      *by_segment.column_names, title="")))
    step("MRR by segment")

    cohorts = cohort_table(subs, start=max(first, last - 11), end=last)
    sections.append(ReportSection(
        "cohorts", "Logo cohorts: share of each month's new customers still paying, by "
        "months since joining",
        cohorts.select("cohort", "customers", *map(str, cohorts.ages), title=""),
        chart=lambda ax: cohorts.plot(ax=ax)))
    step("cohorts")

    curve = survival_curve(subs, at=last)
    ltv = lifetime_value(subs, at=last, fx=fx)
    median = curve.median
    lines = (f"Median customer lifetime (Kaplan-Meier, censored at {last.end}): "
             f"{median:g} months" if median == median else
             "Median customer lifetime: not reached (more than half the customers are "
             "still paying)",)
    sections.append(ReportSection(
        "lifetime", "Lifetime and lifetime value", ltv.select(*ltv.column_names, title=""),
        lines=(*lines, ltv.definition),
        chart=lambda ax: curve.plot(ax=ax)))
    step("lifetime")
    return sections


def survey_sections(p: Portfolio, first: Period, last: Period, by: By) -> list[ReportSection]:
    """NPS, CSAT and CES with intervals for the window, and the monthly NPS trend."""
    from csmetrics.surveys import (
        customer_effort_score,
        customer_satisfaction_score,
        net_promoter_score,
        survey_trend,
    )

    assert p.surveys is not None
    table = p.surveys.between(first, last)
    present = set(np.asarray(table.surveys)[np.unique(table.survey_codes)].tolist()) if len(
        table) else set()
    rows: list[tuple[str, float, float, float, int, str]] = []
    nps = None
    if "nps" in present:
        nps = net_promoter_score(table)
        rows.append(("NPS", *_estimate(nps, "nps"), "-100..100; promoters 9-10 minus "
                     "detractors 0-6"))
    if "csat" in present:
        csat = customer_satisfaction_score(table)
        rows.append(("CSAT", *_estimate(csat, "csat"), "share satisfied (top-2-box), "
                     "Wilson interval"))
    if "ces" in present:
        ces = customer_effort_score(table)
        rows.append(("CES", *_estimate(ces, "ces"), f"mean agreement 1-7, "
                     f"{ces.polarity}"))
    if not rows:
        return []
    scores = TableResult({
        "metric": [r[0] for r in rows], "value": [r[1] for r in rows],
        "ci_low": [r[2] for r in rows], "ci_high": [r[3] for r in rows],
        "n": [r[4] for r in rows], "definition": [r[5] for r in rows]}, title="")
    blanks = p.surveys.non_responses   # blank answers of the whole table, never counted
    skipped = f"; {blanks:,} blank answer{'s' * (blanks != 1)} not counted (non-responses)"
    sections = [ReportSection(
        "surveys", f"Surveys, {first} to {last} (95% intervals{skipped if blanks else ''})",
        scores,
        chart=None if nps is None else chart_of(nps))]
    if nps is not None:
        trend = survey_trend(table, metric="nps", freq="month")
        sections.append(ReportSection(
            "nps_trend", "NPS by month (a 'yes' marks a significant change from the month "
            "before)", trend.select("period", "nps", "ci_low", "ci_high", "n", "change",
                                    "p_value", "significant", title="")))
    return sections


def _estimate(result: TableResult, column: str) -> tuple[float, float, float, int]:
    return (float(result[column][0]), float(result["ci_low"][0]), float(result["ci_high"][0]),
            int(result["n"][0]))


def extra_sections(p: Portfolio, first: Period, last: Period, by: By) -> list[ReportSection]:
    """Usage, support and health sections (when those tables are given)."""
    from csmetrics.health import at_risk, health_rollup
    from csmetrics.health.signals import account_signals, standard_scorecard

    sections: list[ReportSection] = []
    if p.usage is None and p.tickets is None:
        return sections
    if p.usage is not None and p.subscriptions is not None:
        from csmetrics.usage import license_utilization

        util = license_utilization(p.usage, p.subscriptions, last.end)
        sections.append(ReportSection(
            "utilization", f"Licence utilization, the 30 days to {last.end}",
            util.select(*util.column_names, title=""),
            lines=("active users over seats bought, not clamped: overage counts as use and "
                   "is flagged (over_limit: accounts using more seats than they bought)",)))
    signals = account_signals(subscriptions=p.subscriptions, usage=p.usage, surveys=p.surveys,
                              tickets=p.tickets, at=last, fx=p.fx)
    cols = dict(signals.columns)
    if "mrr" in cols:   # score paying accounts
        paying = np.asarray(cols["mrr"]) > 0
        if not paying.any():
            sections.append(ReportSection(
                "health", f"Health on {last.end}",
                lines=(f"no paying account on {last.end}: nothing to score",)))
            return sections
        cols = {k: np.asarray(v)[paying] for k, v in cols.items()}
    card = standard_scorecard()
    present = [m for m in card.measures if m.name in cols]
    if not present:
        return sections
    card = card.model_copy(update={"measures": tuple(present), "groups": tuple(
        (g, w) for g, w in card.groups if any(m.group == g for m in present))})
    scores = card.score(cols, mrr="mrr" if "mrr" in cols else None)
    rollup = health_rollup(scores)
    sections.append(ReportSection(
        "health", f"Health on {last.end} (standard scorecard; "
        f"{'paying accounts' if 'mrr' in cols else 'every account'})",
        rollup.select(*rollup.column_names, title=""),
        lines=(f"measures: {', '.join(m.name for m in present)}; bands red [0, 50], "
               "yellow (50, 75], green (75, 100]",),
        chart=chart_of(rollup)))
    if "mrr" not in cols:   # the at-risk list ranks MRR at risk: it needs subscriptions
        return sections
    risky = at_risk(scores)
    shown = risky.select(*risky.column_names, title="")
    sections.append(ReportSection(
        "at_risk", f"Accounts at risk ({len(risky)} in the red band, by MRR)", shown))
    return sections
