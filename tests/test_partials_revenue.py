"""Revenue metrics as mergeable partials: any partition of the customers gives the whole.

The property (``tests/partition.py``): the plan from the whole table, the partials of every
part of a random partition of the customers (some parts empty), combined and finalized, equal
the metric over the whole, column by column and bit for bit. Random portfolios come from the
synthetic generator with random seeds and sizes, one and three currencies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.datasets import synthetic_columns
from csmetrics.partials import PARTS, combine
from csmetrics.revenue.partials import PARTS as REVENUE
from partition import assert_partition, assert_same, quiet, split
from test_contract import REGISTRY, customer_mapping

W = ("2024-01", "2024-12")
CALLS: dict[str, tuple[Any, ...]] = {
    "mrr": ("2024-06",), "arpa": ("2024-06",), "customer_count": ("2024-06",),
    "mrr_series": W, "mrr_movements": W, "logo_churn_rate": W,
    "customer_retention_rate": W, "revenue_churn_rate": W, "quick_ratio": W,
    "net_revenue_retention": W, "gross_revenue_retention": W,
    "nrr_series": ("2024-10", "2024-12"),
    "arr": ("2024-06",), "average_selling_price": W, "renewals": W,
    "churn_breakdown": W, "product_movements": W,
}
POLICIES = [None, cm.MetricPolicy(same_period_churn=True),
            cm.MetricPolicy(free_customers="customers", reactivation_window_days=60)]
FX = cm.FxRates.constant({"EUR": 1.1, "GBP": 1.27, "USD": 1.0}, reporting_currency="USD")
TAKES_POLICY = {"customer_count", "logo_churn_rate", "customer_retention_rate",
                "revenue_churn_rate", "quick_ratio", "net_revenue_retention",
                "gross_revenue_retention", "nrr_series", "mrr_movements", "churn_breakdown",
                "product_movements"}
TAKES_FX = {"mrr", "arpa", "mrr_series", "mrr_movements", "revenue_churn_rate", "quick_ratio",
            "net_revenue_retention", "gross_revenue_retention", "nrr_series"}


def _portfolio(seed: int, n: int, currencies: tuple[str, ...] = ("USD",)) -> dict[str, Any]:
    cols = synthetic_columns(n, months=15, seed=seed, start="2023-10", currencies=currencies)
    rng = np.random.default_rng(seed)
    cols["plan"] = rng.choice(["basic", "pro", "team"], cols["start"].size)
    # What churn_breakdown and product_movements split by (the others ignore them).
    cols["product"] = rng.choice(["core", "api"], cols["start"].size)
    cols["churn_reason"] = rng.choice(np.array(["price", "support", None], dtype=object),
                                      cols["start"].size)
    return cols


def test_every_additive_revenue_metric_is_registered() -> None:
    revenue = {s.name for s in REGISTRY if s.data == "subscriptions" and s.additive}
    assert revenue - set(PARTS) <= {"trial_conversion_rate", "cohort_table", "seats_at"}
    assert set(REVENUE) == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
@given(seed=st.integers(0, 10_000), n_parts=st.integers(1, 4), n=st.integers(1, 30),
       by=st.sampled_from([None, "plan", "mapping", "customer_id"]),
       policy=st.sampled_from(range(len(POLICIES))))
def test_partitions_combine_to_the_whole(name: str, seed: int, n_parts: int, n: int,
                                         by: str | None, policy: int) -> None:
    cols = _portfolio(seed, n)
    options: dict[str, Any] = {}
    if by is not None:
        options["by"] = customer_mapping(cols, leave_out=2) if by == "mapping" else by
    if name in TAKES_POLICY and POLICIES[policy] is not None:
        options["policy"] = POLICIES[policy]
    if name in ("nrr_series",):
        options["window"] = "6M"
    assert_partition(name, cols, CALLS[name], options, seed=seed, n_parts=n_parts)


@pytest.mark.parametrize("name", sorted(TAKES_FX))
@given(seed=st.integers(0, 10_000), n_parts=st.integers(1, 4),
       by=st.sampled_from([None, "plan", "currency"]))
def test_partitions_combine_with_exchange_rates(name: str, seed: int, n_parts: int,
                                                by: str | None) -> None:
    cols = _portfolio(seed, 25, currencies=("USD", "EUR", "GBP"))
    options: dict[str, Any] = {"fx": FX}
    if by is not None:
        options["by"] = by
    assert_partition(name, cols, CALLS[name], options, seed=seed, n_parts=n_parts)


@pytest.mark.parametrize("method", ["cohort", "bridge"])
def test_both_retention_methods_combine(method: str) -> None:
    cols = _portfolio(3, 40)
    for name in ("net_revenue_retention", "gross_revenue_retention", "nrr_series"):
        options: dict[str, Any] = {"method": method}
        if name == "nrr_series":
            options["window"] = "3M"
        assert_partition(name, cols, CALLS[name], options, seed=1, n_parts=2)


def test_bridge_partials_are_integer_cents_that_add() -> None:
    # Two customers, one per part: each part's bridge holds only its own customer, and the
    # sums are the whole's. a: $100 from Jan; b: $50 in Jan and Feb only.
    cols = {"customer_id": ["a", "b"], "start": ["2024-01-01", "2024-01-05"],
            "end": [None, "2024-03-01"], "amount": [100, 50]}
    steps = PARTS["mrr_movements"]
    table, plan = steps.prepare(cols, "2024-01", "2024-03")
    parts = [steps.partial(table.take(table.customer_codes == c), plan) for c in (0, 1)]
    assert all(p["ending"].dtype == np.int64 for p in parts)
    assert parts[0]["ending"].tolist() == [[10_000, 10_000, 10_000]]
    assert parts[1]["ending"].tolist() == [[5_000, 5_000, 0]]
    merged = steps.finalize(combine(parts), plan)
    assert merged["ending_mrr"].tolist() == [150.0, 150.0, 100.0]
    assert merged["churn"].tolist() == [0.0, 0.0, 50.0]


def test_details_of_a_combined_bridge_come_from_the_whole_table() -> None:
    cols = _portfolio(5, 20)
    steps = PARTS["mrr_movements"]
    table, plan = steps.prepare(cols, *W)
    parts = split(table, steps.customer, 0, 3)
    merged = steps.finalize(combine([steps.partial(p, plan) for p in parts]), plan)
    whole = quiet(cm.mrr_movements, cols, *W)
    assert merged.details().to_dict() == whole.details().to_dict()


def test_parts_of_another_plan_do_not_combine() -> None:
    cols = _portfolio(5, 20)
    steps = PARTS["mrr_movements"]
    table, plan = steps.prepare(cols, "2024-01", "2024-06")
    _, other = steps.prepare(cols, "2024-01", "2024-03")
    with pytest.raises(cm.InvalidParameterError, match="share one plan"):
        combine([steps.partial(table, plan), steps.partial(table, other)])


def test_value_and_revenue_parts_of_one_table_do_not_share_change_points() -> None:
    # By a row column with one value per customer, the revenue engine numbers entities by
    # customer code, the value metrics by (customer, region) pair: one part's cached change
    # points must not serve the other (found in review: an IndexError, or mixed segments).
    def table() -> cm.SubscriptionTable:
        return cm.SubscriptionTable.from_columns({
            "customer_id": ["a", "b", "c", "d"],
            "start": ["2024-01-10", "2024-01-10", "2024-02-10", "2024-02-10"],
            "end": [None, "2024-04-10", None, "2024-05-10"], "amount": [10.0, 20.0, 30.0, 40.0],
            "region": ["EU", "US", "EU", "US"]}, segments=["region"])

    def merged(subs: Any, name: str, parts: list[Any], *args: Any, **options: Any) -> Any:
        steps = PARTS[name]
        _, plan = steps.prepare(subs, *args, **options)
        return steps.finalize(combine([steps.partial(p, plan) for p in parts]), plan)

    for first, second in (("mrr_movements", "cohort_table"), ("cohort_table", "mrr_movements")):
        subs = table()
        parts = [subs.take(np.array([1, 3])), subs.take(np.array([0, 2]))]
        windows = {"mrr_movements": ("2024-02", "2024-06"), "cohort_table": ("2024-01", "2024-06")}
        for name in (first, second):
            got = merged(subs, name, parts, *windows[name], by="region")
            want = quiet(getattr(cm, name), table(), *windows[name], by="region")
            assert_same(want, got, name)
    # Revenue alone: a part's partial, then the metric of that part as a table of its own.
    subs = table()
    part = subs.take(np.array([1, 3, 2]))
    steps = PARTS["mrr_movements"]
    _, plan = steps.prepare(subs, "2024-02", "2024-06", by="region")
    steps.partial(part, plan)
    own = cm.mrr_movements(part, "2024-02", "2024-06", by="region")
    fresh = cm.mrr_movements(table().take(np.array([1, 3, 2])), "2024-02", "2024-06",
                             by="region")                       # no cache shared
    assert_same(fresh, own, "a part as a table")
    assert own["ending_mrr"].tolist()[-2:] == [30.0, 0.0]       # June: EU c, US none


@pytest.mark.parametrize("window", [["2024-01"], np.array("2024-01"), {"a": 1}])
def test_a_window_that_cannot_be_a_key_is_an_invalid_parameter(window: Any) -> None:
    subs = _portfolio(1, 5)
    for metric in (cm.mrr_movements, cm.net_revenue_retention):
        with pytest.raises(cm.InvalidParameterError):
            metric(subs, window, "2024-06")
