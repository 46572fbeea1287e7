"""Load subscriptions from a pandas DataFrame with your own column names, skip bad rows,
and see what was skipped.

Run: python examples/from_a_dataframe.py   (needs pandas: pip install 'csmetrics[pandas]')
"""

from __future__ import annotations

import pandas as pd

import csmetrics as cm

export = pd.DataFrame({
    "account": ["acme", "acme", "globex", "initech", "umbrella"],
    "sub": ["s1", "s1", "s2", "s3", "s4"],
    "plan_name": ["team", "business", "team", "team", "team"],
    "current_period_start": pd.to_datetime(
        ["2024-01-15", "2024-05-01", "2024-02-01", "2024-03-10", "2024-04-01"]),
    "ended_at": pd.to_datetime(["2024-05-01", None, "2024-08-20", None, "2024-03-01"]),
    "unit_amount": [20.0, 35.0, 20.0, 20.0, 20.0],
    "seats": [5, 5, 3, 2, 4],
    "billing": ["month", "month", "month", "year", "month"],
})

subs = cm.SubscriptionTable.from_columns(
    export, customer_id="account", subscription_id="sub", plan="plan_name",
    start="current_period_start", end="ended_at", amount="unit_amount", quantity="seats",
    interval="billing", errors="skip",
)
print(subs)
print(subs.skipped)   # umbrella ends before it starts: reported, not silently dropped
print()
print(cm.mrr_movements(subs, "2024-01", "2024-09").select(
    "period", "starting_mrr", "new", "expansion", "churn", "ending_mrr"))
print()
print(cm.mrr_series(subs, "2024-Q1", "2024-Q3", freq="quarter", by="plan"))
print()
# Every metric returns one result: float() of a one-row result is the number, by= splits it
# (the id column gives the per-account view), and a DataFrame with the field names can be
# passed to a metric directly.
print(f"MRR on 30 June 2024: {float(cm.mrr(subs, '2024-06')):,.2f}")
print(cm.mrr(subs, "2024-06", by="customer_id"))
print(cm.mrr(subs.to_pandas(), "2024-06", by="plan"))
