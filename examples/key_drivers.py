"""Key drivers of NPS: which attribute ratings matter, how well each performs, and the
importance-performance quadrant chart, for the whole base and per plan.

Run: python examples/key_drivers.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from csmetrics import key_drivers

# 5,000 respondents rating four attributes on 1-7, and the NPS question (0-10). Ease and
# reliability drive the score most; support is rated high but matters less.
rng = np.random.default_rng(42)
n = 5_000
plan = rng.choice(["basic", "pro", "enterprise"], n, p=[0.5, 0.35, 0.15])
latent = rng.normal(size=(n, 4)) @ np.array([[1.0, 0.3, 0.2, 0.4], [0.0, 1.0, 0.2, 0.1],
                                             [0.0, 0.0, 1.0, 0.2], [0.0, 0.0, 0.0, 1.0]])
drivers = ["ease", "support", "price", "reliability"]
shift = np.array([0.0, 1.2, -0.8, 0.2])           # support rated high, price low
ratings = np.clip(np.round(4 + 1.2 * latent + shift), 1, 7)
score = np.clip(np.round(2.5 + ratings @ np.array([0.55, 0.15, 0.25, 0.45])
                         - 2.2 + rng.normal(0, 1.4, n)), 0, 10)
answers = {"plan": plan, "nps": score, **dict(zip(drivers, ratings.T, strict=True))}
answers["price"][rng.choice(n, 120, replace=False)] = np.nan    # skipped the question

scales = dict.fromkeys(drivers, (1, 7))
r = key_drivers(answers, outcome="nps", drivers=drivers, scales=scales)
print(r)
print(f"\nR-squared {r.r_squared:.2f}; {r['n'][0]:,} complete answers, "
      f"{r['excluded'][0]:,} left out for a missing rating.")
top = r["driver"][np.argmax(r["importance"])]
fix = [d for d, q in zip(r["driver"], r["quadrant"], strict=True) if q == "fix first"]
print(f"Most important: {top}; fix first: {', '.join(fix)}")

# The Shapley decomposition of R-squared agrees closely with the relative weights.
s = key_drivers(answers, outcome="nps", drivers=drivers, method="shapley", scales=scales,
                n_resamples=200)
for d, a, b in zip(drivers, r["importance"], s["importance"], strict=True):
    print(f"  {d:12s} relative weight {a:6.1%}   Shapley {b:6.1%}")

# One block per plan (enterprise is the smallest: its intervals are the widest).
by_plan = key_drivers(answers, outcome="nps", drivers=drivers, scales=scales, by="plan",
                      n_resamples=300)
print()
print(by_plan.select("plan", "driver", "importance", "importance_low", "importance_high",
                     "quadrant"))

# The quadrant chart, written to a temporary file.
import matplotlib  # noqa: E402

matplotlib.use("Agg")
ax = r.plot()
out = Path(tempfile.mkdtemp()) / "key_drivers.png"
ax.figure.savefig(out, dpi=80)
print(f"\nQuadrant chart written to {out}")
