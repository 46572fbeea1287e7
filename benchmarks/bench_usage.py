"""Benchmark: 50 million usage events to per-account licence utilization.

The target (issue 5): per-account utilization from 50M events within 2x of a bare
``np.unique`` over the same keys. The *keys* are the (account, user) pairs of the events,
as int64 ``account_code * n_users + user_code``, precomputed and not timed; the floor is the
least work any distinct count needs, run on them:

* ``np.unique(keys)``, as the issue names it. On numpy >= 2.3 this is a hash-based path
  which, on int64 keys with many repeats, is far slower than sorting; so also
* the sort-based floor: ``np.sort(keys)`` and keeping each value that differs from its
  predecessor (what ``np.unique`` did before 2.3), the stricter comparison.

csmetrics does more than either floor: it selects the events of the 30-day window ending at
``at`` (every event, here: the worst case), counts distinct users per account, reads seats
(from an array aligned with the table's accounts, and from a dict), divides with NaN for
accounts without seats, and computes the overage columns. The polars peer is a filter,
``group_by().n_unique()`` and a join of the seats, checked to agree. The pandas baseline is
the code an analyst would write: a boolean filter on the timestamp column, ``groupby().nunique()``,
``map`` of the seats and a division; its result is checked to agree with csmetrics, account
by account. Timings are the best of ``--repeat`` runs in one process, after a warm-up.

Building the ``UsageTable`` (validating and coding the 50M rows) is timed separately:
it is done once per data set, not once per metric.

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_usage.py                    # 50 million events (~4 GB RAM)
    python benchmarks/bench_usage.py --events 5000000   # quicker
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import loadavg

EVENTS_PER_ACCOUNT = 163  # mean events per account over 30 days in the generator


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in seconds (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def sort_unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values by sorting: the sort-based floor."""
    ordered = np.sort(keys)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def pandas_utilization(frame: Any, seats: Any, lo: Any, hi: Any) -> Any:
    """Per-account utilization the way an analyst writes it in pandas (no validation)."""
    recent = frame[(frame["at"] >= lo) & (frame["at"] < hi)]
    active = recent.groupby("customer_id")["user_id"].nunique()
    return active / active.index.map(seats)


def polars_utilization(frame: Any, seats: Any, lo: Any, hi: Any) -> Any:
    """The same in polars: a filter, ``group_by().n_unique()`` and a join of the seats."""
    import polars as pl

    return (frame.filter((pl.col("at") >= lo) & (pl.col("at") < hi))
            .group_by("customer_id").agg(pl.col("user_id").n_unique().alias("active"))
            .join(seats, on="customer_id", how="left")
            .select("customer_id", utilization=pl.col("active") / pl.col("seats")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000_000,
                        help="approximate number of events (default 50M)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--no-polars", action="store_true", help="skip the polars peer")
    args = parser.parse_args()

    from csmetrics.datasets.usage import synthetic_seats, synthetic_usage_columns
    from csmetrics.tables.usage import UsageTable
    from csmetrics.usage import license_utilization

    n_accounts = max(1, args.events // EVENTS_PER_ACCOUNT)
    ids = np.arange(n_accounts, dtype=np.int64)
    t0 = time.perf_counter()
    cols = synthetic_usage_columns(ids, start="2024-01-01", days=30, seed=5)
    del cols["feature"], cols["duration_s"]  # utilization reads accounts, users and times
    gen_s = time.perf_counter() - t0
    n = cols["at"].size
    t0 = time.perf_counter()
    table = UsageTable.from_columns(cols)
    build_s = time.perf_counter() - t0
    seats_map = synthetic_seats(ids, seed=5)
    seats_arr = np.array([seats_map[i] for i in table.customer_ids.tolist()], dtype=np.float64)
    at = "2024-01-30"   # the window 2024-01-01 .. 2024-01-30 holds every event
    keys = table.customer_codes * np.int64(table.user_ids.size) + table.user_codes

    print(f"{n:,} events, {table.n_customers:,} accounts, {table.n_members:,} users; "
          f"generated in {gen_s:.1f} s; UsageTable built (validated) in {build_s:.2f} s")
    print(f"best of {args.repeat}; numpy {np.__version__}\n")

    floor_sort = best(lambda: sort_unique(keys), args.repeat)
    floor_unique = best(lambda: np.unique(keys), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # accounts without seats warn (NaN), as documented
        per = "customer_id"   # one row per account, as the pandas baseline computes
        cs_arr = best(lambda: license_utilization(table, seats_arr, at, by=per), args.repeat)
        cs_map = best(lambda: license_utilization(table, seats_map, at, by=per), args.repeat)
        result = license_utilization(table, seats_arr, at, by=per)

    rows = [("np.unique(keys) (the issue's floor)", floor_unique),
            ("np.sort + adjacent compare (sort floor)", floor_sort),
            ("csmetrics, seats as an aligned array", cs_arr),
            ("csmetrics, seats as a dict", cs_map)]
    if not args.no_pandas:
        import pandas as pd

        frame = pd.DataFrame({"customer_id": cols["customer_id"], "user_id": cols["user_id"],
                              "at": cols["at"]})
        lo, hi = np.datetime64("2024-01-01T00:00:00", "us"), np.datetime64("2024-01-31", "us")
        pd_s = best(lambda: pandas_utilization(frame, seats_map, lo, hi), args.repeat)
        expected = pandas_utilization(frame, seats_map, lo, hi)
        got = pd.Series(np.asarray(result["utilization"]),
                        index=np.asarray(result["customer_id"]).astype(np.int64))
        agree = np.allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy(),
                            rtol=0, atol=1e-12, equal_nan=True)
        rows.append(("pandas filter + groupby.nunique + map", pd_s))
    if not args.no_polars:
        import polars as pl

        pframe = pl.DataFrame({"customer_id": cols["customer_id"], "user_id": cols["user_id"],
                               "at": cols["at"]})
        pseats = pl.DataFrame({"customer_id": np.fromiter(seats_map, dtype=np.int64),
                               "seats": np.fromiter(seats_map.values(), dtype=np.float64)})
        plo, phi = (np.datetime64("2024-01-01T00:00:00", "us").item(),
                    np.datetime64("2024-01-31", "us").item())
        pl_s = best(lambda: polars_utilization(pframe, pseats, plo, phi), args.repeat)
        theirs = polars_utilization(pframe, pseats, plo, phi).sort("customer_id")
        mine = pl.DataFrame({"customer_id": np.asarray(result["customer_id"]).astype(np.int64),
                             "u": np.asarray(result["utilization"], dtype=float)})
        joined = theirs.join(mine, on="customer_id", how="left")
        pl_agree = theirs.height == mine.height and np.allclose(
            joined["utilization"].to_numpy(), joined["u"].to_numpy(), rtol=0, atol=1e-12,
            equal_nan=True)
        rows.append(("polars filter + group_by.n_unique + join", pl_s))
    print(f"load average {loadavg()}")
    print(f"{'step':<42} {'seconds':>8} {'vs np.unique':>13} {'vs sort floor':>14} "
          f"{'vs csmetrics':>13}")
    for name, secs in rows:
        print(f"{name:<42} {secs:>8.3f} {secs / floor_unique:>12.2f}x "
              f"{secs / floor_sort:>13.2f}x {secs / cs_arr:>12.2f}x")
    if not args.no_polars:
        print(f"\npolars peer: {pl_s / cs_arr:.2f}x csmetrics' time (array seats); results "
              f"agree account by account: {pl_agree}")
    if not args.no_pandas:
        print(f"\ncsmetrics (array seats) vs pandas: {pd_s / cs_arr:.1f}x faster; "
              f"results agree with pandas account by account: {agree}")
    print(f"target: csmetrics within 2x of the floor -> {cs_arr / floor_unique:.2f}x of "
          f"np.unique, {cs_arr / floor_sort:.2f}x of the sort floor")


if __name__ == "__main__":
    main()
