"""Benchmark: NRR and GRR (cohort method, 2024), logo and revenue churn, against event-based
polars and a numpy floor; and what a report costs over one bridge.

The four numbers: NRR and GRR of the customers paying at 2023-12-31 (their MRR at
2024-12-31, capped at their starting MRR for GRR, over their starting MRR), logo churn
(churned customers over 2024 over the customers paying at the start) and revenue churn
(churned plus contraction MRR over the starting MRR). Contenders, each in a fresh process,
best of 3:

* **csmetrics from columns** (the reference): ``SubscriptionTable.from_columns`` and the four
  metrics; **csmetrics built table**: the four on a table built untimed (fresh per run);
* **polars lazy**: the event-based bridge query of ``mrr_peers`` for the churn sums, plus a
  filter and ``group_by`` per customer at the two snapshot days for NRR and GRR;
* **numpy floor**: the floor bridge of ``mrr_peers`` plus one ``bincount`` per snapshot day;
* **pandas (naive)**: the earlier baseline, which reads churn off the customer x month grid.

The peers read each row's MRR as precomputed integer units (numpy, untimed, identical for
all). Agreement: the four numbers within 1e-12 (relative) of csmetrics.

It also prints two costs of csmetrics on a built table (fresh per run, so nothing is served
from a table's cache): ``net_revenue_retention`` over one ``mrr_movements`` of 2024 (issue 12
target 1.2x), and ``Portfolio(subscriptions=table).report("2024-12")`` over one bridge
(target 2x), the line "report / one bridge".

Run::

    python benchmarks/bench_retention.py                 # 100k and 1M customers
    python benchmarks/bench_retention.py --sizes 100000
    python benchmarks/bench_retention.py --sizes 1000000 --only report   # the 2x line alone
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h
import bench_mrr
import mrr_peers

START, END = "2024-01", "2024-12"
BASE_DAY, FINAL_DAY = np.datetime64("2023-12-31"), np.datetime64("2024-12-31")
KEYS = ["nrr", "grr", "logo_churn", "revenue_churn"]


def _four(bridge: dict[str, np.ndarray], base: np.ndarray, final: np.ndarray
          ) -> dict[str, float]:
    """The four numbers from a bridge (cents) and the cohort's cents at both days."""
    return {"nrr": float(final.sum() / base.sum()),
            "grr": float(np.minimum(final, base).sum() / base.sum()),
            "logo_churn": float(bridge["churned_customers"].sum()
                                / bridge["starting_customers"][0]),
            "revenue_churn": float((bridge["churn"].sum() + bridge["contraction"].sum())
                                   / bridge["starting_mrr"][0])}


def _ours(table: Any) -> dict[str, float]:
    import csmetrics as cm

    return {"nrr": float(cm.net_revenue_retention(table, START, END)),
            "grr": float(cm.gross_revenue_retention(table, START, END)),
            "logo_churn": float(cm.logo_churn_rate(table, START, END)),
            "revenue_churn": float(cm.revenue_churn_rate(table, START, END))}


# --- contenders (run in the child process) -------------------------------------------------------


def cm_columns(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    import csmetrics as cm

    cols = bench_mrr._raw(data)
    return lambda: _ours(cm.SubscriptionTable.from_columns(cols))


def cm_table(data: dict[str, np.ndarray], what: str = "four") -> Any:
    """On a table built untimed, fresh per run: the four metrics, NRR alone, one bridge, or
    the report."""
    import csmetrics as cm

    cols = bench_mrr._raw(data)

    def run(table: Any) -> dict[str, Any]:
        if what == "four":
            return _ours(table)
        if what == "nrr":
            return {"nrr": float(cm.net_revenue_retention(table, START, END))}
        if what == "bridge":
            return bench_mrr._cents(cm.mrr_movements(table, START, END))
        report = cm.Portfolio(subscriptions=table).report(END)
        return {"sections": len(repr(report))}
    return lambda: cm.SubscriptionTable.from_columns(cols), run


def _peer_cols(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: data[k] for k in ("customer", "start", "end", "units")}


def polars_peer(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    import polars as pl

    cols = _peer_cols(data)

    def cents_on(spans: Any, day: np.datetime64) -> Any:
        active = (pl.col("start") <= day) & (pl.col("end").is_null() | (pl.col("end") > day))
        return (spans.filter(active).group_by("customer")
                .agg(((pl.col("units").sum() + 50) // 100).alias("cents")))

    def run() -> dict[str, float]:
        bridge = mrr_peers.polars_memory(cols, START, END)
        spans = pl.LazyFrame(cols)
        base = cents_on(spans, BASE_DAY).filter(pl.col("cents") > 0)
        final = cents_on(spans, FINAL_DAY).rename({"cents": "final"})
        both = (base.join(final, on="customer", how="left")
                .with_columns(pl.col("final").fill_null(0))
                .select(pl.col("cents").sum().alias("base"), pl.col("final").sum(),
                        pl.min_horizontal("cents", "final").sum().alias("kept"))
                .collect())
        b, f, k = (int(both[c][0]) for c in ("base", "final", "kept"))
        return {"nrr": f / b, "grr": k / b,
                "logo_churn": float(bridge["churned_customers"].sum()
                                    / bridge["starting_customers"][0]),
                "revenue_churn": float((bridge["churn"].sum() + bridge["contraction"].sum())
                                       / bridge["starting_mrr"][0])}
    return run


def floor_peer(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    cols = _peer_cols(data)
    n = int(cols["customer"].max()) + 1 if cols["customer"].size else 0

    def cents_on(day: np.datetime64) -> np.ndarray:
        end = cols["end"]
        active = (cols["start"] <= day) & ((end > day) | np.isnat(end))
        units = np.bincount(cols["customer"][active], weights=cols["units"][active],
                            minlength=n)
        return (np.rint(units).astype(np.int64) + 50) // 100

    def run() -> dict[str, float]:
        bridge = mrr_peers.numpy_floor(cols, START, END)
        base, final = cents_on(BASE_DAY), cents_on(FINAL_DAY)
        cohort = base > 0
        return _four(bridge, base[cohort], final[cohort])
    return run


def pandas_naive(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    import pandas as pd

    import baselines

    cols = bench_mrr._raw(data)

    def cents_on(frame: Any, day: np.datetime64) -> Any:
        active = frame[(frame["start"] <= day) & (frame["end"].isna() | (frame["end"] > day))]
        return (active.groupby("customer_id")["units"].sum() + 50) // 100

    def run() -> dict[str, float]:
        frame = pd.DataFrame(cols)
        factor = frame["interval"].map(baselines.INTERVAL_FACTOR)
        mrr = (frame["amount"] * frame["quantity"] * (1 - frame["discount"]) * factor
               / frame["interval_count"])
        frame["units"] = np.rint(mrr * 10_000).astype(np.int64)
        base = cents_on(frame, BASE_DAY)
        base = base[base > 0]
        final = cents_on(frame, FINAL_DAY).reindex(base.index, fill_value=0)
        monthly = baselines.pandas_mrr_movements(cols, START, END)
        bridge = {k: monthly[k].to_numpy() for k in bench_mrr.KEYS}
        return _four(bridge, base.to_numpy(), final.to_numpy())
    return run


def bench_report(n: int, repeat: int, tmp: str) -> None:
    """Only the line "report / one bridge": the bridge and the report, each in a fresh
    process on a table built untimed (fresh per run)."""
    data = bench_mrr.make_input(n, 36)
    rows = data["start"].size
    path = h.save_input(data, tmp, f"retention_{n}")
    del data
    lines = [h.measure(f"csmetrics {what} (built table)", "bench_retention:cm_table", path,
                       what, repeat=repeat) for what in ("bridge", "report")]
    path.unlink()
    h.print_table(f"Portfolio.report('2024-12') over one bridge, {n:,} customers, {rows:,} "
                  f"rows, best of {repeat}", lines, lines[0], notes=[
                      f"report / one bridge (Portfolio.report('2024-12') over mrr_movements "
                      f"2024, built table) = {h.ratio(lines[1], lines[0]):.2f}x (target 2x)"])


def bench(n: int, repeat: int, naive: bool, tmp: str) -> None:
    data = bench_mrr.make_input(n, 36)
    rows = data["start"].size
    path = h.save_input(data, tmp, f"retention_{n}")
    del data
    spec: list[tuple[str, str, list[Any]]] = [
        ("csmetrics from columns", "bench_retention:cm_columns", []),
        ("csmetrics built table", "bench_retention:cm_table", ["four"]),
        ("polars lazy", "bench_retention:polars_peer", []),
        ("numpy floor", "bench_retention:floor_peer", []),
    ]
    if naive:
        spec.append(("pandas grid (naive)", "bench_retention:pandas_naive", []))
    lines = [h.measure(label, t, path, *a, repeat=repeat) for label, t, a in spec]
    extra = {what: h.measure(f"csmetrics {what} (built table)", "bench_retention:cm_table",
                             path, what, repeat=repeat)
             for what in ("nrr", "bridge", "report")}
    path.unlink()
    ref = lines[0]
    notes = ["peers read row MRR as precomputed integer units (numpy, untimed, same for all)",
             f"csmetrics built table / numpy floor = {h.ratio(lines[1], lines[3]):.2f}x",
             f"net_revenue_retention / one mrr_movements (built table) = "
             f"{h.ratio(extra['nrr'], extra['bridge']):.2f}x (target 1.2x)",
             f"report / one bridge (Portfolio.report('2024-12') over mrr_movements 2024, "
             f"built table) = {h.ratio(extra['report'], extra['bridge']):.2f}x (target 2x)",
             "values: " + ", ".join(f"{k} {float(ref.result[k]):.4f}" for k in KEYS
                                    if k in ref.result)]
    h.print_table(f"NRR + GRR (cohort) + logo and revenue churn, {START}..{END}, {n:,} "
                  f"customers, {rows:,} rows, best of {repeat}",
                  lines + list(extra.values()), ref,
                  lambda line: (h.agrees(line, ref, KEYS, rtol=1e-12)
                                if "nrr" in line.result and "grr" in line.result else None),
                  notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive", action="store_true", help="also run the pandas grid version")
    parser.add_argument("--only", choices=["report"],
                        help="report: only the report over one bridge (bridge and report)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            if args.only == "report":
                bench_report(n, args.repeat, tmp)
            else:
                bench(n, args.repeat, args.naive, tmp)


if __name__ == "__main__":
    main()
