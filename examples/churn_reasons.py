"""Why MRR was lost, and what expansion was made of, on a synthetic portfolio.

Churned MRR by cancellation reason and by type (voluntary vs delinquent), then expansion
split into upsell and cross-sell and contraction into downsell and product removal. Both
reconcile with the MRR bridge to the cent.

Run: python examples/churn_reasons.py
"""

from __future__ import annotations

import warnings

import numpy as np

import csmetrics as cm

# A synthetic portfolio, with a product, a churn reason and a churn type on each row.
cols = cm.datasets.synthetic_columns(600, months=24, seed=7, start="2023-01")
rng = np.random.default_rng(7)
n = len(cols["customer_id"])
cols["product"] = rng.choice(np.array(["core", "analytics", "api"], dtype=object), n,
                             p=[0.6, 0.25, 0.15])
cols["churn_reason"] = rng.choice(
    np.array(["too expensive", "missing feature", "switched vendor", None], dtype=object), n,
    p=[0.35, 0.25, 0.2, 0.2])
cols["churn_type"] = rng.choice(np.array(["voluntary", "delinquent"], dtype=object), n,
                                p=[0.8, 0.2])
subs = cm.SubscriptionTable.from_columns(cols)

# Quarters without churn in some reason would warn about their shares: quiet here.
warnings.simplefilter("ignore", cm.UndefinedMetricWarning)

lost = cm.churn_breakdown(subs, "2024-Q1", "2024-Q4", freq="quarter")
print(lost)
print()

by_type = cm.churn_breakdown(subs, "2024-Q1", "2024-Q4", freq="quarter", split="type")
print(by_type)
print()

# The split adds up to the bridge's churn, quarter by quarter.
bridge = cm.mrr_movements(subs, "2024-Q1", "2024-Q4", freq="quarter")
frame = lost.to_pandas(index=False).groupby("period")["churned_mrr"].sum()
for period, churn in zip(bridge["period"], bridge["churn"], strict=True):
    print(f"{period}: churn {churn:,.2f} = sum of reasons {frame[period]:,.2f}")
print()

moves = cm.product_movements(subs, "2024-Q1", "2024-Q4", freq="quarter")
print(moves.select("period", "starting_mrr", "expansion", "upsell", "cross_sell",
                   "contraction", "downsell", "product_removal"))
print()
print(moves.select("period", "upsell_rate", "cross_sell_rate", "downsell_rate",
                   "product_removal_rate"))
