"""Benchmark: csmetrics.mrr_movements against a pandas baseline and a DuckDB SQL query.

For each portfolio size (customers over 36 months of a seeded synthetic portfolio), every
implementation runs in its own fresh process, so that its peak memory is its own: the input
is loaded from a file, the resident-set peak is read, the implementation runs, and the growth
of the peak is reported. The three results are then checked to agree to the cent.

Also times ``SubscriptionTable.from_columns`` on about 3 million rows.

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_mrr.py              # 10k, 100k and 1M customers
    python benchmarks/bench_mrr.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
START, END = "2022-01", "2024-12"  # 36 months
MONEY = ["starting_mrr", "new", "expansion", "contraction", "churn", "reactivation",
         "ending_mrr"]
COUNTS = ["new_customers", "expansion_customers", "contraction_customers",
          "churned_customers", "reactivated_customers", "starting_customers",
          "ending_customers"]
IMPLEMENTATIONS = ("csmetrics", "pandas", "duckdb")


def make_input(n_customers: int, path: Path) -> int:
    """Write the seeded synthetic portfolio's columns (integer customer ids) to ``path``."""
    from csmetrics.datasets.subscriptions import synthetic_columns

    cols = synthetic_columns(n_customers, months=36, seed=11, start=START)
    ids = np.unique(cols["customer_id"], return_inverse=True)[1].astype(np.int64)
    keep = {k: cols[k] for k in ("start", "end", "amount", "quantity", "discount",
                                  "interval_count")}
    np.savez(path, customer_id=ids, interval=cols["interval"].astype("U7"), **keep)
    return int(ids.size)


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Reset the resident-set high-water mark (Linux clear_refs 5); return the current RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def child(impl: str, input_path: str, output_path: str, repeat: int) -> None:
    """Run one implementation on one input; print JSON timings and write its result."""
    with np.load(input_path) as data:
        cols = {k: data[k] for k in data.files}
    if impl == "csmetrics":
        import csmetrics as cm

        def run() -> dict[str, np.ndarray]:
            subs = cm.SubscriptionTable.from_columns(cols)
            r = cm.mrr_movements(subs, START, END)
            out = {k: np.rint(r[k] * 100).astype(np.int64) for k in MONEY}
            out.update({k: r[k] for k in COUNTS})
            return out
    else:
        sys.path.insert(0, str(HERE))
        import baselines

        fn = baselines.pandas_mrr_movements if impl == "pandas" else (
            baselines.duckdb_mrr_movements)

        def run() -> dict[str, np.ndarray]:
            frame = fn(cols, START, END)
            return {k: frame[k].to_numpy(np.int64) for k in MONEY + COUNTS}

    times, peaks = [], []
    for _ in range(repeat):
        base_mb = _reset_peak()
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
        peaks.append(_status_mb("VmHWM") - base_mb)
    np.savez(output_path, **result)
    print(json.dumps({"seconds": min(times), "peak_mb": max(peaks)}))


def measure(impl: str, input_path: Path, out_dir: Path, repeat: int) -> dict[str, Any]:
    output = out_dir / f"{impl}.npz"
    done = subprocess.run(
        [sys.executable, __file__, "--child", impl, str(input_path), str(output),
         str(repeat)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    stats: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(output) as data:
        stats["result"] = {k: data[k] for k in data.files}
    return stats


def bench_from_columns(n_rows_target: int = 3_000_000) -> None:
    """Time table construction (all validation included) on about ``n_rows_target`` rows."""
    import csmetrics as cm
    from csmetrics.datasets.subscriptions import synthetic_columns

    cols = synthetic_columns(int(n_rows_target / 2.35), months=36, seed=3, start=START)
    int_ids = dict(cols, customer_id=np.unique(cols["customer_id"], return_inverse=True)[1])
    n = cols["start"].size
    for label, data in (("integer ids", int_ids), ("string ids", cols)):
        best = min(_time(lambda d=data: cm.SubscriptionTable.from_columns(d)) for _ in range(3))
        print(f"from_columns, {n:,} rows, {label}: {best:.2f} s "
              f"({n / best / 1e6:.1f}M rows/s)")


def _time(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--skip", nargs="*", default=[], choices=IMPLEMENTATIONS,
                        help="implementations to leave out")
    parser.add_argument("--child", nargs=4, metavar=("IMPL", "INPUT", "OUTPUT", "REPEAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        impl, inp, out, repeat = args.child
        child(impl, inp, out, int(repeat))
        return

    print(f"mrr_movements, {START} to {END} (36 months), best of 3 (1 for pandas at 1M)\n")
    header = (f"{'customers':>10} {'rows':>10} {'impl':>10} {'seconds':>8} {'peak MB':>8} "
              f"{'vs csmetrics':>13} {'agrees':>7}")
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            inp = Path(tmp) / f"input_{n}.npz"
            rows = make_input(n, inp)
            results: dict[str, dict[str, Any]] = {}
            for impl in IMPLEMENTATIONS:
                if impl in args.skip:
                    continue
                repeat = 1 if (impl == "pandas" and n >= 1_000_000) else 3
                results[impl] = measure(impl, inp, Path(tmp), repeat)
            ours = results.get("csmetrics", {})
            for impl, stats in results.items():
                if "error" in stats:
                    print(f"{n:>10,} {rows:>10,} {impl:>10} failed: {stats['error']}")
                    continue
                ratio = stats["seconds"] / ours["seconds"] if "seconds" in ours else float("nan")
                agrees = all(np.array_equal(stats["result"][k], ours["result"][k])
                             for k in MONEY + COUNTS) if "result" in ours else False
                print(f"{n:>10,} {rows:>10,} {impl:>10} {stats['seconds']:>8.3f} "
                      f"{stats['peak_mb']:>8.0f} {ratio:>12.1f}x {'yes' if agrees else 'NO':>7}")
    print()
    bench_from_columns()


if __name__ == "__main__":
    main()
