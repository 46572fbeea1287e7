"""Usage, adoption and support signals for a synthetic portfolio: pooled, and per account.

Runs offline: subscriptions, usage events and tickets are generated from seeds. Prints
licence utilization (with overage), stickiness (and per feature), rule-based adoption,
feature breadth, time to value (censored accounts kept), first contact resolution, open
tickets and trial conversion, then the accounts whose seats go most unused. Every metric
gives one row for the portfolio by default; by="customer_id" is the per-account view.
"""

from __future__ import annotations

import warnings

import numpy as np

from csmetrics import SubscriptionTable, TableResult, UndefinedMetricWarning
from csmetrics.datasets.subscriptions import synthetic_portfolio
from csmetrics.datasets.tickets import synthetic_tickets
from csmetrics.datasets.usage import synthetic_usage
from csmetrics.revenue.trials import trial_conversion_rate
from csmetrics.support import first_contact_resolution_rate, open_tickets
from csmetrics.usage import (
    AdoptionRule,
    Milestone,
    adoption_breadth,
    adoption_rate,
    license_utilization,
    seats_at,
    stickiness,
    time_to_value,
)

AT = "2024-12-31"
SEAT_PLANS = ["starter", "growth", "pro", "enterprise"]   # add-ons carry no seats


def trials(n: int = 300, seed: int = 7) -> SubscriptionTable:
    """Sign-ups through a 14-day free trial in 2024; about 40% go on to pay."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01") + rng.integers(0, 300, n).astype("timedelta64[D]")
    end = start + np.timedelta64(14, "D")
    pays = rng.random(n) < 0.4
    paid_start = end[pays] + rng.integers(0, 20, int(pays.sum())).astype("timedelta64[D]")
    ids = np.arange(n)
    return SubscriptionTable.from_columns({
        "customer_id": np.concatenate([ids, ids[pays]]),
        "start": np.concatenate([start, paid_start]),
        "end": np.concatenate([end, np.full(int(pays.sum()), np.datetime64("NaT"))]),
        "amount": np.concatenate([np.zeros(n), np.full(int(pays.sum()), 49.0)]),
    })


def main() -> None:
    subs = synthetic_portfolio(400, months=12, start="2024-01", seed=7)
    seats = seats_at(subs, AT, plans=SEAT_PLANS, by="customer_id")
    paying = np.asarray(seats["customer_id"])[seats["seats"] > 0]
    seat_counts = np.asarray(seats["seats"])[seats["seats"] > 0]
    usage = synthetic_usage(paying, seats=seat_counts, start="2024-10-02", days=91, seed=7)
    tickets = synthetic_tickets(paying, start="2024-10-02", days=91, seed=7)
    print(f"{subs!r}\n{usage!r}\n{tickets!r}\n")

    # Accounts with no seats (or no events) are NaN with a warning by design; the demo
    # reports on the paying accounts, so the warnings are expected here.
    warnings.simplefilter("ignore", UndefinedMetricWarning)
    print(license_utilization(usage, subs, AT, plans=SEAT_PLANS, customers=paying))
    util = license_utilization(usage, subs, AT, plans=SEAT_PLANS, customers=paying,
                               by="customer_id")
    print(f"accounts over their licence: {util.accounts_over_limit}\n")

    print(stickiness(usage, "2024-12", customers=paying))
    print(stickiness(usage, "2024-12", customers=paying, by="feature"))
    adopted = adoption_rate(usage, AT, rule=AdoptionRule(min_active_days=3, key_features=(
        "report", "dashboard")), customers=paying)
    print(f"\nfully adopted (3+ days a week with a report or dashboard, 4 weeks): "
          f"{adopted:.1%}")
    breadth = adoption_breadth(usage, AT, features=["report", "export", "api", "integration"],
                               customers=paying)
    print(f"mean breadth of 4 key features: {float(breadth):.2f}")

    # Time to value needs the usage since each start: the accounts that signed up after
    # the usage data begin.
    first = np.full(subs.customer_ids.size, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    np.minimum.at(first, subs.customer_codes, subs.start)
    new = (first >= np.datetime64("2024-10-02")) & np.isin(subs.customer_ids, paying)
    starts = dict(zip(subs.customer_ids[new].tolist(), first[new].tolist(), strict=True))
    ttv = time_to_value(starts, usage, AT, milestone=Milestone(features=("report",), count=5),
                        customers=list(starts))
    print(f"\n{ttv!r}")
    print(f"reached value within 30 days of start (Kaplan-Meier): {ttv.reached_within(30):.1%}")

    fcr = first_contact_resolution_rate(tickets, "2024-12", "2024-12")
    print(f"\nfirst contact resolution, December (of resolved tickets): {fcr:.1%}")
    backlog = open_tickets(tickets, AT, customers=paying, by="customer_id")
    print(f"open tickets at {AT}: {int(backlog['open_tickets'].sum()):,} across "
          f"{int((backlog['open_tickets'] > 0).sum()):,} accounts")
    print(trial_conversion_rate(trials(), "2024-01", "2024-06", at=AT))

    # Seats bought but unused: the ten largest accounts below 40% utilization.
    low = np.flatnonzero(np.nan_to_num(util["utilization"], nan=1.0) < 0.4)
    top = low[np.argsort(-util["seats"][low], kind="stable")][:10]
    print()
    print(TableResult({name: util[name][top] for name in
                       ("customer_id", "seats", "active_users", "utilization")},
                      title="Largest accounts under 40% utilization"))


if __name__ == "__main__":
    main()
