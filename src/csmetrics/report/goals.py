"""The goals section of a portfolio report: each ``Goal`` of the portfolio measured on the
report's period, with its interval and probability of being on track."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from csmetrics.exceptions import CSMetricsError
from csmetrics.periods.calendar import Period
from csmetrics.report.render import ReportSection
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.forecast import Goal
    from csmetrics.report.portfolio import Portfolio

_DATA = {"subscriptions": "subscriptions", "scores": "surveys", "surveys": "surveys",
         "usage": "usage", "tickets": "tickets"}
"""Which table of the portfolio a metric reads, by the name of its first parameter."""

_KINDS = {"rate": "percent", "money": "money", "score": "score", "count": "count"}


def _inputs(p: Portfolio, goal: Goal, chosen: Period) -> tuple[Any, tuple[Any, ...]]:
    """The table a goal's metric reads and its window for the report's period: the period
    itself for survey metrics, its last day for a metric at a date, its months for a rate."""
    params = list(inspect.signature(goal.function).parameters.values())
    table = getattr(p, _DATA.get(params[0].name, "subscriptions")) if params else None
    if goal.answers:
        return table, (chosen,)
    names = [q.name for q in params[1:3]
             if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    if names[:2] == ["start", "end"]:
        return table, (Period.parse(chosen.start, "month"), Period.parse(chosen.end, "month"))
    if names[:1] == ["at"]:
        return table, (chosen.end,)
    return table, ()


def goal_section(p: Portfolio, chosen: Period, goals: Sequence[Goal]) -> ReportSection | None:
    """Each goal on the report's period; a goal whose data the portfolio lacks, or whose
    metric fails on it, is listed with the reason instead of failing the report."""
    if not goals:
        return None
    rows: list[dict[str, Any]] = []
    kinds: list[str] = []
    problems: list[str] = []
    for goal in goals:
        table, window = _inputs(p, goal, chosen)
        if table is None:
            problems.append(f"{goal.name}: the portfolio has no data for it.")
            continue
        try:
            progress = goal.progress(table, *window)
        except CSMetricsError as exc:
            problems.append(f"{goal.name}: {exc}")
            continue
        seg = progress.segment_column
        for i in range(len(progress)):
            label = goal.name if seg is None else f"{goal.name} ({progress[seg][i]})"
            rows.append({"goal": label, **{c: float(progress[c][i]) for c in (
                "current", "baseline", "target", "achieved", "lower", "upper",
                "probability_on_track")}})
            kinds.append(_KINDS.get(progress.unit, "number"))
    if not rows and not problems:
        return None
    lines = tuple(problems)
    if not rows:
        return ReportSection("goals", f"Goals, {chosen}", lines=lines, doc="forecasts_and_goals.md")
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    table_kinds = {c: tuple(kinds) for c in ("current", "baseline", "target", "lower",
                                              "upper")}
    return ReportSection(
        "goals", f"Goals, {chosen}", TableResult(cols, title=""), lines=lines,
        formats={**table_kinds, "achieved": "percent", "probability_on_track": "percent"},
        notes=("Achieved: the share of the way from the baseline to the target (0: at the "
               "baseline, 100%: on target). Lower and upper: the 95% interval of the current "
               "value where it has a sampling error (surveys, rates of customers); P(on "
               "track): the normal-approximation chance that the true value meets the target.",),
        undefined="not defined: no sampling error (money and counts are the whole book), or "
                  "no way to go (the target equals the baseline).",
        doc="forecasts_and_goals.md")

