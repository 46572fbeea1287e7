"""Benchmark: key drivers of 1 million survey answers x 5 drivers, against an expert's numpy and
statsmodels OLS per subset.

The expert's numpy is what a statistician writes for Johnson's relative weights:
``np.corrcoef`` of the answers, ``np.linalg.eigh`` of the drivers' block, and for the
bootstrap one resample of row indices per replicate (``x[idx]``, ``np.corrcoef`` again). For
the Shapley decomposition the peers are the same numpy subset algebra on the correlation
matrix, and statsmodels OLS fitted on every subset of drivers (31 fits for 5). csmetrics
includes reading and checking every column, listwise exclusion and the performance columns.
Each contender runs in its own fresh process (``_harness``), best of ``--repeat``, with its
peak memory; every result is checked against csmetrics' (point estimates to 1e-9; bootstrap
intervals, which use other random draws, to 0.01).

Answers are whole ratings (1-7, outcome 0-10), as surveys give them; the "continuous" case
makes every answer distinct, the worst case for csmetrics' reduction to distinct patterns.

Run::

    python benchmarks/bench_drivers.py                 # 1 million answers
    python benchmarks/bench_drivers.py --n 200000      # quicker
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h

DRIVERS = ["d0", "d1", "d2", "d3", "d4"]


def _columns(data: dict[str, np.ndarray], kind: str) -> dict[str, np.ndarray]:
    return {"y": data[f"y_{kind}"], **{d: data[f"{d}_{kind}"] for d in DRIVERS}}


def _matrix(data: dict[str, np.ndarray], kind: str) -> np.ndarray:
    return np.column_stack([data[f"y_{kind}"], *(data[f"{d}_{kind}"] for d in DRIVERS)])


def expert_relative_weights(z: np.ndarray) -> np.ndarray:
    """Johnson (2000) from the correlation matrix, as an expert writes it."""
    r = np.corrcoef(z, rowvar=False)
    lam, v = np.linalg.eigh(r[1:, 1:])
    root = v @ np.diag(np.sqrt(lam)) @ v.T
    beta = np.linalg.solve(root, r[1:, 0])
    raw = (root ** 2) @ (beta ** 2)
    return np.asarray(raw / raw.sum())


def expert_shapley(r: np.ndarray) -> np.ndarray:
    """LMG from the subset R-squared of the correlation matrix."""
    k = r.shape[0] - 1
    r2 = {(): 0.0}
    for size in range(1, k + 1):
        for s in itertools.combinations(range(1, k + 1), size):
            idx = list(s)
            r2[s] = float(r[0, idx] @ np.linalg.solve(r[np.ix_(idx, idx)], r[idx, 0]))
    out = np.zeros(k)
    for j in range(1, k + 1):
        others = [i for i in range(1, k + 1) if i != j]
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for s in itertools.combinations(others, size):
                out[j - 1] += w * (r2[tuple(sorted((*s, j)))] - r2[s])
    return out / out.sum()


def contender(data: dict[str, np.ndarray], case: str, who: str, resamples: int
              ) -> Callable[[], Any]:
    kind = "continuous" if "continuous" in case else "ratings"
    boot = "bootstrap" in case
    method = "shapley" if "Shapley" in case else "relative_weights"
    if who == "csmetrics":
        from csmetrics import key_drivers

        cols = _columns(data, kind)

        def run() -> dict[str, np.ndarray]:
            r = key_drivers(cols, outcome="y", drivers=DRIVERS, method=method,
                            n_resamples=resamples if boot else 0,
                            scales=dict.fromkeys(DRIVERS, (1, 7)))
            return {"share": r["importance"], "low": r["importance_low"],
                    "high": r["importance_high"]}
        return run
    z = _matrix(data, kind)
    if who == "numpy (expert)" and method == "shapley":
        return lambda: {"share": expert_shapley(np.corrcoef(z, rowvar=False))}
    if who == "numpy (expert)" and not boot:
        return lambda: {"share": expert_relative_weights(z)}
    if who == "numpy (expert)":
        def bootstrap() -> dict[str, np.ndarray]:
            rng = np.random.default_rng(1)
            n = z.shape[0]
            reps = np.array([expert_relative_weights(z[rng.integers(0, n, n)])
                             for _ in range(resamples)])
            low, high = np.quantile(reps, [0.025, 0.975], axis=0)
            return {"share": expert_relative_weights(z), "low": low, "high": high}
        return bootstrap
    import statsmodels.api as sm

    def subsets() -> dict[str, np.ndarray]:
        y, x = z[:, 0], z[:, 1:]
        k = x.shape[1]
        r2 = {(): 0.0}
        for size in range(1, k + 1):
            for s in itertools.combinations(range(k), size):
                r2[s] = sm.OLS(y, sm.add_constant(x[:, list(s)])).fit().rsquared
        out = np.zeros(k)
        for j in range(k):
            others = [i for i in range(k) if i != j]
            for size in range(k):
                w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                for s in itertools.combinations(others, size):
                    out[j] += w * (r2[tuple(sorted((*s, j)))] - r2[s])
        return {"share": out / out.sum()}
    return subsets


CASES = {
    "relative weights, point estimate": ["csmetrics", "numpy (expert)"],
    "relative weights, bootstrap": ["csmetrics", "numpy (expert)"],
    "relative weights, bootstrap, continuous": ["csmetrics", "numpy (expert)"],
    "Shapley, point estimate": ["csmetrics", "numpy (expert)", "statsmodels OLS per subset"],
    "Shapley, bootstrap": ["csmetrics"],
}


def agree(line: h.Line, ref: h.Line) -> bool | None:
    if line is ref:
        return None
    ok = h.agrees(line, ref, ["share"], rtol=1e-9, atol=1e-12)
    if "low" in line.result:
        ok = ok and h.agrees(line, ref, ["low", "high"], atol=0.01)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="answers (default 1M)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args()
    n, repeat, resamples = args.n, args.repeat, args.resamples

    rng = np.random.default_rng(2024)
    mix = np.eye(5) + 0.35 * rng.random((5, 5))
    latent = rng.normal(size=(n, 5)) @ mix
    ratings = np.clip(np.round(4 + latent), 1, 7)
    arrays: dict[str, np.ndarray] = {}
    weights = np.array([0.9, 0.6, 0.4, 0.25, 0.1])
    y = np.clip(np.round(ratings @ weights - 6.0 + rng.normal(0, 1.5, n)), 0, 10)
    noise = rng.normal(0, 0.3, size=(n, 5))
    for j, d in enumerate(DRIVERS):
        arrays[f"{d}_ratings"] = ratings[:, j]
        arrays[f"{d}_continuous"] = 4 + latent[:, j] + noise[:, j]
    arrays["y_ratings"] = y
    arrays["y_continuous"] = (4 + latent) @ weights + rng.normal(0, 1.5, n)
    print(f"{n:,} answers x {len(DRIVERS)} drivers; bootstrap {resamples} resamples; each "
          f"contender in a fresh process, best of {repeat}")
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        path = h.save_input(arrays, tmp, "answers")
        for case, who in CASES.items():
            lines = [h.measure(w, "bench_drivers:contender", path, case, w, resamples,
                               repeat=1 if (w != "csmetrics" and "bootstrap" in case)
                               else repeat, timeout=1800) for w in who]
            ref = lines[0]
            h.print_table(case, lines, ref, lambda line, r=ref: agree(line, r))
            summary.append((case, [(line.label, h.ratio(line, ref)) for line in lines[1:]]))
    print(f"\nsummary, peer time over csmetrics' time   [load average {h.loadavg()}]")
    for case, ratios in summary:
        shown = ", ".join(f"{label} {r:.1f}x" for label, r in ratios) or "-"
        print(f"  {case:<42} {shown}")


if __name__ == "__main__":
    main()
