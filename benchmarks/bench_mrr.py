"""Benchmark: csmetrics.mrr_movements against event-based polars and DuckDB and a numpy floor.

Contenders, each in its own fresh process (best of 3 runs, peak = growth of the resident-set
high-water mark during a run, the input already loaded):

* **csmetrics from columns**: ``SubscriptionTable.from_columns(cols)`` (every validation)
  then ``mrr_movements(table, start, end)`` - the reference of every ratio;
* **csmetrics built table**: ``mrr_movements`` on a table built before the timing;
* **polars lazy** and **polars streaming**: one event-based lazy query (``mrr_peers.py``),
  collected by the in-memory and by the streaming engine;
* **duckdb events**: the same algorithm as one SQL query over a registered Arrow table
  (default threads);
* **numpy floor**: the least work on integer keys (one argsort, reduceat, a segmented
  cumsum, one bincount per movement);
* with ``--naive``: the old customer x month grid versions (``baselines.py``, pandas and
  DuckDB), labelled naive: they measure the grid, not the bridge.

The peers take each row's MRR as integer units of 1/100 cent, precomputed in numpy outside the
timing, identically for every peer (``mrr_peers.row_units``; the script checks they equal
the table's ``mrr_units``). csmetrics computes them itself from the raw columns. Agreement is
exact: all seven money columns (in cents) and the seven customer counts, month by month,
against csmetrics from columns.

Run::

    python benchmarks/bench_mrr.py                         # 100k and 1M customers, 36 months
    python benchmarks/bench_mrr.py --sizes 1000000 --months 36 120
    python benchmarks/bench_mrr.py --sizes 10000000 --only csmetrics   # the 10M target
    python benchmarks/bench_mrr.py --sizes 100000 --naive  # with the grid versions
    python benchmarks/mrr_peers.py                         # the peers' self-check
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h
import mrr_peers

END = "2024-12"
RAW = ("customer_id", "interval", "start", "end", "amount", "quantity", "discount",
       "interval_count")
KEYS = mrr_peers.MONEY + mrr_peers.COUNTS
# peak bytes per input row measured at 1M customers (36 months), to skip what cannot fit
BYTES_PER_ROW = {"polars lazy": 300, "polars streaming": 180, "duckdb events": 220,
                 "numpy floor": 170, "pandas grid (naive)": 2500, "duckdb grid (naive)": 1500}
CONTENDERS = ("csmetrics from columns", "csmetrics built table", "polars lazy",
              "polars streaming", "duckdb events", "numpy floor", "pandas grid (naive)",
              "duckdb grid (naive)")


def window(months: int) -> tuple[str, str]:
    return str(np.datetime64(END, "M") - months + 1), END


def make_input(n: int, months: int) -> dict[str, np.ndarray]:
    """The seeded synthetic portfolio with integer customer ids and the peers' unit column."""
    from csmetrics.datasets.subscriptions import synthetic_columns

    cols = synthetic_columns(n, months=months, seed=11, start=window(months)[0])
    ids = np.unique(cols["customer_id"], return_inverse=True)[1].astype(np.int64)
    out = {k: cols[k] for k in RAW[2:]}
    out.update(customer_id=ids, customer=ids, interval=cols["interval"].astype("U7"))
    out["units"] = mrr_peers.row_units(out)
    return out


# --- the contenders (called in the child process; setup is untimed) ----------------------------


def _raw(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: data[k] for k in RAW}


def _cents(r: Any) -> dict[str, np.ndarray]:
    out = {k: np.rint(np.asarray(r[k], dtype=float) * 100).astype(np.int64)
           for k in mrr_peers.MONEY}
    out.update({k: np.asarray(r[k]).astype(np.int64) for k in mrr_peers.COUNTS})
    return out


def cm_columns(data: dict[str, np.ndarray], start: str, end: str) -> Callable[[], Any]:
    import csmetrics as cm

    cols = _raw(data)
    del data
    return lambda: _cents(cm.mrr_movements(cm.SubscriptionTable.from_columns(cols), start, end))


def cm_table(data: dict[str, np.ndarray], start: str, end: str) -> Any:
    """``mrr_movements`` on a table built untimed, a fresh one per run (tables cache their
    last bridges: a second call on one table would time the cache)."""
    import csmetrics as cm

    cols = _raw(data)
    del data
    return (lambda: cm.SubscriptionTable.from_columns(cols),
            lambda table: _cents(cm.mrr_movements(table, start, end)))


def peer(data: dict[str, np.ndarray], name: str, start: str, end: str) -> Callable[[], Any]:
    cols = {k: data[k] for k in ("customer", "start", "end", "units")}
    del data
    fn = mrr_peers.PEERS[name]
    return lambda: fn(cols, start, end)


def naive(data: dict[str, np.ndarray], name: str, start: str, end: str) -> Callable[[], Any]:
    import baselines

    cols = _raw(data)
    fn = baselines.pandas_mrr_movements if name == "pandas" else baselines.duckdb_mrr_movements

    def run() -> dict[str, np.ndarray]:
        frame = fn(cols, start, end)
        return {k: frame[k].to_numpy(np.int64) for k in KEYS}
    return run


def targets(start: str, end: str) -> dict[str, tuple[str, list[Any]]]:
    return {
        "csmetrics from columns": ("bench_mrr:cm_columns", [start, end]),
        "csmetrics built table": ("bench_mrr:cm_table", [start, end]),
        "polars lazy": ("bench_mrr:peer", ["polars lazy", start, end]),
        "polars streaming": ("bench_mrr:peer", ["polars streaming", start, end]),
        "duckdb events": ("bench_mrr:peer", ["duckdb events", start, end]),
        "numpy floor": ("bench_mrr:peer", ["numpy floor", start, end]),
        "pandas grid (naive)": ("bench_mrr:naive", ["pandas", start, end]),
        "duckdb grid (naive)": ("bench_mrr:naive", ["duckdb", start, end]),
    }


# --- the run -------------------------------------------------------------------------------------


def units_note(data: dict[str, np.ndarray]) -> str:
    import csmetrics as cm

    theirs = cm.SubscriptionTable.from_columns(_raw(data)).mrr_units
    bad = int(np.count_nonzero(theirs != data["units"]))
    return (f"peers read row MRR as precomputed integer units (numpy, untimed, same for all); "
            f"they equal SubscriptionTable.mrr_units on {data['units'].size - bad:,} of "
            f"{data['units'].size:,} rows")


def bench(n: int, months: int, chosen: list[str], repeat: int, timeout: float,
          tmp: str) -> dict[str, h.Line]:
    start, end = window(months)
    data = make_input(n, months)
    rows = data["start"].size
    notes = [units_note(data)]
    path = h.save_input(data, tmp, f"mrr_{n}_{months}")
    del data
    lines: dict[str, h.Line] = {}
    for label in chosen:
        need = rows * BYTES_PER_ROW.get(label, 600) * 2 / 2**20   # twice the 1M figure
        if not label.startswith("csmetrics") and h.available_mb() < need:
            lines[label] = h.Line(label, error=f"skipped: needs about {need / 1024:.1f} GiB, "
                                               f"{h.available_mb() / 1024:.1f} GiB available")
            continue
        target, args = targets(start, end)[label]
        lines[label] = h.measure(label, target, path, *args, repeat=repeat, timeout=timeout)
    path.unlink()
    ref = lines.get("csmetrics from columns") or next(iter(lines.values()))
    built, floor = lines.get("csmetrics built table"), lines.get("numpy floor")
    if built and floor:
        notes.append(f"csmetrics built table / numpy floor = {h.ratio(built, floor):.2f}x")
    if built and "csmetrics from columns" in lines:
        notes.append(f"from_columns share of csmetrics from columns = "
                     f"{1 - h.ratio(built, ref):.0%}")
    h.print_table(f"mrr_movements {start}..{end} ({months} months), {n:,} customers, "
                  f"{rows:,} rows, best of {repeat}", list(lines.values()), ref,
                  lambda line: h.agrees(line, ref, KEYS), notes)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--months", type=int, nargs="+", default=[36])
    parser.add_argument("--naive", action="store_true",
                        help="also run the customer x month grid versions (slow)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="contenders to run (prefixes of their labels, e.g. csmetrics)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per contender")
    parser.add_argument("--max-peer-rows", type=float, default=30e6,
                        help="skip the non-csmetrics contenders above this many rows (they "
                             "are also skipped, with a note, when memory looks too short)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    chosen = [c for c in CONTENDERS if args.naive or "naive" not in c]
    if args.only:
        chosen = [c for c in CONTENDERS if any(c.startswith(p) for p in args.only)]
    results: dict[tuple[int, int], dict[str, h.Line]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for months in args.months:
            for n in args.sizes:
                expected_rows = 2.35 * n * months / 36
                run = [c for c in chosen if c.startswith("csmetrics")
                       or expected_rows <= args.max_peer_rows]
                if len(run) < len(chosen):
                    print(f"\nnote: {n:,} customers x {months} months: peers skipped "
                          f"(about {expected_rows / 1e6:.0f}M rows > --max-peer-rows)")
                results[n, months] = bench(n, months, run, args.repeat, args.timeout, tmp)
    if len(args.months) > 1:
        print("\nlonger history (time ratio against the shortest --months at the same size; "
              "issue 12 target: csmetrics within 1.6x at 120 vs 36 months, 1M customers)")
        base = min(args.months)
        for (n, months), lines in results.items():
            if months == base:
                continue
            for label, line in lines.items():
                other = results[n, base].get(label)
                r = h.ratio(line, other) if other else math.nan
                print(f"  {n:>10,} customers {label:<26} {months} / {base} months: {r:.2f}x")
    for (n, months), lines in results.items():
        ref = lines.get("csmetrics from columns")
        if n >= 10_000_000 and ref and not ref.error:
            ok = ref.seconds < 15 and ref.peak_mb < 2.5 * 1024
            print(f"\n10M target (csmetrics from columns under 15 s and 2.5 GiB): "
                  f"{ref.seconds:.1f} s, {ref.peak_mb / 1024:.2f} GiB -> "
                  f"{'met' if ok else 'MISSED'} ({months} months)")


if __name__ == "__main__":
    main()
