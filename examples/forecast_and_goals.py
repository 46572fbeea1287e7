"""MRR forecast with an interval, its backtest, and goals with their uncertainty.

Run: python examples/forecast_and_goals.py
"""

import warnings

import csmetrics as cm
from csmetrics.datasets import demo_portfolio, demo_surveys

subs = demo_portfolio()  # subscriptions to 31 December 2024

# Six months of MRR, forecast at 31 December 2024, with an 80% prediction interval.
forecast = cm.mrr_forecast(subs, "2025-01", 6)
print(forecast)

# The sBG retention model instead of the empirical life table. On this portfolio the fit is
# at the geometric limit (churn does not fall with tenure), which the fit warns about.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
    sbg = cm.mrr_forecast(subs, "2025-01", 6, method="sbg")
print(f"\nsBG forecast for {sbg['period'][-1]}: {sbg['mrr'][-1]:,.0f} "
      f"({sbg['lower'][-1]:,.0f} to {sbg['upper'][-1]:,.0f})")

# How good has the forecast been? Refit at each month of 2024 from what was known then.
backtest = cm.forecast_backtest(subs, "2024-01", "2024-12", 3, simulations=500)
print()
print(backtest.select("step", "forecasts", "coverage", "coverage_lower", "coverage_upper",
                      "mape", "mase"))

# Goals: reduce logo churn 10% from Q1, NPS 40 from 10, MRR 80k from June.
goals = [
    (cm.Goal("logo_churn_rate", -0.10, relative=True, baseline=("2024-01", "2024-03")),
     subs, ("2024-10", "2024-12")),
    (cm.Goal("net_promoter_score", 40, baseline=10.0), demo_surveys(), ()),
    (cm.Goal("mrr", 80_000, baseline="2024-06"), subs, ("2024-12",)),
]
print()
for goal, data, window in goals:
    print(goal.progress(data, *window).summary())
