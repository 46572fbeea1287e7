"""The survey, usage and health sections of a portfolio report, and the health scores the
headline shares with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics._core.formatting import format_money
from csmetrics._core.segments import By
from csmetrics.periods.calendar import Period
from csmetrics.report.labels import label_lower
from csmetrics.report.render import ReportSection, chart_of
from csmetrics.report.service import support_sections
from csmetrics.report.voice import comment_sections, driver_section, followup_section
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio

AT_RISK_SHOWN = 25
"""Accounts of the at-risk list shown with their reasons (those with the most MRR)."""


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
    rows: list[tuple[str, float, float, float, int, str, str]] = []
    nps = None
    if "nps" in present:
        nps = net_promoter_score(table)
        rows.append(("NPS", *_estimate(nps, "nps"), "score", "-100 to 100: % promoters "
                     "(9-10) - % detractors (0-6)"))
    if "csat" in present:
        csat = customer_satisfaction_score(table)
        rows.append(("CSAT", *_estimate(csat, "csat"), "percent", "share satisfied "
                     "(top-2-box), Wilson interval"))
    if "ces" in present:
        ces = customer_effort_score(table)
        rows.append(("CES", *_estimate(ces, "ces"), "number", f"mean agreement 1-7, "
                     f"{ces.polarity}"))
    if not rows:
        return []
    kinds = tuple(r[5] for r in rows)
    scores = TableResult({
        "metric": [r[0] for r in rows], "value": [r[1] for r in rows],
        "ci_low": [r[2] for r in rows], "ci_high": [r[3] for r in rows],
        "n": [r[4] for r in rows], "definition": [r[6] for r in rows]}, title="")
    blanks = p.surveys.non_responses   # blank answers of the whole table, never counted
    skipped = (f"{blanks:,} blank answer{'s' * (blanks != 1)} not counted (non-responses)."
               if blanks else "")
    sections = [ReportSection(
        "surveys", f"Surveys, {first} to {last}", scores,
        chart=None if nps is None else chart_of(nps),
        formats={"value": kinds, "ci_low": kinds, "ci_high": kinds},
        notes=("Intervals are 95% confidence intervals.", *([skipped] if skipped else [])),
        undefined="not defined: too few answers for an interval.", doc="surveys.md")]
    if nps is not None:
        trend = survey_trend(table, metric="nps", freq="month")
        sections.append(ReportSection(
            "nps_trend", "NPS by month",
            trend.select("period", "nps", "ci_low", "ci_high", "n", "change",
                         "p_value", "significant", title=""),
            chart=chart_of(trend),
            formats={"nps": "score", "ci_low": "score", "ci_high": "score",
                     "change": "score", "p_value": "number"},
            notes=("Change: against the month before; significant at the 5% level.",),
            undefined="not defined: no answers that month, or no month before to compare.",
            doc="surveys.md#trends"))
        sections += comment_sections(p, first, last)
        drivers = driver_section(p, first, last)
        if drivers is not None:
            sections.append(drivers)
        followups = followup_section(p, first, last)
        if followups is not None:
            sections.append(followups)
    return sections


def _estimate(result: TableResult, column: str) -> tuple[float, float, float, int]:
    return (float(result[column][0]), float(result["ci_low"][0]), float(result["ci_high"][0]),
            int(result["n"][0]))


def health_scores(p: Portfolio, at: Period) -> Any:
    """The standard scorecard's scores on ``at``'s last day: of paying accounts when
    subscriptions are given, else of every account; None when no measure can be computed or
    no account pays."""
    from csmetrics.health.signals import account_signals, standard_scorecard

    if p.usage is None and p.tickets is None:
        return None
    signals = account_signals(p.subscriptions, at, usage=p.usage, surveys=p.surveys,
                              tickets=p.tickets, fx=p.fx)
    cols = dict(signals.columns)
    if "mrr" in cols:   # score paying accounts
        paying = np.asarray(cols["mrr"]) > 0
        if not paying.any():
            return None
        cols = {k: np.asarray(v)[paying] for k, v in cols.items()}
    card = standard_scorecard()
    present = [m for m in card.measures if m.name in cols]
    if not present:
        return None
    card = card.model_copy(update={"measures": tuple(present), "groups": tuple(
        (g, w) for g, w in card.groups if any(m.group == g for m in present))})
    return card.score(cols, mrr="mrr" if "mrr" in cols else None)


def extra_sections(p: Portfolio, first: Period, last: Period, by: By,
                   scores: Any = None) -> list[ReportSection]:
    """Usage, support and health sections (when those tables are given); ``scores`` are
    ``health_scores(p, last)`` when already computed."""
    from csmetrics.health import at_risk, health_rollup

    sections: list[ReportSection] = []
    if p.usage is None and p.tickets is None:
        return sections
    if p.usage is not None and p.subscriptions is not None:
        from csmetrics.usage import license_utilization

        util = license_utilization(p.usage, p.subscriptions, last.end)
        sections.append(ReportSection(
            "utilization", f"Licence utilization, the 30 days to {last.end}",
            util.select(*util.column_names, title=""),
            formats={"utilization": "percent"},
            lines=("Active users over seats bought, not clamped: overage counts as use and "
                   "is flagged (over limit: accounts using more seats than they bought).",),
            undefined="not defined: no seats bought.", doc="usage_and_support.md"))
    if p.tickets is not None:
        sections += support_sections(p, first, last)
    scores = health_scores(p, last) if scores is None else scores
    if scores is None:
        if p.subscriptions is not None:
            sections.append(ReportSection("health", f"Health on {last.end}", lines=(
                f"No paying account on {last.end} with a measure to score.",)))
        return sections
    rollup = health_rollup(scores)
    sections.append(_bands(rollup, last, "mrr" in scores.column_names))
    if "mrr" not in scores.column_names:   # the at-risk list ranks MRR: it needs subscriptions
        return sections
    sections.append(_at_risk(at_risk(scores), scores, _currency(p),
                             next_renewals(p.subscriptions, last)))
    return sections


def _currency(p: Portfolio) -> str | None:
    """The currency of the accounts' MRR: the rates' reporting currency, or the one currency
    the subscriptions bill in."""
    if p.fx is not None:
        return p.fx.reporting_currency
    subs = p.subscriptions
    if subs is None or not len(subs):
        return None
    codes = np.unique(subs.currency_codes)
    return str(subs.currencies[codes[0]]) if codes.size == 1 else None


def _bands(rollup: Any, last: Period, paying: bool) -> ReportSection:
    names = [*rollup.band_names, "unscored"]
    cols: dict[str, Any] = {
        "band": names,
        "accounts": [round(float(rollup[f"share_{b}"][0]) * int(rollup["accounts"][0]))
                     for b in names],
        "share_of_accounts": [float(rollup[f"share_{b}"][0]) for b in names]}
    if "mrr" in rollup.column_names:
        cols["mrr_share"] = [float(rollup[f"mrr_share_{b}"][0]) for b in names]
    measures = ", ".join(label_lower(m.name) for m in rollup.scorecard.measures)
    mean = float(rollup["mean_score"][0])
    return ReportSection(
        "health", f"Health on {last.end} (standard scorecard, "
        f"{'paying accounts' if paying else 'every account'})",
        TableResult(cols, title=""), chart=chart_of(rollup),
        formats={"share_of_accounts": "percent", "mrr_share": "percent"},
        lines=(f"Mean score {mean:.1f} of 100. Measures: {measures}. Bands: red 0-50, "
               "yellow over 50 to 75, green over 75.",),
        undefined="not defined: no MRR in the portfolio.", doc="health.md")


def _at_risk(risky: Any, scores: Any, currency: str | None = None,
             renewals: dict[Any, Any] | None = None) -> ReportSection:
    """The red accounts with the most MRR, each with the measures that cost it most points
    (from ``explain``: a measure's share of the weight x 100 less what it contributed)."""
    shown = min(len(risky), AT_RISK_SHOWN)
    ids = risky["customer_id"][:shown]
    reasons = []
    for customer in ids.tolist():
        e = scores.explain(customer)
        lost = np.asarray(e["used_weight"], dtype=float) * 100 - np.asarray(
            e["contribution"], dtype=float)
        order = np.argsort(-lost, kind="stable")
        # no-break spaces: "(-4 pts)" never splits over two lines
        top = [f"{label_lower(str(e['measure'][i]))} (-{lost[i]:.0f}\u00a0pts)"
               for i in order[:3] if lost[i] >= 0.5]
        reasons.append("; ".join(top))
    cols: dict[str, Any] = {"customer_id": ids, "mrr": risky["mrr"][:shown],
                            "score": risky["score"][:shown]}
    if renewals:
        cols["next_renewal"] = np.array([renewals.get(c) for c in ids.tolist()], dtype=object)
    cols["top_reasons"] = reasons
    table = TableResult(cols, title="", money=("mrr",), digits=risky.digits[:shown])
    total = format_money(float(risky.mrr_at_risk), int(risky.digits[0]) if len(risky) else 2)
    more = (f"The {shown} with the most MRR are shown; " if len(risky) > shown else "")
    return ReportSection(
        "at_risk", f"Accounts at risk ({len(risky)} in the red band, by MRR)", table,
        chart=chart_of(risky, currency=currency), formats={"score": "number"},
        lines=(f"{more}MRR at risk in the red band: {total}.",),
        notes=("Top reasons: the measures that cost the score most points (each measure's "
               "share of the weight x 100, less the points it contributed).",
               *(("Next renewal: the account's first term-plan renewal in the 12 months "
                  "after the period.",) if renewals else ())),
        undefined="no renewal due in the next 12 months (month-to-month plans).",
        doc="health.md#trend-and-accounts-at-risk")


def next_renewals(subscriptions: Any, last: Period) -> dict[Any, Any]:
    """Each account's first renewal date (term plans) in the 12 months after ``last``."""
    from csmetrics.revenue.renewal_dates import renewal_events

    if subscriptions is None or not len(subscriptions):
        return {}
    first = (np.datetime64(last.end, "M") + np.timedelta64(1, "M")).astype(np.int64)
    rows, days = renewal_events(subscriptions, int(first), 12)
    if not rows.size:
        return {}
    codes = subscriptions.customer_codes[rows]
    order = np.lexsort((days, codes))
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = codes[order][1:] != codes[order][:-1]
    picked = order[keep]
    ids = np.asarray(subscriptions.customer_ids, dtype=object)[codes[picked]]
    return dict(zip(ids.tolist(), days[picked].astype(object).tolist(), strict=True))
