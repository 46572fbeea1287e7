"""Score the health of 2,000 accounts, explain one, roll up by segment, list the accounts at risk.

The per-account measures are made up (seeded): utilization, active users, adoption breadth,
open tickets, NPS and a CSM's red/yellow/green call, with some values missing. Two months
are scored with the same scorecard to show the trend and the accounts falling fast.

Run: python examples/health_scoring.py
"""

from __future__ import annotations

import warnings

import numpy as np

from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.health import (
    HealthScorecard,
    Linear,
    Measure,
    MissingPolicy,
    NamedBands,
    Steps,
    at_risk,
    health_rollup,
    health_trend,
)

N = 2_000
rng = np.random.default_rng(2024)

scorecard = HealthScorecard(
    name="CS health v3",
    measures=[
        Measure(name="utilization", group="usage", weight=3, rule=Linear(low=0.3, high=0.9)),
        Measure(name="active_users_trend", group="usage", weight=2,
                rule=Steps(thresholds=[-0.2, 0.0, 0.1], points=[0, 40, 70, 100])),
        Measure(name="adoption_breadth", group="usage", weight=1,
                rule=NamedBands(points={"narrow": 0, "partial": 60, "broad": 100},
                                bands={"narrow": "[0, 2)", "partial": "[2, 4)",
                                       "broad": "[4, inf)"})),
        Measure(name="open_tickets", group="support", weight=1, direction="lower",
                rule=Linear(low=0, high=8)),
        Measure(name="nps", group="sentiment", weight=2, rule=Linear(low=-40, high=60)),
        Measure(name="csm_call", group="sentiment", weight=1,
                rule=NamedBands(points={"green": 100, "yellow": 50, "red": 0})),
    ],
    groups={"usage": 50, "support": 20, "sentiment": 30},
    missing=MissingPolicy(fill="renormalize", min_coverage=0.5),
    bands={"red": "[0, 50]", "yellow": "(50, 75]", "green": "(75, 100]"},
)


def month(shift: float, seed: int) -> dict[str, object]:
    """One month of per-account measures; ``shift`` moves usage up or down."""
    r = np.random.default_rng(seed)
    util = np.clip(r.beta(4, 2, N) + shift * r.random(N), 0, 1.4)
    nps = np.round(np.clip(r.normal(15, 35, N), -100, 100))
    nps[r.random(N) < 0.35] = np.nan                       # most accounts never answered
    csm = r.choice(np.array(["green", "yellow", "red", None], dtype=object), N,
                   p=[0.5, 0.25, 0.1, 0.15])
    return {
        "customer_id": [f"C{i:05d}" for i in range(N)],
        "utilization": util,
        "active_users_trend": r.normal(0.02 + shift, 0.15, N),
        "adoption_breadth": r.integers(0, 7, N).astype(float),
        "open_tickets": r.poisson(2.5, N).astype(float),
        "nps": nps,
        "csm_call": csm,
        "segment": r.choice(np.array(["SMB", "Mid-market", "Enterprise"], dtype=object), N,
                            p=[0.6, 0.3, 0.1]),
    }


segment = month(0.0, 1)["segment"]
mrr = np.round(np.where(segment == "Enterprise", 8_000, np.where(segment == "SMB", 300, 2_000))
               * rng.lognormal(0, 0.4, N), 2)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UndefinedMetricWarning)  # reported in the roll-up instead
    last_month = scorecard.score(month(0.0, 1), mrr=mrr, keep=["segment"])
    this_month = scorecard.score({**month(-0.04, 2), "segment": segment}, mrr=mrr,
                                 keep=["segment"])

print(repr(this_month))
print(this_month.select("customer_id", "segment", "mrr", "score", "band", "coverage"))
print()
# One result type: without by= one row (float() is the mean score), with by= one row per
# segment; a mapping from account id puts the accounts it does not list in "(none)".
portfolio = health_rollup(this_month)
by_segment = health_rollup(this_month, by="segment",
                           band_points={"green": 100, "yellow": 60, "red": 40})
print(f"mean score {float(portfolio):.1f}, Enterprise {by_segment.row('Enterprise').value:.1f}")
print(by_segment)
owners = {f"C{i:05d}": "team A" for i in range(0, N, 3)}      # team A owns a third
print(health_rollup(this_month, by=owners).select("segment", "accounts", "mean_score",
                                                   "share_red"))
print()
print(this_month.explain("C00007"))
print()
trend = health_trend(last_month, this_month)
print(trend.transitions())
print()
risk = at_risk(trend, band="red", min_drop=25)
print(risk.select("customer_id", "mrr", "score", "band", "change", "reason", title=repr(risk)))
