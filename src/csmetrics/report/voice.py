"""The voice-of-the-customer sections of a portfolio report: what the comments say (sentiment
by NPS category, the terms that set detractors apart) and the detractors to follow up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics._core.formatting import format_money
from csmetrics.periods.calendar import Period
from csmetrics.report.render import ReportSection
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio

RECENT_DAYS = 90
"""Days of answers the report's follow-up list looks back from the period's last day: an
answer older than a quarter is past the point of a call back."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

FOLLOWUPS_SHOWN = 25
"""Detractors listed in the report (those with the most MRR at risk)."""

COMMENT_SHOWN = 160
"""Characters of a comment shown in the report; longer ones end with an ellipsis."""


def shorten(text: Any, limit: int = COMMENT_SHOWN) -> str:
    """A comment for a table cell: whitespace runs collapsed, control characters shown as
    U+FFFD (a NUL breaks HTML and terminals), cut at ``limit`` characters.

    Examples
    --------
    >>> shorten("  too\\n slow  "), shorten(None), shorten("abcdef", 4)
    ('too slow', '(no comment)', 'abc\u2026')
    """
    if text is None:
        return "(no comment)"
    flat = _CONTROL.sub("\ufffd", " ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "\u2026"


def followup_section(p: Portfolio, first: Period, last: Period) -> ReportSection | None:
    """The detractors of the window whose latest answer is a detractor's, by MRR at risk;
    None when the surveys have no NPS answers."""
    from csmetrics.feedback import detractor_followups

    assert p.surveys is not None
    end = np.datetime64(last.end, "D")
    start = max(np.datetime64(first.start, "D"), end - np.timedelta64(RECENT_DAYS - 1, "D"))
    table = p.surveys.between(start.astype(object), end.astype(object))
    if not len(table) or "nps" not in set(np.asarray(table.surveys).tolist()):
        return None
    f = detractor_followups(table, subscriptions=p.subscriptions, at=end.astype(object),
                            fx=p.fx)
    title = f"Detractors to follow up, {start} to {end}"
    if not f.detractors:
        return ReportSection("followups", title,
                             lines=("No detractor is waiting for a follow-up.",),
                             doc="feedback.md#closing-the-loop")
    shown = min(len(f), FOLLOWUPS_SHOWN)
    cols: dict[str, Any] = {"customer_id": f["customer_id"][:shown]}
    if table.respondent_ids.size:
        cols["respondent_id"] = f["respondent_id"][:shown]
    cols |= {"score": f["score"][:shown],
                            "days_since": f["days_since"][:shown]}
    money = p.subscriptions is not None
    if money:
        cols["mrr"] = f["mrr"][:shown]
    if "followed_up" in f.column_names:
        cols["followed_up"] = f["followed_up"][:shown]
    if table.has_comments:
        cols["comment"] = [shorten(c) for c in f["comment"][:shown].tolist()]
    lines = [f"{f.detractors:,} detractor{'s' * (f.detractors != 1)} at {f.accounts:,} "
             f"account{'s' * (f.accounts != 1)}"]
    if money:
        lines[0] += f", {format_money(f.mrr_at_risk, 2)} MRR at risk"
    if not np.isnan(f.followed_up_share):
        lines[0] += f"; {100 * f.followed_up_share:.0f}% followed up"
    lines[0] += "."
    if len(f) > shown:
        lines.append(f"The {shown} with the most MRR at risk are shown." if money else
                     f"The {shown} most recent are shown.")
    return ReportSection(
        "followups", title, TableResult(cols, title="", money=("mrr",) if money else ()),
        formats={"score": "number", "days_since": "count", "comment": "text"},
        lines=tuple(lines),
        notes=(f"A respondent is listed when their latest answer in the {RECENT_DAYS} days to "
               f"{end} is 0 to 6; "
               f"{f.superseded:,} earlier detractor answer{'s' * (f.superseded != 1)} "
               "superseded by a later one. Days since: to that day. Comments "
               f"are cut at {COMMENT_SHOWN} characters.",),
        doc="feedback.md#closing-the-loop")


TERMS_SHOWN = 8
"""Distinctive terms shown for each side (detractors, promoters)."""


def comment_sections(p: Portfolio, first: Period, last: Period) -> list[ReportSection]:
    """Sentiment by NPS category and the terms that set detractors apart from promoters,
    for NPS answers of the window with comments; nothing when none has a comment."""
    from csmetrics.exceptions import MissingDependencyError
    from csmetrics.feedback import comment_sentiment, distinctive_terms

    assert p.surveys is not None
    table = p.surveys.between(first, last)
    if not table.has_comments or not len(table) or "nps" not in set(
            np.asarray(table.surveys).tolist()):
        return []
    rows = table.survey_rows("nps")
    said = table.comments if rows is None else table.comments[rows]
    if not any(c is not None for c in said.tolist()):
        return []
    sections: list[ReportSection] = []
    try:
        mood = comment_sentiment(table)
    except MissingDependencyError:
        sections.append(ReportSection(
            "sentiment", f"Comment sentiment, {first} to {last}",
            lines=("Sentiment needs the text extra: pip install 'csmetrics[text]'.",),
            doc="feedback.md"))
    else:
        keep = [c for c in ("category", "comments", "mean_compound", "ci_low", "ci_high",
                            "share_positive", "share_negative") if c in mood.column_names]
        sections.append(ReportSection(
            "sentiment", f"Comment sentiment by NPS category, {first} to {last}",
            mood.select(*keep, title=""),
            formats={"mean_compound": "number", "ci_low": "number", "ci_high": "number",
                     "share_positive": "percent", "share_negative": "percent"},
            notes=("VADER compound score (-1 to 1; English only) of each comment, with a 95% "
                   "t interval of the mean. Positive: compound >= 0.05, negative: <= -0.05 "
                   "(Hutto and Gilbert 2014).",),
            undefined="not defined: too few comments.", doc="feedback.md"))
    terms = distinctive_terms(table, top=TERMS_SHOWN)
    if len(terms):
        shown = TableResult({"term": terms["term"], "favours": terms["favours"],
                             "detractor_mentions": terms["count_a"],
                             "promoter_mentions": terms["count_b"], "z": terms["z"]},
                            title="")
        sections.append(ReportSection(
            "distinctive_terms", "What detractors say that promoters don't", shown,
            formats={"z": "number", "term": "text"},
            notes=("Weighted log-odds of each word or two-word phrase between detractors' and "
                   "promoters' comments, with an informative Dirichlet prior (Monroe, "
                   "Colaresi and Quinn 2008); |z| above 1.96: distinctive at about the 5% "
                   "level. Mentions: times the term is used in each group's comments.",),
            doc="feedback.md"))
    return sections


DRIVER_RESAMPLES = 500
"""Bootstrap resamples of the report's key-driver intervals."""


def driver_section(p: Portfolio, first: Period, last: Period) -> ReportSection | None:
    """Key drivers of the NPS answer (or the one survey's score) among the attribute ratings
    of the window's answers; None when the answers carry no ratings."""
    from csmetrics.exceptions import CSMetricsError
    from csmetrics.feedback import key_drivers
    from csmetrics.report.render import chart_of

    assert p.surveys is not None
    table = p.surveys.between(first, last)
    if not len(table) or not table.attributes:
        return None
    present = np.asarray(table.surveys)[np.unique(table.survey_codes)].tolist()
    survey = "nps" if "nps" in present else (present[0] if len(present) == 1 else None)
    if survey is None:
        return None
    title = f"Key drivers of {survey.upper() if survey == 'nps' else survey}, {first} to {last}"
    try:
        drivers = key_drivers(table, survey=survey, n_resamples=DRIVER_RESAMPLES)
    except CSMetricsError as exc:   # too few complete answers, a constant rating, ...
        return ReportSection("key_drivers", title, lines=(f"Not computed: {exc}",),
                             doc="key_drivers.md")
    keep = [c for c in ("driver", "importance", "importance_low", "importance_high",
                        "performance", "quadrant") if c in drivers.column_names]
    r2 = float(drivers["r_squared"][0]) if len(drivers) else float("nan")
    n = int(drivers["n"][0]) if len(drivers) else 0
    return ReportSection(
        "key_drivers", title, drivers.select(*keep, title=""), chart=chart_of(drivers),
        formats={"importance": "percent", "importance_low": "percent",
                 "importance_high": "percent", "performance": "number", "quadrant": "text"},
        lines=(f"The ratings explain {100 * r2:.0f}% of the variance of the score "
               f"(R-squared, {n:,} complete answers).",),
        notes=("Importance: each rating's share of R-squared by Johnson's relative weights "
               f"(2000), with a 95% bootstrap interval ({DRIVER_RESAMPLES} resamples). "
               "Performance: the rating's mean on 0-100 of its scale. Quadrants split at the "
               "mean importance and performance.",),
        undefined="not defined: too few answers.", doc="key_drivers.md")
