"""Naive grid implementations of monthly MRR movements (the benchmarks' "naive" lines).

These build a customer x month grid, so timing them measures the grid, not the bridge: the
benchmarks' peers are the event-based versions in ``mrr_peers.py`` (polars, DuckDB, a numpy
floor). They stay as (1) a labelled naive line (``bench_mrr.py --naive``) and (2) independent
implementations, with the brute force below, that results are checked against:

* :func:`pandas_mrr_movements` -- the kind of vectorised pandas code an analyst
  would write: explode each subscription span into the month-end snapshots it
  covers, ``groupby`` customer x month, cross join customers with a month
  spine, ``groupby().shift()`` and ``np.select`` for classification.
* :func:`duckdb_mrr_movements` -- one DuckDB SQL query: month spine via
  ``generate_series``, range join of subscriptions to the snapshot dates they
  cover (straight from the definition ``start <= snapshot < end``),
  ``GROUP BY`` customer and snapshot, ``LAG`` / running ``BOOL_OR`` windows.

Input ``cols`` (numpy arrays, one row per subscription span at constant price):
``customer_id`` int64, ``start`` / ``end`` datetime64[D] (``end`` NaT = open,
end exclusive), ``amount``, ``quantity``, ``discount`` float64, ``interval``
str in {day, week, month, quarter, year}, ``interval_count`` int64 >= 1.

Definitions (shared by both implementations):

1. row MRR = amount * quantity * (1 - discount) * F / interval_count,
   F = 365/12 (day), 52/12 (week), 1 (month), 1/3 (quarter), 1/12 (year).
2. row sub-units = round-half-even(row MRR * 10000)   (1 sub-unit = 1/100 cent)
3. snapshots = last day of each month from the month of the earliest ``start``
   through ``end_month``.
4. customer cents at a snapshot = floor((S + 50) / 100), S = sum of sub-units
   of the customer's rows active on that date (start <= d < end).
5. per reporting month: P = cents at previous snapshot (0 if none), L = cents
   now, H = customer had cents > 0 at any earlier snapshot:
   new (P=0, L>0, not H), reactivation (P=0, L>0, H), churn (P>0, L=0),
   expansion (P>0, L>P), contraction (P>0, 0<L<P).

Output: one row per month ``start_month..end_month`` with columns
``OUTPUT_COLUMNS`` (money in int64 cents, counts int64).

Run ``python benchmarks/baselines.py`` for the hand-computed self-check and
``python benchmarks/baselines.py --bench 100000`` for a timing run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "COUNT_COLUMNS",
    "MONEY_COLUMNS",
    "OUTPUT_COLUMNS",
    "duckdb_mrr_movements",
    "pandas_mrr_movements",
    "synthetic_subscriptions",
]

MONEY_COLUMNS = [
    "starting_mrr",
    "new",
    "expansion",
    "contraction",
    "churn",
    "reactivation",
    "ending_mrr",
]
COUNT_COLUMNS = [
    "new_customers",
    "expansion_customers",
    "contraction_customers",
    "churned_customers",
    "reactivated_customers",
    "starting_customers",
    "ending_customers",
]
OUTPUT_COLUMNS = ["period", *MONEY_COLUMNS, *COUNT_COLUMNS]

# Billing-interval -> factor converting "price per interval" to "per month".
INTERVAL_FACTOR = {
    "day": 365 / 12,
    "week": 52 / 12,
    "month": 1.0,
    "quarter": 1 / 3,
    "year": 1 / 12,
}

# movement name -> (money column, count column)
_MOVEMENTS = {
    "new": ("new", "new_customers"),
    "expansion": ("expansion", "expansion_customers"),
    "contraction": ("contraction", "contraction_customers"),
    "churn": ("churn", "churned_customers"),
    "reactivation": ("reactivation", "reactivated_customers"),
}


def _month_number(period: str) -> int:
    """'YYYY-MM' -> months since 1970-01 (same numbering as datetime64[M])."""
    return int(np.datetime64(period, "M").astype(np.int64))


def _period_labels(first: int, last: int) -> np.ndarray:
    months = np.arange(first, last + 1).astype("datetime64[M]")
    return np.datetime_as_string(months, unit="M")


def _empty_result(first_report: int, last_report: int) -> pd.DataFrame:
    periods = _period_labels(first_report, last_report)
    out = pd.DataFrame({"period": pd.Series(periods, dtype=object)})
    for col in MONEY_COLUMNS + COUNT_COLUMNS:
        out[col] = np.zeros(len(periods), dtype=np.int64)
    return out


# ---------------------------------------------------------------------------
# (a) pandas
# ---------------------------------------------------------------------------
def pandas_mrr_movements(
    cols: dict[str, np.ndarray], start_month: str, end_month: str
) -> pd.DataFrame:
    """Monthly MRR movements, straightforward vectorised pandas version."""
    first_report = _month_number(start_month)
    last_report = _month_number(end_month)
    if last_report < first_report:
        raise ValueError("end_month is before start_month")

    subs = pd.DataFrame(
        {
            "customer_id": np.asarray(cols["customer_id"], dtype=np.int64),
            "start": np.asarray(cols["start"], dtype="datetime64[D]"),
            "end": np.asarray(cols["end"], dtype="datetime64[D]"),
            "amount": np.asarray(cols["amount"], dtype=np.float64),
            "quantity": np.asarray(cols["quantity"], dtype=np.float64),
            "discount": np.asarray(cols["discount"], dtype=np.float64),
            "interval": pd.Categorical(np.asarray(cols["interval"]).astype(str)),
            "interval_count": np.asarray(cols["interval_count"], dtype=np.int64),
        }
    )
    if len(subs) == 0:
        return _empty_result(first_report, last_report)

    # 1 + 2. Row MRR in float, then integer sub-units (np.rint = half-to-even).
    factor = subs["interval"].map(INTERVAL_FACTOR).astype(np.float64)
    if factor.isna().any():
        bad = sorted(set(subs.loc[factor.isna(), "interval"].astype(str)))
        raise ValueError(f"unknown billing interval(s): {bad}")
    row_mrr = (
        subs["amount"]
        * subs["quantity"]
        * (1 - subs["discount"])
        * factor
        / subs["interval_count"]
    )
    subs["sub_units"] = np.rint(row_mrr.to_numpy() * 10000).astype(np.int64)

    # Month numbers (year*12 + month - 1, counted from 1970-01).  A span covers
    # the month-end snapshot of month k iff start <= month_end(k) < end, i.e.
    # k from the month of `start` through the month *before* the month of
    # `end` (if end is itself a month-end, that day is excluded: end-exclusive).
    subs["first_month"] = (
        (subs["start"].dt.year - 1970) * 12 + subs["start"].dt.month - 1
    ).astype(np.int64)
    end_month_no = (subs["end"].dt.year - 1970) * 12 + subs["end"].dt.month - 1
    subs["last_month"] = (end_month_no - 1).fillna(last_report).astype(np.int64)

    # 3. Snapshots run from the earliest start month through end_month: every
    # span is exploded over all month-ends it covers up to end_month.
    subs["last_month"] = subs["last_month"].clip(upper=last_report)
    subs["n_snapshots"] = subs["last_month"] - subs["first_month"] + 1
    covering = subs[subs["n_snapshots"] > 0]

    # Explode every span into one row per month-end snapshot it covers.
    exploded = covering.loc[
        covering.index.repeat(covering["n_snapshots"]),
        ["customer_id", "first_month", "sub_units"],
    ]
    exploded["month"] = (
        exploded["first_month"] + exploded.groupby(level=0).cumcount()
    ).astype(np.int32)

    # 4. Customer cents per snapshot: half-up rounding of the customer total.
    active = (
        exploded.groupby(["customer_id", "month"])["sub_units"]
        .sum()
        .reset_index()
    )
    active["mrr"] = (active["sub_units"] + 50) // 100
    active = active.drop(columns="sub_units")
    if len(active) == 0:
        return _empty_result(first_report, last_report)

    # H ("had MRR > 0 at some earlier snapshot") only depends on the first
    # month-end at which the customer had MRR > 0, over the whole history.
    first_paid_month = (
        active[active["mrr"] > 0].groupby("customer_id")["month"].min()
    )

    # Customer x month grid over the reporting window plus the month before it
    # (needed for P of the first reporting month).  Customers with no active
    # snapshot in that range are zero throughout it and cannot produce a
    # movement, so they are left out.
    spine = pd.DataFrame(
        {"month": np.arange(first_report - 1, last_report + 1, dtype=np.int32)}
    )
    in_window = active[active["month"] >= first_report - 1]
    customers = pd.DataFrame(
        {"customer_id": np.sort(in_window["customer_id"].unique())}
    )
    grid = customers.merge(spine, how="cross")  # sorted by customer, month
    grid = grid.merge(in_window, on=["customer_id", "month"], how="left", sort=False)
    grid["mrr"] = grid["mrr"].fillna(0).astype(np.int64)

    # 5. P = previous month-end's MRR (the grid has no gaps, so shift(1) is
    # exactly "previous month"), H = first paid month is before this month.
    grid["prev_mrr"] = (
        grid.groupby("customer_id", sort=False)["mrr"].shift(1, fill_value=0)
    )
    report = grid[grid["month"] >= first_report]
    p = report["prev_mrr"].to_numpy()
    cur = report["mrr"].to_numpy()
    h = (report["customer_id"].map(first_paid_month) < report["month"]).to_numpy()
    conditions = [
        (p == 0) & (cur > 0) & ~h,
        (p == 0) & (cur > 0) & h,
        (p > 0) & (cur == 0),
        (p > 0) & (cur > p),
        (p > 0) & (cur > 0) & (cur < p),
    ]
    names = ["new", "reactivation", "churn", "expansion", "contraction"]
    amounts = [cur, cur, p, cur - p, p - cur]
    # movement as a small integer code (1-based index into `names`, 0 = none)
    # rather than a string column, to keep the big frame compact
    movement = np.select(conditions, np.arange(1, len(names) + 1), default=0)
    amount = np.select(conditions, amounts, default=0)

    # Per-month totals: starting/ending MRR and customers ...
    months = report["month"].to_numpy()
    monthly = pd.DataFrame(
        {
            "month": months,
            "starting_mrr": p,
            "ending_mrr": cur,
            "starting_customers": p > 0,
            "ending_customers": cur > 0,
        }
    ).groupby("month").sum()
    # ... and the (sparse) movements, summed per month and movement type.
    moved = movement > 0
    moves = (
        pd.DataFrame(
            {
                "month": months[moved],
                "movement": np.asarray(names)[movement[moved] - 1],
                "amount": amount[moved],
            }
        )
        .groupby(["month", "movement"])["amount"]
        .agg(["sum", "size"])
        .unstack("movement", fill_value=0)
    )
    for name, (money_col, count_col) in _MOVEMENTS.items():
        if ("sum", name) in moves.columns:
            monthly[money_col] = moves[("sum", name)]
            monthly[count_col] = moves[("size", name)]
        else:
            monthly[money_col] = 0
            monthly[count_col] = 0

    monthly = monthly.reindex(
        np.arange(first_report, last_report + 1), fill_value=0
    ).fillna(0).astype(np.int64)
    out = monthly.reset_index(drop=True)
    out.insert(
        0, "period", pd.Series(_period_labels(first_report, last_report), dtype=object)
    )
    return out[OUTPUT_COLUMNS]


# ---------------------------------------------------------------------------
# (b) DuckDB
# ---------------------------------------------------------------------------
_DUCKDB_SQL = """
WITH params AS (
    SELECT CAST($start_month || '-01' AS DATE) AS report_first_day,
           last_day(CAST($start_month || '-01' AS DATE)) AS report_first_snapshot,
           last_day(CAST($end_month || '-01' AS DATE)) AS report_last_snapshot
),
subs AS (
    SELECT customer_id,
           "start",
           "end",
           -- round_even = round half to even, like numpy.rint
           CAST(round_even(
               amount * quantity * (1 - discount)
               * CASE "interval"
                     WHEN 'day'     THEN CAST(365 AS DOUBLE) / 12
                     WHEN 'week'    THEN CAST(52 AS DOUBLE) / 12
                     WHEN 'month'   THEN CAST(1 AS DOUBLE)
                     WHEN 'quarter' THEN CAST(1 AS DOUBLE) / 3
                     WHEN 'year'    THEN CAST(1 AS DOUBLE) / 12
                 END
               / interval_count
               * 10000, 0) AS BIGINT) AS sub_units
    FROM subscriptions
),
spine AS (  -- last day of every month, earliest start month .. end_month
    SELECT last_day(CAST(unnest(generate_series(
               least(date_trunc('month', (SELECT min("start") FROM subs)),
                     (SELECT report_first_day FROM params)),
               (SELECT report_last_snapshot FROM params),
               INTERVAL 1 MONTH)) AS DATE)) AS snapshot
),
active AS (  -- customer cents at each snapshot with >= 1 active span
    SELECT s.customer_id,
           sp.snapshot,
           CAST((SUM(s.sub_units) + 50) // 100 AS BIGINT) AS mrr
    FROM subs AS s
    JOIN spine AS sp
      ON s."start" <= sp.snapshot
     AND (s."end" IS NULL OR sp.snapshot < s."end")
    GROUP BY s.customer_id, sp.snapshot
),
grid AS (  -- every (customer, snapshot) from the customer's first active
           -- snapshot on (all zero before it), zero where nothing is active
    SELECT c.customer_id, sp.snapshot, COALESCE(a.mrr, 0) AS mrr
    FROM (SELECT customer_id, min(snapshot) AS first_snapshot
          FROM active GROUP BY customer_id) AS c
    JOIN spine AS sp ON sp.snapshot >= c.first_snapshot
    LEFT JOIN active AS a
      ON a.customer_id = c.customer_id AND a.snapshot = sp.snapshot
),
history AS (
    SELECT customer_id,
           snapshot,
           mrr,
           COALESCE(LAG(mrr) OVER (PARTITION BY customer_id ORDER BY snapshot), 0)
               AS prev_mrr,
           COALESCE(BOOL_OR(mrr > 0) OVER (
               PARTITION BY customer_id ORDER BY snapshot
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), FALSE)
               AS had_mrr_before
    FROM grid
),
classified AS (
    SELECT snapshot,
           prev_mrr,
           mrr,
           CASE
               WHEN prev_mrr = 0 AND mrr > 0 AND NOT had_mrr_before THEN 'new'
               WHEN prev_mrr = 0 AND mrr > 0 AND had_mrr_before     THEN 'reactivation'
               WHEN prev_mrr > 0 AND mrr = 0                        THEN 'churn'
               WHEN prev_mrr > 0 AND mrr > prev_mrr                 THEN 'expansion'
               WHEN prev_mrr > 0 AND mrr > 0 AND mrr < prev_mrr     THEN 'contraction'
           END AS movement
    FROM history
    WHERE snapshot >= (SELECT report_first_snapshot FROM params)
)
SELECT strftime(sp.snapshot, '%Y-%m') AS period,
       CAST(COALESCE(SUM(c.prev_mrr), 0) AS BIGINT) AS starting_mrr,
       CAST(COALESCE(SUM(CASE WHEN movement = 'new' THEN mrr END), 0) AS BIGINT) AS new,
       CAST(COALESCE(SUM(CASE WHEN movement = 'expansion' THEN mrr - prev_mrr END), 0)
            AS BIGINT) AS expansion,
       CAST(COALESCE(SUM(CASE WHEN movement = 'contraction' THEN prev_mrr - mrr END), 0)
            AS BIGINT) AS contraction,
       CAST(COALESCE(SUM(CASE WHEN movement = 'churn' THEN prev_mrr END), 0) AS BIGINT)
            AS churn,
       CAST(COALESCE(SUM(CASE WHEN movement = 'reactivation' THEN mrr END), 0) AS BIGINT)
            AS reactivation,
       CAST(COALESCE(SUM(c.mrr), 0) AS BIGINT) AS ending_mrr,
       CAST(COUNT(*) FILTER (WHERE movement = 'new') AS BIGINT) AS new_customers,
       CAST(COUNT(*) FILTER (WHERE movement = 'expansion') AS BIGINT) AS expansion_customers,
       CAST(COUNT(*) FILTER (WHERE movement = 'contraction') AS BIGINT)
            AS contraction_customers,
       CAST(COUNT(*) FILTER (WHERE movement = 'churn') AS BIGINT) AS churned_customers,
       CAST(COUNT(*) FILTER (WHERE movement = 'reactivation') AS BIGINT)
            AS reactivated_customers,
       CAST(COUNT(*) FILTER (WHERE c.prev_mrr > 0) AS BIGINT) AS starting_customers,
       CAST(COUNT(*) FILTER (WHERE c.mrr > 0) AS BIGINT) AS ending_customers
FROM spine AS sp
LEFT JOIN classified AS c ON c.snapshot = sp.snapshot
WHERE sp.snapshot BETWEEN (SELECT report_first_snapshot FROM params)
                      AND (SELECT report_last_snapshot FROM params)
GROUP BY sp.snapshot
ORDER BY sp.snapshot
"""


def duckdb_mrr_movements(
    cols: dict[str, np.ndarray],
    start_month: str,
    end_month: str,
    *,
    threads: int | None = None,
) -> pd.DataFrame:
    """Monthly MRR movements computed by a single in-process DuckDB query."""
    import duckdb
    import pyarrow as pa

    first_report = _month_number(start_month)
    last_report = _month_number(end_month)
    if last_report < first_report:
        raise ValueError("end_month is before start_month")
    start_month = str(np.datetime64(start_month, "M"))  # normalise to 'YYYY-MM'
    end_month = str(np.datetime64(end_month, "M"))

    intervals = np.asarray(cols["interval"]).astype(str)
    unknown = set(np.unique(intervals)) - set(INTERVAL_FACTOR)
    if unknown:
        raise ValueError(f"unknown billing interval(s): {sorted(unknown)}")

    table = pa.table(
        {
            "customer_id": pa.array(np.asarray(cols["customer_id"], dtype=np.int64)),
            # from_pandas=True turns NaT into SQL NULL (open-ended span)
            "start": pa.array(
                np.asarray(cols["start"], dtype="datetime64[D]"), from_pandas=True
            ),
            "end": pa.array(
                np.asarray(cols["end"], dtype="datetime64[D]"), from_pandas=True
            ),
            "amount": pa.array(np.asarray(cols["amount"], dtype=np.float64)),
            "quantity": pa.array(np.asarray(cols["quantity"], dtype=np.float64)),
            "discount": pa.array(np.asarray(cols["discount"], dtype=np.float64)),
            "interval": pa.array(intervals).dictionary_encode(),
            "interval_count": pa.array(
                np.asarray(cols["interval_count"], dtype=np.int64)
            ),
        }
    )
    if table.num_rows == 0:
        return _empty_result(first_report, last_report)

    con = duckdb.connect()
    try:
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        con.register("subscriptions", table)
        out = con.execute(
            _DUCKDB_SQL, {"start_month": start_month, "end_month": end_month}
        ).df()
    finally:
        con.close()
    out["period"] = out["period"].astype(object)
    for col in MONEY_COLUMNS + COUNT_COLUMNS:
        out[col] = out[col].astype(np.int64)
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------
# Synthetic input for timing runs
# ---------------------------------------------------------------------------
def synthetic_subscriptions(
    n_customers: int,
    *,
    seed: int = 0,
    first_day: str = "2021-01-01",
    last_day: str = "2025-12-31",
) -> dict[str, np.ndarray]:
    """Seeded synthetic subscription spans, ~2.5 rows per customer.

    Each customer has 1-4 consecutive "segments" (price changes, gaps that
    produce churn / reactivation, open-ended last spans), plus ~15% of
    customers have a second concurrent add-on subscription.
    """
    rng = np.random.default_rng(seed)
    lo = np.datetime64(first_day, "D")
    hi = np.datetime64(last_day, "D")
    span_days = int((hi - lo).astype(np.int64))

    n_seg = rng.choice([1, 2, 3, 4], size=n_customers, p=[0.35, 0.3, 0.2, 0.15])
    cust = np.repeat(np.arange(n_customers, dtype=np.int64) * 7 + 1000, n_seg)
    n = len(cust)
    # position of each segment within its customer
    seg_start_idx = np.repeat(np.cumsum(n_seg) - n_seg, n_seg)
    pos = np.arange(n) - seg_start_idx
    is_last = pos == np.repeat(n_seg, n_seg) - 1

    # segment lengths and gaps (0 gap most of the time = price change)
    length = rng.integers(20, 700, size=n)
    gap = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 200, size=n))
    first_start = rng.integers(0, span_days, size=n_customers)
    step = length + gap
    cum = np.cumsum(step)
    cum_before = cum - step - np.repeat((cum - step)[np.cumsum(n_seg) - n_seg], n_seg)
    start = lo + np.repeat(first_start, n_seg) + cum_before
    end = start + length
    open_ended = is_last & (rng.random(n) < 0.6)
    end = end.astype("datetime64[D]")
    end[open_ended] = np.datetime64("NaT")

    interval = rng.choice(
        np.array(["month", "year", "quarter", "week", "day"]),
        size=n,
        p=[0.6, 0.2, 0.1, 0.07, 0.03],
    )
    base_price = {"month": 49.0, "year": 490.0, "quarter": 140.0, "week": 12.0, "day": 2.0}
    amount = np.select([interval == k for k in base_price], list(base_price.values()))
    amount = amount * rng.choice([1.0, 1.5, 2.0, 0.33333, 3.99], size=n)
    amount = np.round(amount, 4)
    quantity = rng.integers(1, 25, size=n).astype(np.float64)
    discount = np.where(rng.random(n) < 0.2, rng.choice([0.1, 0.15, 0.25, 0.5], size=n), 0.0)
    interval_count = np.where(rng.random(n) < 0.05, 2, 1).astype(np.int64)

    # ~15% of customers get a concurrent add-on subscription
    addon = rng.random(n_customers) < 0.15
    a_cust = (np.arange(n_customers, dtype=np.int64) * 7 + 1000)[addon]
    m = len(a_cust)
    a_start = lo + rng.integers(0, span_days, size=m)
    a_end = (a_start + rng.integers(10, 900, size=m)).astype("datetime64[D]")
    a_end[rng.random(m) < 0.4] = np.datetime64("NaT")

    def cat(x, y):
        return np.concatenate([x, y])

    return {
        "customer_id": cat(cust, a_cust),
        "start": cat(start.astype("datetime64[D]"), a_start.astype("datetime64[D]")),
        "end": cat(end, a_end),
        "amount": cat(amount, np.round(rng.uniform(5, 50, size=m), 2)),
        "quantity": cat(quantity, rng.integers(1, 10, size=m).astype(np.float64)),
        "discount": cat(discount, np.zeros(m)),
        "interval": cat(interval, np.full(m, "month")),
        "interval_count": cat(interval_count, np.ones(m, dtype=np.int64)),
    }


# ---------------------------------------------------------------------------
# Self-check: hand-made input with hand-computed expectations
# ---------------------------------------------------------------------------
def _hand_made_input() -> dict[str, np.ndarray]:
    """Hand-made subscriptions; reporting window 2024-01 .. 2024-07.

    Cents per customer at each month-end (worked out by hand):

    C1  monthly $50, 2024-01-15 -> open            5000 from Jan-24 (new Jan,
        mid-month start, open-ended: no churn at the data edge)
    C2  annual $1,200, 2023-06-20 -> 2024-06-20    1200/12 = 100.00 -> 10000,
        Jun-23..May-24 (earliest start: spine starts 2023-06; active before
        start_month -> in Jan starting_mrr); churn 10000 in Jun-24
    C3  quarterly $90, 2024-02-01 -> open          90/3 = 30 -> 3000, new Feb
    C4  weekly $10, discount 10%, every 2 weeks, 2024-03-05 -> 2024-05-10
        10*0.9*52/12/2 = 19.50 -> 1950 at Mar, Apr; new Mar, churn 1950 May
    C5  two concurrent monthly subs from 2023-12-01: A $100 -> 2024-03-15,
        B $40 -> 2024-05-01.  Dec..Feb 14000, Mar 4000 (contraction 10000),
        Apr 4000, May 0 (churn 4000)
    C6  price change, no gap, boundary ON a month-end:
        $30 2024-01-10 -> 2024-03-31, $45 2024-03-31 -> open.
        Jan, Feb 3000 (new Jan); Mar-31: row 1 has ended (end exclusive),
        row 2 started -> 4500, expansion 1500 in Mar
    C7  $20 2023-09-01 -> 2023-11-15 (2000 at Sep-23, Oct-23; churn Nov-23 is
        before the window), then $25 2024-02-10 -> open: reactivation 2500 Feb
        (earlier activity before start_month)
    C8  $60 2024-01-05 -> 2024-02-20 (new 6000 Jan, churn 6000 Feb);
        $999 2024-03-03 -> 2024-03-25 never covers a month-end (invisible);
        $60 2024-04-01 -> open: reactivation 6000 Apr
    C9  3 seats x $33.3333 2023-10-01 -> 2024-03-01 (99.9999 -> 999999
        sub-units -> (999999+50)//100 = 10000 cents), then $100 2024-03-01 ->
        open (10000): NO movement ever in the window; starting 10000 in Jan
    C10 two concurrent $5.0025 monthly subs, 2024-05-01 -> open: 50025
        sub-units each, total 100050 = 1000.50 cents -> half-up 1001 cents
        (rounding each row to cents first would give 500 + 500 = 1000);
        new 1001 in May
    C11 two concurrent $4.99745 monthly subs, 2024-06-10 -> open: 49974.5 is an
        exact tie -> half-even 49974 each, total 99948 -> 999 cents (half away
        from zero would give 49975 each -> 1000); new 999 in Jun
    C12 daily $1, 2024-04-10 -> 2024-06-30: 365/12 = 30.41666.. -> 304167
        sub-units -> 3042 cents at Apr, May; Jun-30 not active (end exclusive)
        -> new 3042 Apr, churn 3042 Jun
    C13 $70 starting 2024-08-05 (after end_month): never counted
    C14 free plan ($0) 2024-01-01 -> open: 0 cents, never counted
    """
    nat = "NaT"
    rows = [
        # cust, start, end, amount, qty, discount, interval, interval_count
        (1, "2024-01-15", nat, 50.0, 1, 0.0, "month", 1),
        (2, "2023-06-20", "2024-06-20", 1200.0, 1, 0.0, "year", 1),
        (3, "2024-02-01", nat, 90.0, 1, 0.0, "quarter", 1),
        (4, "2024-03-05", "2024-05-10", 10.0, 1, 0.1, "week", 2),
        (5, "2023-12-01", "2024-03-15", 100.0, 1, 0.0, "month", 1),
        (5, "2023-12-01", "2024-05-01", 40.0, 1, 0.0, "month", 1),
        (6, "2024-01-10", "2024-03-31", 30.0, 1, 0.0, "month", 1),
        (6, "2024-03-31", nat, 45.0, 1, 0.0, "month", 1),
        (7, "2023-09-01", "2023-11-15", 20.0, 1, 0.0, "month", 1),
        (7, "2024-02-10", nat, 25.0, 1, 0.0, "month", 1),
        (8, "2024-01-05", "2024-02-20", 60.0, 1, 0.0, "month", 1),
        (8, "2024-03-03", "2024-03-25", 999.0, 1, 0.0, "month", 1),
        (8, "2024-04-01", nat, 60.0, 1, 0.0, "month", 1),
        (9, "2023-10-01", "2024-03-01", 33.3333, 3, 0.0, "month", 1),
        (9, "2024-03-01", nat, 100.0, 1, 0.0, "month", 1),
        (10, "2024-05-01", nat, 5.0025, 1, 0.0, "month", 1),
        (10, "2024-05-01", nat, 5.0025, 1, 0.0, "month", 1),
        (11, "2024-06-10", nat, 4.99745, 1, 0.0, "month", 1),
        (11, "2024-06-10", nat, 4.99745, 1, 0.0, "month", 1),
        (12, "2024-04-10", "2024-06-30", 1.0, 1, 0.0, "day", 1),
        (13, "2024-08-05", nat, 70.0, 1, 0.0, "month", 1),
        (14, "2024-01-01", nat, 0.0, 1, 0.0, "month", 1),
    ]
    c = list(zip(*rows, strict=False))
    return {
        "customer_id": np.array(c[0], dtype=np.int64),
        "start": np.array(c[1], dtype="datetime64[D]"),
        "end": np.array(c[2], dtype="datetime64[D]"),
        "amount": np.array(c[3], dtype=np.float64),
        "quantity": np.array(c[4], dtype=np.float64),
        "discount": np.array(c[5], dtype=np.float64),
        "interval": np.array(c[6], dtype=str),
        "interval_count": np.array(c[7], dtype=np.int64),
    }


# Expected output for _hand_made_input(), 2024-01 .. 2024-07 (worked by hand):
#
# Jan: P = C2 10000 + C5 14000 + C9 10000 = 34000 (3 customers)
#      new C1 5000 + C6 3000 + C8 6000 = 14000 (3)
#      L = 34000 + 14000 = 48000 (C1 C2 C5 C6 C8 C9: 6)
# Feb: P = 48000 (6); new C3 3000; reactivation C7 2500; churn C8 6000
#      L = 48000 + 3000 + 2500 - 6000 = 47500 (C1 C2 C3 C5 C6 C7 C9: 7)
# Mar: P = 47500 (7); new C4 1950; expansion C6 1500; contraction C5 10000
#      L = 47500 + 1950 + 1500 - 10000 = 40950 (+C4: 8)
# Apr: P = 40950 (8); new C12 3042; reactivation C8 6000
#      L = 40950 + 3042 + 6000 = 49992 (+C8 +C12: 10)
# May: P = 49992 (10); new C10 1001; churn C4 1950 + C5 4000 = 5950 (2)
#      L = 49992 + 1001 - 5950 = 45043 (-C4 -C5 +C10: 9)
# Jun: P = 45043 (9); new C11 999; churn C2 10000 + C12 3042 = 13042 (2)
#      L = 45043 + 999 - 13042 = 33000 (-C2 -C12 +C11: 8)
# Jul: nothing happens: P = L = 33000 (8)
_EXPECTED_ROWS = [
    # period, start, new, exp, contr, churn, react, end,
    #   n_new, n_exp, n_contr, n_churn, n_react, n_start, n_end
    ("2024-01", 34000, 14000, 0, 0, 0, 0, 48000, 3, 0, 0, 0, 0, 3, 6),
    ("2024-02", 48000, 3000, 0, 0, 6000, 2500, 47500, 1, 0, 0, 1, 1, 6, 7),
    ("2024-03", 47500, 1950, 1500, 10000, 0, 0, 40950, 1, 1, 1, 0, 0, 7, 8),
    ("2024-04", 40950, 3042, 0, 0, 0, 6000, 49992, 1, 0, 0, 0, 1, 8, 10),
    ("2024-05", 49992, 1001, 0, 0, 5950, 0, 45043, 1, 0, 0, 2, 0, 10, 9),
    ("2024-06", 45043, 999, 0, 0, 13042, 0, 33000, 1, 0, 0, 2, 0, 9, 8),
    ("2024-07", 33000, 0, 0, 0, 0, 0, 33000, 0, 0, 0, 0, 0, 8, 8),
]


def _expected_frame() -> pd.DataFrame:
    out = pd.DataFrame(_EXPECTED_ROWS, columns=OUTPUT_COLUMNS)
    out["period"] = out["period"].astype(object)
    for col in MONEY_COLUMNS + COUNT_COLUMNS:
        out[col] = out[col].astype(np.int64)
    return out


def _brute_force(cols: dict[str, np.ndarray], start_month: str, end_month: str):
    """Pure-Python, loop-everything transcription of the definitions (tiny inputs)."""
    import calendar
    import datetime as dt

    def month_end(y, m):
        return dt.date(y, m, calendar.monthrange(y, m)[1])

    def to_date(x):
        return None if np.isnat(x) else dt.date.fromisoformat(str(x))

    ys, ms = map(int, start_month.split("-"))
    ye, me = map(int, end_month.split("-"))
    starts = [to_date(x) for x in cols["start"]]
    first = min(min(starts).year * 12 + min(starts).month - 1, ys * 12 + ms - 1)
    snaps = [month_end(k // 12, k % 12 + 1) for k in range(first, ye * 12 + me)]
    customers = sorted({int(c) for c in cols["customer_id"]})
    su = []
    for i in range(len(starts)):
        mrr = (
            float(cols["amount"][i]) * float(cols["quantity"][i])
            * (1 - float(cols["discount"][i])) * INTERVAL_FACTOR[str(cols["interval"][i])]
            / int(cols["interval_count"][i])
        )
        su.append(int(np.rint(mrr * 10000)))
    cents = {}
    for c in customers:
        for d in snaps:
            s = 0
            for i in range(len(starts)):
                end = to_date(cols["end"][i])
                if int(cols["customer_id"][i]) == c and starts[i] <= d and (end is None or d < end):
                    s += su[i]
            cents[c, d] = (s + 50) // 100
    rows = []
    for j, d in enumerate(snaps):
        if (d.year, d.month) < (ys, ms):
            continue
        r = dict.fromkeys(MONEY_COLUMNS + COUNT_COLUMNS, 0)
        for c in customers:
            p = cents[c, snaps[j - 1]] if j > 0 else 0
            cur = cents[c, d]
            h = any(cents[c, snaps[k]] > 0 for k in range(j))
            r["starting_mrr"] += p
            r["ending_mrr"] += cur
            r["starting_customers"] += p > 0
            r["ending_customers"] += cur > 0
            if p == 0 and cur > 0:
                key = "reactivation" if h else "new"
                r[key] += cur
                r[_MOVEMENTS[key][1]] += 1
            elif p > 0 and cur == 0:
                r["churn"] += p
                r["churned_customers"] += 1
            elif p > 0 and cur > p:
                r["expansion"] += cur - p
                r["expansion_customers"] += 1
            elif p > 0 and 0 < cur < p:
                r["contraction"] += p - cur
                r["contraction_customers"] += 1
        rows.append({"period": f"{d.year:04d}-{d.month:02d}", **r})
    out = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    out["period"] = out["period"].astype(object)
    for col in MONEY_COLUMNS + COUNT_COLUMNS:
        out[col] = out[col].astype(np.int64)
    return out


def _check_frame(df: pd.DataFrame, start_month: str, end_month: str) -> None:
    assert list(df.columns) == OUTPUT_COLUMNS, list(df.columns)
    for col in MONEY_COLUMNS + COUNT_COLUMNS:
        assert df[col].dtype == np.int64, (col, df[col].dtype)
    n = _month_number(end_month) - _month_number(start_month) + 1
    assert len(df) == n
    assert list(df["period"]) == list(_period_labels(_month_number(start_month),
                                                     _month_number(end_month)))
    bridge = (df["starting_mrr"] + df["new"] + df["expansion"] + df["reactivation"]
              - df["contraction"] - df["churn"])
    assert (bridge == df["ending_mrr"]).all(), "MRR bridge does not balance"
    assert (df["starting_mrr"].iloc[1:].to_numpy() == df["ending_mrr"].iloc[:-1].to_numpy()).all()


def _selfcheck() -> None:
    from pandas.testing import assert_frame_equal

    cols = _hand_made_input()
    expected = _expected_frame()
    res_pd = pandas_mrr_movements(cols, "2024-01", "2024-07")
    res_db = duckdb_mrr_movements(cols, "2024-01", "2024-07")
    res_bf = _brute_force(cols, "2024-01", "2024-07")
    for name, res in [("pandas", res_pd), ("duckdb", res_db), ("brute force", res_bf)]:
        _check_frame(res, "2024-01", "2024-07")
        try:
            assert_frame_equal(res, expected)
        except AssertionError:
            print(f"--- {name} result\n{res.to_string()}\n--- expected\n{expected.to_string()}")
            raise
    print("hand-made case: pandas, duckdb and brute force match hand-computed numbers")

    # Other windows over the same input (incl. months before any data).
    for s, e in [("2023-01", "2024-09"), ("2023-11", "2023-12"), ("2024-06", "2024-06"),
                 ("2025-01", "2025-02"), ("2020-01", "2020-03"), ("2023-06", "2023-06")]:
        a = pandas_mrr_movements(cols, s, e)
        b = duckdb_mrr_movements(cols, s, e)
        c = _brute_force(cols, s, e)
        _check_frame(a, s, e)
        assert_frame_equal(a, b)
        assert_frame_equal(a, c)
    print("other windows: all three agree")

    # Exact half-even ties: DuckDB round_even must agree with np.rint.
    import duckdb

    ties = np.arange(-5000, 5000) + 0.5
    ties = np.concatenate([ties, ties * 1e6 + 0.5, [2.0**52 + 1, 0.49999999999999994]])
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"i": np.arange(len(ties)), "x": ties}))
    got = con.execute("SELECT CAST(round_even(x, 0) AS BIGINT) FROM t ORDER BY i").fetchnumpy()
    got = next(iter(got.values()))
    assert (np.asarray(got) == np.rint(ties).astype(np.int64)).all()
    print("duckdb round_even == np.rint on", len(ties), "ties")

    # Randomised small inputs: pandas vs duckdb vs brute force.
    rng = np.random.default_rng(12345)
    intervals = np.array(list(INTERVAL_FACTOR))
    for _trial in range(150):
        n = int(rng.integers(1, 25))
        base = np.datetime64("2023-01-01")
        start = base + rng.integers(0, 700, size=n)
        end = (start + rng.integers(-3, 300, size=n)).astype("datetime64[D]")
        end[rng.random(n) < 0.3] = np.datetime64("NaT")
        # snap some boundaries onto month-ends / month starts
        me = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
        start = np.where(rng.random(n) < 0.2, me - 1, start)
        end = np.where(rng.random(n) < 0.2, me + rng.integers(0, 3, size=n) * 31 - 1, end)
        cols_r = {
            "customer_id": rng.integers(0, 6, size=n).astype(np.int64),
            "start": start.astype("datetime64[D]"),
            "end": end.astype("datetime64[D]"),
            "amount": np.round(rng.uniform(0, 120, size=n), int(rng.integers(0, 5))),
            "quantity": rng.integers(0, 5, size=n).astype(np.float64),
            "discount": rng.choice([0.0, 0.1, 0.5, 1.0, 0.333], size=n),
            "interval": rng.choice(intervals, size=n),
            "interval_count": rng.integers(1, 4, size=n).astype(np.int64),
        }
        sm = str(np.datetime64("2023-03", "M") + int(rng.integers(-4, 20)))
        em = str(np.datetime64(sm, "M") + int(rng.integers(0, 14)))
        a = pandas_mrr_movements(cols_r, sm, em)
        b = duckdb_mrr_movements(cols_r, sm, em)
        c = _brute_force(cols_r, sm, em)
        _check_frame(a, sm, em)
        assert_frame_equal(a, b)
        assert_frame_equal(a, c)
    print("150 random small inputs: pandas, duckdb and brute force agree")

    # Medium synthetic inputs: pandas vs duckdb (brute force would be too slow).
    for seed, (s, e) in enumerate([("2023-01", "2025-12"), ("2020-06", "2021-03"),
                                   ("2025-11", "2026-02"), ("2021-01", "2021-01")]):
        syn = synthetic_subscriptions(5000, seed=seed)
        a = pandas_mrr_movements(syn, s, e)
        _check_frame(a, s, e)
        assert_frame_equal(a, duckdb_mrr_movements(syn, s, e))
    print("medium synthetic inputs: pandas and duckdb agree")

    # Empty input.
    empty = {k: v[:0] for k, v in cols.items()}
    assert_frame_equal(pandas_mrr_movements(empty, "2024-01", "2024-03"),
                       duckdb_mrr_movements(empty, "2024-01", "2024-03"))
    assert (pandas_mrr_movements(empty, "2024-01", "2024-03")[MONEY_COLUMNS] == 0).all().all()
    print("empty input OK")


def _bench(n_customers: int, start_month: str, end_month: str, repeat: int) -> None:
    import time

    from pandas.testing import assert_frame_equal

    t0 = time.perf_counter()
    cols = synthetic_subscriptions(n_customers, seed=42)
    print(f"synthetic: {n_customers:,} customers, {len(cols['customer_id']):,} rows "
          f"({time.perf_counter() - t0:.2f}s to generate)")
    results = {}
    for name, fn in [("pandas", pandas_mrr_movements), ("duckdb", duckdb_mrr_movements)]:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            results[name] = fn(cols, start_month, end_month)
            times.append(time.perf_counter() - t0)
        print(f"{name:>7}: best {min(times):.2f}s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    assert_frame_equal(results["pandas"], results["duckdb"])
    _check_frame(results["pandas"], start_month, end_month)
    print("pandas and duckdb agree;", start_month, "..", end_month)
    print(results["pandas"].tail(3).to_string())


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=int, metavar="N_CUSTOMERS",
                        help="also time both baselines on N synthetic customers")
    parser.add_argument("--start-month", default="2023-01")
    parser.add_argument("--end-month", default="2025-12")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-selfcheck", action="store_true")
    args = parser.parse_args()
    if not args.skip_selfcheck:
        _selfcheck()
    if args.bench:
        _bench(args.bench, args.start_month, args.end_month, args.repeat)
