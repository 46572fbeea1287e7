"""Write docs/api.md, docs/results.md and docs/errors.md from ``csmetrics.__all__``.

The API reference lists every public name, grouped like the folders the names live in, so a
page can never fall behind the package: ``tests/test_docs.py`` fails when the committed pages
differ from what this script writes. Run it after adding or moving a public name::

    python tools/gen_api.py
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import csmetrics  # noqa: E402
from csmetrics.results import TableResult  # noqa: E402

# Folder (first component under csmetrics) -> heading, in reading order.
GROUPS = [
    ("tables", "Tables and records", "The validated inputs every metric reads."),
    ("revenue", "Revenue: MRR, movements, churn, retention",
     "Metrics of subscription spans; every one shares the bridge engine."),
    ("value", "Value: cohorts, survival, lifetime value",
     "Cohort tables, Kaplan-Meier lifetimes, CLV formulas and models, transactional value."),
    ("surveys", "Surveys: NPS, CSAT, CES", "Scores with intervals, comparisons and trends."),
    ("usage", "Usage", "Active users, stickiness, adoption, licence utilization, time to value."),
    ("support", "Support", "First contact resolution, open tickets, response and resolution "
     "times, SLA attainment, reopen rate, ticket volume and backlog age."),
    ("health", "Health", "Scorecards, explanations, roll-ups, trends and the standard signals."),
    ("feedback", "Voice of the customer",
     "Comment sentiment, distinctive terms and themes (see [Feedback](feedback.md)); key "
     "drivers of a score (see [Key drivers](key_drivers.md))."),
    ("forecast", "Forecasts and goals",
     "MRR forecasts with intervals, their backtest, and goals with their uncertainty."),
    ("report", "Reports", "A portfolio of tables and one report of every metric."),
    ("io", "Reading and writing files", "CSV and Parquet readers with file and line errors."),
    ("periods", "Periods", "Calendar and fiscal periods."),
    ("policies", "Policies", "The choices that make vendors disagree."),
    ("fx", "Exchange rates", "Dated rates into a reporting currency."),
    ("results", "Results", "What every metric returns (see [Result types](results.md))."),
    ("exceptions", "Errors and warnings", "See [Errors](errors.md)."),
]
MODULES = ["datasets", "plot", "plotting"]


def _home(obj: object) -> str:
    module = getattr(obj, "__module__", "") or ""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _public() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {key: [] for key, _, _ in GROUPS}
    for name in csmetrics.__all__:
        if name.startswith("__") or inspect.ismodule(getattr(csmetrics, name)):
            continue
        home = _home(getattr(csmetrics, name))
        if home not in grouped:
            raise SystemExit(f"csmetrics.{name} lives in {home!r}: give that folder a group")
        grouped[home].append(name)
    return grouped


def _order(names: list[str]) -> list[str]:
    """Functions first (the metrics), then classes, each alphabetically."""
    def key(name: str) -> tuple[int, str]:
        return (inspect.isclass(getattr(csmetrics, name)), name.lower())
    return sorted(names, key=key)


def api() -> str:
    out = ["# API reference", "",
           "Every public name of `csmetrics`, grouped like the folders it lives in. The "
           "contract every metric keeps (signature, `by=`, results, errors) is on the "
           "[conventions](conventions.md) page.", ""]
    for key, title, blurb in GROUPS:
        names = _public()[key]
        if not names:
            continue
        out += [f"## {title}", "", blurb, ""]
        out += [f"::: csmetrics.{name}" for name in _order(names)]
        out.append("")
    for module in MODULES:
        out += [f"## `csmetrics.{module}`", "", f"::: csmetrics.{module}", "    options:",
                "      show_root_heading: false", "      members: true", ""]
    return "\n".join(out)


# The value column of each metric's result (None: a grid, a curve or a list, with no single
# value). tests/test_contract.py checks the entries against the results themselves.
VALUE_COLUMNS: dict[str, str | None] = {
    "mrr_forecast": "mrr", "forecast_backtest": "coverage",
    "mrr": "mrr", "arpa": "arpa", "customer_count": "customers", "mrr_series": "mrr",
    "mrr_movements": "ending_mrr", "logo_churn_rate": "logo_churn_rate",
    "churn_breakdown": "churned_mrr", "product_movements": "expansion",
    "arr": "arr", "average_selling_price": "asp", "renewals": "arr_up",
    "customer_retention_rate": "customer_retention_rate",
    "revenue_churn_rate": "revenue_churn_rate", "quick_ratio": "quick_ratio",
    "net_revenue_retention": "net_revenue_retention",
    "gross_revenue_retention": "gross_revenue_retention", "nrr_series": "nrr",
    "trial_conversion_rate": "conversion_rate", "cohort_table": None,
    "survival_curve": None, "kaplan_meier": None, "customer_lifetimes": None,
    "lifetime_value": "lifetime_value", "customer_lifetime_value": "customer_lifetime_value",
    "ltv_to_cac": "ltv_to_cac", "cac_payback_months": "cac_payback_months",
    "average_order_value": "average_order_value", "purchase_frequency": "purchase_frequency",
    "transactional_lifetime_value": "lifetime_value", "net_promoter_score": "nps",
    "customer_satisfaction_score": "csat", "customer_effort_score": "ces",
    "survey_trend": "the metric (nps, csat or ces)", "compare_nps": "difference",
    "compare_proportions": "difference", "compare_means": "difference",
    "compare_to_benchmark": "difference", "active_users": "active_users",
    "active_users_trend": "ratio", "active_users_series": "active_users",
    "stickiness": "stickiness", "engagement": "events_per_active_user",
    "adoption_rate": "adoption_rate", "adoption_breadth": "breadth",
    "feature_adoption": "adoption", "license_utilization": "utilization",
    "time_to_value": "median_days", "seats_at": "seats",
    "key_drivers": "importance",
    "first_contact_resolution_rate": "fcr_rate", "open_tickets": "open_tickets",
    "first_response_time": "median_hours", "resolution_time": "median_hours",
    "sla_attainment": "attainment", "reopen_rate": "reopen_rate",
    "tickets_per_account": "tickets_per_month", "backlog_age": "median_age_days",
    "health_rollup": "mean_score", "health_trend": None, "at_risk": None,
    "account_signals": None, "comment_sentiment": "mean_compound", "distinctive_terms": "z",
    "comment_themes": "share", "churn_outcomes": None, "detractor_followups": None,
    "churn_drivers": None, "fit_scorecard": None,
    "logrank_test": None, "logrank": None, "health_backtest": None,
}


def results() -> str:
    out = ["# Result types", "",
           "Every metric returns one result type, whatever its options or the type of its "
           "input. Each is a table of named, read-only columns: one row without `by=`, one "
           "row per segment with it. With one row, `result.value` and `float(result)` give "
           "the number in the value column; `result.row(label)` picks a segment; every result "
           "prints, renders HTML in Jupyter and converts with `to_dict()`, `to_pandas()` and "
           "`to_polars()`. A grid, a curve or a list of accounts has no single value.", "",
           "| metric | result | value column |", "|---|---|---|"]
    for name in sorted(csmetrics.__all__, key=str.lower):
        obj = getattr(csmetrics, name)
        if not inspect.isfunction(obj):
            continue
        returned = str(inspect.signature(obj).return_annotation).strip("'\"")
        cls = getattr(csmetrics, returned, None)
        if not (inspect.isclass(cls) and issubclass(cls, TableResult)):
            continue
        if name not in VALUE_COLUMNS:
            raise SystemExit(f"csmetrics.{name}: give its value column in VALUE_COLUMNS")
        value = VALUE_COLUMNS[name]
        shown = "-" if value is None else (f"`{value}`" if " " not in value else value)
        out.append(f"| `{name}` | [`{returned}`](#csmetrics.{returned}) | {shown} |")
    classes = sorted((n for n in csmetrics.__all__ if inspect.isclass(getattr(csmetrics, n))
                      and issubclass(getattr(csmetrics, n), TableResult)), key=str.lower)
    out.append("")
    out += _charts()
    out += [f"::: csmetrics.{cls}" for cls in classes]
    out.append("")
    return "\n".join(out)


# The csmetrics.plot functions drawing each result's chart (tests/test_charts.py checks that
# every result with a .plot() is here and that every name is in csmetrics.plot).
CHART_NAMES: dict[str, str] = {
    "AtRiskAccounts": "at_risk", "ChurnBreakdown": "churn_reasons", "CohortTable": "cohorts",
    "CustomerEffortScore": "ces",
    "CustomerSatisfactionScore": "csat", "HealthBacktest": "backtest",
    "HealthRollup": "health_bands", "KeyDrivers": "key_drivers",
    "HealthTrend": "health_transitions", "MRRMovements": "mrr_bridge, movements",
    "MRRSeries": "mrr_series", "NetPromoterScore": "nps", "RenewalCalendar": "renewals",
    "RetentionSeries": "retention", "MRRForecast": "mrr_forecast",
    "ShiftedBetaGeometric": "sbg", "SlaAttainment": "sla_attainment",
    "SurveyTrend": "survey_trend", "SurvivalCurve": "survival", "TicketTimes": "ticket_times",
    "ChurnDrivers": "churn_drivers",
}


def _charts() -> list[str]:
    """The chart section: every result with a ``.plot()`` and what it draws."""
    out = ["## Charts", "",
           "A result with a natural chart draws it with `.plot(ax=None, ...)` (the `plot` "
           "extra: `pip install 'csmetrics[plot]'`) and returns the matplotlib `Axes`; the "
           "same charts are functions of `csmetrics.plot` (short names) and "
           "`csmetrics.plotting`. Money axes carry the currency (`$160k`), ratios read as "
           "percentages, legends sit beside the data; see [Charts](charts.md).", "",
           "| result | `.plot()` draws | `csmetrics.plot` |", "|---|---|---|"]
    for name in sorted(csmetrics.__all__, key=str.lower):
        cls = getattr(csmetrics, name)
        plot = getattr(cls, "plot", None) if inspect.isclass(cls) else None
        if plot is None:
            continue
        summary = " ".join((inspect.getdoc(plot) or "").split("\n\n")[0].split())
        if name not in CHART_NAMES:
            raise SystemExit(f"csmetrics.{name} has a .plot(): name its chart in CHART_NAMES")
        short = ", ".join(f"`{n}`" for n in CHART_NAMES[name].split(", "))
        out.append(f"| [`{name}`](#csmetrics.{name}) | {summary} | {short} |")
    out.append("")
    return out


def errors() -> str:
    import csmetrics.exceptions as exc

    names = sorted(exc.__all__, key=lambda n: (n != "CSMetricsError", n.lower()))
    out = ["# Errors and warnings", "",
           "Only a result or a `CSMetricsError` leaves csmetrics. Each error also derives from "
           "the built-in a caller would expect, so code written against the built-ins keeps "
           "working:", "", "| error | also a | raised when |", "|---|---|---|"]
    for name in names:
        cls = getattr(exc, name)
        builtin = ", ".join(b.__name__ for b in cls.__mro__[1:] if b.__module__ == "builtins"
                            and b not in _ABSTRACT)
        summary = " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())
        out.append(f"| `{name}` | {builtin or '-'} | {summary} |")
    out.append("")
    out += [f"::: csmetrics.exceptions.{name}" for name in names]
    out.append("")
    return "\n".join(out)


_ABSTRACT = (object, BaseException, Exception, LookupError, Warning)

PAGES = {"api.md": api, "results.md": results, "errors.md": errors}


def main() -> None:
    for page, build in PAGES.items():
        (ROOT / "docs" / page).write_text(build(), encoding="utf-8")
        print(f"wrote docs/{page}")


if __name__ == "__main__":
    main()
