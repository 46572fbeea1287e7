"""Benchmark: cohort tables and Kaplan-Meier survival against event-based polars and lifelines,
and the sBG fit against scipy; the pandas grid versions are kept as "naive" lines.

Input: the seeded synthetic portfolio (``csmetrics.datasets.synthetic_portfolio``, about 2.35
rows per customer, 36 months from 2022-01 plus two years of earlier sign-ups), validated into a
``SubscriptionTable`` once (not timed). Both sides start from its columns: customer codes,
start and end dates and each row's MRR in integer units.

* **cohort table** (logo, monthly, up to 2024-12): csmetrics reads cohorts off MRR change
  events; the peer is **polars**, event-based: the change points of ``mrr_peers`` (one sort of
  start/end events, a running sum per customer), +1 where a customer starts paying and -1
  where it stops, keyed on (cohort, age), summed with ``group_by`` and accumulated along the
  age; the **pandas (naive)** line explodes every row into the month ends it is active at.
* **survival curve** (Kaplan-Meier of monthly lifetimes at 2024-12): the peer is **polars +
  lifelines**: each customer's lifetime and churn flag from the same polars change points,
  then ``lifelines.KaplanMeierFitter``; also **lifelines alone** on precomputed lifetimes (its
  fit only); the **pandas (naive)** line uses the exploded frame and a loop over months.

Each contender runs in its own fresh process (``_harness``), best of ``--repeat``; csmetrics
works on a table built untimed (fresh per run), the peers on its columns (customer codes,
dates, each row's MRR in integer units). ``pip install lifelines`` for the lifelines lines
(they print a note when it is missing).
* **sBG fit** on one million simulated per-customer lifetimes (beta(0.704, 1.182) churn
  probabilities, censored at a random age under 36): csmetrics aggregates to counts and uses
  analytic derivatives; the baseline maximises the per-customer log-likelihood with
  Nelder-Mead, as a spreadsheet or a first script would.

Results are checked to agree (cohort counts exactly, survival to 1e-12, sBG parameters to
1e-3).

Run::

    python benchmarks/bench_cohorts.py                 # 100k and 1M customers
    python benchmarks/bench_cohorts.py --sizes 100000 --naive
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h
import mrr_peers

END = "2024-12"


def month_ends(first: np.datetime64, last: str) -> np.ndarray:
    months = np.arange(first.astype("datetime64[M]"), np.datetime64(last, "M") + 1)
    return (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")


# --- baselines ----------------------------------------------------------------------------------


def exploded(frame: Any, snaps: np.ndarray) -> Any:
    """Customer x month-end rows with MRR > 0 (in cents), from the spans."""
    import pandas as pd

    s = snaps.astype("datetime64[ns]")
    first = np.searchsorted(s, frame["start"].to_numpy(), side="left")
    end = frame["end"].to_numpy()
    stop = np.where(np.isnat(end), len(s), np.searchsorted(s, end, side="left"))
    spans = frame.assign(first=first, n=stop - first)
    spans = spans[spans["n"] > 0]
    rows = spans.loc[spans.index.repeat(spans["n"])]
    rows = rows.assign(snap=rows.groupby(level=0).cumcount() + rows["first"])
    units = rows.groupby(["customer", "snap"])["units"].sum()
    cents = (units + 50) // 100
    return cents[cents > 0].reset_index()[["customer", "snap"]].astype(
        {"customer": np.int64, "snap": np.int64}).pipe(pd.DataFrame)


def pandas_cohorts(frame: Any, snaps: np.ndarray) -> np.ndarray:
    pos = exploded(frame, snaps)
    cohort = pos.groupby("customer")["snap"].transform("min")
    pos = pos.assign(cohort=cohort, age=pos["snap"] - cohort)
    counts = pos.groupby(["cohort", "age"]).size().unstack(fill_value=0)
    n = len(snaps)
    out = np.zeros((n, n), dtype=np.int64)
    out[np.ix_(counts.index.to_numpy(), counts.columns.to_numpy())] = counts.to_numpy()
    return out


def pandas_survival(frame: Any, snaps: np.ndarray) -> np.ndarray:
    pos = exploded(frame, snaps).sort_values(["customer", "snap"])
    cohort = pos.groupby("customer")["snap"].transform("min")
    in_run = (pos["snap"] - cohort) == pos.groupby("customer").cumcount()
    run = in_run.groupby(pos["customer"]).sum()
    first = pos.groupby("customer")["snap"].min()
    last = len(snaps) - 1
    churned = (first + run) <= last
    lifetime = np.where(churned, run, last - first)
    events = np.bincount(lifetime[churned.to_numpy()], minlength=last + 1)
    leaving = np.bincount(lifetime, minlength=last + 1)
    at_risk = leaving[::-1].cumsum()[::-1]
    s, out = 1.0, []
    for t in range(last + 1):  # product-limit, month by month
        if at_risk[t]:
            s *= 1 - events[t] / at_risk[t]
        out.append(s)
    return np.array(out)[: int(lifetime.max()) + 1]


def scipy_sbg(durations: np.ndarray, churned: np.ndarray) -> tuple[float, float]:
    from scipy.optimize import minimize
    from scipy.special import betaln

    def nll(x: np.ndarray) -> float:
        a, b = np.exp(x)
        ll = np.where(churned, betaln(a + 1, b + durations - 1), betaln(a, b + durations))
        return -float(ll.sum() - durations.size * betaln(a, b))

    res = minimize(nll, np.zeros(2), method="Nelder-Mead",
                   options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 2000})
    a, b = np.exp(res.x)
    return float(a), float(b)


# --- event-based peers --------------------------------------------------------------------------


def _paying_edges(cols: dict[str, np.ndarray]) -> tuple[Any, int]:
    """Polars: the snapshots where each customer starts (+1) or stops (-1) paying, with its
    cohort (first paying snapshot); and the number of snapshots."""
    import polars as pl

    changes, n, _ = mrr_peers.polars_changes(cols, END, END)
    # sorted by customer and snapshot: a customer's first edge is its first payment
    first = pl.col("customer") != pl.col("customer").shift(1, fill_value=-1)
    edges = (changes.filter((pl.col("prev") > 0) != (pl.col("cents") > 0))
             .select("customer", "idx", step=pl.when(pl.col("cents") > 0).then(1).otherwise(-1))
             .with_columns(cohort=pl.when(first).then(pl.col("idx")).otherwise(None)
                           .forward_fill()))
    return edges, n


def polars_cohorts(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    import polars as pl

    cols = {k: data[k] for k in ("customer", "start", "end", "units")}

    def run() -> dict[str, np.ndarray]:
        edges, n = _paying_edges(cols)
        cells = (edges.group_by("cohort", age=pl.col("idx") - pl.col("cohort"))
                 .agg(pl.col("step").sum()).collect())
        out = np.zeros((n, n + 1), dtype=np.int64)
        np.add.at(out, (cells["cohort"].to_numpy(), cells["age"].to_numpy()),
                  cells["step"].to_numpy())
        active = np.cumsum(out, axis=1)[:, :n]
        beyond = np.add.outer(np.arange(n), np.arange(n)) >= n  # ages past the last snapshot
        active[beyond] = 0
        return {"active": active}
    return run


def _lifetimes(cols: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    import polars as pl

    edges, n = _paying_edges(cols)
    per = (edges.group_by("customer").agg(
        first=pl.col("cohort").first(),
        stop=pl.col("idx").filter(pl.col("step") < 0).min()).collect())
    first, stop = per["first"].to_numpy(), per["stop"].fill_null(-1).to_numpy()
    churned = stop >= 0
    return np.where(churned, stop - first, n - 1 - first), churned


def _km(durations: np.ndarray, churned: np.ndarray) -> np.ndarray:
    from lifelines import KaplanMeierFitter

    fit = KaplanMeierFitter().fit(durations, event_observed=churned)
    times = np.arange(int(durations.max()) + 1)
    return np.asarray(fit.survival_function_at_times(times), dtype=float)


def polars_lifelines(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    cols = {k: data[k] for k in ("customer", "start", "end", "units")}
    return lambda: {"survival": _km(*_lifetimes(cols))}


def lifelines_only(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    cols = {k: data[k] for k in ("customer", "start", "end", "units")}
    durations, churned = _lifetimes(cols)
    return lambda: {"survival": _km(durations, churned)}


# --- csmetrics and the naive lines (child processes) --------------------------------------------


def _portfolio(data: dict[str, np.ndarray]) -> Any:
    from csmetrics.datasets.subscriptions import synthetic_portfolio

    return synthetic_portfolio(int(data["n"]), months=36, seed=11, start="2022-01")


def cm_cohorts(data: dict[str, np.ndarray]) -> Any:
    from csmetrics.value.cohorts import cohort_table

    def run(subs: Any) -> dict[str, np.ndarray]:
        table = cohort_table(subs, end=END)
        k = len(table.cohorts)
        active = np.nan_to_num(table.active, nan=0).astype(np.int64)
        return {"active": active, "k": np.array(k)}
    return (lambda: _portfolio(data)), run


def cm_survival(data: dict[str, np.ndarray]) -> Any:
    from csmetrics.value.survival import survival_curve

    return (lambda: _portfolio(data)), (
        lambda subs: {"survival": np.asarray(survival_curve(subs, END)["survival"], float)})


def _frame(data: dict[str, np.ndarray]) -> Any:
    import pandas as pd

    return pd.DataFrame({"customer": data["customer"],
                         "start": data["start"].astype("datetime64[ns]"),
                         "end": data["end"].astype("datetime64[ns]"), "units": data["units"]})


def naive_cohorts(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    frame, snaps = _frame(data), month_ends(data["start"].min(), END)
    return lambda: {"active": pandas_cohorts(frame, snaps)}


def naive_survival(data: dict[str, np.ndarray]) -> Callable[[], Any]:
    frame, snaps = _frame(data), month_ends(data["start"].min(), END)
    return lambda: {"survival": pandas_survival(frame, snaps)}


def _cohorts_agree(line: h.Line, ref: h.Line) -> bool:
    if line.error or ref.error:
        return False
    k = int(ref.result["k"])
    mine, theirs = ref.result["active"], line.result["active"]
    return bool(np.array_equal(mine, theirs[-k:, :k]))


def _survival_agree(line: h.Line, ref: h.Line) -> bool:
    if line.error or ref.error:
        return False
    a, b = ref.result["survival"], line.result["survival"]
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=0))


# --- runs ---------------------------------------------------------------------------------------


def run_size(n: int, repeat: int, naive: bool, tmp: str) -> None:
    from csmetrics.datasets.subscriptions import synthetic_portfolio

    subs = synthetic_portfolio(n, months=36, seed=11, start="2022-01")
    data = {"n": np.array(n), "customer": subs.customer_codes.astype(np.int64),
            "start": subs.start, "end": subs.end, "units": subs.mrr_units}
    rows = subs.start.size
    del subs
    path = h.save_input(data, tmp, f"cohorts_{n}")
    have_lifelines = importlib.util.find_spec("lifelines") is not None

    lines = [h.measure("csmetrics cohort_table", "bench_cohorts:cm_cohorts", path,
                       repeat=repeat),
             h.measure("polars events", "bench_cohorts:polars_cohorts", path, repeat=repeat)]
    if naive:
        lines.append(h.measure("pandas grid (naive)", "bench_cohorts:naive_cohorts", path,
                               repeat=1))
    ref = lines[0]
    h.print_table(f"cohort_table (logo, monthly, to {END}), {n:,} customers, {rows:,} rows",
                  lines, ref, lambda line: _cohorts_agree(line, ref))

    lines = [h.measure("csmetrics survival_curve", "bench_cohorts:cm_survival", path,
                       repeat=repeat)]
    notes = []
    if have_lifelines:
        lines += [h.measure("polars lifetimes + lifelines KM", "bench_cohorts:polars_lifelines",
                            path, repeat=repeat),
                  h.measure("lifelines KM fit only", "bench_cohorts:lifelines_only", path,
                            repeat=repeat)]
    else:
        notes.append("lifelines is not installed (pip install lifelines): its lines skipped")
    if naive:
        lines.append(h.measure("pandas grid (naive)", "bench_cohorts:naive_survival", path,
                               repeat=1))
    ref = lines[0]
    h.print_table(f"survival_curve (Kaplan-Meier at {END}), {n:,} customers", lines, ref,
                  lambda line: _survival_agree(line, ref), notes)
    path.unlink()


def sbg_contender(data: dict[str, np.ndarray], who: str) -> Callable[[], Any]:
    durations, churned = data["durations"], data["churned"]
    if who == "csmetrics":
        from csmetrics.value.sbg import ShiftedBetaGeometric

        return (None, lambda: ShiftedBetaGeometric.fit(durations=durations, churned=churned),
                lambda fit: {"alpha": np.array(fit.alpha), "beta": np.array(fit.beta)})
    import scipy.optimize
    import scipy.special  # noqa: F401  (imported here, outside the timing)

    return (None, lambda: scipy_sbg(durations, churned),
            lambda ab: {"alpha": np.array(ab[0]), "beta": np.array(ab[1])})


def sbg(n: int, repeat: int, tmp: str) -> None:
    """The sBG fit against scipy's Nelder-Mead on the per-customer likelihood."""
    rng = np.random.default_rng(2007)
    theta = rng.beta(0.704, 1.182, n)
    life = rng.geometric(theta)
    seen = rng.integers(0, 36, n)
    churned = life <= seen
    durations = np.where(churned, life, seen)
    path = h.save_input({"durations": durations, "churned": churned}, tmp, f"sbg_{n}")
    lines = [h.measure("csmetrics ShiftedBetaGeometric.fit", "bench_cohorts:sbg_contender",
                       path, "csmetrics", repeat=repeat),
             h.measure("scipy Nelder-Mead (per customer)", "bench_cohorts:sbg_contender",
                       path, "scipy", repeat=1)]
    path.unlink()
    ref = lines[0]
    h.print_table(f"sBG fit on {n:,} simulated lifetimes (scipy run once)", lines, ref,
                  lambda line: None if line is ref else h.agrees(line, ref, rtol=1e-3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (best kept)")
    parser.add_argument("--naive", action="store_true", help="also run the pandas grid versions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            run_size(n, args.repeat, args.naive, tmp)
            sbg(n, args.repeat, tmp)


if __name__ == "__main__":
    main()
