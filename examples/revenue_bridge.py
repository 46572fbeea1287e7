"""Revenue bridge of a synthetic portfolio: MRR movements by month, by plan, and who moved.

Run: python examples/revenue_bridge.py
"""

from __future__ import annotations

import csmetrics as cm

subs = cm.datasets.synthetic_portfolio(2_000, months=24, seed=42, start="2023-01")
print(subs)
print()

bridge = cm.mrr_movements(subs, "2024-01", "2024-12")
print(bridge.select("period", "starting_mrr", "new", "expansion", "contraction", "churn",
                    "reactivation", "ending_mrr"))
print()

# The bridge closes in every month; net new MRR is the change in MRR.
net_new = bridge["new"] + bridge["expansion"] + bridge["reactivation"] \
    - bridge["contraction"] - bridge["churn"]
print(f"net new MRR in 2024: {net_new.sum():,.2f}")
print()

# Quarterly view, and MRR by plan at year end.
print(cm.mrr_movements(subs, "2024-Q1", "2024-Q4", freq="quarter")
      .select("period", "new", "churn", "ending_mrr", "ending_customers"))
print()
print(cm.mrr(subs, "2024-12", by="plan"))
print()

# The five largest churns of December, from the per-customer detail.
details = bridge.details()
december_churn = [
    (customer, amount)
    for period, customer, movement, amount in zip(
        details["period"], details["customer_id"], details["movement"],
        details["previous_mrr"], strict=True)
    if period == "2024-12" and movement == "churn"
]
for customer, amount in sorted(december_churn, key=lambda x: -x[1])[:5]:
    print(f"churned in 2024-12: {customer} ({amount:,.2f})")
