"""Cohorts, survival and lifetime value of the demo portfolio, and the sBG model on the data of
Fader and Hardie (2007).

Run: python examples/cohorts_and_ltv.py   (offline; charts need pip install 'csmetrics[plot]')
"""

from __future__ import annotations

import numpy as np

import csmetrics as cm
from csmetrics import (
    Payment,
    ShiftedBetaGeometric,
    cac_payback_months,
    cohort_table,
    customer_lifetime_value,
    lifetime_value,
    ltv_to_cac,
    survival_curve,
    transactional_lifetime_value,
)

subs = cm.datasets.demo_portfolio()
print(subs)
print()

# Logo retention of the 2024 cohorts: the share of each month's new customers still paying.
logo = cohort_table(subs, "2024-01", "2024-12")
print(logo.select("cohort", "customers", "0", "1", "2", "3", "6", "11"))
print()

# Revenue retention: expansion can lift a cohort above its starting MRR.
revenue = cohort_table(subs, "2024-01", "2024-12", kind="revenue")
print(revenue.select("cohort", "starting_mrr", "1", "3", "6"))
print()

# How long customers stay: Kaplan-Meier, active customers censored at the end of 2024.
curve = survival_curve(subs, "2024-12")
print(f"median customer lifetime: {curve.median:g} months "
      f"(95% limits {curve.medians['lower'][0]:g} to {curve.medians['upper'][0]:g})")
at_12 = curve["survival"][list(curve["month"]).index(12)]
print(f"share of customers still paying after 12 months: {at_12:.1%}")
print()

# Lifetime value the way ChartMogul computes it (six months of churn), and with margin and a
# 10%/year discount. Every result with one row is its number: float(ltv), f"{ltv:,.2f}".
ltv = lifetime_value(subs, "2024-12", window="6M")
print(ltv)
monthly_discount = 1.10 ** (1 / 12) - 1
ltv_margin = lifetime_value(subs, "2024-12", gross_margin=0.8, discount_rate=monthly_discount)
print(f"at 80% margin, discounted at 10% a year: {ltv_margin:,.2f}")
print(f"LTV:CAC at a CAC of 900: {ltv_to_cac(float(ltv_margin), 900):.2f}; payback "
      f"{cac_payback_months(900, ltv['arpa'][0], gross_margin=0.8):.1f} months")
print(f"the formula on its own, 120 a month at 3% churn: "
      f"{customer_lifetime_value(120, 0.03):,.0f}")
# The formulas take arrays too: one row per element, the inputs beside the value.
print(customer_lifetime_value(120, [0.02, 0.03, 0.05], gross_margin=0.8))
print()

# One-off purchases: average order value x purchases a year x lifespan.
payments = [Payment(customer_id=c, date=d, amount=a) for c, d, a in [
    ("ann", "2024-01-12", 80), ("ann", "2024-06-03", 120), ("bob", "2024-03-20", 60),
    ("cy", "2024-05-05", 90), ("cy", "2024-09-30", 70), ("cy", "2024-11-02", 40)]]
print(f"transactional CLV over a 3-year lifespan: "
      f"{transactional_lifetime_value(payments, '2024', '2024', lifespan=3):,.2f}")
print(transactional_lifetime_value(payments, "2024", "2024", lifespan=3, by="customer_id"))
print()

# The shifted-beta-geometric model on the 'regular' customers of Fader and Hardie (2007):
# fitted to years 0-7, projected to year 12 against what happened.
regular = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
sbg = ShiftedBetaGeometric.fit(regular[:8])
print(sbg)
print(sbg.summary())
print(sbg.projection(12, observed=regular).select("period", "survival", "observed_survival",
                                                   "retention_rate"))
derl = sbg.discounted_expected_residual_lifetime(0.10, n=[1, 2, 3])
print(f"DERL at 10% for a customer in year 1, 2, 3: {np.round(derl, 2).tolist()}")
