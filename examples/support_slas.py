"""Support SLAs of the demo portfolio: response and resolution times, SLA attainment by
priority, reopen rate, ticket volume, backlog age, and the per-account support signals.

Run: python examples/support_slas.py   (offline)
"""

from __future__ import annotations

import warnings

import csmetrics as cm

tickets = cm.datasets.demo_tickets()   # the last 90 days of 2024, with priorities and replies
print(tickets)
print()

# How fast agents reply and resolve: Kaplan-Meier, so tickets still waiting at the end of
# 2024 count as "at least this long" instead of being dropped.
print(cm.first_response_time(tickets, "2024-12-31", by="priority"))
print()
resolution = cm.resolution_time(tickets, "2024-12-31", percentiles=(90,))
print(f"median resolution: {resolution.value:.1f} hours "
      f"({resolution['median_lower'][0]:.1f} to {resolution['median_upper'][0]:.1f})")
print()

# Targets per priority, as a helpdesk SLA policy sets them.
targets = {"urgent": "1h", "high": "4h", "normal": "24h", "low": "3d"}
sla = cm.sla_attainment(tickets, "2024-12-31", targets=targets, by="priority")
print(sla)
print()
overall = cm.sla_attainment(tickets, "2024-12-31", targets=targets)
print(f"first-reply SLA met: {overall.value:.1%} ({int(overall['pending'][0])} still pending)")
print()

print(cm.reopen_rate(tickets, "2024-10", "2024-12"))
print()
print(cm.tickets_per_account(tickets, "2024-10", "2024-12"))
print()
print(cm.backlog_age(tickets, "2024-12-31", by="priority"))
print()

# Per account, ready for a health scorecard (accounts without tickets are NaN, not 0).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
    signals = cm.account_signals(cm.datasets.demo_portfolio(), "2024-12", tickets=tickets,
                                 sla_targets=targets)
print(signals.select("customer_id", "open_tickets", "tickets_per_month",
                     "median_first_response_hours", "sla_attainment", "reopen_rate",
                     title="Support signals per account (first rows)").to_text(max_rows=6))
