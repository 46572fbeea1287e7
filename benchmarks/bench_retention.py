"""Benchmark: NRR/GRR (cohort, 12 months) and logo and revenue churn on large portfolios,
csmetrics against a straightforward pandas implementation; results checked to agree.

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_retention.py                 # 100k and 1M customers
    python benchmarks/bench_retention.py --sizes 100000
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines

START, END = "2024-01", "2024-12"
BASE_DAY, FINAL_DAY = np.datetime64("2023-12-31"), np.datetime64("2024-12-31")


def make_columns(n_customers: int) -> dict[str, np.ndarray]:
    from csmetrics.datasets.subscriptions import synthetic_columns

    cols = synthetic_columns(n_customers, months=36, seed=11, start="2022-01")
    ids = np.unique(cols["customer_id"], return_inverse=True)[1].astype(np.int64)
    keep = {k: cols[k] for k in ("start", "end", "amount", "quantity", "discount",
                                  "interval_count")}
    return {"customer_id": ids, "interval": cols["interval"].astype("U7"), **keep}


def ours(cols: dict[str, np.ndarray]) -> dict[str, float]:
    import csmetrics as cm

    subs = cm.SubscriptionTable.from_columns(cols)
    return {
        "nrr": float(cm.net_revenue_retention(subs, START, END)),
        "grr": float(cm.gross_revenue_retention(subs, START, END)),
        "logo_churn": float(cm.logo_churn_rate(subs, START, END)),
        "revenue_churn": float(cm.revenue_churn_rate(subs, START, END)),
    }


def pandas_cents_on(frame: pd.DataFrame, day: np.datetime64) -> pd.Series:
    """Each customer's MRR in cents on ``day`` (rows active: start <= day < end)."""
    active = frame[(frame["start"] <= day) & (frame["end"].isna() | (frame["end"] > day))]
    units = active.groupby("customer_id")["units"].sum()
    return (units + 50) // 100


def theirs(cols: dict[str, np.ndarray]) -> dict[str, float]:
    frame = pd.DataFrame(cols)
    factor = frame["interval"].map(baselines.INTERVAL_FACTOR)
    mrr = frame["amount"] * frame["quantity"] * (1 - frame["discount"]) * factor \
        / frame["interval_count"]
    frame["units"] = np.rint(mrr * 10_000).astype(np.int64)
    base = pandas_cents_on(frame, BASE_DAY)
    base = base[base > 0]
    final = pandas_cents_on(frame, FINAL_DAY).reindex(base.index, fill_value=0)
    monthly = baselines.pandas_mrr_movements(cols, START, END)
    start_customers = monthly["starting_customers"].iloc[0]
    start_mrr = monthly["starting_mrr"].iloc[0]
    return {
        "nrr": final.sum() / base.sum(),
        "grr": np.minimum(final, base).sum() / base.sum(),
        "logo_churn": monthly["churned_customers"].sum() / start_customers,
        "revenue_churn": (monthly["churn"].sum() + monthly["contraction"].sum()) / start_mrr,
    }


def timed(fn: Any, cols: dict[str, np.ndarray], repeat: int) -> tuple[float, dict[str, float]]:
    best, result = float("inf"), {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(cols)
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"NRR + GRR (cohort) + logo churn + revenue churn, {START} to {END}\n")
    print(f"{'customers':>10} {'rows':>10} {'csmetrics s':>12} {'pandas s':>9} {'ratio':>7} "
          f"{'agree':>6}  values")
    for n in args.sizes:
        cols = make_columns(n)
        t_ours, r_ours = timed(ours, cols, 3)
        t_pd, r_pd = timed(theirs, cols, 1 if n >= 1_000_000 else 2)
        agree = all(abs(r_ours[k] - r_pd[k]) < 1e-12 for k in r_ours)
        shown = ", ".join(f"{k} {v:.4f}" for k, v in r_ours.items())
        print(f"{n:>10,} {cols['start'].size:>10,} {t_ours:>12.3f} {t_pd:>9.3f} "
              f"{t_pd / t_ours:>6.1f}x {'yes' if agree else 'NO':>6}  {shown}")


if __name__ == "__main__":
    main()
