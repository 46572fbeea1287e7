"""Benchmark: survey metrics on 10 million answers against the bare np.bincount floor and pandas.

The floor is the least work any NPS needs: one ``np.bincount`` over integer scores (over
``segment * 11 + score`` with segments; with the weights when weighted), computed on input
that is already valid. csmetrics does more: it checks every answer (whole numbers on the
scale, no NaN, weights finite and >= 0), counts, and computes the interval. The pandas
baseline is the vectorized code an analyst would write (boolean columns, ``mean`` or
``groupby().mean()``, the Wald formula) and checks nothing. The polars peer is the
same computation as polars expressions (``group_by`` with segments). Every result is checked
to agree with csmetrics. Each contender of each case runs in its own fresh process
(``_harness``), best of ``--repeat``, with its peak memory; the table shows time and peak
ratios against csmetrics.

Also times building a ``SurveyTable`` of 10 million rows (all validation) and a monthly
``survey_trend`` by segment on it (in one process).

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_surveys.py                 # 10 million answers
    python benchmarks/bench_surveys.py --n 1000000     # quicker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h

# A plausible B2B distribution of 0-10 answers (NPS about +10).
NPS_P = np.array([2, 1, 2, 3, 4, 8, 9, 13, 17, 16, 25], dtype=float) / 100
CSAT_P = np.array([5, 8, 17, 38, 32], dtype=float) / 100
N_SEGMENTS = 50


CASES = ["NPS, int64 scores", "NPS, float64 scores", f"NPS by {N_SEGMENTS} segments",
         "NPS, weighted", "NPS, Wald interval", "NPS, bootstrap (2,000)", "CSAT (1-5) with mean"]
WHO = ["numpy floor (bincount)", "csmetrics", "polars", "pandas"]


def contender(data: dict[str, np.ndarray], case: str, who: str) -> Callable[[], Any]:
    """One case run by one contender, in the child process; its result as arrays."""
    from csmetrics.surveys import customer_satisfaction_score, net_promoter_score

    scores, segments, weights, csat = (data[k] for k in ("scores", "segments", "weights",
                                                          "csat"))
    x = scores.astype(np.float64) if "float64" in case else scores
    by = segments if "segments" in case else None
    w = weights if "weighted" in case else None
    if who.startswith("numpy"):
        if case.startswith("CSAT"):
            return lambda: {"counts": np.bincount(csat)}
        if by is not None:
            return lambda: {"counts": np.bincount(segments * 11 + scores,
                                                  minlength=11 * N_SEGMENTS)}
        return lambda: {"counts": np.bincount(scores, weights=w)}
    if case.startswith("CSAT"):
        if who == "csmetrics":
            def ours() -> dict[str, Any]:
                r = customer_satisfaction_score(csat)
                return {"share": float(r), "mean": r["mean"].item(), "sd": r["sd"].item()}
            return ours
        fn = polars_csat if who == "polars" else pandas_csat
        return lambda: dict(zip(("share", "mean", "sd"), fn(csat), strict=True))
    if who == "csmetrics":
        interval = ("wald" if "Wald" in case else "bootstrap" if "bootstrap" in case
                    else None)
        kw: dict[str, Any] = {"interval": interval} if interval else {}
        def ours_nps() -> dict[str, Any]:
            r = net_promoter_score(x, by=by, weights=w, **kw)
            out = {"nps": np.asarray(r["nps"], float)}
            if interval == "wald":
                out["ci_low"] = np.asarray(r["ci_low"], float)
            return out
        return ours_nps
    peer = polars_nps if who == "polars" else pandas_nps
    return lambda: dict(zip(("nps", "ci_low", "ci_high"),
                            (np.atleast_1d(np.asarray(v, float))
                             for v in peer(x, weights=w, segments=by)), strict=True))


def agree(case: str, line: h.Line, ref: h.Line) -> bool | None:
    """The peer's numbers equal csmetrics' (its Wald bounds too, for the Wald case)."""
    if "counts" in line.result:
        return None
    if case.startswith("CSAT"):
        return h.agrees(line, ref, ["share", "mean", "sd"], rtol=1e-9)
    keys = ["nps", "ci_low"] if "Wald" in case else ["nps"]
    return all(h.agrees(line, ref, [k], atol=1e-9 if k == "nps" else 1e-6) for k in keys)


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in seconds (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def pandas_nps(scores: Any, weights: Any = None, segments: Any = None) -> Any:
    """NPS the way an analyst writes it in pandas (no validation)."""
    import pandas as pd

    frame = pd.DataFrame({"score": scores})
    frame["pro"] = frame["score"] >= 9
    frame["det"] = frame["score"] <= 6
    if weights is not None:
        frame["w"] = weights
        p = (frame["pro"] * frame["w"]).sum() / frame["w"].sum()
        d = (frame["det"] * frame["w"]).sum() / frame["w"].sum()
        n = frame["w"].sum() ** 2 / (frame["w"] ** 2).sum()
    elif segments is not None:
        frame["segment"] = segments
        shares = frame.groupby("segment")[["pro", "det"]].mean()
        p, d = shares["pro"], shares["det"]
        n = frame.groupby("segment").size()
    else:
        p, d, n = frame["pro"].mean(), frame["det"].mean(), len(frame)
    nps = 100 * (p - d)
    se = 100 * np.sqrt((p + d - (p - d) ** 2) / n)
    return nps, nps - 1.959964 * se, nps + 1.959964 * se


def polars_nps(scores: Any, weights: Any = None, segments: Any = None) -> Any:
    """The same NPS as a polars expression an expert writes (``group_by`` with segments)."""
    import polars as pl

    score = pl.col("score")
    pro, det = score >= 9, score <= 6   # a boolean's mean is its share: no cast needed
    if weights is not None:
        w = pl.col("w")
        row = pl.DataFrame({"score": scores, "w": weights}).select(
            p=w.filter(pro).sum() / w.sum(), d=w.filter(det).sum() / w.sum(),
            n=w.sum() ** 2 / (w ** 2).sum())
    elif segments is not None:
        row = (pl.DataFrame({"score": scores, "segment": segments}).group_by("segment")
               .agg(p=pro.mean(), d=det.mean(), n=pl.len()).sort("segment"))
    else:
        row = pl.DataFrame({"score": scores}).select(p=pro.mean(), d=det.mean(), n=pl.len())
    p, d, n = (row[c].to_numpy().astype(float) for c in ("p", "d", "n"))
    nps = 100 * (p - d)
    se = 100 * np.sqrt((p + d - (p - d) ** 2) / n)
    return nps, nps - 1.959964 * se, nps + 1.959964 * se


def polars_csat(scores: Any) -> Any:
    import polars as pl

    s = pl.col("s")
    row = pl.DataFrame({"s": scores}).select((s >= 4).mean(), s.mean().alias("m"),
                                             s.std().alias("sd"))
    return row["s"][0], row["m"][0], row["sd"][0]


def pandas_csat(scores: Any) -> Any:
    import pandas as pd

    s = pd.Series(scores)
    return (s >= 4).mean(), s.mean(), s.std()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="answers (default 10M)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, repeat = args.n, args.repeat

    from csmetrics.surveys import net_promoter_score, survey_trend
    from csmetrics.tables.surveys import SurveyTable

    rng = np.random.default_rng(2024)
    scores = rng.choice(11, size=n, p=NPS_P).astype(np.int64)
    segments = rng.integers(0, N_SEGMENTS, size=n)
    weights = rng.gamma(4.0, 0.25, size=n)
    csat = (rng.choice(5, size=n, p=CSAT_P) + 1).astype(np.int64)

    print(f"{n:,} answers; each contender in a fresh process, best of {repeat}; csmetrics "
          f"includes validating every answer; polars and pandas are both peers here (what "
          f"an expert writes for shares of answers: vectorized, no grid)")
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        path = h.save_input({"scores": scores, "segments": segments, "weights": weights,
                             "csat": csat}, tmp, "answers")
        for case in CASES:
            lines = [h.measure(who, "bench_surveys:contender", path, case, who, repeat=repeat)
                     for who in WHO]
            ref = lines[1]
            h.print_table(case, lines, ref, lambda line, c=case, r=ref: agree(c, line, r))
            summary.append((case, *(h.ratio(line, ref) for line in lines)))
    print(f"\nsummary, time over csmetrics' time   [load average {h.loadavg()}]")
    print(f"  {'case':<24} " + " ".join(f"{w[:14]:>15}" for w in WHO))
    for case, *ratios in summary:
        print(f"  {case:<24} " + " ".join(f"{r:>14.2f}x" for r in ratios))

    print()
    n_customers = max(n // 8, 1)
    days = rng.integers(0, 366, size=n).astype("timedelta64[D]") + np.datetime64("2024-01-01")
    columns = {"customer_id": rng.integers(0, n_customers, size=n), "score": scores,
               "submitted_at": days, "segment": segments}
    t_build = best(lambda: SurveyTable.from_columns(columns, survey_name="nps"), 2)
    table = SurveyTable.from_columns(columns, survey_name="nps", segments=["segment"])
    t_nps = best(lambda: net_promoter_score(table), repeat)
    t_trend = best(lambda: survey_trend(table, freq="month", by="segment"), 2)
    t_accounts = best(lambda: net_promoter_score(table, account_weighting="account"), 2)
    print(f"SurveyTable.from_columns, {n:,} rows ({n_customers:,} customers), all checks: "
          f"{t_build:.2f} s ({n / t_build / 1e6:.1f}M rows/s)")
    print(f"net_promoter_score(table): {t_nps:.4f} s")
    print(f"survey_trend(table, freq='month', by='segment' ({N_SEGMENTS} segments)): "
          f"{t_trend:.3f} s")
    print(f"net_promoter_score(table, account_weighting='account'): {t_accounts:.3f} s")


if __name__ == "__main__":
    main()
