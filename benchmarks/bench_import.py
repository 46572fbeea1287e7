"""Import cost of csmetrics: wall time of ``import csmetrics`` in a fresh interpreter, and
which heavy optional modules it loads (none should be).

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
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, csmetrics; print(' '.join(m for m in "
         f"{HEAVY!r} if m in sys.modules))"], capture_output=True, text=True, check=True)
    print(f"python -c pass:             {bare * 1000:6.0f} ms")
    print(f"import numpy:               {numpy * 1000:6.0f} ms (+{(numpy - bare) * 1000:.0f})")
    print(f"import csmetrics:           {ours * 1000:6.0f} ms (+{(ours - bare) * 1000:.0f}; "
          f"{(ours - bare) / (numpy - bare):.1f}x numpy's own cost)")
    print(f"heavy modules loaded:       {loaded.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()
