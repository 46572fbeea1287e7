"""Benchmark: survey metrics on 10 million answers against the bare np.bincount floor and pandas.

The floor is the least work any NPS needs: one ``np.bincount`` over integer scores (over
``segment * 11 + score`` with segments; with the weights when weighted), computed on input
that is already valid. csmetrics does more: it checks every answer (whole numbers on the
scale, no NaN, weights finite and >= 0), counts, and computes the interval. The pandas
baseline is the vectorized code an analyst would write (boolean columns, ``mean`` or
``groupby().mean()``, the Wald formula) and checks nothing. The polars peer is the
same computation as polars expressions (``group_by`` with segments). Every result is checked
to agree with csmetrics. Timings are the best of several runs in one process.

Also times building a ``SurveyTable`` of 10 million rows (all validation) and a monthly
``survey_trend`` by segment on it.

Run::

    pip install -e ".[bench]"
    python benchmarks/bench_surveys.py                 # 10 million answers
    python benchmarks/bench_surveys.py --n 1000000     # quicker
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import loadavg

# A plausible B2B distribution of 0-10 answers (NPS about +10).
NPS_P = np.array([2, 1, 2, 3, 4, 8, 9, 13, 17, 16, 25], dtype=float) / 100
CSAT_P = np.array([5, 8, 17, 38, 32], dtype=float) / 100
N_SEGMENTS = 50


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
    pro, det = (score >= 9).cast(pl.Float64), (score <= 6).cast(pl.Float64)
    if weights is not None:
        w = pl.col("w")
        row = pl.DataFrame({"score": scores, "w": weights}).select(
            p=(pro * w).sum() / w.sum(), d=(det * w).sum() / w.sum(),
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

    from csmetrics.surveys import customer_satisfaction_score, net_promoter_score, survey_trend
    from csmetrics.tables.surveys import SurveyTable

    rng = np.random.default_rng(2024)
    scores = rng.choice(11, size=n, p=NPS_P).astype(np.int64)
    as_float = scores.astype(np.float64)
    segments = rng.integers(0, N_SEGMENTS, size=n)
    weights = rng.gamma(4.0, 0.25, size=n)
    csat = (rng.choice(5, size=n, p=CSAT_P) + 1).astype(np.int64)

    Case = tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any],
                 Callable[[], Any]]
    cases: list[Case] = [
        ("NPS, int64 scores", lambda: np.bincount(scores),
         lambda: net_promoter_score(scores), lambda: polars_nps(scores),
         lambda: pandas_nps(scores)),
        ("NPS, float64 scores", lambda: np.bincount(scores),
         lambda: net_promoter_score(as_float), lambda: polars_nps(as_float),
         lambda: pandas_nps(as_float)),
        (f"NPS by {N_SEGMENTS} segments",
         lambda: np.bincount(segments * 11 + scores, minlength=11 * N_SEGMENTS),
         lambda: net_promoter_score(scores, by=segments),
         lambda: polars_nps(scores, segments=segments),
         lambda: pandas_nps(scores, segments=segments)),
        ("NPS, weighted", lambda: np.bincount(scores, weights=weights),
         lambda: net_promoter_score(scores, weights=weights),
         lambda: polars_nps(scores, weights=weights),
         lambda: pandas_nps(scores, weights=weights)),
        ("NPS, Wald interval", lambda: np.bincount(scores),
         lambda: net_promoter_score(scores, interval="wald"), lambda: polars_nps(scores),
         lambda: pandas_nps(scores)),
        ("NPS, bootstrap (2,000)", lambda: np.bincount(scores),
         lambda: net_promoter_score(scores, interval="bootstrap"), lambda: polars_nps(scores),
         lambda: pandas_nps(scores)),
        ("CSAT (1-5) with mean", lambda: np.bincount(csat),
         lambda: customer_satisfaction_score(csat), lambda: polars_csat(csat),
         lambda: pandas_csat(csat)),
    ]

    print(f"{n:,} answers; best of {repeat}; csmetrics includes validating every answer; "
          f"load average {loadavg()}\n")
    print(f"{'case':<24} {'floor s':>8} {'csmetrics s':>12} {'vs floor':>9} {'polars s':>9} "
          f"{'polars/cs':>10} {'pandas s':>9} {'pandas/cs':>10} {'agree':>6}")
    for name, floor, ours, peer, theirs in cases:
        t_floor, t_ours = best(floor, repeat), best(ours, repeat)
        t_polars, t_pandas = best(peer, repeat), best(theirs, 2)
        agree = _agree(name, ours(), peer()) and _agree(name, ours(), theirs())
        print(f"{name:<24} {t_floor:>8.4f} {t_ours:>12.4f} {t_ours / t_floor:>8.2f}x "
              f"{t_polars:>9.4f} {t_polars / t_ours:>9.2f}x {t_pandas:>9.4f} "
              f"{t_pandas / t_ours:>9.2f}x {'yes' if agree else 'NO':>6}")
    print("(x/cs = that peer's time over csmetrics'; polars and pandas are both peers here: "
          "they are what an expert writes for a share of answers, vectorized, no grid)")

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


def _agree(name: str, ours: Any, theirs: Any) -> bool:
    """The baseline's numbers equal csmetrics' (its Wald bounds too, for the Wald case)."""
    if name.startswith("CSAT"):
        share, mean, sd = theirs
        return bool(np.allclose([float(ours), ours["mean"].item(), ours["sd"].item()],
                                [share, mean, sd], rtol=1e-9))
    nps, low, _ = (np.atleast_1d(np.asarray(v, dtype=float)) for v in theirs)
    same = np.allclose(ours["nps"], nps, rtol=0, atol=1e-9)
    if "Wald interval" in name:
        same = same and np.allclose(ours["ci_low"], low, rtol=0, atol=1e-6)
    return bool(same)


if __name__ == "__main__":
    main()
