"""Benchmark: csmetrics on one process against csmetrics.spark and csmetrics.dask locally.

The same Parquet datasets (``cluster_data.py``: a hive-partitioned subscription portfolio
of ``--customers`` customers and about ``--events`` usage events of 30 days) are read by
three contenders, each in its own fresh process:

* **single process**: ``cm.read_subscriptions_parquet(dir)`` (every validation) then
  ``cm.mrr_movements`` - the reference of every ratio; a fresh table per metric, since
  tables cache their last bridges and the cluster engines read the files each time too;
* **Spark local[2]**: ``cm.spark.read_parquet(spark, dir)`` then ``cm.spark.mrr_movements``
  (the two passes: skeleton over the file partitions, partials after
  ``repartition(--partitions, customer_id)`` through ``mapInArrow``);
* **Dask LocalCluster** (2 worker processes, 1 thread each): ``cm.dask.read_parquet(dir)``
  then ``cm.dask.mrr_movements`` (skeleton, then a hash shuffle into ``--partitions``).

Metrics: ``mrr_movements`` over 36 months (2022-01 .. 2024-12), ``net_revenue_retention``
2024-01 .. 2024-12 (cohort), and ``active_users`` per account on 2024-01-30 (30 days) over
the usage events. Each metric runs ``--repeat`` times; the figure is the best run, and the
first (cold: Spark starts its Python workers, Dask's workers import csmetrics) is shown
beside it. Engine start-up (SparkSession, LocalCluster + Client) is timed apart and not in
any metric's time. Agreement: every column of every result, money to the cent and every
other column exactly, against the single process.

Peak memory is per process: before each run the resident-set high-water mark of the
driver and of every descendant process (Spark: the JVM and its Python worker daemon and
workers; Dask: the worker processes) is reset (Linux ``clear_refs`` 5), and a thread
samples every process's ``VmHWM`` while the run lasts (so workers started during a run
count too). "peak MiB" in the ratio table is the sum over processes of each one's peak:
an upper bound of what the machine held at once. The table per process follows.

On a 2-core machine a local cluster is expected to be slower than one process: it reads
every file twice (two passes), serialises rows between the JVM or the workers and Python,
and shuffles; this benchmark measures by how much, and checks the results agree.

Run::

    python benchmarks/bench_cluster.py                      # 200k customers, 1M events
    python benchmarks/bench_cluster.py --customers 1e6 --events 1e7
    # the targets (a quiet machine; data under --data are kept and reused with --reuse):
    python benchmarks/bench_cluster.py --customers 1e7 --events 1e8 --partitions 16 \\
        --data /tmp/csmetrics-cluster-10m --keep --repeat 2 --spark-memory 8g
    python benchmarks/bench_cluster.py --customers 5e7 --events 5e8 --partitions 64 \\
        --data /tmp/csmetrics-cluster-50m --keep --repeat 1 --spark-memory 12g
    # again without writing the data: add --reuse; one engine only: --engines single spark
    # 50M on 24 GiB: the single process (about 57 GiB) and the usage metric's driver will not
    # fit; the revenue metrics on the clusters alone:
    python benchmarks/bench_cluster.py --customers 5e7 --events 1e6 --partitions 64 \\
        --engines spark dask --metrics mrr_movements net_revenue_retention \\
        --data /tmp/csmetrics-cluster-50m --keep --repeat 1 --spark-memory 12g

Disk: about 24 MiB per million customers and 10.6 MiB per million events (10M customers
and 100M events: about 1.3 GiB; 50M and 500M: about 6.4 GiB). Memory: the single process
holds the whole table (about 1.2 GiB per million customers read from Parquet, 145 MiB
per million events); the usage metric's driver holds the kept events (83% of this
generator's) at about 500 bytes each. A cluster result that disagrees is listed column by
column under its table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h
import cluster_data

MRR = ("2022-01", "2024-12")
NRR = ("2024-01", "2024-12")
AT = "2024-01-30"   # the 30 days 2024-01-01 .. 2024-01-30: every generated event
METRICS = ("mrr_movements", "net_revenue_retention", "active_users")
ENGINES = ("single", "spark", "dask")
LABELS = {"single": "single process (reference)", "spark": "Spark local[2]",
          "dask": "Dask LocalCluster 2x1"}


# --- memory per process ------------------------------------------------------------------------


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process in MiB (empty when it is gone)."""
    out: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line[:5]] = int(line.split()[1]) / 1024
    return out


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (its children, theirs, ...), from /proc."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                # the parent is the 2nd field after the parenthesised command name
                parent[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        todo += kids
    return found


def _role(pid: int, me: int) -> str:
    """A process's part, from its command line and its parent."""
    if pid == me:
        return "driver (python)"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        parent_cmd = Path(f"/proc/{stat[1]}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, IndexError):
        return "gone"
    if "java" in cmd.split(" ")[0] or "org.apache.spark" in cmd:
        return "JVM (Spark driver + executors)"
    if "pyspark.daemon" in cmd:
        return ("Python worker daemon" if "pyspark.daemon" not in parent_cmd
                else "Python worker")
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "spawn_main" in cmd or "forkserver" in cmd:
        return "Dask worker"
    return cmd[:40]


class Peaks:
    """Per-process peak resident set during a block, sampled by a thread."""

    def __init__(self, every: float = 0.05) -> None:
        self.me = os.getpid()
        self.every = every
        self.roles: dict[int, str] = {}
        self.base: dict[int, float] = {}
        self.peak: dict[int, float] = {}

    def _sample(self) -> None:
        for pid in [self.me, *_descendants(self.me)]:
            got = _status(pid)
            if "VmHWM" not in got:
                continue
            if pid not in self.roles:
                self.roles[pid] = _role(pid, self.me)
                self.base.setdefault(pid, 0.0)   # started during the block
            self.peak[pid] = max(self.peak.get(pid, 0.0), got["VmHWM"])

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        """Reset every process's high-water mark, sample until the block ends."""
        h.reset_peak()
        for pid in [self.me, *_descendants(self.me)]:
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            got = _status(pid)
            if "VmRSS" in got:
                self.roles.setdefault(pid, _role(pid, self.me))
                self.base.setdefault(pid, got["VmRSS"])
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(self.every):
                self._sample()
        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self._sample()

    def table(self) -> list[dict[str, Any]]:
        return [{"pid": pid, "role": self.roles[pid], "base_mb": self.base.get(pid, 0.0),
                 "peak_mb": peak} for pid, peak in sorted(self.peak.items())
                if self.roles.get(pid) != "gone"]


# --- the contenders (each in its own process) --------------------------------------------------


def _columns(result: Any) -> dict[str, np.ndarray]:
    """A result as arrays: money in integer cents, every other column as it is."""
    money = set(getattr(result, "money", ()))
    out = {}
    for name, values in result.to_dict().items():
        arr = np.asarray(values)
        if name in money:
            arr = np.rint(arr.astype(float) * 100).astype(np.int64)
        out[name] = arr
    return out


def _calls(engine: str, subs: str, usage: str, partitions: int, spark_memory: str
           ) -> tuple[dict[str, Callable[[], Any]], Callable[[], None], float]:
    """Each metric as a call (reading the data included), a closer, and the start-up time."""
    import csmetrics as cm

    t0 = time.perf_counter()
    if engine == "single":
        def read_subs() -> Any:
            return cm.read_subscriptions_parquet(subs)
        calls = {
            "mrr_movements": lambda: cm.mrr_movements(read_subs(), *MRR),
            "net_revenue_retention": lambda: cm.net_revenue_retention(read_subs(), *NRR),
            "active_users": lambda: cm.active_users(cm.read_usage_parquet(usage), AT,
                                                    by="customer_id"),
        }
        return calls, lambda: None, time.perf_counter() - t0
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[2]").appName("csmetrics-bench")
                 .config("spark.driver.memory", spark_memory)
                 .config("spark.sql.shuffle.partitions", str(partitions))
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        startup = time.perf_counter() - t0
        s, u = cm.spark.read_parquet(spark, subs), cm.spark.read_parquet(spark, usage)
        return _engine_calls(cm.spark, s, u, partitions), spark.stop, startup
    import logging

    from dask.distributed import Client, LocalCluster

    # The p2p shuffle logs each shuffle's start and end at WARNING.
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    s, u = cm.dask.read_parquet(subs), cm.dask.read_parquet(usage)
    calls = _engine_calls(cm.dask, s, u, partitions)

    def close() -> None:
        client.close()
        cluster.close()
    return calls, close, startup


def _engine_calls(engine: Any, subs: Any, usage: Any, partitions: int
                  ) -> dict[str, Callable[[], Any]]:
    """The timed calls of an engine module (``cm.spark``, ``cm.dask``) over its frames."""
    return {
        "mrr_movements": lambda: engine.mrr_movements(subs, *MRR, partitions=partitions),
        "net_revenue_retention": lambda: engine.net_revenue_retention(
            subs, *NRR, partitions=partitions),
        "active_users": lambda: engine.active_users(usage, AT, by="customer_id",
                                                    partitions=partitions),
    }


def child(engine: str, subs: str, usage: str, partitions: int, repeat: int,
          spark_memory: str, out_dir: str, metrics: list[str]) -> None:
    import warnings

    warnings.simplefilter("ignore")
    load = h.loadavg()
    calls, close, startup = _calls(engine, subs, usage, partitions, spark_memory)
    report: dict[str, Any] = {"startup": startup, "metrics": {}}
    try:
        for name in metrics:
            peaks, times = Peaks(), []
            result: Any = None
            for _ in range(repeat):
                result = None
                with peaks.during():
                    t0 = time.perf_counter()
                    result = calls[name]()
                    times.append(time.perf_counter() - t0)
            np.savez(Path(out_dir) / f"{engine}-{name}.npz", **_columns(result))
            report["metrics"][name] = {"times": times, "processes": peaks.table()}
    finally:
        close()
    # the machine may be shared: the load while this engine ran, not only at the end
    report["load"] = f"{load} -> {h.loadavg()}"
    print(json.dumps(report))


# --- the run -----------------------------------------------------------------------------------


def run_engine(engine: str, args: argparse.Namespace, subs: Path, usage: Path,
               out_dir: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__)), "--child", engine, str(subs), str(usage),
           str(args.partitions), str(args.repeat), args.spark_memory, out_dir,
           ",".join(args.metrics)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:.0f} s"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return {"error": lines[-1][:200]}
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def _line(engine: str, report: dict[str, Any], metric: str, out_dir: str) -> h.Line:
    if "error" in report:
        return h.Line(LABELS[engine], error=report["error"])
    got = report["metrics"][metric]
    path = Path(out_dir) / f"{engine}-{metric}.npz"
    with np.load(path) as data:
        result = {k: data[k] for k in data.files}
    return h.Line(LABELS[engine], min(got["times"]),
                  sum(p["peak_mb"] for p in got["processes"]), result)


def _differences(line: h.Line, ref: h.Line) -> str:
    """Which columns of a disagreeing result differ from the reference's, and where."""
    out = []
    for k, b in ref.result.items():
        a = line.result.get(k)
        if a is None or a.shape != b.shape:
            out.append(f"{k}: shape {None if a is None else a.shape} vs {b.shape}")
        elif not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            bad = np.flatnonzero(~((a == b) | ((a != a) & (b != b))))
            out.append(f"{k}: {bad.size} of {b.size} differ (first at {bad[0]}: {a[bad[0]]!r} "
                       f"vs {b[bad[0]]!r})")
    return "; ".join(out)


def _data(args: argparse.Namespace, root: Path) -> tuple[Path, Path]:
    subs, usage = root / "subscriptions", root / "usage"
    if args.reuse and subs.is_dir() and usage.is_dir():
        print(f"reusing {subs} and {usage}")
        return subs, usage
    print(f"writing {int(args.customers):,} customers to {subs}")
    got = cluster_data.write_subscriptions(subs, int(args.customers), verbose=False)
    print(f"  {got['rows']:,.0f} rows, {got['files']:.0f} files, "
          f"{got['bytes'] / 2**20:,.0f} MiB in {got['seconds']:.1f} s")
    print(f"writing about {int(args.events):,} usage events to {usage}")
    # at least 4 files, so each engine reads the events in several partitions
    chunk = min(1_000_000, max(1, int(args.events) // 4))
    got = cluster_data.write_usage(usage, int(args.events), chunk_events=chunk, verbose=False)
    print(f"  {got['rows']:,.0f} events, {got['accounts']:,.0f} accounts, "
          f"{got['files']:.0f} files, {got['bytes'] / 2**20:,.0f} MiB in "
          f"{got['seconds']:.1f} s")
    return subs, usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=float, default=200_000)
    parser.add_argument("--events", type=float, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=8,
                        help="customer-hash partitions of the partials pass (both engines)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--metrics", nargs="+", choices=METRICS, default=list(METRICS),
                        help="e.g. the revenue metrics only, where a usage run cannot fit")
    parser.add_argument("--spark-memory", default="4g", help="spark.driver.memory (local)")
    parser.add_argument("--data", default=None,
                        help="directory for the datasets (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the datasets under --data")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the datasets already under --data")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per engine")
    args = parser.parse_args()
    root = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="csm-cluster-"))
    print(f"{os.cpu_count()} cores, load average {h.loadavg()}, "
          f"{h.available_mb() / 1024:.1f} GiB available")
    try:
        subs, usage = _data(args, root)
        with tempfile.TemporaryDirectory() as out_dir:
            reports = {}
            for engine in args.engines:
                print(f"running {LABELS[engine]} ...", flush=True)
                reports[engine] = run_engine(engine, args, subs, usage, out_dir)
            _print(args, reports, out_dir)
    finally:
        if not (args.keep and args.data):
            shutil.rmtree(root, ignore_errors=True)


def _print(args: argparse.Namespace, reports: dict[str, dict[str, Any]], out_dir: str
           ) -> None:
    print("\nengine start-up (not in any metric's time), and the load average (1, 5, 15 "
          "min) when the engine's process started and ended:")
    for engine, report in reports.items():
        if "error" in report:
            print(f"  {LABELS[engine]:<30} failed: {report['error']}")
            continue
        started = "-" if engine == "single" else f"{report['startup']:.2f} s"
        print(f"  {LABELS[engine]:<30} {started:>8}   load {report['load']}")
    titles = {"mrr_movements": f"mrr_movements {MRR[0]}..{MRR[1]} (36 months)",
              "net_revenue_retention": f"net_revenue_retention {NRR[0]}..{NRR[1]}",
              "active_users": f"active_users per account at {AT} (30 days)"}
    for metric in args.metrics:
        lines = [_line(e, r, metric, out_dir) for e, r in reports.items()]
        ref = lines[0]
        what = (f"{args.events:,.0f} events" if metric == "active_users"
                else f"{args.customers:,.0f} customers")
        notes = ["first (cold) run: " + ", ".join(
            f"{LABELS[e]} {r['metrics'][metric]['times'][0]:.2f} s"
            for e, r in reports.items() if "error" not in r)] if args.repeat > 1 else []
        notes.append("peak MiB: the sum of every process's peak (below), from data on disk")
        notes += [f"{line.label} differs: {_differences(line, ref)}" for line in lines[1:]
                  if not line.error and not h.agrees(line, ref)]
        h.print_table(f"{titles[metric]}, {what}, --partitions {args.partitions}, best of "
                      f"{args.repeat}", lines, ref,
                      lambda line, ref=ref: h.agrees(line, ref), notes)
        print("  peak resident set per process during the runs (MiB; base: at the start):")
        for engine, report in reports.items():
            if "error" in report:
                continue
            for p in report["metrics"][metric]["processes"]:
                if p["peak_mb"] < 20:   # helpers such as a resource tracker
                    continue
                print(f"    {LABELS[engine]:<28} {p['role']:<32} pid {p['pid']:<8} "
                      f"base {p['base_mb']:>7.0f}  peak {p['peak_mb']:>7.0f}")
    print(f"\nload average at the end {h.loadavg()}")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    a = sys.argv[2:]
    child(a[0], a[1], a[2], int(a[3]), int(a[4]), a[5], a[6],
          a[7].split(",") if len(a) > 7 else list(METRICS))
elif __name__ == "__main__":
    main()
