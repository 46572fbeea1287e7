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
by account. Each contender runs in its own fresh process (``_harness``), best of
``--repeat``, with its peak memory.

Building the ``UsageTable`` (validating and coding the 50M rows) is timed separately (it is
done once per data set, not once per metric), and also as a line of its own, "csmetrics
from columns" (build + utilization): the table factorizes the (account, user) pairs when it
is built, which is why utilization on a built table can beat the floors.

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_usage.py                    # 50 million events (~4 GB RAM)
    python benchmarks/bench_usage.py --events 5000000   # quicker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h

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


LO, HI = np.datetime64("2024-01-01T00:00:00", "us"), np.datetime64("2024-01-31", "us")
AT = "2024-01-30"   # the window 2024-01-01 .. 2024-01-30 holds every event


def contender(data: dict[str, np.ndarray], who: str) -> Callable[[], Any]:
    """One contender (child process); setup (frames, tables, seats) untimed."""
    keys = data["keys"]
    if who == "np.unique":
        return lambda: {"n": np.array(np.unique(keys).size)}
    if who == "sort floor":
        return lambda: {"n": np.array(sort_unique(keys).size)}
    from csmetrics.datasets.usage import synthetic_seats
    from csmetrics.tables.usage import UsageTable
    from csmetrics.usage import license_utilization

    cols = {k: data[k] for k in ("customer_id", "user_id", "at")}
    seats_map = synthetic_seats(np.arange(int(data["n_accounts"]), dtype=np.int64), seed=5)
    warnings.simplefilter("ignore")  # accounts without seats warn (NaN), as documented
    if who.startswith("csmetrics"):
        def out(r: Any) -> dict[str, np.ndarray]:
            return {"customer_id": np.asarray(r["customer_id"]).astype(np.int64),
                    "utilization": np.asarray(r["utilization"], dtype=float)}
        if who == "csmetrics from columns":
            return lambda: out(license_utilization(UsageTable.from_columns(cols),
                                                   data["seats"], AT, by="customer_id"))
        table = UsageTable.from_columns(cols)
        seats = data["seats"] if who == "csmetrics, array seats" else seats_map
        return lambda: out(license_utilization(table, seats, AT, by="customer_id"))
    if who == "polars":
        import polars as pl

        frame = pl.DataFrame(cols)
        seats_frame = pl.DataFrame({"customer_id": np.fromiter(seats_map, dtype=np.int64),
                                    "seats": np.fromiter(seats_map.values(), dtype=float)})

        def run_polars() -> dict[str, np.ndarray]:
            r = polars_utilization(frame, seats_frame, LO.item(), HI.item())
            return {"customer_id": r["customer_id"].to_numpy(),
                    "utilization": r["utilization"].to_numpy()}
        return run_polars
    import pandas as pd

    pframe = pd.DataFrame(cols)

    def run_pandas() -> dict[str, np.ndarray]:
        r = pandas_utilization(pframe, seats_map, LO, HI)
        return {"customer_id": r.index.to_numpy(np.int64), "utilization": r.to_numpy(float)}
    return run_pandas


def _aligned(line: h.Line, ref: h.Line) -> bool | None:
    """Account by account on the accounts both list; an account only one lists must have no
    active user there (seats given as a dict also list accounts without events, at 0)."""
    if "utilization" not in line.result or line.error:
        return None
    a, b = line.result, ref.result
    _, ia, ib = np.intersect1d(a["customer_id"], b["customer_id"], return_indices=True)
    only = [np.delete(x["utilization"], i) for x, i in ((a, ia), (b, ib))]
    if any(np.any(o[~np.isnan(o)] != 0) for o in only):
        return False
    return bool(np.allclose(a["utilization"][ia], b["utilization"][ib], rtol=0, atol=1e-12,
                            equal_nan=True))


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
    keys = table.customer_codes * np.int64(table.user_ids.size) + table.user_codes
    print(f"{n:,} events, {table.n_customers:,} accounts, {table.n_members:,} users; "
          f"generated in {gen_s:.1f} s; UsageTable built (validated) in {build_s:.2f} s; "
          f"numpy {np.__version__}")
    del table
    who = ["np.unique", "sort floor", "csmetrics, array seats", "csmetrics, dict seats",
           "csmetrics from columns"]
    who += [] if args.no_polars else ["polars"]
    who += [] if args.no_pandas else ["pandas"]
    labels = {"np.unique": "np.unique(keys) (the issue's floor)",
              "sort floor": "np.sort + adjacent compare (floor)",
              "csmetrics from columns": "csmetrics build + utilization",
              "polars": "polars filter+group_by.n_unique+join",
              "pandas": "pandas filter+groupby.nunique+map"}
    with tempfile.TemporaryDirectory() as tmp:
        path = h.save_input({"keys": keys, "seats": seats_arr, "n_accounts": np.array(n_accounts),
                             **cols}, tmp, "usage")
        del keys, cols
        lines = [h.measure(labels.get(w, w), "bench_usage:contender", path, w,
                           repeat=args.repeat) for w in who]
    ref = lines[2]
    h.print_table(f"license_utilization per account, {n:,} events, best of {args.repeat}",
                  lines, ref, lambda line: _aligned(line, ref),
                  ["keys for the floors are the (account, user) pairs as int64, precomputed",
                   "dict seats also list the accounts without events (at 0): compared on the "
                   "accounts both list",
                   "the table factorizes those pairs when built: see the build + utilization "
                   "line for the cost from raw columns"])
    floor_unique, floor_sort = lines[0], lines[1]
    print(f"target: csmetrics within 2x of the floor -> {h.ratio(ref, floor_unique):.2f}x of "
          f"np.unique, {h.ratio(ref, floor_sort):.2f}x of the sort floor")


if __name__ == "__main__":
    main()
