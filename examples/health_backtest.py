"""Backtest the standard health scorecard on the demo portfolio: did low scores churn?

Scores are taken at the end of March, June and September 2024 from the demo's usage, survey
and ticket data up to each date (``account_signals``), and checked against what the
subscriptions did in the three months after each date: churn and contraction by band,
survival by band with the log-rank test, Harrell's C, the ROC AUC and lift by decile.

The demo's signals are drawn independently of its churn, so an honest backtest finds a C
and an AUC close to 0.5: the scorecard does not predict churn there. ``tests/
test_backtest.py`` shows the same backtest finding a signal that does drive churn.

Run: python examples/health_backtest.py
"""

from __future__ import annotations

import warnings

import csmetrics as cm
from csmetrics.datasets import demo_portfolio, demo_surveys, demo_tickets, demo_usage
from csmetrics.exceptions import UndefinedMetricWarning

subs = demo_portfolio()
usage, surveys, tickets = demo_usage(), demo_surveys(), demo_tickets()
card = cm.standard_scorecard()

scores = {}
with warnings.catch_warnings():
    # accounts without usage or answers in a window have NaN measures; the card says so
    warnings.simplefilter("ignore", UndefinedMetricWarning)
    for at in ("2024-03", "2024-06", "2024-09"):
        signals = cm.account_signals(subs, at, usage=usage, surveys=surveys, tickets=tickets)
        scores[at] = card.score(signals)
    backtest = cm.health_backtest(scores, subs, horizon=3)

print(backtest)
print()
print(backtest.lift)
print()
print(f"Harrell's C {backtest.concordance:.3f}, ROC AUC {backtest.auc:.3f}")
