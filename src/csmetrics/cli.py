"""The ``csmetrics`` command.

``csmetrics report --demo`` prints the revenue report of a bundled, seeded synthetic
portfolio: MRR today, the monthly MRR bridge and MRR by plan.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from csmetrics import __version__
from csmetrics.exceptions import CSMetricsError
from csmetrics.periods import Period
from csmetrics.results import TableResult
from csmetrics.tables import SubscriptionTable

EXIT_OK, EXIT_DATA_ERROR, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csmetrics", description="Customer-success metrics for subscription businesses.")
    parser.add_argument("--version", action="version", version=f"csmetrics {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="print a revenue report")
    report.add_argument("--demo", action="store_true",
                        help="use the bundled synthetic demo portfolio")
    report.add_argument("--period", default=None,
                        help="last month of the report, or a quarter/year whose last month "
                             "ends it, e.g. 2024-12 or 2024-Q4 (default: 2024-12, the demo's "
                             "last month)")
    report.add_argument("--months", type=int, default=12,
                        help="months in the MRR bridge (default 12)")
    return parser


def report_text(subs: SubscriptionTable, last: Period, months: int) -> str:
    """The text report: headline MRR, the bridge of ``months`` months ending at ``last``,
    and MRR by plan on ``last``'s final day."""
    from csmetrics.churn import logo_churn_rate, quick_ratio, revenue_churn_rate
    from csmetrics.retention import gross_revenue_retention, net_revenue_retention
    from csmetrics.revenue import arpa, mrr, mrr_movements

    first = last - (months - 1)
    bridge = mrr_movements(subs, first, last)
    by_plan = mrr(subs, last, by="plan")
    window = f"{first} to {last}"
    ratios = TableResult({
        "metric": ["logo churn rate", "gross revenue churn", "net revenue churn",
                   "net revenue retention (cohort)", "gross revenue retention (cohort)",
                   "quick ratio", f"ARPA on {last.end}"],
        "value": [logo_churn_rate(subs, first, last), revenue_churn_rate(subs, first, last),
                  revenue_churn_rate(subs, first, last, net=True),
                  net_revenue_retention(subs, first, last),
                  gross_revenue_retention(subs, first, last), quick_ratio(subs, first, last),
                  arpa(subs, last)],
        "definition": ["churned / customers at start", "(churn + contraction) / start MRR",
                       "(churn + contraction - expansion - reactivation) / start MRR",
                       "start customers' MRR at end / at start",
                       "as NRR, each customer capped at its start MRR",
                       "(new + expansion + reactivation) / (churn + contraction)",
                       "MRR / paying customers"],
    }, title=f"Churn and retention, {window} (fractions; MRR in {bridge.currency})")
    start_mrr, end_mrr = float(bridge["starting_mrr"][0]), float(bridge["ending_mrr"][-1])
    growth = f"{end_mrr / start_mrr - 1:+.1%}" if start_mrr else "n/a"
    lines = [
        f"csmetrics revenue report, {first} to {last} ({bridge.currency})",
        f"{subs!r}",
        "",
        f"MRR on {last.end}: {end_mrr:,.2f} ({growth} over the window; "
        f"{int(bridge['ending_customers'][-1]):,} paying customers)",
        "",
        str(bridge.select("period", "starting_mrr", "new", "expansion", "contraction", "churn",
                          "reactivation", "ending_mrr")),
        "",
        str(bridge.select("period", "new_customers", "churned_customers",
                          "reactivated_customers", "ending_customers", title="Customers")),
        "",
        str(ratios),
        "",
        str(by_plan),
    ]
    lines += _cohort_lines(subs, last)
    return "\n".join(lines)


def _cohort_lines(subs: SubscriptionTable, last: Period) -> list[str]:
    """Logo cohorts of the last six months, median lifetime and lifetime value."""
    from csmetrics.cohorts import cohort_table, survival_curve
    from csmetrics.value import lifetime_value

    cohorts = cohort_table(subs, start=last - 5, end=last)
    median = survival_curve(subs, at=last).median
    return [
        "",
        str(cohorts.select("cohort", "customers", *map(str, cohorts.ages),
                           title="Logo cohorts: share of each month's new customers still "
                                 "paying, by months since joining")),
        "",
        f"Median customer lifetime (Kaplan-Meier, censored at {last.end}): {median:g} months",
        "",
        str(lifetime_value(subs, at=last)),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 bad data, 2 bad usage)."""
    args = _parser().parse_args(argv)
    if not args.demo:
        print("csmetrics report: give --demo (loading your own files arrives with "
              "read_subscriptions_csv).", file=sys.stderr)
        return EXIT_USAGE
    from csmetrics.datasets import demo_portfolio

    try:
        last = Period.parse(Period.parse(args.period).end if args.period else "2024-12",
                            "month")
    except CSMetricsError as exc:
        print(f"csmetrics report: --period: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.months < 1:
        print("csmetrics report: --months must be >= 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        print(report_text(demo_portfolio(), last, args.months))
    except CSMetricsError as exc:
        print(f"csmetrics report: {exc}", file=sys.stderr)
        return EXIT_DATA_ERROR
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
