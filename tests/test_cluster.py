"""The cluster driver over the reference engine (``csmetrics.cluster.LocalEngine``).

The property of issue "beyond one machine": for random portfolios and random partitions
(the input's own partitions cut anywhere, empty ones included; any number of customer-hash
partitions, hashed with random salts), every metric an engine exposes equals the one
machine's result exactly. The same tasks run on Spark and Dask in ``test_engines.py``;
here they run in process, so hypothesis can try many partitions cheaply. Also: bad input
raises the same error families, every partition's problems at once, rows named by
partition and position.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from cluster_cases import BYS, Case, assert_cluster, case
from csmetrics.cluster import METRICS, LocalEngine, metric


def local_runner(n_in: int, n_out: int, salt: int, arrow: bool = False,
                 bounds: tuple[int, ...] | None = None) -> Any:
    def run(c: Case) -> Any:
        frame = pa.Table.from_pandas(c.frame, preserve_index=False) if arrow else c.frame

        def engine(data: Any, key: str, partitions: int | None) -> LocalEngine:
            # The skeleton pass cuts the input at ``bounds`` (or into n_in slices); the
            # partials pass hashes customers into ``partitions`` (or n_out) parts.
            first = LocalEngine(data, key, n_in, salt, bounds)
            second = LocalEngine(data, key, partitions or n_out, salt)
            return _TwoWay(first, second)

        return metric(c.name, engine, "local")(frame, *c.args, **c.options)
    return run


class _TwoWay:
    """An engine whose own partitions and hash partitions differ in number."""

    name = "a local engine"

    def __init__(self, own: LocalEngine, hashed: LocalEngine) -> None:
        self.own, self.hashed, self.key = own, hashed, own.key

    def map(self, task: Any, *, shuffle: bool, shared: Any = None) -> list[bytes]:
        return (self.hashed if shuffle else self.own).map(task, shuffle=shuffle, shared=shared)

    def local(self, value: Any) -> Any:
        return value

    def empty(self) -> Any:
        return self.own.empty()


def test_every_exposed_metric_is_the_issue_list() -> None:
    assert set(METRICS) == {
        "mrr", "mrr_series", "mrr_movements", "customer_count", "logo_churn_rate",
        "customer_retention_rate", "revenue_churn_rate", "quick_ratio", "arpa",
        "net_revenue_retention", "gross_revenue_retention", "nrr_series", "cohort_table",
        "survival_curve", "net_promoter_score", "customer_satisfaction_score",
        "customer_effort_score", "license_utilization", "active_users", "stickiness",
        "first_contact_resolution_rate"}
    for name in METRICS:
        assert callable(getattr(cm.spark, name))
        assert callable(getattr(cm.dask, name))


@pytest.mark.parametrize("name", METRICS)
@settings(max_examples=int(os.environ.get("CLUSTER_EXAMPLES", "25")))
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), by=st.sampled_from(BYS),
       n_in=st.integers(1, 5), n_out=st.integers(1, 6), arrow=st.booleans())
def test_any_partitions_give_the_one_machine_result(name: str, seed: int, n: int,
                                                    by: str | None, n_in: int, n_out: int,
                                                    arrow: bool) -> None:
    assert_cluster(case(name, seed, n, by), local_runner(n_in, n_out, seed, arrow))


@pytest.mark.parametrize("name", ["mrr_movements", "net_revenue_retention",
                                  "net_promoter_score", "active_users",
                                  "first_contact_resolution_rate"])
def test_empty_partitions_and_one_row_partitions(name: str) -> None:
    c = case(name, 7, 12, "field")
    n = len(c.frame)
    for bounds in [(0, 0, n // 2, n // 2, n), (1, 2, 3), (n,)]:
        assert_cluster(c, local_runner(len(bounds) + 1, 9, 3, bounds=bounds))


def test_details_are_read_from_the_workers_only_on_request() -> None:
    c = case("mrr_movements", 11, 30, None)
    calls: list[bool] = []

    class Counting(LocalEngine):
        def map(self, task: Any, *, shuffle: bool, shared: Any = None) -> list[bytes]:
            calls.append(shuffle)
            return super().map(task, shuffle=shuffle, shared=shared)

    fn = metric("mrr_movements", lambda d, k, p: Counting(d, k, 3), "local")
    result = fn(c.frame, *c.args)
    assert calls == [False, True]          # the skeleton pass, then the partials pass
    result.details()
    assert calls == [False, True, True]    # the details: one more pass, on request


def _bad_frame() -> pd.DataFrame:
    cols = cm.datasets.synthetic_columns(40, months=12, seed=3, start="2024-01")
    frame = pd.DataFrame(cols)
    frame["amount"] = frame["amount"].astype(object)
    frame.loc[3, "amount"] = "lots"        # slice 0
    frame.loc[len(frame) - 2, "amount"] = -5.0  # the last slice
    frame.loc[len(frame) - 1, "start"] = pd.NaT
    return frame


def test_every_partition_problem_is_reported_at_once() -> None:
    frame = _bad_frame()
    fn = metric("mrr", lambda d, k, p: LocalEngine(d, k, 3), "local")
    with pytest.raises(cm.DataValidationError) as info:
        fn(frame, "2024-06")
    text = str(info.value)
    assert "mrr on a local engine" in text
    parts = {p.part for p in info.value.problems}
    assert parts == {"partition 0", "partition 2"}, text
    assert {p.column for p in info.value.problems} >= {"amount", "start"}
    assert info.value.n_rows == len(frame)
    last = [p for p in info.value.problems if p.column == "amount" and p.part == "partition 2"]
    assert last
    assert last[0].positions[0] == len(frame) - 2 - 2 * (len(frame) // 3)
    # Locally the same rules break.
    with pytest.raises(cm.DataValidationError) as here:
        cm.mrr(frame, "2024-06")
    assert {p.column for p in here.value.problems} == {p.column for p in info.value.problems}


def test_a_currency_mixed_across_partitions_names_the_rows() -> None:
    cols = cm.datasets.synthetic_columns(20, months=12, seed=4, start="2024-01")
    frame = pd.DataFrame(cols).sort_values("customer_id", kind="stable").reset_index(drop=True)
    cut = int(np.flatnonzero(frame["customer_id"] != frame["customer_id"][0])[0])
    frame.loc[cut:, "currency"] = "EUR"     # each partition holds one currency; the whole two
    fn = metric("mrr_series", lambda d, k, p: LocalEngine(d, k, 2, bounds=(cut,)), "local")
    with pytest.raises(cm.CurrencyMismatchError) as info:
        fn(frame, "2024-01", "2024-12")
    with pytest.raises(cm.CurrencyMismatchError):
        cm.mrr_series(frame, "2024-01", "2024-12")
    text = str(info.value)
    assert "partition 0 row 0" in text, text
    assert "must hold one currency" in text, text
    assert info.value.n_rows == len(frame)


@pytest.mark.parametrize(("options", "match"), [
    ({"by": ["a", "b"]}, "by must be None, a column name or a mapping"),
    ({"weights": [1.0, 2.0]}, "weights= gives one weight per row"),
    ({"errors": "skip"}, "errors='skip' is not offered"),
    ({"frequency": "month"}, "frequency"),
])
def test_options_a_cluster_cannot_honour_are_refused(options: dict[str, Any], match: str
                                                     ) -> None:
    name = "net_promoter_score" if "weights" in options or "errors" in options else "mrr_series"
    fn = metric(name, lambda d, k, p: LocalEngine(d, k, 2), "local")
    args = () if name == "net_promoter_score" else ("2024-01", "2024-03")
    with pytest.raises(cm.InvalidParameterError, match=match):
        fn(pd.DataFrame({"customer_id": [1]}), *args, **options)


def test_a_bad_option_is_the_local_error() -> None:
    c = case("mrr_series", 2, 10, None)
    fn = metric("mrr_series", lambda d, k, p: LocalEngine(d, k, 2), "local")
    with pytest.raises(cm.InvalidParameterError) as here:
        cm.mrr_series(c.frame, "2024-01", "2024-06", freq="fortnight")
    with pytest.raises(cm.InvalidParameterError) as there:
        fn(c.frame, "2024-01", "2024-06", freq="fortnight")
    assert str(there.value) == str(here.value)


def test_columns_maps_the_input_names() -> None:
    c = case("mrr_movements", 5, 25, None)
    renamed = c.frame.rename(columns={"customer_id": "Customer ID", "amount": "Amount"})
    fn = metric("mrr_movements", lambda d, k, p: LocalEngine(d, k, 3), "local")
    got = fn(renamed, *c.args, columns={"customer_id": "Customer ID", "amount": "Amount"})
    want = cm.mrr_movements(c.frame, *c.args)
    assert np.array_equal(got["ending_mrr"], want["ending_mrr"])
    with pytest.raises(cm.InvalidParameterError, match="columns= maps the fields"):
        fn(renamed, *c.args, columns={"client": "Customer ID"})
    with pytest.raises(cm.ColumnNotFoundError):
        fn(renamed, *c.args)


def test_partitions_must_be_a_positive_whole_number() -> None:
    fn = metric("mrr", lambda d, k, p: LocalEngine(d, k, 2), "local")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(cm.InvalidParameterError, match="partitions"):
            fn(pd.DataFrame({"customer_id": [1]}), "2024-01", partitions=bad)


def test_the_signature_is_the_top_level_one_plus_two_options() -> None:
    import inspect

    for name in METRICS:
        top = inspect.signature(getattr(cm, name))
        there = inspect.signature(getattr(cm.spark, name))
        assert list(there.parameters)[:-2] == list(top.parameters)
        assert list(there.parameters)[-2:] == ["columns", "partitions"]
