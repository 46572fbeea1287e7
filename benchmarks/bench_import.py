"""Import cost of csmetrics: wall time of ``import csmetrics`` in a fresh interpreter (its
subpackages load on first use), of its first use by a script that reads a file, computes a
metric or builds the report, and which heavy optional modules it loads (none should be).

Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

HEAVY = ("scipy", "pandas", "polars", "pyarrow", "matplotlib", "duckdb")


def wall(code: str, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    bare = wall("pass")
    numpy = wall("import numpy")
    ours = wall("import csmetrics")
    first_use = {
        "a reader (read_subscriptions_csv)": wall(
            "import csmetrics as cm; cm.read_subscriptions_csv"),
        "a metric (mrr_movements)": wall("import csmetrics as cm; cm.mrr_movements"),
        "everything (Portfolio)": wall("import csmetrics as cm; cm.Portfolio"),
    }
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, csmetrics; print(' '.join(m for m in "
         f"{HEAVY!r} if m in sys.modules))"], capture_output=True, text=True, check=True)
    print(f"python -c pass:             {bare * 1000:6.0f} ms")
    print(f"import numpy:               {numpy * 1000:6.0f} ms (+{(numpy - bare) * 1000:.0f})")
    print(f"import csmetrics:           {ours * 1000:6.0f} ms (+{(ours - bare) * 1000:.0f}; "
          f"{(ours - bare) / (numpy - bare):.1f}x numpy's own cost)")
    for what, seconds in first_use.items():
        print(f"  + first use of {what:<34} {seconds * 1000:6.0f} ms "
              f"(+{(seconds - bare) * 1000:.0f})")
    print(f"heavy modules loaded:       {loaded.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()
