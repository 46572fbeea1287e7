"""product_movements: expansion as upsell and cross-sell, contraction as downsell and removal.

Hand-worked splits (the arithmetic beside each number) and, on hypothesis portfolios, the
reconciliation the definition promises: upsell + cross-sell is the bridge's expansion and
downsell + product removal its contraction, per period and segment, to the cent.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics import Subscription

PARTS = ["expansion", "upsell", "cross_sell", "contraction", "downsell", "product_removal"]


def sub(customer: str, start: str, amount: float, product: str | None, **kw: Any
        ) -> Subscription:
    return Subscription(customer_id=customer, start=start, amount=amount, product=product,
                        **kw)


def quiet(fn: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        return fn()


def by_period(result: cm.ProductMovements, *names: str) -> dict[str, list[Any]]:
    names = names or tuple(PARTS)
    return {p: [result[n][i] for n in names] for i, p in enumerate(result["period"])}


def test_upsell_and_cross_sell_share_the_expansion_by_their_gains() -> None:
    # End of Dec: core $100 + sso $40 = $140. End of Jan: core $150 (+50, upsell gain),
    # api $50 (+50, cross-sell gain), sso gone (-40, offsets). Expansion 200 - 140 = 60:
    # upsell = 60 * 50 / 100 = 30, cross-sell = 60 - 30 = 30. Rates over $140.
    subs = [sub("a", "2023-12-01", 100, "core"), sub("a", "2024-01-10", 50, "core"),
            sub("a", "2024-01-10", 50, "api"),
            sub("a", "2023-12-01", 40, "sso", end="2024-01-10")]
    r = cm.product_movements(subs, "2024-01", "2024-01")
    assert by_period(r)["2024-01"] == [60.0, 30.0, 30.0, 0.0, 0.0, 0.0]
    assert r["upsell_rate"][0] == pytest.approx(30 / 140)
    assert r["cross_sell_rate"][0] == pytest.approx(30 / 140)
    assert r["upsell_customers"][0] == 1
    assert r["cross_sell_customers"][0] == 1


def test_gaining_a_and_losing_b_with_net_positive_is_all_cross_sell() -> None:
    # A new product B (+$100) and product C dropped (-$40), core unchanged: net +60, the
    # only gain is cross-sell, so cross-sell = 60 and upsell = 0; no product removal is
    # reported because the customer's movement is expansion.
    subs = [sub("a", "2023-12-01", 100, "core"), sub("a", "2024-01-10", 100, "b"),
            sub("a", "2023-12-01", 40, "c", end="2024-01-10")]
    r = cm.product_movements(subs, "2024-01", "2024-01")
    assert by_period(r)["2024-01"] == [60.0, 0.0, 60.0, 0.0, 0.0, 0.0]


def test_downsell_and_removal_share_the_contraction_by_their_losses() -> None:
    # Dec: core $70 + $30 (two seats rows), sso $20, nothing else: $120. Jan: the $30 core
    # row ends (downsell loss 30, core keeps $70), sso ends (removal loss 20), api +$10
    # (a gain: offsets). Contraction 120 - 80 = 40: downsell = 40 * 30 / 50 = 24,
    # removal = 16. Customer b is unchanged and in the starting MRR: $100.
    subs = [sub("a", "2023-12-01", 70, "core"),
            sub("a", "2023-12-01", 30, "core", end="2024-01-10"),
            sub("a", "2023-12-01", 20, "sso", end="2024-01-10"),
            sub("a", "2024-01-10", 10, "api"), sub("b", "2023-12-01", 100, "core")]
    r = cm.product_movements(subs, "2024-01", "2024-01")
    assert by_period(r)["2024-01"] == [0.0, 0.0, 0.0, 40.0, 24.0, 16.0]
    assert r["starting_mrr"][0] == 220.0
    assert r["downsell_rate"][0] == pytest.approx(24 / 220)
    assert r["product_removal_rate"][0] == pytest.approx(16 / 220)


def test_new_churn_and_reactivation_are_not_split() -> None:
    subs = [sub("a", "2023-12-01", 50, "core", end="2024-02-05"),
            sub("b", "2024-01-03", 20, "api")]
    r = cm.product_movements(subs, "2024-01", "2024-02")
    assert all(v == [0.0] * 6 for v in by_period(r).values())


def test_a_cent_split_three_ways_rounds_half_to_even() -> None:
    # Gains: core +$0.01 (upsell), api +$0.01 (cross-sell); sso -$0.01: net +$0.01.
    # upsell = round(1 * 1 / 2) = round(0.5) = 0 (half to even), cross-sell = 1 cent.
    subs = [sub("a", "2023-12-01", 10, "core"), sub("a", "2024-01-10", 0.01, "core"),
            sub("a", "2024-01-10", 0.01, "api"),
            sub("a", "2023-12-01", 0.01, "sso", end="2024-01-10")]
    r = cm.product_movements(subs, "2024-01", "2024-01")
    assert by_period(r, "expansion", "upsell", "cross_sell")["2024-01"] == [0.01, 0.0, 0.01]


def test_rows_without_a_product_are_one_product() -> None:
    # A row without a product next to a "core" row: adding another product-less row is an
    # upsell of that "(none)" product, since the customer had it at the period start.
    subs = [sub("a", "2023-12-01", 100, "core"), sub("a", "2023-12-01", 10, None),
            sub("a", "2024-01-10", 5, None)]
    r = cm.product_movements(subs, "2024-01", "2024-01")
    assert by_period(r)["2024-01"] == [5.0, 5.0, 0.0, 0.0, 0.0, 0.0]


def test_without_a_product_column_the_error_says_it_is_needed() -> None:
    subs = [Subscription(customer_id="a", start="2024-01-01", amount=10)]
    with pytest.raises(cm.ColumnNotFoundError, match="needs a 'product'"):
        cm.product_movements(subs, "2024-01", "2024-02")
    with pytest.raises(cm.ColumnNotFoundError, match="column 'product' not found"):
        cm.product_movements({"customer_id": ["a"], "start": ["2024-01-01"], "amount": [1]},
                             "2024-01", "2024-02")


def test_empty_input_is_a_result_of_zeros_and_nan_rates() -> None:
    empty = {"customer_id": [], "start": [], "amount": [], "product": []}
    with pytest.warns(cm.UndefinedMetricWarning, match="starting MRR"):
        r = cm.product_movements(empty, "2024-01", "2024-02")
    assert r["expansion"].tolist() == [0.0, 0.0]
    assert np.isnan(r["upsell_rate"]).all()


def test_split_by_product_makes_every_gain_an_upsell() -> None:
    # by="product": an entity is a (customer, product) pair, so a new product is "new" in
    # its segment, and the only expansion left is more of one product: upsell.
    subs = [sub("a", "2023-12-01", 100, "core"), sub("a", "2024-01-10", 50, "core"),
            sub("a", "2024-01-10", 50, "api")]
    r = quiet(lambda: cm.product_movements(subs, "2024-01", "2024-01", by="product"))
    core = r.row("core")
    assert [core[n][0] for n in ("expansion", "upsell", "cross_sell")] == [50.0, 50.0, 0.0]


def test_result_views() -> None:
    subs = [sub("a", "2023-12-01", 100, "core"), sub("a", "2024-01-10", 50, "api")]
    r = cm.product_movements(subs, "2024-01", "2024-02")
    assert repr(r) == "ProductMovements(2 periods, 2024-01 to 2024-02, USD)"
    assert r.to_pandas().loc["2024-01", "cross_sell"] == 50.0
    assert r.to_polars()["cross_sell"].to_list() == [50.0, 0.0]
    assert "<table" in r._repr_html_()


# --- reconciliation with the bridge, on hypothesis portfolios -------------------------------

ROW = st.tuples(st.integers(0, 4), st.integers(0, 150), st.integers(1, 200),
                st.sampled_from([0, 10, 25.5, 33.33, 99.99, 100]),
                st.sampled_from([None, "core", "api", "sso"]), st.sampled_from(["basic", "pro"]))


def _subs(rows: list[tuple[Any, ...]]) -> list[Subscription]:
    day0 = np.datetime64("2023-11-15")
    out = []
    for c, s, d, amount, product, plan in rows:
        start = day0 + np.timedelta64(s, "D")
        end = None if d > 180 else start + np.timedelta64(d, "D")
        out.append(Subscription(customer_id=f"c{c}", start=str(start),
                                end=None if end is None else str(end), amount=amount,
                                product=product, plan=plan, quantity=3))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=12).filter(lambda r: any(x[4] for x in r)),
       st.sampled_from([None, "plan", "product", "customer_id"]),
       st.sampled_from([None, cm.MetricPolicy(free_customers="customers")]))
def test_the_split_reconciles_with_mrr_movements(rows: list[tuple[Any, ...]], by: str | None,
                                                 policy: cm.MetricPolicy | None) -> None:
    subs = _subs(rows)
    bridge = cm.mrr_movements(subs, "2024-01", "2024-04", by=by, policy=policy)
    r = quiet(lambda: cm.product_movements(subs, "2024-01", "2024-04", by=by, policy=policy))

    def cents(result: Any, name: str) -> list[int]:
        return [round(v * 100) for v in result[name].tolist()]

    assert cents(r, "expansion") == cents(bridge, "expansion")
    assert cents(r, "contraction") == cents(bridge, "contraction")
    assert cents(r, "starting_mrr") == cents(bridge, "starting_mrr")
    up, cross = cents(r, "upsell"), cents(r, "cross_sell")
    down, gone = cents(r, "downsell"), cents(r, "product_removal")
    assert [a + b for a, b in zip(up, cross, strict=True)] == cents(bridge, "expansion")
    assert [a + b for a, b in zip(down, gone, strict=True)] == cents(bridge, "contraction")
    assert min(up + cross + down + gone, default=0) >= 0
