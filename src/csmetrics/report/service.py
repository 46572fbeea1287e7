"""The support section of a portfolio report: response and resolution times by priority,
SLA attainment against the portfolio's targets, reopenings and the open backlog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from csmetrics.periods.calendar import Period
from csmetrics.report.render import ReportSection
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio


def support_sections(p: Portfolio, first: Period, last: Period) -> list[ReportSection]:
    """Ticket times and SLAs of the tickets opened in the window (when the tickets carry a
    first response or a priority); nothing otherwise."""
    from csmetrics.support import (
        backlog_age,
        first_response_time,
        reopen_rate,
        resolution_time,
        sla_attainment,
    )

    t = p.tickets
    assert t is not None
    window = (first, last)
    responded = bool((~np.isnat(t.first_response_at)).any()) if len(t) else False
    prioritized = bool(t.priorities.size)
    if not (responded or prioritized):
        return []
    by = "priority" if prioritized else None
    at = last.end
    cols: dict[str, Any] = {}
    resolve = resolution_time(t, at, by=by, opened=window)
    if not int(np.sum(resolve["tickets"])):
        return []
    label = (np.asarray(resolve["priority"], dtype=object) if by else
             np.array(["all tickets"], dtype=object))
    cols["priority"] = label
    cols["tickets"] = resolve["tickets"]
    if responded:
        first_reply = first_response_time(t, at, by=by, opened=window)
        cols["first_response_median_hours"] = first_reply["median_hours"]
        cols["first_response_p90_hours"] = first_reply["p90_hours"]
    cols["resolution_median_hours"] = resolve["median_hours"]
    cols["resolution_p90_hours"] = resolve["p90_hours"]
    notes = ["Times in hours from opening, by Kaplan-Meier: a ticket not yet answered or "
             f"resolved on {at} is censored there, never dropped. p90: 90% answered or "
             "resolved by then."]
    if p.sla_targets:
        kind: Literal["first_response", "resolution"] = (
            "first_response" if responded else "resolution")
        sla = sla_attainment(t, at, targets=p.sla_targets, kind=kind, by=by, opened=window)
        cols["sla_attainment"] = sla["attainment"]
        targets = (", ".join(f"{k}: {v}" for k, v in p.sla_targets.items())
                   if isinstance(p.sla_targets, Mapping) else f"every ticket: {p.sla_targets}")
        notes.append(f"SLA attainment ({kind.replace('_', ' ')}): the share of tickets that "
                     f"met their priority's target ({targets}); tickets still open within "
                     "the target are pending, left out.")
    reopened = reopen_rate(t, first, last)
    backlog = backlog_age(t, at)
    rate = float(reopened["reopen_rate"][0])
    lines = (f"Reopened: {_shown(100 * rate, '.1f')}% of the "
             f"{int(reopened['resolved'][0]):,} tickets resolved in the window. Open on {at}: "
             f"{int(backlog['open_tickets'][0]):,}, median age "
             f"{_shown(float(backlog['median_age_days'][0]), '.1f')} days, oldest "
             f"{_shown(float(backlog['oldest_age_days'][0]), '.1f')}.",)
    hours = {c: "number" for c in cols if c.endswith("_hours")}
    return [ReportSection(
        "support", f"Support, tickets opened {first} to {last}", TableResult(cols, title=""),
        formats={**hours, "sla_attainment": "percent"}, lines=lines, notes=tuple(notes),
        undefined="not defined: too few tickets answered or resolved to reach it.",
        doc="support.md")]


def _shown(value: float, spec: str) -> str:
    """A number for a sentence; an em dash when undefined."""
    return "\u2014" if np.isnan(value) else format(value, spec)
