"""Cohorts, survival and lifetime value of the demo portfolio, and the sBG model on the data of
Fader and Hardie (2007).

Run: python examples/cohorts_and_ltv.py   (offline; charts need pip install 'csmetrics[plot]')
"""

from __future__ import annotations

import numpy as np

import csmetrics as cm
from csmetrics.tables.payments import Payment
from csmetrics.value.cohorts import cohort_table
from csmetrics.value.lifetime import (
      cac_payback_months,
      customer_lifetime_value,
      lifetime_value,
      ltv_to_cac,
)
from csmetrics.value.sbg import ShiftedBetaGeometric
from csmetrics.value.survival import survival_curve
from csmetrics.value.transactional import transactional_lifetime_value

subs = cm.datasets.demo_portfolio()
print(subs)
print()

# Logo retention of the 2024 cohorts: the share of each month's new customers still paying.
logo = cohort_table(subs, start="2024-01", end="2024-12")
print(logo.select("cohort", "customers", "0", "1", "2", "3", "6", "11"))
print()

# Revenue retention: expansion can lift a cohort above its starting MRR.
revenue = cohort_table(subs, start="2024-01", end="2024-12", kind="revenue")
print(revenue.select("cohort", "starting_mrr", "1", "3", "6"))
print()

# How long customers stay: Kaplan-Meier, active customers censored at the end of 2024.
curve = survival_curve(subs, at="2024-12")
print(f"median customer lifetime: {curve.median:g} months "
      f"(95% limits {curve.medians['lower'][0]:g} to {curve.medians['upper'][0]:g})")
at_12 = curve["survival"][list(curve["month"]).index(12)]
print(f"share of customers still paying after 12 months: {at_12:.1%}")
print()

# Lifetime value the way ChartMogul computes it, and with margin and a 10%/year discount.
ltv = lifetime_value(subs, at="2024-12")
print(ltv)
monthly_discount = 1.10 ** (1 / 12) - 1
ltv_margin = lifetime_value(subs, at="2024-12", gross_margin=0.8,
                            discount_rate=monthly_discount)
print(f"at 80% margin, discounted at 10% a year: {ltv_margin.value:,.2f}")
print(f"LTV:CAC at a CAC of 900: {ltv_to_cac(ltv_margin.value, 900):.2f}; payback "
      f"{cac_payback_months(900, ltv['arpa'][0], gross_margin=0.8):.1f} months")
print(f"the formula on its own, 120 a month at 3% churn: "
      f"{customer_lifetime_value(120, 0.03):,.0f}")
print()

# One-off purchases: average order value x purchases a year x lifespan.
payments = [Payment(customer_id=c, date=d, amount=a) for c, d, a in [
    ("ann", "2024-01-12", 80), ("ann", "2024-06-03", 120), ("bob", "2024-03-20", 60),
    ("cy", "2024-05-05", 90), ("cy", "2024-09-30", 70), ("cy", "2024-11-02", 40)]]
print(f"transactional CLV over a 3-year lifespan: "
      f"{transactional_lifetime_value(payments, lifespan=3, start='2024', end='2024'):,.2f}")
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
