"""Benchmark: scoring 1 million accounts x 10 measures with a health scorecard, against pandas.

It then rolls the scores up into 50 segments given as a mapping from account id (the
``by=`` resolver's sorted lookup), checked against a pandas ``groupby`` mean.

The scorecard has three measure groups with group weights, ten measures (linear, step and
named-band rules, two of them lower-is-better), 5% of values missing and re-normalised
away, and the default colour bands. csmetrics validates every column (numbers, finite,
values inside the bands, distinct ids), computes the points, the group and overall scores,
the coverage, every measure's contribution and the band.

The pandas baseline is the code an analyst would write for the same outputs, with no
validation: points with ``clip`` and ``pd.cut``, per-group weighted means that skip missing
values, weights re-normalised per account, ``pd.cut`` for the bands. Its results are checked
to agree with csmetrics (scores, coverage and contributions to 1e-9, bands exactly).
The rollup's peers are a polars join of the mapping + ``group_by`` mean and a pandas
``groupby`` mean. Each contender runs in its own fresh process (``_harness``), best of
``--repeat``, with its peak memory. The target is under 0.5 s.

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_health.py                  # 1M accounts x 10 measures
    python benchmarks/bench_health.py --n 100000       # quicker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h
from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.health import HealthScorecard, Linear, Measure, NamedBands, Steps, health_rollup

GROUP_WEIGHTS = {"usage": 50.0, "support": 30.0, "sentiment": 20.0}
# name: (group, weight, direction, rule)
SPEC: dict[str, tuple[str, float, Literal["higher", "lower"], Any]] = {
    "utilization": ("usage", 3, "higher", Linear(low=0.2, high=0.9)),
    "active_users": ("usage", 2, "higher", Linear(low=0.1, high=0.8)),
    "stickiness": ("usage", 1, "higher", Steps(thresholds=[0.1, 0.2, 0.3],
                                                points=[0, 40, 70, 100], closed="left")),
    "breadth": ("usage", 2, "higher", NamedBands(
        points={"low": 0, "mid": 60, "high": 100},
        bands={"low": "(-inf, 0.3]", "mid": "(0.3, 0.7]", "high": "(0.7, inf)"})),
    "open_tickets": ("support", 2, "lower", Linear(low=0.0, high=10.0)),
    "resolution": ("support", 1, "higher", Linear(low=0.5, high=1.0)),
    "escalations": ("support", 1, "lower", Steps(thresholds=[0.5, 2.5],
                                                 points=[100, 50, 0], closed="right")),
    "nps": ("sentiment", 2, "higher", Linear(low=-50.0, high=70.0)),
    "csat": ("sentiment", 1, "higher", Linear(low=0.5, high=0.95)),
    "mrr_change": ("sentiment", 1, "higher", Steps(thresholds=[-0.1, 0.0, 0.1],
                                                   points=[0, 40, 70, 100], closed="left")),
}


def scorecard() -> HealthScorecard:
    return HealthScorecard(
        measures=[Measure(name=name, group=g, weight=w, direction=d, rule=rule)
                  for name, (g, w, d, rule) in SPEC.items()],
        groups=GROUP_WEIGHTS)


def synthetic(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Per-account measures: plausible ranges, 5% of each column missing (NaN)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {"customer_id": rng.permutation(n).astype(np.int64) + 10_000}
    cols["utilization"] = rng.beta(4, 2, n) * 1.3
    cols["active_users"] = rng.beta(3, 3, n)
    cols["stickiness"] = rng.beta(2, 8, n)
    cols["breadth"] = rng.random(n)
    cols["open_tickets"] = rng.poisson(3, n).astype(np.float64)
    cols["resolution"] = rng.beta(8, 2, n)
    cols["escalations"] = rng.poisson(0.7, n).astype(np.float64)
    cols["nps"] = np.round(rng.normal(20, 40, n).clip(-100, 100))
    cols["csat"] = rng.beta(8, 2, n)
    cols["mrr_change"] = rng.normal(0.02, 0.1, n)
    for name in SPEC:
        cols[name][rng.random(n) < 0.05] = np.nan
    return cols


def pandas_health(cols: dict[str, np.ndarray]) -> Any:
    """The same scorecard, written directly in pandas (no validation)."""
    import pandas as pd

    frame = pd.DataFrame(cols)
    points = pd.DataFrame(index=frame.index)
    for name, (_, _, direction, rule) in SPEC.items():
        x = frame[name]
        if isinstance(rule, Linear):
            t = ((x - rule.low) / (rule.high - rule.low)).clip(0, 1)
            points[name] = 100 * (t if direction == "higher" else 1 - t)
        elif isinstance(rule, Steps):
            bins = [-np.inf, *rule.thresholds, np.inf]
            step = pd.cut(x, bins, right=rule.closed == "right", labels=False)
            points[name] = pd.Series(rule.points, dtype=float).reindex(step).to_numpy()
        else:
            bins = [-np.inf, 0.3, 0.7, np.inf]
            step = pd.cut(x, bins, right=True, labels=False)
            points[name] = pd.Series([0.0, 60.0, 100.0]).reindex(step).to_numpy()
    present = points.notna()
    members = {g: [n for n, s in SPEC.items() if s[0] == g] for g in GROUP_WEIGHTS}
    group_score, group_den = {}, {}
    for g, names in members.items():
        w = pd.Series({n: float(SPEC[n][1]) for n in names})
        den = present[names].mul(w, axis=1).sum(axis=1)
        num = points[names].fillna(0).mul(w, axis=1).sum(axis=1)
        group_den[g] = den
        group_score[g] = (num / den).where(den > 0)
    gs = pd.DataFrame(group_score)
    top = pd.Series(GROUP_WEIGHTS)
    top_used = gs.notna().mul(top, axis=1)
    total = top_used.sum(axis=1)
    score = (gs.fillna(0).mul(top, axis=1).sum(axis=1) / total).where(total > 0)
    contributions = pd.DataFrame(index=frame.index)
    for g, names in members.items():
        share = top[g] / total / group_den[g]
        for n in names:
            contributions[n] = (share * SPEC[n][1] * points[n]).where(present[n], 0.0)
    nominal = {n: top[s[0]] / top.sum() * s[1] / sum(SPEC[m][1] for m in members[s[0]])
               for n, s in SPEC.items()}
    coverage = present.mul(pd.Series(nominal), axis=1).sum(axis=1)
    band = pd.cut(score, [0, 50, 75, 100], right=True, include_lowest=True,
                  labels=["red", "yellow", "green"])
    return score, band, coverage, contributions


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in seconds (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _mapping(ids: np.ndarray) -> dict[Any, Any]:
    segment = np.char.add("S", (ids % 50).astype(str)).astype(object)
    return dict(zip(ids.tolist(), segment.tolist(), strict=True))


def contender(data: dict[str, np.ndarray], who: str) -> Callable[[], Any]:
    """One contender (child process); setup untimed."""
    warnings.simplefilter("ignore", UndefinedMetricWarning)
    cols = {k: data[k] for k in ["customer_id", *SPEC]}
    card = scorecard()
    if who == "csmetrics score()":
        def ours(r: Any) -> dict[str, np.ndarray]:
            out = {"score": np.asarray(r["score"], float),
                   "coverage": np.asarray(r["coverage"], float),
                   "band": np.array([str(b) for b in r["band"]])}
            out.update({k: np.asarray(r[k], float) for k in SPEC})
            return out
        return None, lambda: card.score(cols), ours
    if who == "csmetrics score(), text ids":
        text = dict(cols, customer_id=np.char.add("C", cols["customer_id"].astype(str))
                    .astype(object))
        return None, lambda: card.score(text), lambda r: {"score": np.asarray(r["score"],
                                                                                float)}
    if who == "pandas scorecard":
        def theirs(r: Any) -> dict[str, np.ndarray]:
            score, band, coverage, contributions = r
            out = {"score": score.to_numpy(float), "coverage": coverage.to_numpy(float),
                   "band": np.array([str(b) if isinstance(b, str) else "None"
                                     for b in band.astype(object)])}
            out.update({k: contributions[k].to_numpy(float) for k in SPEC})
            return out
        return None, lambda: pandas_health(cols), theirs
    scored = card.score(cols)
    ids, score = np.asarray(scored["customer_id"]), np.asarray(scored["score"], float)
    mapping = _mapping(ids)
    if who == "csmetrics health_rollup":
        def rollup() -> dict[str, np.ndarray]:
            r = health_rollup(scored, by=mapping)
            seg = np.asarray(r["segment"]).astype(str)
            order = np.argsort(seg)
            return {"segment": seg[order],
                    "mean": np.asarray(r["mean_score"], float)[order]}
        return rollup
    if who == "polars join + group_by":
        import polars as pl

        frame = pl.DataFrame({"customer_id": ids, "score": score})
        pmap = pl.DataFrame({"customer_id": np.fromiter(mapping, dtype=ids.dtype),
                             "segment": list(mapping.values())})

        def polars_rollup() -> dict[str, np.ndarray]:
            r = (frame.join(pmap, on="customer_id", how="left").group_by("segment")
                 .agg(pl.col("score").mean()).sort("segment"))
            return {"segment": r["segment"].to_numpy().astype(str),
                    "mean": r["score"].to_numpy()}
        return polars_rollup
    import pandas as pd

    def pandas_rollup() -> dict[str, np.ndarray]:
        segment = pd.Series(ids).map(mapping)
        r = pd.Series(score).groupby(segment.to_numpy()).mean()
        return {"segment": r.index.to_numpy().astype(str), "mean": r.to_numpy(float)}
    return pandas_rollup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="accounts (default 1M)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cols = synthetic(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        path = h.save_input(cols, tmp, "health")
        score = [h.measure(w, "bench_health:contender", path, w, repeat=args.repeat)
                 for w in ("csmetrics score()", "csmetrics score(), text ids",
                           "pandas scorecard")]
        roll = [h.measure(w, "bench_health:contender", path, w, repeat=args.repeat)
                for w in ("csmetrics health_rollup", "polars join + group_by",
                          "pandas map + groupby")]
    ref = score[0]

    def score_agrees(line: h.Line) -> bool | None:
        if line is ref or "coverage" not in line.result:
            return None
        return (h.agrees(line, ref, ["score", *SPEC], atol=1e-9)
                and h.agrees(line, ref, ["coverage"], atol=1e-12)
                and h.agrees(line, ref, ["band"]))
    h.print_table(f"health scorecard, {args.n:,} accounts x {len(SPEC)} measures, best of "
                  f"{args.repeat} (target under 0.5 s: "
                  f"{'met' if ref.seconds < 0.5 else 'MISSED'})", score, ref, score_agrees,
                  ["pandas scorecard is the same outputs as column arithmetic, no validation: "
                   "a peer, not a naive line"])
    rref = roll[0]
    h.print_table("health_rollup by a mapping id -> 50 segments", roll, rref,
                  lambda line: h.agrees(line, rref, ["segment"])
                  and h.agrees(line, rref, ["mean"], rtol=1e-12))


if __name__ == "__main__":
    main()
