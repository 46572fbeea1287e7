"""churn_breakdown: lost MRR and churned customers by churn reason and type.

Hand-worked portfolios (the arithmetic beside each number) and, on hypothesis portfolios,
the reconciliation the definition promises: the split adds up to ``mrr_movements``' churn
and churned customers, period by period and segment by segment, to the cent.
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


def sub(customer: str, start: str, amount: float, **kw: Any) -> Subscription:
    return Subscription(customer_id=customer, start=start, amount=amount, **kw)


def cells(result: cm.ChurnBreakdown, *names: str) -> dict[tuple[Any, ...], list[Any]]:
    """(period, [segment,] label) -> values of ``names``."""
    keys = ["period", *([result.segment_column] if result.segment_column else []),
            result.label_column]
    return {tuple(result[k][i] for k in keys): [result[n][i] for n in names]
            for i in range(len(result))}


def quiet(fn: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        return fn()


PORTFOLIO = [
    # January: a ($100, price, voluntary) and b ($50, no reason, delinquent) churn.
    sub("a", "2023-12-01", 100, end="2024-01-20", churn_reason="price",
        churn_type="voluntary"),
    sub("b", "2023-12-01", 50, end="2024-01-25", churn_type="delinquent"),
    # February: c cancels its two subscriptions; the one ending last (Feb 20, "support")
    # is the churn's, so all of c's $70 is "support": $30 + $40.
    sub("c", "2023-12-01", 30, end="2024-02-10", churn_reason="price"),
    sub("c", "2023-12-01", 40, end="2024-02-20", churn_reason="support",
        churn_type="voluntary"),
    # d stays: its cancelled add-on ($10, "price", Jan 15) is contraction, not churn.
    sub("d", "2023-12-01", 80),
    sub("d", "2023-12-01", 10, end="2024-01-15", churn_reason="price"),
]


def test_reasons_hand_worked() -> None:
    r = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02"))
    got = cells(r, "churned_mrr", "churned_customers", "mrr_share")
    # January: price 100 of 150 (2/3), unknown 50 (1/3); d's add-on is not churn.
    assert got[("2024-01", "price")] == pytest.approx([100.0, 1, 100 / 150])
    assert got[("2024-01", "(unknown)")] == pytest.approx([50.0, 1, 50 / 150])
    assert got[("2024-01", "support")] == [0.0, 0, 0.0]
    # February: c's 30 + 40 = 70, all "support" (its last subscription to end).
    assert got[("2024-02", "support")] == pytest.approx([70.0, 1, 1.0])
    assert got[("2024-02", "price")] == [0.0, 0, 0.0]
    # Labels: the table's reasons in sorted order, then "(unknown)".
    assert r["churn_reason"].tolist()[:3] == ["price", "support", "(unknown)"]


def test_types_hand_worked() -> None:
    r = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02", split="type"))
    got = cells(r, "churned_mrr", "churned_customers")
    assert got[("2024-01", "voluntary")] == [100.0, 1]
    assert got[("2024-01", "delinquent")] == [50.0, 1]
    assert got[("2024-01", "(unknown)")] == [0.0, 0]
    # c's last subscription says "voluntary": the $70 is voluntary.
    assert got[("2024-02", "voluntary")] == [70.0, 1]
    assert r.label_column == "churn_type"


def test_the_totals_are_the_bridges_churn() -> None:
    r = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02"))
    bridge = cm.mrr_movements(PORTFOLIO, "2024-01", "2024-02")
    lost = r.to_pandas(index=False).groupby("period")[["churned_mrr", "churned_customers"]].sum()
    assert lost["churned_mrr"].tolist() == bridge["churn"].tolist()           # 150, 70
    assert lost["churned_customers"].tolist() == bridge["churned_customers"].tolist()


def test_a_tie_on_the_end_day_goes_to_the_larger_subscription() -> None:
    subs = [sub("a", "2023-12-01", 20, end="2024-01-20", churn_reason="price"),
            sub("a", "2023-12-01", 60, end="2024-01-20", churn_reason="missing feature")]
    r = cm.churn_breakdown(subs, "2024-01", "2024-01")
    got = cells(r, "churned_mrr")
    assert got[("2024-01", "missing feature")] == [80.0]   # 20 + 60, the $60 row's reason
    assert got[("2024-01", "price")] == [0.0]


def test_a_tie_of_end_and_mrr_prefers_a_reason_then_the_first_reason() -> None:
    subs = [sub("a", "2023-12-01", 20, end="2024-01-20"),
            sub("a", "2023-12-01", 20, end="2024-01-20", churn_reason="zeta"),
            sub("a", "2023-12-01", 20, end="2024-01-20", churn_reason="alpha")]
    got = cells(quiet(lambda: cm.churn_breakdown(subs, "2024-01", "2024-01")), "churned_mrr")
    assert got[("2024-01", "alpha")] == [60.0]
    for order in ([2, 0, 1], [1, 2, 0]):
        again = cm.churn_breakdown([subs[i] for i in order], "2024-01", "2024-01")
        assert cells(quiet(lambda again=again: again), "churned_mrr") == got


def test_a_customer_who_comes_and_goes_inside_a_month_is_counted_with_its_reason() -> None:
    # Jan 5 to Jan 20: never at a month end. With same_period_churn it is new and churn
    # ($40 lost); by default it is not counted at all.
    subs = [sub("a", "2024-01-05", 40, end="2024-01-20", churn_reason="trial only")]
    policy = cm.MetricPolicy(same_period_churn=True)
    got = cells(cm.churn_breakdown(subs, "2024-01", "2024-01", policy=policy),
                "churned_mrr", "churned_customers")
    assert got[("2024-01", "trial only")] == [40.0, 1]
    default = cells(quiet(lambda: cm.churn_breakdown(subs, "2024-01", "2024-01")),
                    "churned_mrr", "churned_customers")
    assert default[("2024-01", "trial only")] == [0.0, 0]


def test_no_churn_is_a_nan_share_with_a_warning() -> None:
    subs = [sub("a", "2023-12-01", 40, churn_reason="price")]
    with pytest.warns(cm.UndefinedMetricWarning, match="churned MRR of the period"):
        r = cm.churn_breakdown(subs, "2024-01", "2024-01")
    assert r["churned_mrr"].tolist() == [0.0, 0.0]
    assert np.isnan(r["mrr_share"]).all()


def test_split_by_a_customer_mapping_keeps_unmapped_churn() -> None:
    r = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-01", by={"a": "east"}))
    got = cells(r, "churned_mrr")
    assert got[("2024-01", "east", "price")] == [100.0]
    assert got[("2024-01", "(none)", "(unknown)")] == [50.0]


def test_a_bad_split_has_the_one_message_shape() -> None:
    with pytest.raises(cm.InvalidParameterError, match=r"^churn_breakdown: split must be "):
        cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02", split="reasons")


def test_result_views() -> None:
    r = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02"))
    assert repr(r) == "ChurnBreakdown(by reason, 2 periods, 2024-01 to 2024-02, USD)"
    assert "\n" not in repr(r)
    assert r.to_dict()["churn_reason"][:3] == ["price", "support", "(unknown)"]
    assert r.to_polars().shape == (6, 5)
    evil = [sub("a", "2023-12-01", 10, end="2024-01-10", churn_reason="<b>cost</b>")]
    html = quiet(lambda: cm.churn_breakdown(evil, "2024-01", "2024-01"))._repr_html_()
    assert "<b>cost" not in html
    assert "&lt;b&gt;cost" in html


def test_plot_stacks_lost_mrr_by_reason() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    r = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02"))
    ax = r.plot()
    assert len(ax.patches) == 6                      # 2 periods x 3 labels
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [0.0, 0.0, 0.0, 50.0, 70.0, 100.0]
    split = quiet(lambda: cm.churn_breakdown(PORTFOLIO, "2024-01", "2024-02",
                                             by={"a": "east"}))
    with pytest.raises(cm.InvalidParameterError, match="pass segment="):
        split.plot()
    assert len(split.plot(segment="east").patches) == 6


# --- reconciliation with the bridge, on hypothesis portfolios -------------------------------

REASONS = st.sampled_from([None, "price", "support", "moved"])
TYPES = st.sampled_from([None, "voluntary", "delinquent"])
ROW = st.tuples(st.integers(0, 5), st.integers(0, 150), st.integers(0, 200),
                st.sampled_from([0, 10, 25.5, 99.99, 100]), REASONS, TYPES,
                st.sampled_from(["basic", "pro"]))


def _subs(rows: list[tuple[Any, ...]]) -> list[Subscription]:
    day0 = np.datetime64("2023-11-15")
    out = []
    for c, s, d, amount, reason, kind, plan in rows:
        start = day0 + np.timedelta64(s, "D")
        end = None if d > 180 else start + np.timedelta64(d, "D")
        out.append(Subscription(customer_id=f"c{c}", start=str(start),
                                end=None if end is None else str(end), amount=amount,
                                churn_reason=reason, churn_type=kind, plan=plan))
    return out


POLICIES = st.sampled_from([None, cm.MetricPolicy(free_customers="customers"),
                            cm.MetricPolicy(same_period_churn=True),
                            cm.MetricPolicy(same_period_churn=True, free_customers="customers")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, max_size=12), st.sampled_from(["split", None, "plan", "map"]), POLICIES)
def test_the_split_reconciles_with_mrr_movements(rows: list[tuple[Any, ...]], by: Any,
                                                 policy: cm.MetricPolicy | None) -> None:
    subs = _subs(rows)
    if by == "map":   # every customer but one mapped (a mapping must map some customer)
        ids = sorted({s.customer_id for s in subs})
        by = {c: "xy"[i % 2] for i, c in enumerate(ids[:-1] or ids)} if ids else None
    elif by == "split":
        by = None
    bridge = cm.mrr_movements(subs, "2024-01", "2024-04", by=by, policy=policy)
    seg = bridge.segment_column
    lost = {(p, *([bridge[seg][i]] if seg else [])): (round(bridge["churn"][i] * 100),
                                                      int(bridge["churned_customers"][i]))
            for i, p in enumerate(bridge["period"])}
    for split in ("reason", "type"):
        r = quiet(lambda split=split: cm.churn_breakdown(subs, "2024-01", "2024-04", by=by,
                                                         policy=policy, split=split))
        summed: dict[tuple[Any, ...], list[int]] = {}
        for i, p in enumerate(r["period"]):
            key = (p, *([r[seg][i]] if seg else []))
            cell = summed.setdefault(key, [0, 0])
            cell[0] += round(r["churned_mrr"][i] * 100)
            cell[1] += int(r["churned_customers"][i])
        assert {k: tuple(v) for k, v in summed.items()} == lost
