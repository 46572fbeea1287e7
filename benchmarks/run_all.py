"""Run every benchmark at modest sizes, one after the other, printing every ratio.

Each script is run as its own process (and each contender inside it in its own process,
where the script does so), so this file only chooses the sizes. The peers' self-check runs
first: a failing peer is not worth timing.

Run::

    python benchmarks/run_all.py            # modest sizes, a few minutes
    python benchmarks/run_all.py --full     # the documented sizes (1M customers, 10M answers)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

MODEST: list[tuple[str, list[str]]] = [
    ("mrr_peers.py", []),
    ("bench_mrr.py", ["--sizes", "100000", "--months", "36", "120"]),
    ("bench_retention.py", ["--sizes", "100000"]),
    ("bench_cohorts.py", ["--sizes", "100000"]),
    ("bench_surveys.py", ["--n", "1000000"]),
    ("bench_usage.py", ["--events", "5000000"]),
    ("bench_health.py", ["--n", "100000"]),
    ("bench_read.py", ["--customers", "100000", "--rows", "1000000"]),
    ("bench_import.py", []),
]
FULL: list[tuple[str, list[str]]] = [
    ("mrr_peers.py", []),
    ("bench_mrr.py", ["--sizes", "100000", "1000000", "--months", "36", "120"]),
    ("bench_retention.py", []),
    ("bench_cohorts.py", []),
    ("bench_surveys.py", []),
    ("bench_usage.py", []),
    ("bench_health.py", []),
    ("bench_read.py", []),
    ("bench_import.py", []),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the documented sizes")
    parser.add_argument("--only", nargs="+", help="script names to run (e.g. bench_mrr.py)")
    args = parser.parse_args()
    failed = []
    for script, extra in FULL if args.full else MODEST:
        if args.only and script not in args.only:
            continue
        print(f"\n=== {script} {' '.join(extra)}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *extra], check=False)
        print(f"=== {script}: {time.perf_counter() - t0:.0f} s, exit {done.returncode}",
              flush=True)
        if done.returncode:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
