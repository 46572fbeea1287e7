"""Which signals drive churn, and a scorecard whose weights are learned from churn.

A made-up (seeded) portfolio of 2,000 accounts: each month an account's churn in the next
month depends on its seat utilization (strongly) and open tickets (a little); NPS and
logins-per-seat are noise. ``churn_drivers`` fits a discrete-time hazard model over six
monthly snapshots and should find utilization and tickets, not the noise. ``fit_scorecard``
then learns the weights of a three-measure scorecard from churn in the three months after
January, and checks them out of time on the accounts still paying in June.

Run: python examples/churn_drivers.py
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np

from csmetrics.health import Linear, Measure, churn_drivers, fit_scorecard

N = 2_000
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
rng = np.random.default_rng(7)
ids = np.array([f"A{i:04d}" for i in range(N)], dtype=object)
alive = np.ones(N, dtype=bool)
end: list[str | None] = [None] * N
snapshots = {}
for label in MONTHS:
    y, m = map(int, label.split("-"))
    churn_day = dt.date(y + (m == 12), m % 12 + 1, 12).isoformat()  # mid next month
    who = np.flatnonzero(alive)
    utilization = rng.beta(2, 2, size=who.size)
    tickets = rng.poisson(2, size=who.size).astype(float)
    nps = rng.choice([-100.0, 0.0, 100.0], size=who.size)
    logins = rng.gamma(2.0, 3.0, size=who.size)
    logit = -2.6 - 6.0 * (utilization - 0.5) + 0.3 * (tickets - 2)
    churned = rng.uniform(size=who.size) < 1 / (1 + np.exp(-logit))
    for i in who[churned]:
        end[i] = churn_day
    alive[who[churned]] = False
    snapshots[label] = {"customer_id": ids[who], "utilization": utilization,
                        "open_tickets": tickets, "nps": nps, "logins_per_seat": logins}
# One account still billed in 2026: the data run past every outcome window.
subscriptions = {"customer_id": [*ids, "A-anchor"], "amount": [99] * (N + 1),
                 "start": ["2023-01-01"] * (N + 1), "end": [*end, "2026-01-01"]}

drivers = churn_drivers(snapshots, subscriptions, horizon=1, standardize=True)
print(drivers)
print()

measures = [Measure(name="utilization", rule=Linear(low=0.2, high=0.8)),
            Measure(name="open_tickets", rule=Linear(low=0, high=6), direction="lower"),
            Measure(name="nps", rule=Linear(low=-100, high=100))]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # a noise measure may be clipped to 0
    fitted = fit_scorecard(snapshots["2024-01"], subscriptions, at="2024-01", horizon=3,
                           measures=measures, validate_at="2024-04",
                           validation_signals=snapshots["2024-04"])
print(fitted)
print()
print("Fitted weights:", {k: round(v, 3) for k, v in
                          fitted.scorecard.effective_weights.items()})
print(fitted.validation)
scores = fitted.scorecard.score(snapshots["2024-04"])
print()
print(scores.explain(str(scores["customer_id"][0])))
