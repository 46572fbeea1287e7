"""Benchmark: reading subscriptions from CSV and Parquet, against polars and pyarrow.

Writes the seeded synthetic portfolio (``csmetrics.datasets.synthetic_columns``, about 2.35
rows per customer) as a CSV file and a Parquet file, then times, each in its own fresh
process (imports included, as a user's script pays them):

* ``csmetrics.read_subscriptions_csv`` (parse and validate every rule) against
  ``polars.read_csv`` and ``pyarrow.csv.read_csv`` of the same file (parse only);
* ``csmetrics.read_subscriptions_parquet`` against ``polars.read_parquet``, and the
  decoding alone that csmetrics builds on (``pyarrow.parquet``, text as dictionaries and
  jemalloc, as csmetrics reads it): the floor under csmetrics' figure;
* ``SubscriptionTable.from_columns`` on numpy columns: its peak memory beyond its input
  (tracemalloc, which sees numpy's allocations), per row, at the sizes asked;
* ``csmetrics report --subscriptions big.csv`` (the command line, end to end), with the
  share of it spent reading the file.

Peak memory of a process is the growth of its resident-set high-water mark while the task
runs. Each process checks the row count it read, so that nobody times an empty read.

Run::

    python benchmarks/bench_read.py                      # 1M customers; from_columns 1M, 10M rows
    python benchmarks/bench_read.py --customers 100000 --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h

TASKS = {
    "csmetrics csv": "import csmetrics as cm\nn = len(cm.read_subscriptions_csv(PATH, "
                     "progress=False))",
    "polars csv": "import polars as pl\nn = pl.read_csv(PATH).height",
    "pyarrow csv": "import pyarrow.csv as pc\nn = pc.read_csv(PATH).num_rows",
    "csmetrics parquet": "import csmetrics as cm\nn = len(cm.read_subscriptions_parquet(PATH, "
                         "progress=False))",
    "polars parquet": "import polars as pl\nn = pl.read_parquet(PATH).height",
    "pyarrow parquet": "import pyarrow as pa, pyarrow.parquet as pq\n"
                       "pa.set_memory_pool(pa.jemalloc_memory_pool())\n"
                       "n = pq.ParquetFile(PATH, read_dictionary="
                       "[f.name for f in pq.read_schema(PATH) if str(f.type) == 'string'])"
                       ".read().num_rows",
}


def write_files(n_customers: int, folder: Path) -> tuple[Path, Path, int]:
    """The synthetic portfolio as ``subs.csv`` and ``subs.parquet`` (dates as dates)."""
    import pyarrow as pa
    import pyarrow.csv as pc
    import pyarrow.parquet as pq

    from csmetrics.datasets import synthetic_columns

    cols = synthetic_columns(n_customers, seed=1)
    table = pa.table({k: pa.array(v.tolist()) if v.dtype.kind == "U" else pa.array(v)
                      for k, v in cols.items()})
    csv_path, parquet_path = folder / "subs.csv", folder / "subs.parquet"
    pc.write_csv(table, csv_path)
    pq.write_table(table, parquet_path)
    return csv_path, parquet_path, table.num_rows


def child_task(code: str, path: str) -> None:
    """One task in this (fresh) process: prints seconds, peak MB growth and rows read."""
    h.reset_peak()
    before = h.status_mb("VmHWM")
    start = time.perf_counter()
    scope: dict[str, Any] = {"PATH": path}
    exec(code, scope)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": h.status_mb("VmHWM") - before,
                      "rows": scope["n"]}))


EXTRA_COLUMNS = ("renews_at", "auto_renew", "cancel_at", "churn_reason", "churn_type",
                 "product")
"""The renewal, churn and product columns (issue 15), which the 11-column layout of issue 11's
target leaves out."""


def child_from_columns(n_rows: int, layout: str = "all") -> None:
    """``from_columns`` peak memory beyond its numpy input, per row (tracemalloc): every
    column of the synthetic portfolio (17), or the 11 of issue 11's target (``"core"``)."""
    import tracemalloc

    import numpy as np

    import csmetrics as cm
    from csmetrics.datasets import synthetic_columns

    cols = synthetic_columns(max(1, int(n_rows / 2.35)), seed=2)
    cols = {k: v[:n_rows] for k, v in cols.items()
            if layout == "all" or k not in EXTRA_COLUMNS}
    ids = np.unique(cols["customer_id"], return_inverse=True)[1].astype(np.int64)
    cols["customer_id"] = ids
    n = int(ids.size)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    table = cm.SubscriptionTable.from_columns(cols)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    assert len(table) == n
    print(json.dumps({"rows": n, "seconds": seconds, "bytes_per_row": peak / n,
                      "peak_mb": peak / 2**20, "columns": len(cols)}))


def run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def best_of(repeat: int, *args: str) -> dict[str, Any]:
    runs = [run_child(*args) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def time_report(csv_path: Path) -> tuple[float, float]:
    """Seconds of ``csmetrics report --subscriptions``, and of reading the file alone."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "csmetrics.cli", "report", "--subscriptions",
                    str(csv_path), "--format", "text"], check=True,
                   capture_output=True)
    total = time.perf_counter() - start
    read = run_child("--task", "csmetrics csv", str(csv_path))["seconds"]
    return total, read


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000],
                        help="from_columns sizes (rows)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--task", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--from-columns", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--layout", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--no-report", action="store_true", help="skip the CLI timing")
    args = parser.parse_args(argv)
    if args.task:
        child_task(TASKS[args.task[0]], args.task[1])
        return
    if args.from_columns:
        child_from_columns(args.from_columns, args.layout)
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, parquet_path, n = write_files(args.customers, Path(tmp))
        print(f"{args.customers:,} customers, {n:,} rows; CSV "
              f"{csv_path.stat().st_size / 2**20:,.0f} MiB, Parquet "
              f"{parquet_path.stat().st_size / 2**20:,.0f} MiB")
        print(f"load average {h.loadavg()}")
        results = {}
        for name in TASKS:
            path = csv_path if name.endswith("csv") else parquet_path
            results[name] = r = best_of(args.repeat, "--task", name, str(path))
            assert r["rows"] == n, (name, r["rows"], n)
            print(f"  {name:<18} {r['seconds']:7.2f} s   peak {r['peak_mb']:7,.0f} MB")
        for ours, theirs in (("csmetrics csv", "polars csv"), ("csmetrics csv", "pyarrow csv"),
                             ("csmetrics parquet", "polars parquet"),
                             ("csmetrics parquet", "pyarrow parquet"),
                             ("pyarrow parquet", "polars parquet")):
            ratio = results[ours]["seconds"] / results[theirs]["seconds"]
            print(f"  {ours} / {theirs}: {ratio:.2f}x")
        if not args.no_report:
            total, read = time_report(csv_path)
            print(f"  csmetrics report --subscriptions ({n:,} rows): {total:.2f} s, of which "
                  f"reading and validating the file {read:.2f} s")
    for rows in args.rows:
        for layout in ("all", "core"):
            r = run_child("--from-columns", str(rows), "--layout", layout)
            print(f"  from_columns {r['rows']:>11,} rows x {r['columns']} columns: "
                  f"{r['seconds']:6.2f} s, peak beyond the input {r['peak_mb']:7,.0f} MB = "
                  f"{r['bytes_per_row']:5.1f} bytes/row")


if __name__ == "__main__":
    main()
