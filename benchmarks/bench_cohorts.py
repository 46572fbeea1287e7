"""Benchmark: cohort tables, Kaplan-Meier survival and the sBG fit against straightforward
pandas / scipy implementations written here.

Input: the seeded synthetic portfolio (``csmetrics.datasets.synthetic_portfolio``, about 2.35
rows per customer, 36 months from 2022-01 plus two years of earlier sign-ups), validated into a
``SubscriptionTable`` once (not timed). Both sides start from its columns: customer codes,
start and end dates and each row's MRR in integer units.

* **cohort table** (logo, monthly, up to 2024-12): csmetrics reads cohorts off MRR change
  events; the baseline explodes every row into the month ends it is active at, sums MRR per
  customer and month, and counts customers by cohort and age with ``groupby``.
* **survival curve** (Kaplan-Meier of monthly lifetimes at 2024-12): csmetrics from the same
  change events; the baseline from the exploded customer-month frame, with a loop over months
  for the product-limit estimate.
* **sBG fit** on one million simulated per-customer lifetimes (beta(0.704, 1.182) churn
  probabilities, censored at a random age under 36): csmetrics aggregates to counts and uses
  analytic derivatives; the baseline maximises the per-customer log-likelihood with
  Nelder-Mead, as a spreadsheet or a first script would.

Results are checked to agree (cohort counts and survival exactly, sBG parameters to 1e-3).

Run::

    python benchmarks/bench_cohorts.py                 # 100k and 1M customers
    python benchmarks/bench_cohorts.py --sizes 100000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

END = "2024-12"


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def agree(ok: Any, message: str) -> None:
    if not ok:
        raise RuntimeError(message)


def month_ends(first: np.datetime64, last: str) -> np.ndarray:
    months = np.arange(first.astype("datetime64[M]"), np.datetime64(last, "M") + 1)
    return (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")


# --- baselines ----------------------------------------------------------------------------------


def exploded(frame: Any, snaps: np.ndarray) -> Any:
    """Customer x month-end rows with MRR > 0 (in cents), from the spans."""
    import pandas as pd

    s = snaps.astype("datetime64[ns]")
    first = np.searchsorted(s, frame["start"].to_numpy(), side="left")
    end = frame["end"].to_numpy()
    stop = np.where(np.isnat(end), len(s), np.searchsorted(s, end, side="left"))
    spans = frame.assign(first=first, n=stop - first)
    spans = spans[spans["n"] > 0]
    rows = spans.loc[spans.index.repeat(spans["n"])]
    rows = rows.assign(snap=rows.groupby(level=0).cumcount() + rows["first"])
    units = rows.groupby(["customer", "snap"])["units"].sum()
    cents = (units + 50) // 100
    return cents[cents > 0].reset_index()[["customer", "snap"]].astype(
        {"customer": np.int64, "snap": np.int64}).pipe(pd.DataFrame)


def pandas_cohorts(frame: Any, snaps: np.ndarray) -> np.ndarray:
    pos = exploded(frame, snaps)
    cohort = pos.groupby("customer")["snap"].transform("min")
    pos = pos.assign(cohort=cohort, age=pos["snap"] - cohort)
    counts = pos.groupby(["cohort", "age"]).size().unstack(fill_value=0)
    n = len(snaps)
    out = np.zeros((n, n), dtype=np.int64)
    out[np.ix_(counts.index.to_numpy(), counts.columns.to_numpy())] = counts.to_numpy()
    return out


def pandas_survival(frame: Any, snaps: np.ndarray) -> np.ndarray:
    pos = exploded(frame, snaps).sort_values(["customer", "snap"])
    cohort = pos.groupby("customer")["snap"].transform("min")
    in_run = (pos["snap"] - cohort) == pos.groupby("customer").cumcount()
    run = in_run.groupby(pos["customer"]).sum()
    first = pos.groupby("customer")["snap"].min()
    last = len(snaps) - 1
    churned = (first + run) <= last
    lifetime = np.where(churned, run, last - first)
    events = np.bincount(lifetime[churned.to_numpy()], minlength=last + 1)
    leaving = np.bincount(lifetime, minlength=last + 1)
    at_risk = leaving[::-1].cumsum()[::-1]
    s, out = 1.0, []
    for t in range(last + 1):  # product-limit, month by month
        if at_risk[t]:
            s *= 1 - events[t] / at_risk[t]
        out.append(s)
    return np.array(out)[: int(lifetime.max()) + 1]


def scipy_sbg(durations: np.ndarray, churned: np.ndarray) -> tuple[float, float]:
    from scipy.optimize import minimize
    from scipy.special import betaln

    def nll(x: np.ndarray) -> float:
        a, b = np.exp(x)
        ll = np.where(churned, betaln(a + 1, b + durations - 1), betaln(a, b + durations))
        return -float(ll.sum() - durations.size * betaln(a, b))

    res = minimize(nll, np.zeros(2), method="Nelder-Mead",
                   options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 2000})
    a, b = np.exp(res.x)
    return float(a), float(b)


# --- runs ---------------------------------------------------------------------------------------


def run(n: int, repeat: int) -> list[tuple[str, float, float]]:
    import pandas as pd

    from csmetrics.datasets.subscriptions import synthetic_portfolio
    from csmetrics.value.cohorts import cohort_table
    from csmetrics.value.sbg import ShiftedBetaGeometric
    from csmetrics.value.survival import survival_curve

    subs = synthetic_portfolio(n, months=36, seed=11, start="2022-01")
    frame = pd.DataFrame({"customer": subs.customer_codes,
                          "start": subs.start.astype("datetime64[ns]"),
                          "end": subs.end.astype("datetime64[ns]"),
                          "units": subs.mrr_units})
    snaps = month_ends(subs.start.min(), END)
    rows: list[tuple[str, float, float]] = []

    t_cm, table = best_of(lambda: cohort_table(subs, end=END), repeat)
    t_pd, counts = best_of(lambda: pandas_cohorts(frame, snaps), 1)
    k = len(table.cohorts)
    mine = np.nan_to_num(table.active, nan=0).astype(np.int64)
    agree((mine == counts[-k:, :k]).all(), "cohort counts disagree")
    rows.append(("cohort_table (logo, monthly)", t_cm, t_pd))

    t_cm, curve = best_of(lambda: survival_curve(subs, END), repeat)
    t_pd, surv = best_of(lambda: pandas_survival(frame, snaps), 1)
    np.testing.assert_allclose(curve["survival"], surv, rtol=1e-12)
    rows.append(("survival_curve (Kaplan-Meier)", t_cm, t_pd))

    rng = np.random.default_rng(2007)
    theta = rng.beta(0.704, 1.182, n)
    life = rng.geometric(theta)
    seen = rng.integers(0, 36, n)
    churned = life <= seen
    durations = np.where(churned, life, seen)
    t_cm, sbg = best_of(lambda: ShiftedBetaGeometric.fit(durations=durations,
                                                          churned=churned), repeat)
    t_pd, (a, b) = best_of(lambda: scipy_sbg(durations, churned), 1)
    agree(abs(sbg.alpha - a) < 1e-3 * a and abs(sbg.beta - b) < 1e-3 * b,
          f"sBG estimates disagree: {sbg} against alpha={a}, beta={b}")
    rows.append(("ShiftedBetaGeometric.fit", t_cm, t_pd))
    return rows


def main() -> None:
    import scipy.optimize
    import scipy.special  # noqa: F401  (imported once, outside the timings)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="csmetrics runs (best kept)")
    args = parser.parse_args()
    print(f"{'customers':>10}  {'task':<32} {'csmetrics':>10} {'baseline':>10} {'ratio':>7}")
    for n in args.sizes:
        for task, mine, theirs in run(n, args.repeat):
            print(f"{n:>10,}  {task:<32} {mine:>9.3f}s {theirs:>9.3f}s {theirs / mine:>6.1f}x")


if __name__ == "__main__":
    main()
