"""Mergeable partials of the value metrics (and trial conversion): any partition of the
customers, combined, gives the whole's result bit for bit (``tests/partition.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.partials import PARTS, combine
from csmetrics.value.partials import PARTS as VALUE_PARTS
from partition import assert_partition, quiet, split
from test_contract import REGISTRY, W, _payments, _subscriptions, customer_mapping

SUBS = _subscriptions()
PAYMENTS = _payments()
SEEDS = st.integers(0, 2**32 - 1)
N_PARTS = st.integers(1, 4)


def _trials(n: int = 40, seed: int = 3) -> dict[str, np.ndarray]:
    """Free trials of 14 days in 2024, most followed by a paid span (some late, some never),
    a few still open; on two plans, a plan missing on some rows."""
    rng = np.random.default_rng(seed)
    day0 = np.datetime64("2024-01-01")
    ids, starts, ends, amounts, plans = [], [], [], [], []
    for c in range(n):
        start = day0 + np.timedelta64(int(rng.integers(0, 330)), "D")
        open_trial = rng.random() < 0.15
        ids.append(f"t{c:02d}")
        starts.append(start)
        ends.append(np.datetime64("NaT") if open_trial else start + np.timedelta64(14, "D"))
        amounts.append(0.0)
        plan = ["basic", "plus", None][int(rng.integers(0, 3))]
        plans.append(plan)
        if not open_trial and rng.random() < 0.7:
            ids.append(f"t{c:02d}")
            starts.append(start + np.timedelta64(int(rng.integers(0, 40)), "D"))
            ends.append(np.datetime64("NaT"))
            amounts.append(float(rng.integers(1, 9) * 10))
            plans.append(plan if rng.random() < 0.8 else "plus")
    return {"customer_id": np.array(ids), "start": np.array(starts, dtype="datetime64[D]"),
            "end": np.array(ends, dtype="datetime64[D]"), "amount": np.array(amounts),
            "plan": np.array(plans, dtype=object)}


def _payments_mixed() -> dict[str, np.ndarray]:
    """The contract's payments with a currency column (per customer) and a channel column
    (per payment, sometimes missing)."""
    cols = dict(PAYMENTS)
    rng = np.random.default_rng(8)
    cur = np.array(["USD", "EUR", "JPY"])[np.asarray(cols["customer_id"]) % 3]
    cols["amount"] = np.where(cur == "JPY", np.round(cols["amount"] * 100), cols["amount"])
    cols["currency"] = cur
    cols["channel"] = np.array(["web", "app", None], dtype=object)[rng.integers(0, 3, cur.size)]
    return cols


TRIALS = _trials()
PAYMENTS_MIXED = _payments_mixed()


def _bys(cols: dict[str, np.ndarray], column: str) -> list[Any]:
    return [None, customer_mapping(cols, leave_out=3), column]


CASES: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
    *[("cohort_table", SUBS, ("2024-01", "2024-06"), {"by": by})
      for by in _bys(SUBS, "plan")],
    ("cohort_table", SUBS, (), {"kind": "revenue"}),
    ("cohort_table", SUBS, (None, "2024-12"), {"by": "plan", "kind": "revenue"}),
    ("cohort_table", SUBS, ("2024-Q1", "2024-Q4"), {"freq": "quarter"}),
    *[("survival_curve", SUBS, ("2024-12",), {"by": by}) for by in _bys(SUBS, "plan")],
    ("survival_curve", SUBS, ("2024-09-15",), {"confidence": 0.8}),
    *[("trial_conversion_rate", TRIALS, W, {"by": by}) for by in _bys(TRIALS, "plan")],
    ("trial_conversion_rate", TRIALS, ("2024-03", "2024-08"), {"within_days": 20}),
    ("trial_conversion_rate", TRIALS, W, {"at": "2024-06-30"}),
    ("trial_conversion_rate", SUBS, W, {}),  # no trials at all
    *[("average_order_value", PAYMENTS, (), {"by": by}) for by in _bys(PAYMENTS, "customer_id")],
    ("average_order_value", PAYMENTS_MIXED, ("2024-03", "2024-09"), {"by": "currency"}),
    ("average_order_value", PAYMENTS, ("2024-02-10", "2024-05-20"), {}),
    *[("purchase_frequency", PAYMENTS, (), {"by": by}) for by in _bys(PAYMENTS, "customer_id")],
    ("purchase_frequency", {k: v for k, v in PAYMENTS_MIXED.items() if k != "currency"}, (),
     {"by": "channel", "freq": "month"}),
    ("average_order_value", PAYMENTS_MIXED, (), {"by": "currency"}),
    ("purchase_frequency", PAYMENTS, ("2024-01", "2024-06"), {"freq": "window"}),
    ("transactional_lifetime_value", PAYMENTS_MIXED, (),
     {"by": "currency", "lifespan": 3.0, "gross_margin": 0.7}),
    ("transactional_lifetime_value", PAYMENTS, (), {"lifespan": 2.0, "freq": "quarter"}),
]


@pytest.mark.parametrize(("name", "data", "args", "options"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
@settings(max_examples=6)
@given(seed=SEEDS, n_parts=N_PARTS)
def test_a_partition_of_the_customers_gives_the_whole(name: str, data: Any,
                                                      args: tuple[Any, ...],
                                                      options: dict[str, Any], seed: int,
                                                      n_parts: int) -> None:
    assert_partition(name, data, args, options, seed=seed, n_parts=n_parts)


def test_trial_detail_and_median_survive_a_partition() -> None:
    """What assert_partition does not compare: the per-trial list and the median."""
    steps = PARTS["trial_conversion_rate"]
    whole = quiet(cm.trial_conversion_rate, TRIALS, *W, by="plan")
    table, plan = steps.prepare(TRIALS, *W, by="plan")
    parts = split(table, steps.customer, seed=5, n_parts=3)
    merged = quiet(steps.finalize, combine([steps.partial(p, plan) for p in parts]), plan)
    assert int(whole["trials"].sum()) > 20
    assert int(whole["converted"].sum()) > 5
    for column in whole.trials_detail.column_names:
        a, b = whole.trials_detail[column], merged.trials_detail[column]
        assert a.tolist() == b.tolist() or np.array_equal(a, b, equal_nan=True), column
    assert str(whole.trials_detail) == str(merged.trials_detail)


def test_survival_medians_survive_a_partition() -> None:
    steps = PARTS["survival_curve"]
    table, plan = steps.prepare(SUBS, "2024-12", by="plan")
    parts = split(table, steps.customer, seed=2, n_parts=4)
    merged = quiet(steps.finalize, combine([steps.partial(p, plan) for p in parts]), plan)
    whole = quiet(cm.survival_curve, SUBS, "2024-12", by="plan")
    assert str(whole.medians) == str(merged.medians)


def test_a_part_of_only_unmapped_customers_adds_to_none() -> None:
    """A mapping that names no customer of a part: that part is all "(none)", not an
    error (the plan, not the part, resolves a mapping)."""
    mapping = customer_mapping(SUBS, leave_out=3)
    unmapped = set(np.unique(SUBS["customer_id"]).tolist()) - set(mapping)
    steps = PARTS["cohort_table"]
    table, plan = steps.prepare(SUBS, "2024-01", "2024-06", by=mapping)
    lonely = np.isin(table.customer_ids[table.customer_codes], list(unmapped))
    parts = [steps.partial(table.take(rows), plan) for rows in (lonely, ~lonely)]
    merged = quiet(steps.finalize, combine(parts), plan)
    whole = quiet(cm.cohort_table, SUBS, "2024-01", "2024-06", by=mapping)
    assert str(merged) == str(whole)
    assert np.array_equal(merged.values, whole.values, equal_nan=True)


@pytest.mark.parametrize(("name", "data", "args", "options"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_an_empty_part_adds_zeros(name: str, data: Any, args: tuple[Any, ...],
                                  options: dict[str, Any]) -> None:
    """A part without rows (a cluster's empty partition) has the plan's shapes, all zero."""
    steps = PARTS[name]
    table, plan = quiet(steps.prepare, data, *args, **options)
    empty = steps.partial(table.take(np.zeros(len(table), dtype=bool)), plan)
    whole = steps.partial(table, plan)
    for key, array in whole.arrays.items():
        assert empty[key].shape == array.shape, key
        assert not empty[key].any(), key


def test_cohort_cells_are_integers_that_add() -> None:
    steps = PARTS["cohort_table"]
    table, plan = steps.prepare(SUBS, "2024-01", "2024-06", by="plan", kind="revenue")
    odd = table.customer_codes % 2 == 1
    halves = [steps.partial(table.take(rows), plan) for rows in (odd, ~odd)]
    whole = steps.partial(table, plan)
    for name, array in whole.arrays.items():
        assert array.dtype == np.int64, name
        assert np.array_equal(halves[0][name] + halves[1][name], array), name
    result = quiet(cm.cohort_table, SUBS, "2024-01", "2024-06", by="plan", kind="revenue")
    assert int(whole["active"][..., 0].sum()) == int(result["customers"].sum())


def test_every_partial_array_is_int64() -> None:
    for name, data, args, options in CASES:
        table, plan = quiet(PARTS[name].prepare, data, *args, **options)
        for key, array in PARTS[name].partial(table, plan).arrays.items():
            assert array.dtype == np.int64, f"{name} {key}"


def test_prepare_checks_options_in_the_metrics_name() -> None:
    with pytest.raises(cm.InvalidParameterError, match=r"^cohort_table: "):
        PARTS["cohort_table"].prepare(SUBS, kind="mrr")
    with pytest.raises(cm.InvalidParameterError, match=r"^survival_curve: "):
        PARTS["survival_curve"].prepare(SUBS, "2024-12", confidence=1.5)
    with pytest.raises(cm.InvalidParameterError, match=r"^trial_conversion_rate: "):
        PARTS["trial_conversion_rate"].prepare(TRIALS, *W, within_days=-1)
    with pytest.raises(cm.InvalidParameterError, match=r"^purchase_frequency: "):
        PARTS["purchase_frequency"].prepare(PAYMENTS, freq="decade")


VALUE = set(cm.value.__all__) | {"trial_conversion_rate"}


def test_every_additive_value_metric_has_partials() -> None:
    additive = {s.name for s in REGISTRY if s.additive and s.name in VALUE}
    assert additive == {"cohort_table", "average_order_value", "purchase_frequency",
                        "trial_conversion_rate"}
    assert additive <= set(VALUE_PARTS)
    assert set(VALUE_PARTS) <= set(PARTS)
