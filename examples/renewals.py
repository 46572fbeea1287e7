"""ARR and the renewal calendar of a synthetic portfolio: run rate and contracted ARR, the
average sale price, the renewals due each month and what became of them, split by health
band, and the MRR scheduled to churn.

Run: python examples/renewals.py
"""

from __future__ import annotations

import warnings

import csmetrics as cm

subs = cm.datasets.synthetic_portfolio(3_000, months=24, seed=7, start="2023-01")
print(subs)
print()

# ARR on the last day of 2024: 12 x MRR, and the annual contract value of term plans.
print(cm.arr(subs, "2024-12"))
print(cm.arr(subs, "2024-12", view="contracted", by="product"))
print()

# New MRR per new customer, by quarter.
print(cm.average_selling_price(subs, "2024-Q1", "2024-Q4", freq="quarter"))
print()

# The renewal calendar of 2024: ARR up for renewal each month and its outcome, read 30 days
# after each renewal date (renewals whose outcome is not known yet are pending).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", cm.UndefinedMetricWarning)  # months without renewals
    calendar = cm.renewals(subs, "2024-01", "2024-12")
print(calendar.select("period", "renewals", "arr_up", "renewed_flat", "expanded",
                      "contracted", "lost", "pending", "gross_renewal_rate",
                      "net_renewal_rate"))
print()

# The same, split by a health band per account (here: a made-up band from the plan).
band = {c: ("green" if i % 4 else "red") for i, c in enumerate(subs.customer_ids.tolist())}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
    by_band = cm.renewals(subs, "2024-07", "2024-12", health=band)
print(by_band.select("period", "health_band", "renewals", "arr_up", "lost"))
print()

# MRR still paying at each month end whose customer has asked to leave (a cancel_at ahead).
print(cm.mrr_movements(subs, "2024-10", "2024-12").select(
    "period", "ending_mrr", "churn", "scheduled_churn", "scheduled_churned_customers"))
