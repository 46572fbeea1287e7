"""The contract sections of a portfolio report: renewals decided in the window, renewals due
next (by health band), and churned MRR by reason and by type."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics._core.segments import NONE_LABEL
from csmetrics._kernels import revenue as kr
from csmetrics.periods.calendar import Period
from csmetrics.report.render import ReportSection
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio

GRACE_DAYS = 30
"""Days after a renewal date within which a late renewal still counts (renewals' default)."""

DUE_MONTHS = 3
"""Months after the report's period whose renewals are listed as due."""


def contract_sections(p: Portfolio, first: Period, last: Period, scores: Any = None
                      ) -> list[ReportSection]:
    """Renewals (when the portfolio has term plans) and churn by reason and type (when the
    subscriptions say why customers left); ``scores`` split the renewals due by band. A
    portfolio billed in several currencies gets these sections once per currency: ARR is
    never summed across currencies (the renewal and churn figures take no rates)."""
    subs = p.subscriptions
    assert subs is not None
    # Outcomes are known up to the report's period end, or the data's edge when earlier (the
    # whole portfolio's: one currency's table alone may end sooner).
    as_of = (min(np.datetime64(last.end, "D"), kr.last_day(subs.start, subs.end)).astype(object)
             if len(subs) else last.end)
    # The currencies used, in code order: a count of the small codes, not a sort of every row.
    codes = np.flatnonzero(np.bincount(subs.currency_codes, minlength=subs.currencies.size))
    if codes.size <= 1:
        return _sections(subs, first, last, scores, "", as_of)
    out: list[ReportSection] = []
    for code in codes.tolist():
        currency = str(subs.currencies[code])
        out += _sections(subs.take(subs.currency_codes == code), first, last, scores,
                         currency, as_of)
    return out


def _sections(subs: Any, first: Period, last: Period, scores: Any, currency: str,
              as_of: Any) -> list[ReportSection]:
    """The contract sections of one currency's subscriptions (``currency`` names them when
    the portfolio has several)."""
    from csmetrics.revenue import renewals

    sections: list[ReportSection] = []
    done = renewals(subs, first, last, grace_days=GRACE_DAYS, as_of=as_of)
    if int(np.sum(done["renewals"])):
        sections.append(_decided(done, first, last))
    nxt = last + 1
    banded = scores is not None and "band" in scores.column_names
    due = renewals(subs, nxt, last + DUE_MONTHS, health=scores if banded else None,
                   as_of=last.end)
    if int(np.sum(due["renewals"])):
        sections.append(_due(due, nxt, last + DUE_MONTHS, banded))
    if subs.churn_reason_codes.size and (subs.churn_reason_codes >= 0).any():
        sections.append(_churn_by(subs, first, last, "reason"))
    if subs.churn_type.size and (subs.churn_type >= 0).any():
        sections.append(_churn_by(subs, first, last, "type"))
    if currency:
        sections = [replace(s, key=f"{s.key}_{currency.lower()}",
                            title=f"{s.title} ({currency})") for s in sections]
    return sections


def _decided(done: Any, first: Period, last: Period) -> ReportSection:
    keep = ("period", "renewals", "arr_up", "renewed_flat", "expanded", "contracted",
            "lost", "pending", "lost_arr", "gross_renewal_rate", "net_renewal_rate")
    table = done.select(*(c for c in keep if c in done.column_names), title="")
    return ReportSection(
        "renewals", f"Renewals due {first} to {last}", table,
        formats={"gross_renewal_rate": "percent", "net_renewal_rate": "percent"},
        notes=("A renewal is a term plan's (billed yearly or longer, or with a renewal date) "
               "renewal date. Its outcome compares 12 x MRR the day before with 12 x MRR "
               f"{GRACE_DAYS} days after; "
               "pending: not yet known at the data's edge. Gross renewal rate: renewed ARR, "
               "capped at the prior, over the ARR up for renewal; net: uncapped.",),
        undefined="not defined: no renewal decided that month.",
        doc="arr_and_renewals.md")


def _due(due: Any, first: Period, last: Period, banded: bool) -> ReportSection:
    keep = ("period", *(("health_band",) if banded else ()), "renewals", "customers",
            "arr_up")
    table = due.select(*(c for c in keep if c in due.column_names), title="")
    if banded:   # accounts without a score appear only when they have renewals due
        shown = (np.asarray(due["health_band"], dtype=object) != NONE_LABEL) | (
            np.asarray(due["renewals"]) > 0)
        table = table._rows(np.flatnonzero(shown))
    total = float(np.sum(due["arr_up"]))
    lines = [f"ARR up for renewal: {total:,.2f}."]
    if banded:
        bands = np.asarray(due["health_band"], dtype=object)
        red = float(np.sum(np.asarray(due["arr_up"], dtype=float)[bands == "red"]))
        lines[0] = (f"ARR up for renewal: {total:,.2f}, of which {red:,.2f} at accounts in the "
                    "red band.")
    return ReportSection(
        "renewals_due", f"Renewals due {first} to {last}"
        f"{', by health band' if banded else ''}", table, lines=tuple(lines),
        notes=("ARR up: 12 x the subscription's MRR the day before its renewal date, from "
               "the subscriptions known at the end of the report's period. Health bands: the "
               "standard scorecard on the period's last day; (none): accounts not scored.",),
        doc="arr_and_renewals.md", keys=2 if banded else 1)


def _churn_by(subs: Any, first: Period, last: Period, split: str) -> ReportSection:
    """Churned MRR and customers over the whole window, by reason or by type."""
    from csmetrics.revenue import churn_breakdown

    per = churn_breakdown(subs, first, last, split=split)
    column = f"churn_{split}"
    labels = np.asarray(per[column], dtype=object)
    names = list(dict.fromkeys(labels.tolist()))
    at = {n: i for i, n in enumerate(names)}
    idx = np.array([at[v] for v in labels.tolist()], dtype=np.int64)
    mrr = np.bincount(idx, weights=np.asarray(per["churned_mrr"], dtype=float),
                      minlength=len(names)).round(2)
    customers = np.bincount(idx, weights=np.asarray(per["churned_customers"], dtype=float),
                            minlength=len(names)).astype(np.int64)
    total = float(mrr.sum())
    share = mrr / total if total else np.full(len(names), np.nan)
    order = np.argsort(-mrr, kind="stable")
    table = TableResult({column: np.asarray(names, dtype=object)[order],
                         "churned_mrr": mrr[order], "churned_customers": customers[order],
                         "mrr_share": share[order]}, title="", money=("churned_mrr",))
    what = "reason" if split == "reason" else "type (voluntary or delinquent)"
    return ReportSection(
        f"churn_by_{split}", f"Churned MRR by {what}, {first} to {last}", table,
        formats={"mrr_share": "percent"},
        notes=("The reason of a churn is the one on the customer's subscription that ended "
               "last; churn without one is (unknown). The total is the bridge's churn.",),
        undefined="not defined: no churn in the window.",
        doc="churn_and_expansion.md")
