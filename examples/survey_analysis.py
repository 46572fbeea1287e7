"""Survey report of a synthetic B2B customer base: NPS, CSAT and CES with their intervals,
segments, a monthly trend with significant changes flagged, account-level views and tests.

Run: python examples/survey_analysis.py
"""

from __future__ import annotations

from csmetrics.datasets.surveys import synthetic_survey_columns
from csmetrics.surveys import (
    compare_nps,
    compare_proportions,
    compare_to_benchmark,
    customer_effort_score,
    customer_satisfaction_score,
    net_promoter_score,
    nps_sample_size,
    survey_trend,
)
from csmetrics.tables.surveys import SurveyTable

columns = synthetic_survey_columns(2_000, months=12, start="2024-01", seed=42)
# Keep the customers' segment on the table, so that by="segment" can split by it.
responses = SurveyTable.from_columns(columns, segments=["segment"])
arr_of = dict(zip(columns["customer_id"].tolist(), columns["arr"].tolist(), strict=True))
print(responses)
print()

# The three headline numbers, each with its 95% interval.
nps = net_promoter_score(responses)
csat = customer_satisfaction_score(responses)
ces = customer_effort_score(responses)
low, high = nps.confidence_interval()
print(f"NPS   {float(nps):6.1f}   95% CI {low:6.1f} to {high:5.1f}   "
      f"(n = {nps['n'].item():,}, adjusted-Wald)")
low, high = csat.confidence_interval()
print(f"CSAT  {csat:6.1%}   95% CI {low:6.1%} to {high:5.1%}   "
      f"(share answering 4-5 of 5, Wilson; mean {csat['mean'].item():.2f})")
low, high = ces.confidence_interval()
print(f"CES   {ces.value:6.2f}   95% CI {low:6.2f} to {high:5.2f}   "
      f"(CES {ces.version}, 1-7, {ces.polarity}; {ces['easy_share'].item():.0%} agree)")
print()

# Three ways to put an interval on the NPS.
for method in ("adjusted_wald", "wald", "bootstrap"):
    r = net_promoter_score(responses, interval=method, seed=1)
    low, high = r.confidence_interval()
    print(f"  {method:<14} {low:6.2f} to {high:6.2f}  (se {r['se'].item():.2f})")
print()

# By segment (a column kept on the table), and the same numbers with every account counted
# once, or by revenue.
print(net_promoter_score(responses, by="segment")
      .select("segment", "nps", "ci_low", "ci_high", "n"))
print()
for weighting in ("response", "account", "revenue"):
    r = net_promoter_score(responses, account_weighting=weighting,
                           revenue=arr_of if weighting == "revenue" else None)
    low, high = r.confidence_interval()
    print(f"  NPS, every {weighting:<8} counts: {r:5.1f} ({low:5.1f} to {high:5.1f}), "
          f"effective n {r['effective_n'].item():,.0f}")
print()

# The quarterly trend by segment, with each change from the previous quarter tested.
trend = survey_trend(responses, freq="quarter", by="segment")
print(trend.select("period", "segment", "nps", "ci_low", "ci_high", "n", "change",
                   "p_value", "significant"))
print()

# Did the second half of the year beat the first? NPS and CSAT.
first, second = responses.between("2024-01", "2024-06"), responses.between("2024-07", "2024-12")
c = compare_nps(second, first)
low, high = c.confidence_interval()
print(f"NPS H2 - H1: {c:+.1f} points observed (95% CI {low:+.1f} to {high:+.1f} around the "
      f"adjusted {c['interval_centre'].item():+.1f}), p = {c.p_value:.3f}")
c = compare_proportions(customer_satisfaction_score(second), customer_satisfaction_score(first))
low, high = c.confidence_interval()
print(f"CSAT H2 - H1: {c:+.1%} (95% Newcombe CI {low:+.1%} to {high:+.1%})")

# Is each segment's NPS above a benchmark of 25 (one-sided test)?
test = compare_to_benchmark(net_promoter_score(responses, by="segment"), 25)
for label, p, flagged in zip(test["segment"], test["p_value"], test["significant"],
                             strict=True):
    print(f"  {label:<11} NPS > 25? p = {p:.3f} {'(yes)' if flagged else ''}")

# How many answers does a ±5 point NPS need?
print(f"answers for ±5 NPS points at 95%: {nps_sample_size(5):,} (worst case), "
      f"{nps_sample_size(5, promoters=0.4, detractors=0.28):,} (at this NPS's shares)")
