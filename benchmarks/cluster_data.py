"""Synthetic Parquet datasets for the cluster benchmark, written in chunks.

* **subscriptions**: ``write_subscriptions(dir, n_customers)`` writes the library's seeded
  synthetic portfolio (``csmetrics.datasets.synthetic_columns``, about 2.35 rows per
  customer) one chunk of customers at a time (1M by default), each chunk with its own seed
  and its own range of integer customer ids (and subscription ids), hive-partitioned by a
  ``region`` column (``region=EU/part-00003.parquet``; each customer in one region). Memory
  follows the chunk, not ``n_customers``: about 1.5 GiB at 1M customers per chunk.
* **usage events**: ``write_usage(dir, n_events)`` writes events (``customer_id``,
  ``user_id``, ``at``, ``feature``) of 30 UTC days from
  ``csmetrics.datasets.usage.synthetic_usage_columns``, a chunk of accounts at a time,
  with account and user ids distinct across chunks.

The columns are the ones ``SubscriptionTable.from_columns`` and ``UsageTable.from_columns``
read under their own names, so no ``columns=`` mapping is needed. Re-running with the same
arguments writes the same files.

Run::

    python benchmarks/cluster_data.py subscriptions /tmp/cs/subs --customers 1e6
    python benchmarks/cluster_data.py subscriptions /tmp/cs/subs10m --customers 1e7
    python benchmarks/cluster_data.py usage /tmp/cs/usage --events 1e7
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

START = "2022-01"            # first month of the 36-month window the benchmark reads
MONTHS = 36
USAGE_START = "2024-01-01"   # 30 UTC days of events, 2024-01-01 .. 2024-01-30
USAGE_DAYS = 30
EVENTS_PER_ACCOUNT = 163     # mean events per account over 30 days in the usage generator
REGIONS = ("EU", "NA", "APAC", "LATAM")


def _subscription_chunk(first: int, n: int, seed: int, months: int, start: str
                        ) -> dict[str, np.ndarray]:
    """The generator's portfolio of ``n`` customers as ids ``first .. first + n - 1``."""
    from csmetrics.datasets.subscriptions import synthetic_columns

    cols = synthetic_columns(n, months=months, seed=seed, start=start)
    # The generator's ids are zero-padded text in customer order: their rank is the index.
    local = np.unique(cols["customer_id"], return_inverse=True)[1].astype(np.int64)
    cols["customer_id"] = local + first
    # Its subscription ids are customer index * 10 + a stage digit: shift by the range.
    cols["subscription_id"] = cols["subscription_id"].astype(np.int64) + first * 10
    return cols


def _region(ids: np.ndarray) -> np.ndarray:
    """A region per customer id, fixed by the id (a multiplicative hash, not id order)."""
    mixed = (ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(61)
    return (mixed % np.uint64(len(REGIONS))).astype(np.int64)


def _arrow(cols: dict[str, np.ndarray]) -> Any:
    import pyarrow as pa

    out = {}
    for name, values in cols.items():
        if values.dtype.kind == "U":     # numpy text to Arrow strings (not fixed width)
            out[name] = pa.array(values.tolist(), pa.string())
        elif values.dtype.kind == "M" and np.datetime_data(values.dtype)[0] == "D":
            out[name] = pa.array(values, pa.date32())   # NaT becomes null (open spans)
        else:
            out[name] = pa.array(values)
    return pa.table(out)


def write_subscriptions(path: str | Path, n_customers: int, *, chunk: int = 1_000_000,
                        seed: int = 11, months: int = MONTHS, start: str = START,
                        hive: bool = True, verbose: bool = True) -> dict[str, float]:
    """Write ``n_customers`` customers' subscriptions under ``path`` (replacing it).

    One file per chunk and region (``region=<R>/part-<chunk>.parquet``) with ``hive``,
    else one file per chunk. Returns the rows, files, bytes and seconds written.
    """
    import pyarrow.parquet as pq

    root = Path(path)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    rows = files = 0
    t0 = time.perf_counter()
    for i, first in enumerate(range(0, n_customers, chunk)):
        n = min(chunk, n_customers - first)
        cols = _subscription_chunk(first, n, seed + i, months, start)
        rows += cols["customer_id"].size
        if not hive:
            pq.write_table(_arrow(cols), root / f"part-{i:05d}.parquet")
            files += 1
        else:
            region = _region(cols["customer_id"])
            for r, name in enumerate(REGIONS):
                keep = np.flatnonzero(region == r)
                if keep.size == 0:
                    continue
                (root / f"region={name}").mkdir(exist_ok=True)
                pq.write_table(_arrow({k: v[keep] for k, v in cols.items()}),
                               root / f"region={name}" / f"part-{i:05d}.parquet")
                files += 1
        del cols
        if verbose:
            print(f"  chunk {i}: customers {first:,}..{first + n - 1:,}, {rows:,} rows so far, "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
    return _summary(root, rows, files, time.perf_counter() - t0)


def write_usage(path: str | Path, n_events: int, *, chunk_events: int = 1_000_000,
                seed: int = 5, verbose: bool = True) -> dict[str, float]:
    """Write about ``n_events`` usage events of 30 days under ``path`` (replacing it), one
    file per chunk of accounts (about ``chunk_events`` events each). Returns the rows,
    accounts, files, bytes and seconds written."""
    import pyarrow.parquet as pq

    from csmetrics.datasets.usage import synthetic_usage_columns

    root = Path(path)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    n_accounts = max(1, n_events // EVENTS_PER_ACCOUNT)
    chunks = max(1, -(-n_events // chunk_events))
    per_chunk = -(-n_accounts // chunks)    # even chunks, no tiny last one
    rows = files = 0
    users = 0            # user ids are 0 .. users-1 within a call: offset them per chunk
    t0 = time.perf_counter()
    for i, first in enumerate(range(0, n_accounts, per_chunk)):
        ids = np.arange(first, min(first + per_chunk, n_accounts), dtype=np.int64)
        cols = synthetic_usage_columns(ids, start=USAGE_START, days=USAGE_DAYS, seed=seed + i)
        del cols["duration_s"]
        top = int(cols["user_id"].max()) + 1 if cols["user_id"].size else 0
        cols["user_id"] = cols["user_id"] + users
        users += top
        rows += cols["at"].size
        pq.write_table(_arrow_usage(cols), root / f"part-{i:05d}.parquet")
        files += 1
        del cols
        if verbose:
            print(f"  chunk {i}: accounts {ids[0]:,}..{ids[-1]:,}, {rows:,} events so far, "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
    out = _summary(root, rows, files, time.perf_counter() - t0)
    out["accounts"] = float(n_accounts)
    return out


def _arrow_usage(cols: dict[str, np.ndarray]) -> Any:
    import pyarrow as pa

    # Zoned microsecond timestamps, as an event log exports them; features dictionary-coded.
    return pa.table({
        "customer_id": pa.array(cols["customer_id"]),
        "user_id": pa.array(cols["user_id"]),
        "at": pa.array(cols["at"].astype(np.int64), pa.timestamp("us", "UTC")),
        "feature": pa.array(cols["feature"].tolist(), pa.string()).dictionary_encode(),
    })


def _summary(root: Path, rows: int, files: int, seconds: float) -> dict[str, float]:
    size = sum(f.stat().st_size for f in root.rglob("*.parquet"))
    return {"rows": float(rows), "files": float(files), "bytes": float(size),
            "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["subscriptions", "usage"])
    parser.add_argument("path")
    parser.add_argument("--customers", type=float, default=200_000)
    parser.add_argument("--chunk", type=float, default=1_000_000,
                        help="customers per chunk (subscriptions)")
    parser.add_argument("--events", type=float, default=2_000_000)
    parser.add_argument("--chunk-events", type=float, default=1_000_000)
    parser.add_argument("--flat", action="store_true", help="no region=... directories")
    args = parser.parse_args()
    if args.kind == "subscriptions":
        got = write_subscriptions(args.path, int(args.customers), chunk=int(args.chunk),
                                  hive=not args.flat)
    else:
        got = write_usage(args.path, int(args.events), chunk_events=int(args.chunk_events))
    print(f"{args.path}: {got['rows']:,.0f} rows in {got['files']:.0f} files, "
          f"{got['bytes'] / 2**20:,.0f} MiB, written in {got['seconds']:.1f} s")


if __name__ == "__main__":
    main()
