"""A million-customer portfolio on a laptop: build, validate and report in seconds.

Run: python examples/million_customers.py [N]   (default 1,000,000 customers)
"""

from __future__ import annotations

import sys
import time

import csmetrics as cm

n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
t0 = time.perf_counter()
columns = cm.datasets.synthetic_columns(n, months=36, seed=1, start="2022-01")
t1 = time.perf_counter()
subs = cm.SubscriptionTable.from_columns(columns)          # every rule checked, vectorized
t2 = time.perf_counter()
bridge = cm.mrr_movements(subs, "2024-01", "2024-12")
nrr = cm.net_revenue_retention(subs, "2024-01", "2024-12")
churn = cm.logo_churn_rate(subs, "2024-01", "2024-12")
t3 = time.perf_counter()

print(subs)
print(f"generated in {t1 - t0:.1f} s, validated in {t2 - t1:.1f} s, "
      f"bridge + NRR + churn in {t3 - t2:.1f} s")
print(f"MRR on 2024-12-31: {bridge['ending_mrr'][-1]:,.2f}; NRR {nrr:.3f}; "
      f"logo churn {churn:.3f}")
print(bridge.select("period", "starting_mrr", "new", "expansion", "contraction", "churn",
                    "reactivation", "ending_mrr"))
