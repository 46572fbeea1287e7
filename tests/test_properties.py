"""Properties of the MRR bridge on generated portfolios, and a naive oracle to check it against.

The oracle is deliberately slow and obvious: exact fractions, a loop over every customer and
every snapshot date, the definition read straight from the docs. The kernel is event-based
and integer; they must agree to the cent.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from strategies import EPOCH, MONTHS, columns, portfolios

MONEY = ["starting_mrr", "new", "expansion", "contraction", "churn", "reactivation", "ending_mrr"]


# --- the oracle -------------------------------------------------------------------------------


def half_even(x: Fraction) -> int:
    return round(x)  # Fraction.__round__ rounds half to even


def oracle_cents(rows: list[dict[str, Any]], day: dt.date) -> dict[str, int]:
    """Each customer's MRR in cents on ``day``, straight from the definition."""
    units: dict[str, int] = {}
    for r in rows:
        if r["start"] <= day and (r["end"] is None or day < r["end"]):
            mrr = (r["amount"] * r["quantity"] * (1 - r["discount"])
                   / (MONTHS[r["interval"]] * r["interval_count"]))
            # Row MRR kept to 1/100 cent (half to even), customer total to cents (half up).
            units[r["customer_id"]] = units.get(r["customer_id"], 0) + half_even(mrr * 10_000)
    return {c: (u + 50) // 100 for c, u in units.items()}


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def oracle_bridge(rows: list[dict[str, Any]], first: tuple[int, int], n_months: int
                  ) -> list[list[int]]:
    """Monthly bridge in cents, by looping over every month end since the data began."""
    earliest = min((r["start"] for r in rows), default=EPOCH)
    y, m = min((earliest.year, earliest.month), first)
    snapshots: list[tuple[tuple[int, int], dict[str, int]]] = []
    while (y, m) <= _add(first, n_months - 1):
        snapshots.append(((y, m), oracle_cents(rows, month_end(y, m))))
        y, m = _add((y, m), 1)
    out = []
    for i, (ym, level) in enumerate(snapshots):
        if ym < first:
            continue
        prev = snapshots[i - 1][1] if i else {}
        seen = {c for _, lv in snapshots[:i] for c, v in lv.items() if v > 0}
        totals = dict.fromkeys(MONEY, 0)
        for c in set(prev) | set(level):
            p, cur = prev.get(c, 0), level.get(c, 0)
            if p == 0 and cur > 0:
                totals["reactivation" if c in seen else "new"] += cur
            elif p > 0 and cur == 0:
                totals["churn"] += p
            elif cur > p > 0:
                totals["expansion"] += cur - p
            elif 0 < cur < p:
                totals["contraction"] += p - cur
        totals["starting_mrr"] = sum(prev.values())
        totals["ending_mrr"] = sum(level.values())
        out.append([totals[k] for k in MONEY])
    return out


def _add(ym: tuple[int, int], k: int) -> tuple[int, int]:
    idx = ym[0] * 12 + ym[1] - 1 + k
    return idx // 12, idx % 12 + 1


def cents(result: cm.MRRMovements) -> list[list[int]]:
    return np.rint(np.column_stack([result[k] for k in MONEY]) * 100).astype(int).tolist()


# --- properties -------------------------------------------------------------------------------


@given(portfolios())
def test_kernel_matches_the_naive_oracle(rows: list[dict[str, Any]]) -> None:
    got = cm.mrr_movements(columns(rows), "2023-07", "2024-12")
    assert cents(got) == oracle_bridge(rows, (2023, 7), 18)


@given(portfolios())
def test_bridge_closes_to_the_cent_every_period(rows: list[dict[str, Any]]) -> None:
    r = cm.mrr_movements(columns(rows), "2023-01", "2024-12")
    c = np.array(cents(r))
    start, new, exp, con, churn, react, end = c.T
    assert (start + new + exp + react - con - churn == end).all()
    assert (start[1:] == end[:-1]).all()
    assert (c >= 0).all()


@given(portfolios(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a = cm.mrr_movements(columns(rows), "2023-01", "2024-12", by="plan")
    b = cm.mrr_movements(columns(shuffled), "2023-01", "2024-12", by="plan")
    assert a.to_dict() == b.to_dict()


@given(portfolios())
def test_records_path_equals_columns_path_equals_pandas_path(rows: list[dict[str, Any]]
                                                              ) -> None:
    import pandas as pd

    cols = columns(rows)
    from_records = cm.SubscriptionTable.from_records(
        [cm.Subscription(**{k: cols[k][i] for k in cols}) for i in range(len(rows))])
    from_columns = cm.SubscriptionTable.from_columns(cols)
    frame = pd.DataFrame(cols)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    from_pandas = cm.SubscriptionTable.from_columns(frame)
    results = [cm.mrr_movements(t, "2023-01", "2024-12").to_dict()
               for t in (from_records, from_columns, from_pandas)]
    assert results[0] == results[1] == results[2]


@given(portfolios(monthly_only=True), st.integers(2, 9))
def test_scaling_amounts_scales_money_and_not_counts(rows: list[dict[str, Any]], k: int
                                                     ) -> None:
    # Monthly plans with whole-cent prices and no partial discount have a whole-cent MRR,
    # so scaling is exact: every money column scales by k, every count stays.
    scaled = [{**r, "amount": r["amount"] * k} for r in rows]
    a = cm.mrr_movements(columns(rows), "2023-01", "2024-12")
    b = cm.mrr_movements(columns(scaled), "2023-01", "2024-12")
    for col in MONEY:
        np.testing.assert_allclose(b[col], k * a[col], rtol=1e-12, atol=1e-9)
    for col in a.column_names:
        if col.endswith("customers"):
            assert (a[col] == b[col]).all()


@given(portfolios(), st.integers(2, 9))
def test_scaling_amounts_scales_mrr_within_rounding(rows: list[dict[str, Any]], k: int) -> None:
    # Any interval: each customer's MRR is rounded to the cent after scaling, so MRR levels
    # scale to within half a cent per customer on each side.
    scaled = [{**r, "amount": r["amount"] * k} for r in rows]
    a = cm.mrr_series(columns(rows), "2023-01", "2024-12")["mrr"]
    b = cm.mrr_series(columns(scaled), "2023-01", "2024-12")["mrr"]
    customers = len({r["customer_id"] for r in rows})
    assert np.abs(b - k * a).max(initial=0) <= 0.005 * (k + 1) * customers + 1e-9


@settings(max_examples=30)
@given(portfolios())
def test_segment_levels_add_up_to_the_total(rows: list[dict[str, Any]]) -> None:
    # With a row-level by= each (customer, plan) is rounded to the cent on its own, so the
    # plans' sum may differ from the customers' total by under a cent per such pair.
    total = cm.mrr_movements(columns(rows), "2023-01", "2024-12")
    split = cm.mrr_movements(columns(rows), "2023-01", "2024-12", by="plan")
    pairs = len({(r["customer_id"], r["plan"]) for r in rows})
    n_seg = len(split) // len(total)
    for col in ("starting_mrr", "ending_mrr"):
        summed = split[col].reshape(len(total), n_seg).sum(axis=1) if n_seg else 0
        np.testing.assert_allclose(summed, total[col], atol=0.005 * pairs + 1e-9)
