"""Shared benchmark machinery: each contender in its own fresh process, peak memory from /proc,
best-of-N timing, agreement checks and the ratio table every script prints.

A *contender* is ``(label, "module:function", args)``. In a fresh interpreter the harness
loads the input arrays from an ``.npz`` file, calls ``module.function(data, *args)``, which
does any untimed setup and returns a zero-argument callable (or ``(prepare, run)``:
``prepare()`` runs untimed before each run, ``run(prepared)`` is timed; or
``(prepare, run, result)``: ``result(output)`` turns the output into arrays, untimed); the
run is timed ``repeat`` times. Before each run the resident-set high-water mark is reset (Linux
``clear_refs`` 5) and its growth during the run is the run's peak. The last run's result (a
mapping of names to numbers or arrays) is written back for the agreement check.

Figures are the best time and the largest peak over the runs. Every table also prints the
load average, since the machine may be shared.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
Result = dict[str, np.ndarray]


def status_mb(name: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> float:
    """Reset the resident-set high-water mark; return the current resident set in MiB.

    Memory freed by the untimed setup is first handed back to the system (glibc
    ``malloc_trim``): otherwise a run could reuse those resident pages without raising the
    mark, and its peak would read low.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return status_mb("VmRSS")


def available_mb() -> float:
    """Memory the system could give a new process now (MemAvailable), in MiB."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return math.inf


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, as /proc/loadavg gives them."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


@dataclass
class Line:
    """One contender's figures (``error`` set when it failed or was skipped)."""

    label: str
    seconds: float = math.nan
    peak_mb: float = math.nan
    result: Result = field(default_factory=dict)
    error: str = ""


def _child(target: str, input_path: str, output_path: str, repeat: int, args: list[Any]
           ) -> None:
    sys.path.insert(0, str(HERE))
    module, name = target.split(":")
    fn = getattr(__import__(module), name)
    with np.load(input_path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    made = fn(arrays, *args)
    del arrays
    # A contender returns its run; or (prepare, run): prepare() is called untimed before
    # each run and its value passed to run (a fresh table per run, so no cache of an earlier
    # run serves a later one); or (prepare, run, result): result(out) turns the last run's
    # output into arrays, untimed. prepare may be None.
    parts = made if isinstance(made, tuple) else (None, made)
    prepare, run = parts[0], parts[1]
    result = parts[2] if len(parts) > 2 else None
    times, peaks = [], []
    out: Any = {}
    for _ in range(repeat):
        state = prepare() if prepare is not None else None
        base = reset_peak()
        t0 = time.perf_counter()
        out = run(state) if prepare is not None else run()
        times.append(time.perf_counter() - t0)
        peaks.append(status_mb("VmHWM") - base)
        del state
    if result is not None:
        out = result(out)
    np.savez(output_path, **{k: np.asarray(v) for k, v in out.items()})
    print(json.dumps({"seconds": min(times), "peak_mb": max(peaks)}))


def save_input(arrays: Mapping[str, np.ndarray], directory: str | Path, name: str) -> Path:
    """Write an input for the children (numpy arrays only, no pickles)."""
    path = Path(directory) / f"{name}.npz"
    np.savez(path, **dict(arrays))
    return path


def measure(label: str, target: str, input_path: Path, *args: Any, repeat: int = 3,
            timeout: float | None = None) -> Line:
    """Run ``target`` on the input in a fresh interpreter; its best time, peak and result."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "out.npz"
        cmd = [sys.executable, str(Path(__file__)), "--child", target, str(input_path),
               str(output), str(repeat), json.dumps(list(args))]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                                  timeout=timeout, env=dict(os.environ))
        except subprocess.TimeoutExpired:
            return Line(label, error=f"timed out after {timeout:.0f} s")
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
            return Line(label, error=lines[-1][:160])
        stats = json.loads(done.stdout.strip().splitlines()[-1])
        with np.load(output) as data:
            result = {k: data[k] for k in data.files}
    return Line(label, stats["seconds"], stats["peak_mb"], result)


def agrees(line: Line, ref: Line, keys: Sequence[str] | None = None, *, rtol: float = 0.0,
           atol: float = 0.0) -> bool:
    """Whether ``line``'s result equals the reference's on ``keys`` (exactly by default)."""
    if line.error or ref.error:
        return False
    for k in keys if keys is not None else ref.result:
        a, b = line.result.get(k), ref.result.get(k)
        if a is None or b is None or np.shape(a) != np.shape(b):
            return False
        if rtol == 0 and atol == 0:
            if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                return False
        elif not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
            return False
    return True


def print_table(title: str, lines: Sequence[Line], ref: Line,
                agreement: Callable[[Line], bool | None] | None = None,
                notes: Sequence[str] = ()) -> None:
    """The ratio table: seconds, peak MiB, time and peak ratios against ``ref``, agreement.

    A ratio above 1 means the line takes that many times the reference's time (or memory).
    """
    print(f"\n{title}   [load average {loadavg()}]")
    print(f"  (ratios: this line's time or peak over those of '{ref.label}')")
    print(f"  {'contender':<34} {'seconds':>9} {'peak MiB':>9} {'time ratio':>11} "
          f"{'peak ratio':>11} {'agrees':>7}")
    for line in lines:
        if line.error:
            print(f"  {line.label:<34} {'-':>9} {'-':>9} {'':>11} {'':>11} {'':>7}  "
                  f"({line.error})")
            continue
        t = line.seconds / ref.seconds if ref.seconds > 0 else math.nan
        # a peak under 1 MiB is below what the high-water mark resolves: no ratio to it
        p = line.peak_mb / ref.peak_mb if ref.peak_mb >= 1 else math.nan
        ok = agreement(line) if agreement is not None else None
        shown = "ref" if line is ref else ("-" if ok is None else ("yes" if ok else "NO"))
        print(f"  {line.label:<34} {line.seconds:>9.3f} {line.peak_mb:>9.0f} {t:>10.2f}x "
              f"{p:>10.2f}x {shown:>7}")
    for note in notes:
        print(f"  note: {note}")


def ratio(a: Line, b: Line) -> float:
    """Time of ``a`` over time of ``b`` (NaN when either failed)."""
    if a.error or b.error or not b.seconds:
        return math.nan
    return a.seconds / b.seconds


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), json.loads(sys.argv[6]))
