"""Cohort tables: hand-worked tables with reactivation and censoring, and properties checked
against a naive oracle that reads the definition straight from the docs."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics import Subscription
from csmetrics.exceptions import (
    CurrencyMismatchError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.value.cohorts import CohortTable, cohort_table


def sub(customer: str, start: str, amount: float, **kw: Any) -> Subscription:
    return Subscription(customer_id=customer, start=start, amount=amount, **kw)


def grid(t: CohortTable) -> list[list[float | None]]:
    """Values with NaN as None, for readable comparisons."""
    return [[None if np.isnan(v) else round(float(v), 6) for v in row] for row in t.values]


# Five customers over January-April 2024 (snapshots 31 Jan, 29 Feb, 31 Mar, 30 Apr):
#   a  pays $10 from 5 Jan, cancels 10 Mar        -> paying Jan, Feb
#   b  pays $30 from 20 Jan, upgrades to $60 on 1 Mar (consecutive spans)
#   c  pays $10 from 1 Feb, cancels 5 Mar, returns 15 Apr -> Feb, (not Mar), Apr
#   d  pays $20 from 20 Mar
#   e  starts 2 Apr and cancels 25 Apr: never paying at a month end, in no cohort
SUBS = [
    sub("a", "2024-01-05", 10, end="2024-03-10"),
    sub("b", "2024-01-20", 30, end="2024-03-01", subscription_id="b1"),
    sub("b", "2024-03-01", 60, subscription_id="b1"),
    sub("c", "2024-02-01", 10, end="2024-03-05"),
    sub("c", "2024-04-15", 10),
    sub("d", "2024-03-20", 20),
    sub("e", "2024-04-02", 99, end="2024-04-25"),
]


class TestHandWorked:
    def test_logo_shares_with_reactivation_and_censoring(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="1 of 4 cohorts have no customers"):
            t = cohort_table(SUBS, end="2024-04")
        assert t.cohorts == ("2024-01", "2024-02", "2024-03", "2024-04")
        # January: {a, b}; a gone in March. February: {c}; c gone in March, back in April
        # and still counted in February's cohort. March: {d}. April: nobody (e never
        # paid at a month end). Cells after April are censored: NaN, not 0.
        assert t.sizes.tolist() == [2, 1, 1, 0]
        assert grid(t) == [
            [1.0, 1.0, 0.5, 0.5],
            [1.0, 0.0, 1.0, None],
            [1.0, 1.0, None, None],
            [None, None, None, None],
        ]

    def test_revenue_shares_include_expansion_and_reactivation(self) -> None:
        with pytest.warns(UndefinedMetricWarning):
            t = cohort_table(SUBS, end="2024-04", kind="revenue")
        # January cohort MRR: 40 (a 10 + b 30), 40, then b's upgrade to 60 and a's churn: 60.
        assert t["starting_mrr"].tolist() == [40.0, 10.0, 20.0, 0.0]
        assert grid(t)[0] == [1.0, 1.0, 1.5, 1.5]
        assert grid(t)[1] == [1.0, 0.0, 1.0, None]
        assert t.mrr is not None
        assert t.mrr[0].tolist() == [40.0, 40.0, 60.0, 60.0]

    def test_window_start_drops_earlier_cohorts_even_when_they_return(self) -> None:
        # c's cohort is February; starting at March, c's April return is in no row.
        with pytest.warns(UndefinedMetricWarning):
            t = cohort_table(SUBS, start="2024-03", end="2024-04")
        assert t.cohorts == ("2024-03", "2024-04")
        assert t.sizes.tolist() == [1, 0]
        assert t.active[0].tolist()[:1] == [1.0]

    def test_default_window_runs_from_first_cohort_to_latest_date(self) -> None:
        with pytest.warns(UndefinedMetricWarning):  # nobody new in February or March
            t = cohort_table(SUBS[:3])  # latest date in the data: b's upgrade on 1 March
        assert t.cohorts == ("2024-01", "2024-02", "2024-03")
        assert grid(t)[0] == [1.0, 1.0, 0.5]

    def test_quarterly_cohorts_read_at_quarter_ends(self) -> None:
        t = cohort_table(SUBS, freq="quarter", end="2024-06")
        # 31 March: b, d paying (a and c cancelled in March). 30 June: b, c, d.
        # c was never paying at a quarter end before, so c is new in Q2.
        assert t.cohorts == ("2024-Q1", "2024-Q2")
        assert t.sizes.tolist() == [2, 1]
        assert grid(t) == [[1.0, 1.0], [1.0, None]]

    def test_by_plan_follows_the_customer_within_the_plan(self) -> None:
        subs = [sub("a", "2024-01-10", 10, plan="basic", end="2024-02-15"),
                sub("a", "2024-02-15", 50, plan="pro"),
                sub("b", "2024-01-10", 10, plan="basic")]
        with pytest.warns(UndefinedMetricWarning, match="have no customers"):
            t = cohort_table(subs, end="2024-03", by="plan")
        rows = {(p, c): v for p, c, v in zip(t["plan"], t["cohort"], grid(t), strict=True)}
        # a leaves 'basic' in February and joins 'pro' as a new February cohort member.
        assert rows[("basic", "2024-01")] == [1.0, 0.5, 0.5]
        assert rows[("pro", "2024-02")] == [1.0, 1.0, None]
        assert rows[("pro", "2024-01")] == [None, None, None]

    def test_by_mapping_splits_cohorts_and_sizes_add_up(self) -> None:
        subs = synthetic(300)
        segs = {c: ("big" if i % 3 == 0 else "small") for i, c in enumerate(subs.customer_ids)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            total = cohort_table(subs, end="2023-12")
            split = cohort_table(subs, end="2023-12", by=segs)
        n = len(total.cohorts)
        assert split.sizes.reshape(2, n).sum(axis=0).tolist() == total.sizes.tolist()
        np.testing.assert_array_equal(
            np.nan_to_num(split.active.reshape(2, n, -1).sum(axis=0), nan=-1),
            np.nan_to_num(total.active, nan=-1))


class TestAgreementWithMovements:
    def test_cohort_sizes_are_the_new_customers_of_each_period(self) -> None:
        subs = synthetic(2_000)
        t = cohort_table(subs, start="2023-01", end="2023-12")
        bridge = cm.mrr_movements(subs, "2023-01", "2023-12")
        assert t.sizes.tolist() == bridge["new_customers"].tolist()

    def test_age_zero_mrr_is_the_new_mrr(self) -> None:
        subs = synthetic(2_000)
        t = cohort_table(subs, start="2023-01", end="2023-12", kind="revenue")
        bridge = cm.mrr_movements(subs, "2023-01", "2023-12")
        np.testing.assert_allclose(t["starting_mrr"], bridge["new"])


class TestResult:
    def test_columns_render_and_convert(self) -> None:
        with pytest.warns(UndefinedMetricWarning):
            t = cohort_table(SUBS, end="2024-04", kind="revenue")
        assert t.column_names == ("cohort", "customers", "starting_mrr", "0", "1", "2", "3")
        assert repr(t) == "CohortTable(revenue, 4 rows x 4 ages, 2024-01 to 2024-04)"
        assert "Revenue cohorts by month" in str(t)
        assert "NaN" in t._repr_html_()
        d = t.to_dict()
        assert d["0"][0] == 1.0
        assert d["3"][1] != d["3"][1]  # NaN survives conversion, never 0
        assert t.ages == (0, 1, 2, 3)
        assert not t.values.flags.writeable


class TestErrors:
    def test_bad_options_get_the_shared_message(self) -> None:
        with pytest.raises(InvalidParameterError, match=re.escape(
                "cohort_table: kind must be one of 'logo', 'revenue', got 'seats'.")):
            cohort_table(SUBS, kind="seats")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match=r"^cohort_table: freq must be a "
                                                        r"period length.*got 'fortnight'\.$"):
            cohort_table(SUBS, freq="fortnight")
        with pytest.raises(InvalidParameterError, match="by must be None, a column name or a "
                                                        "mapping"):
            cohort_table(SUBS, by=3)  # type: ignore[arg-type]

    def test_start_after_end(self) -> None:
        with pytest.raises(InvalidParameterError, match="is after end"):
            cohort_table(SUBS, start="2024-05", end="2024-03")

    def test_empty_table_needs_a_window(self) -> None:
        empty = cm.SubscriptionTable.from_columns(
            {"customer_id": [], "start": np.array([], dtype="datetime64[D]"), "amount": []})
        with pytest.raises(InvalidParameterError, match="pass start and end"):
            cohort_table(empty)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = cohort_table(empty, "2024-01", "2024-02")
        # Empty input: every share NaN, with one warning that says why.
        assert [w.category for w in caught] == [UndefinedMetricWarning]
        assert "2 of 2 cohorts have no customers" in str(caught[0].message)
        assert t.sizes.tolist() == [0, 0]
        assert np.isnan(t.values).all()

    def test_revenue_never_sums_two_currencies(self) -> None:
        subs = [sub("a", "2024-01-10", 10), sub("b", "2024-01-10", 10, currency="EUR")]
        with pytest.raises(CurrencyMismatchError, match="by='currency'"):
            cohort_table(subs, end="2024-02", kind="revenue")
        with pytest.warns(UndefinedMetricWarning):
            t = cohort_table(subs, end="2024-02", kind="revenue", by="currency")
        assert t["currency"].tolist() == ["EUR", "EUR", "USD", "USD"]
        # Counting customers needs no single currency.
        with pytest.warns(UndefinedMetricWarning):
            assert cohort_table(subs, end="2024-02").sizes.tolist() == [2, 0]


class TestContract:
    """The metric contract (docs/conventions.md): signature, by=, one result type, inputs."""

    def test_the_window_is_positional(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            by_keyword = cohort_table(SUBS, start="2024-03", end="2024-04")
            positional = cohort_table(SUBS, "2024-03", "2024-04")
        assert grid(positional) == grid(by_keyword)
        with pytest.raises(TypeError):  # the options are keyword-only
            cohort_table(SUBS, "2024-03", "2024-04", "quarter")  # type: ignore[misc]

    def test_a_grid_has_no_single_value(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            t = cohort_table(SUBS, end="2024-04")
        assert isinstance(t, CohortTable)
        with pytest.raises(InvalidParameterError, match="CohortTable has no single value"):
            _ = t.value
        with pytest.raises(InvalidParameterError, match="no single value"):
            float(t)

    def test_by_mapping_puts_unmapped_customers_in_none(self) -> None:
        # a and b mapped to "x"; c, d (and e, never paying) unmapped: "(none)", last.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            t = cohort_table(SUBS, end="2024-04", by={"a": "x", "b": "x"})
            total = cohort_table(SUBS, end="2024-04")
        assert t["segment"].tolist() == ["x"] * 4 + ["(none)"] * 4
        # x: the January cohort {a, b}; (none): February {c}, March {d}.
        assert t.sizes.tolist() == [2, 0, 0, 0, 0, 1, 1, 0]
        assert t.sizes.reshape(2, 4).sum(axis=0).tolist() == total.sizes.tolist()

    def test_by_an_input_column_of_raw_columns(self) -> None:
        cols = {"customer_id": ["a", "b", "c"], "start": ["2024-01-10"] * 3,
                "end": ["2024-02-20", None, None], "amount": [10, 10, 10],
                "region": ["EU", "US", "EU"]}
        with pytest.warns(UndefinedMetricWarning, match="4 of 6 cohorts have no customers"):
            t = cohort_table(cols, "2024-01", "2024-03", by="region")
        assert t["region"].tolist() == ["EU"] * 3 + ["US"] * 3
        assert grid(t)[0] == [1.0, 0.5, 0.5]   # EU: a and c; a gone in February
        assert grid(t)[3] == [1.0, 1.0, 1.0]

    def test_records_columns_pandas_and_polars_give_one_table(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        cols = {k: [getattr(r, k) for r in SUBS] for k in
                ("customer_id", "subscription_id", "start", "end", "amount")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            results = [cohort_table(data, end="2024-04", kind="revenue").to_dict()
                       for data in (SUBS, cols, pd.DataFrame(cols), pl.DataFrame(cols))]
        for other in results[1:]:
            np.testing.assert_equal(other, results[0])  # NaN where censored, in every one

# --- properties ----------------------------------------------------------------------------------

EPOCH = dt.date(2023, 1, 1)
MONTH_ENDS = [dt.date(2023 + (m + 1) // 12, (m + 1) % 12 + 1, 1) - dt.timedelta(days=1)
              for m in range(18)]  # Jan 2023 .. Jun 2024


def synthetic(n: int) -> cm.SubscriptionTable:
    return cm.datasets.synthetic_portfolio(n, months=24, seed=7, start="2022-01")


@st.composite
def monthly_rows(draw: st.DrawFn, single_span: bool = False) -> list[dict[str, Any]]:
    """Monthly-billed spans over 2023 to mid-2024, a few customers, open or closed."""
    customers = ["a", "b", "c", "d", "e", "f"]
    rows = []
    for i in range(draw(st.integers(0, 12))):
        customer = customers[i] if single_span and i < len(customers) else (
            draw(st.sampled_from(customers)))
        if single_span and i >= len(customers):
            break
        start = EPOCH + dt.timedelta(days=draw(st.integers(0, 520)))
        length = draw(st.one_of(st.none(), st.integers(0, 300)))
        rows.append({"customer_id": customer, "subscription_id": f"s{i}", "start": start,
                     "end": None if length is None else start + dt.timedelta(days=length),
                     "amount": Fraction(draw(st.integers(0, 9_999)), 100)})
    return rows


def oracle(rows: list[dict[str, Any]], kind: str) -> tuple[list[int], list[list[float | None]]]:
    """Cohort sizes and shares by month, from each customer's cents at each month end."""
    cents: dict[str, list[int]] = {}
    for r in rows:
        cents.setdefault(r["customer_id"], [0] * len(MONTH_ENDS))
    for cust in cents:
        for k, day in enumerate(MONTH_ENDS):
            units = sum(round(r["amount"] * 10_000) for r in rows if r["customer_id"] == cust
                        and r["start"] <= day and (r["end"] is None or day < r["end"]))
            cents[cust][k] = (units + 50) // 100
    n = len(MONTH_ENDS)
    sizes = [0] * n
    level = [[0] * n for _ in range(n)]
    for series in cents.values():
        first = next((k for k, c in enumerate(series) if c > 0), None)
        if first is None:
            continue
        sizes[first] += 1
        for age in range(n - first):
            c = series[first + age]
            level[first][age] += (c > 0) if kind == "logo" else c
    shares: list[list[float | None]] = []
    for c in range(n):
        base = sizes[c] if kind == "logo" else level[c][0]
        shares.append([None if age > n - 1 - c or base == 0 else round(level[c][age] / base, 6)
                       for age in range(n)])
    return sizes, shares


def table_of(rows: list[dict[str, Any]]) -> cm.SubscriptionTable:
    cols: dict[str, Any] = {
        k: [float(r[k]) if isinstance(r[k], Fraction) else r[k] for r in rows]
        for k in ("customer_id", "subscription_id", "start", "end", "amount")}
    if not rows:
        cols["start"] = np.array([], dtype="datetime64[D]")
    return cm.SubscriptionTable.from_columns(cols)


@settings(max_examples=60)
@given(rows=monthly_rows(), kind=st.sampled_from(["logo", "revenue"]))
def test_matches_the_naive_oracle(rows: list[dict[str, Any]], kind: Any) -> None:
    sizes, shares = oracle(rows, kind)
    with warnings.catch_warnings():  # empty cohorts warn; that is tested elsewhere
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        t = cohort_table(table_of(rows), start="2023-01", end="2024-06", kind=kind)
    assert t.sizes.tolist() == sizes
    assert grid(t) == shares


@settings(max_examples=60)
@given(rows=monthly_rows(single_span=True))
def test_logo_shares_are_fractions_and_never_rise_without_reactivation(
        rows: list[dict[str, Any]]) -> None:
    # One span per customer: nobody can come back, so no share can rise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        t = cohort_table(table_of(rows), start="2023-01", end="2024-06")
    v = t.values
    seen = ~np.isnan(v)
    assert ((v[seen] >= 0) & (v[seen] <= 1)).all()
    steps = np.diff(v, axis=1)
    assert (steps[~np.isnan(steps)] <= 0).all()
