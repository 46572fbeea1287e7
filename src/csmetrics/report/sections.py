"""The revenue sections of a portfolio report (summary, bridge, retention, segments, cohorts,
lifetime); surveys, usage and health are in ``report.more``."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics._core.segments import By
from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.periods.calendar import Period
from csmetrics.policies import MetricPolicy
from csmetrics.report.ahead import Ahead, Pending
from csmetrics.report.render import ReportSection, chart_of
from csmetrics.report.shared import Shared
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.portfolio import Portfolio

Step = Callable[[str], None]

REVENUE_STEPS = 5
"""Calls of ``step`` by ``revenue_sections``."""


def _no_step(what: str) -> None:
    """Progress is not followed."""


@dataclass(frozen=True)
class Started:
    """The calls of the revenue sections that need no bridge: the day's paying customers,
    ARPA and MRR by segment (``start_day``), and those that read the bridge's change points,
    the cohorts and the survival curve (``start_value``, once the bridge has run, so that
    they read its points rather than make their own)."""

    customers: Pending[Any]
    arpa: Pending[Any]
    by_segment: Pending[Any]
    cohorts: Pending[Any]
    curve: Pending[Any]


def start_day(ahead: Ahead, p: Portfolio, last: Period, by: By
              ) -> tuple[Pending[Any], Pending[Any], Pending[Any]]:
    """The summary's customer count and ARPA, and MRR by segment, started in ``ahead``."""
    from csmetrics.revenue import arpa, mrr
    from csmetrics.revenue.churn import customer_count

    subs, fx = p.subscriptions, p.fx
    return (ahead.start(customer_count, subs, last),   # paying: MRR > 0, whatever the policy
            ahead.start(functools.partial(arpa, fx=fx), subs, last),
            ahead.start(functools.partial(mrr, by=by if by is not None else "plan", fx=fx),
                        subs, last))


def start_value(ahead: Ahead, p: Portfolio, last: Period) -> tuple[Pending[Any], Pending[Any]]:
    """The cohort table and the survival curve of the sections, started in ``ahead``."""
    from csmetrics.value.cohorts import cohort_table
    from csmetrics.value.survival import survival_curve

    return (ahead.start(functools.partial(cohort_table, start=last - 11, end=last),
                        p.subscriptions),
            ahead.start(functools.partial(survival_curve, at=last), p.subscriptions))


def revenue_sections(p: Portfolio, first: Period, last: Period, by: By,
                     step: Step = _no_step, shared: Shared | None = None,
                     started: Started | None = None) -> list[ReportSection]:
    """Summary, MRR bridge, churn and retention, MRR by segment, cohorts, lifetime;
    ``step(name)`` is called as each part is done; ``shared`` is the report's shared work
    (the headline's bridge run); ``started`` the calls started ahead (by default each is
    made where it is read)."""
    subs, pol, fx = p.subscriptions, p.policy, p.fx
    assert subs is not None  # checked by the caller
    bridge = (shared or Shared()).movements(subs, first, last, pol, fx)
    if started is None:
        in_place = Ahead(False)
        started = Started(*start_day(in_place, p, last, by), *start_value(in_place, p, last))
    start_mrr = float(bridge["starting_mrr"][0])
    end_mrr = float(bridge["ending_mrr"][-1])
    growth = end_mrr / start_mrr - 1 if start_mrr else float("nan")
    day_before = first.start - np.timedelta64(1, "D").astype(object)
    summary = TableResult({
        "metric": [f"MRR on {last.end}", f"MRR on {day_before}", "MRR growth",
                   f"Paying customers on {last.end}", f"ARPA on {last.end}",
                   "Net change in MRR"],
        "value": [end_mrr, start_mrr, growth,
                  float(started.customers.get()), float(started.arpa.get()),
                  end_mrr - start_mrr],
    }, title="", digits=bridge.digits[:1].repeat(6) if len(bridge) else 2)
    sections = [ReportSection(
        "summary", f"Summary ({bridge.currency})", summary,
        chart=lambda ax: bridge.plot("bridge", ax=ax),
        formats={"value": ("money", "money", "percent", "count", "money", "money")},
        undefined="MRR growth is not defined when there was no MRR at the start.",
        notes=("ARPA: MRR over paying customers (MRR > 0) on the day.",),
        doc="definitions.md#mrr")]

    # The bridge's own lines: scheduled churn is money, but outside the bridge (still paid).
    money = [c for c in bridge.column_names if c in bridge.money and c != "scheduled_churn"]
    sections.append(ReportSection(
        "mrr_bridge", f"MRR movements by month ({bridge.currency})",
        bridge.select("period", *money, "new_customers", "churned_customers",
                      "reactivated_customers", "ending_customers", title=""),
        chart=lambda ax: bridge.plot("movements", ax=ax),
        notes=("Each month closes: starting MRR + new + expansion + reactivation - "
               "contraction - churn" + (" + currency effect" if "fx" in money else "")
               + " = ending MRR.",),
        doc="definitions.md#mrr-movements"))
    step("MRR movements")

    sections.append(_retention(p, first, last, by, len(bridge.periods), shared or Shared()))
    step("churn and retention")

    by_segment = started.by_segment.get()
    name = by_segment.column_names[0]
    sections.append(ReportSection(
        "mrr_by_segment", f"MRR on {last.end} by {name}",
        by_segment.select(*by_segment.column_names, title=""),
        doc="definitions.md#segments-by"))
    step("MRR by segment")

    sections.append(_cohorts(started.cohorts.get(), last))
    step("cohorts")
    sections.append(_lifetime(p, last, shared or Shared(), started.curve))
    step("lifetime")
    return sections


def _retention(p: Portfolio, first: Period, last: Period, by: By, months: int,
               shared: Shared) -> ReportSection:
    from csmetrics.revenue.churn import logo_churn_rate, quick_ratio, revenue_churn_rate
    from csmetrics.revenue.retention import (
        gross_revenue_retention,
        net_revenue_retention,
        nrr_series,
    )

    subs, pol, fx = p.subscriptions, p.policy, p.fx
    window = (first, last)
    policy = pol if pol is not None else MetricPolicy()
    denominators = {"start": "churned / customers at start",
                    "start_plus_new": "churned / (customers at start + new and returning)",
                    "average": "churned / mean of customers at start and at end"}
    react_net = " - reactivation" if policy.reactivation_offsets_net_churn else ""
    react_quick = " + reactivation" if policy.quick_ratio_includes_reactivation else ""
    formats: dict[str, str | tuple[str, ...]]
    if by is None:
        # The rates read off the bridge take it from the report's run (Shared.result).
        rows = [
            ("Logo churn rate", shared.result(logo_churn_rate.job(subs, *window, policy=pol)),
             denominators[policy.churn_denominator]),
            ("Gross revenue churn", shared.result(revenue_churn_rate.job(
                subs, *window, policy=pol, fx=fx)), "(churn + contraction) / start MRR"),
            ("Net revenue churn", shared.result(revenue_churn_rate.job(
                subs, *window, net=True, policy=pol, fx=fx)),
             f"(churn + contraction - expansion{react_net}) / start MRR"),
            ("Net revenue retention (cohort)",
             net_revenue_retention(subs, *window, policy=pol, fx=fx),
             "start customers' MRR at end / at start"),
            ("Gross revenue retention (cohort)",
             gross_revenue_retention(subs, *window, policy=pol, fx=fx),
             "as NRR, each customer capped at its start MRR"),
            ("Quick ratio", shared.result(quick_ratio.job(subs, *window, policy=pol, fx=fx)),
             f"(new + expansion{react_quick}) / (churn + contraction)"),
        ]
        table = TableResult({"metric": [r[0] for r in rows],
                             "value": [float(r[1]) for r in rows],
                             "definition": [r[2] for r in rows]}, title="")
        formats = {"value": ("percent",) * 5 + ("number",)}
    else:
        churn_t = logo_churn_rate(subs, *window, by=by, policy=pol)
        nrr_t = net_revenue_retention(subs, *window, by=by, policy=pol, fx=fx)
        grr_t = gross_revenue_retention(subs, *window, by=by, policy=pol, fx=fx)
        name = churn_t.segment_column or "segment"
        table = TableResult({
            name: churn_t[name], "logo_churn_rate": churn_t["logo_churn_rate"],
            "nrr": nrr_t["net_revenue_retention"], "grr": grr_t["gross_revenue_retention"],
            "starting_mrr": nrr_t["starting_mrr"]}, title="", money=("starting_mrr",),
            digits=nrr_t.digits)
        formats = {"logo_churn_rate": "percent", "nrr": "percent", "grr": "percent"}
    n_window = min(12, months)

    @functools.cache
    def trend() -> Any:
        with warnings.catch_warnings():   # as while the report is made
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            return nrr_series(subs, first, last, window=f"{n_window}M", policy=pol, fx=fx)

    # The series is only drawn: made when the chart is, once the headline's series has
    # shown that it can refuse nothing (no rates, a window inside the headline's); else now,
    # so that the report raises what it raises.
    if not shared.covers(first - (n_window - 1), last):
        trend()
    return ReportSection(
        "retention", f"Churn and retention, {first} to {last}", table,
        chart=lambda ax: trend().plot(ax=ax), formats=formats,
        undefined="not defined: no customers (or no MRR) at the start of the window, or "
                  "no losses for the quick ratio.",
        notes=(f"The chart shows NRR and GRR over the trailing {min(12, months)} months "
               "ending with each month.",),
        doc="definitions.md#customers-churn-and-retention")


def _cohorts(cohorts: Any, last: Period) -> ReportSection:
    ages = [str(a) for a in cohorts.ages]
    return ReportSection(
        "cohorts", "Logo cohorts: share of each month's new customers still paying, by "
        "months since joining",
        cohorts.select("cohort", "customers", *ages, title=""),
        chart=lambda ax: cohorts.plot(ax=ax), formats=dict.fromkeys(ages, "percent"),
        undefined=f"the cohort had not reached that age by {last.end}.", keys=2,
        doc="cohorts_and_value.md")


def _lifetime(p: Portfolio, last: Period, shared: Shared, survival: Pending[Any]
              ) -> ReportSection:
    from csmetrics.periods.calendar import snapshot_date
    from csmetrics.revenue import mrr_movements
    from csmetrics.value.lifetime import value_of_bridge, value_window

    curve = survival.get()   # survival_curve(p.subscriptions, at=last)
    # lifetime_value(p.subscriptions, at=last, fx=p.fx), its bridge read off the report's run
    at_day = snapshot_date(last)
    bridge = shared.result(mrr_movements.job(p.subscriptions, *value_window(at_day, 6),
                                             freq="month", fx=p.fx), movements=True)
    ltv = value_of_bridge(bridge, 6, at_day)
    median = curve.median
    line = (f"Median customer lifetime (Kaplan-Meier, censored at {last.end}): "
            f"{median:g} months" if median == median else
            "Median customer lifetime: not reached (more than half the customers are "
            "still paying)")
    return ReportSection(
        "lifetime", "Lifetime and lifetime value", ltv.select(*ltv.column_names, title=""),
        lines=(line,), chart=chart_of(curve), notes=(ltv.definition,),
        formats={"churn_rate": "percent", "churn_months": "number"},
        undefined="not defined: no churn in the window, so no finite lifetime.",
        doc="cohorts_and_value.md")
