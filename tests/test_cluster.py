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
            # The input cut at ``bounds`` (or into n_in slices); repartitions hash ids into
            # ``partitions`` (or n_out) parts.
            return LocalEngine(data, key, n_in, salt, bounds, hashed=partitions or n_out)

        return metric(c.name, engine, "local")(frame, *c.args, **c.options)
    return run


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
        def map(self, task: Any, *, by: str | None, shared: Any = None) -> list[bytes]:
            calls.append(by)
            return super().map(task, by=by, shared=shared)

    fn = metric("mrr_movements", lambda d, k, p: Counting(d, k, 3), "local")
    result = fn(c.frame, *c.args)
    # The skeleton pass (by subscription: spans of one subscription meet), the partials pass
    # (by customer), and the details only on request, by customer.
    assert calls == ["subscription_id", "customer_id"]
    result.details()
    assert calls == ["subscription_id", "customer_id", "customer_id"]


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
    # Without subscription ids the skeleton pass reads the input's own partitions, so the
    # two currencies first meet in the driver's plan.
    frame = frame.drop(columns=["subscription_id"])
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


def _runner(name: str, n_in: int = 2, hashed: int = 3, seed: int = 0,
            bounds: tuple[int, ...] | None = None) -> Any:
    return metric(name, lambda d, k, p: LocalEngine(d, k, n_in, seed, bounds, hashed=p or hashed),
                  "local")


def test_a_subscription_id_shared_by_two_customers_across_partitions_is_an_error() -> None:
    # (From review: spans of subscription 5 overlap; its rows belong to two customers in
    # different input partitions, and neither is a data edge or a category's first row.)
    starts = ["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31", "2024-02-10",
              "2024-02-20", "2024-03-01", "2024-03-11", "2024-03-25", "2024-04-01",
              "2024-04-10"]
    frame = pd.DataFrame({
        "customer_id": ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c6", "c8", "c9"],
        "subscription_id": [0, 1, 2, 3, 4, 5, 6, 7, 5, 8, 9],
        "start": pd.to_datetime(starts), "end": pd.NaT, "amount": 10.0, "currency": "USD"})
    with pytest.raises(cm.DataValidationError) as here:
        cm.mrr(frame, "2024-06")
    for seed in range(4):
        with pytest.raises(cm.DataValidationError) as there:
            _runner("mrr", seed=seed, bounds=(7,))(frame, "2024-06")
        problem = there.value.problems[0]
        assert problem.column == here.value.problems[0].column
        assert (problem.part, problem.positions) == ("partition 1", (1,)), str(there.value)
        assert there.value.n_rows == len(frame)


def test_a_ticket_id_repeated_across_partitions_is_an_error() -> None:
    frame = pd.DataFrame({
        "ticket_id": [1, 2, 3, 2, 5], "customer_id": [10, 10, 10, 20, 20],
        "opened_at": pd.to_datetime(["2024-01-20", "2024-01-02", "2024-01-25",
                                     "2024-03-01", "2024-01-30"]),
        "resolved_at": pd.to_datetime(["2024-01-21", "2024-01-03", "2024-01-26",
                                       "2024-03-02", "2024-01-31"]),
        "contacts": [1, 1, 2, 1, 1]})
    with pytest.raises(cm.DataValidationError) as here:
        cm.first_contact_resolution_rate(frame, "2024-01-15", "2024-02-10")
    with pytest.raises(cm.DataValidationError) as there:
        _runner("first_contact_resolution_rate", bounds=(3,))(frame, "2024-01-15",
                                                             "2024-02-10")
    assert there.value.problems[0].column == here.value.problems[0].column == "ticket_id"
    assert there.value.problems[0].part == "partition 1"
    assert there.value.problems[0].positions == (0,)


def test_one_customer_written_as_1_1_0_and_text_is_never_split() -> None:
    # (From review: ids hashed as plain text put 1 and 1.0 in different partitions.)
    frame = pd.DataFrame({
        "customer_id": pd.Series([1, 2, 3, 1.0, 2.0, "3"], dtype=object),
        "start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01",
                                 "2024-05-01", "2024-05-15"]),
        "end": pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01", pd.NaT, pd.NaT,
                               pd.NaT]),
        "amount": [10.0, 20.0, 30.0, 15.0, 25.0, 35.0], "currency": "USD"})
    want = cm.mrr_movements(frame, "2024-01", "2024-06")
    for seed in range(6):
        got = _runner("mrr_movements", n_in=3, hashed=3, seed=seed)(frame, "2024-01",
                                                                     "2024-06")
        assert got.to_dict() == want.to_dict()
        assert got.details().to_dict() == want.details().to_dict()


def test_an_engine_that_loses_a_partition_answer_gives_no_result() -> None:
    c = case("mrr_movements", 3, 30, None)

    class Lossy(LocalEngine):
        def map(self, task: Any, *, by: str | None, shared: Any = None) -> list[bytes]:
            answers = super().map(task, by=by, shared=shared)
            return answers[:-1] if by == self.key else answers

    fn = metric("mrr_movements", lambda d, k, p: Lossy(d, k, 2, hashed=3), "local")
    with pytest.raises(cm.EngineError, match="answers were lost"):
        fn(c.frame, *c.args, **c.options)
