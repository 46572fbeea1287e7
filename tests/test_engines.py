"""The metrics on real engines: pyspark in ``local[2]`` mode and a Dask ``LocalCluster`` with
two worker processes, started by the tests.

For random portfolios, random input partitions and random customer-hash partition counts,
every metric of ``csmetrics.spark`` and ``csmetrics.dask`` equals the one machine's result
exactly (``cluster_cases.assert_cluster``), and bad input raises the same error families.
Spark needs a Java 17+ runtime: where none can be had, its tests skip saying so and the Dask
ones still run. Parquet datasets (a directory, hive-partitioned) are read straight into
either engine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csmetrics as cm
from cluster_cases import BYS, Case, assert_cluster, case
from csmetrics.cluster import METRICS

EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "2"))
ENGINE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow,
                                         HealthCheck.function_scoped_fixture])


def _java() -> str | None:
    """Why Spark cannot run here, or None when a Java 17+ runtime is found."""
    java = shutil.which("java", path=os.path.join(os.environ.get("JAVA_HOME", ""), "bin")
                        + os.pathsep + os.environ.get("PATH", ""))
    if java is None:
        return "no Java runtime (Spark 4 needs Java 17+: apt install openjdk-17-jre-headless)"
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    quoted = out.split('"')[1] if out.count('"') >= 2 else ""   # version "17.0.15"
    major = quoted.split(".")[0]
    if not major.isdigit() or int(major) < 17:
        return f"Java {quoted or '?'} found; Spark 4 needs Java 17+"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    reason = _java()
    if reason is not None:
        pytest.skip(reason)
    pyspark = pytest.importorskip("pyspark.sql")
    session = (pyspark.SparkSession.builder.master("local[2]").appName("csmetrics-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", "1g")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    distributed = pytest.importorskip("dask.distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=40)
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _spark_runner(session: Any, n_in: int, n_out: int) -> Any:
    def run(c: Case) -> Any:
        frame = session.createDataFrame(c.frame).repartition(n_in)
        return getattr(cm.spark, c.name)(frame, *c.args, partitions=n_out, **c.options)
    return run


def _dask_runner(n_in: int, n_out: int) -> Any:
    import dask.dataframe as dd

    def run(c: Case) -> Any:
        frame = dd.from_pandas(c.frame, npartitions=n_in, sort=False)
        return getattr(cm.dask, c.name)(frame, *c.args, partitions=n_out, **c.options)
    return run


@pytest.mark.parametrize("name", METRICS)
@ENGINE
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), by=st.sampled_from(BYS),
       n_in=st.integers(1, 3), n_out=st.integers(1, 5))
def test_spark_gives_the_one_machine_result(spark: Any, name: str, seed: int, n: int,
                                            by: str | None, n_in: int, n_out: int) -> None:
    assert_cluster(case(name, seed, n, by), _spark_runner(spark, n_in, n_out))


@pytest.mark.parametrize("name", METRICS)
@ENGINE
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), by=st.sampled_from(BYS),
       n_in=st.integers(1, 4), n_out=st.integers(1, 5))
def test_dask_gives_the_one_machine_result(dask_client: Any, name: str, seed: int, n: int,
                                           by: str | None, n_in: int, n_out: int) -> None:
    assert_cluster(case(name, seed, n, by), _dask_runner(n_in, n_out))


def _bad() -> pd.DataFrame:
    frame = pd.DataFrame(cm.datasets.synthetic_columns(30, months=12, seed=3, start="2024-01"))
    frame["amount"] = frame["amount"].astype(object).where(frame.index != 4, "lots")
    return frame


def test_spark_reports_bad_rows_by_partition(spark: Any) -> None:
    frame = _bad()
    with pytest.raises(cm.DataValidationError) as here:
        cm.mrr(frame.astype({"amount": str}), "2024-06")
    with pytest.raises(cm.DataValidationError) as there:
        cm.spark.mrr(spark.createDataFrame(frame.astype({"amount": str})), "2024-06")
    assert [p.column for p in there.value.problems] == [p.column for p in here.value.problems]
    assert there.value.problems[0].part.startswith("partition ")
    assert "mrr on Spark" in str(there.value)


def test_dask_reports_bad_rows_by_partition(dask_client: Any) -> None:
    import dask.dataframe as dd

    frame = _bad()
    with pytest.raises(cm.DataValidationError) as here:
        cm.mrr(frame, "2024-06")
    with pytest.raises(cm.DataValidationError) as there:
        cm.dask.mrr(dd.from_pandas(frame, npartitions=3), "2024-06")
    assert [p.column for p in there.value.problems] == [p.column for p in here.value.problems]
    assert there.value.problems[0].part == "partition 0"
    assert there.value.problems[0].positions == (4,)


def test_a_missing_column_is_the_local_error(spark: Any, dask_client: Any) -> None:
    import dask.dataframe as dd

    frame = pd.DataFrame({"client": [1, 2], "start": ["2024-01-01"] * 2, "amount": [1, 2]})
    with pytest.raises(cm.ColumnNotFoundError):
        cm.spark.mrr(spark.createDataFrame(frame), "2024-06")
    with pytest.raises(cm.ColumnNotFoundError):
        cm.dask.mrr(dd.from_pandas(frame, npartitions=1), "2024-06")
    with pytest.raises(cm.InvalidParameterError, match="needs a Spark DataFrame"):
        cm.spark.mrr(frame, "2024-06")
    with pytest.raises(cm.InvalidParameterError, match="needs a Dask DataFrame"):
        cm.dask.mrr(frame, "2024-06")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A hive-partitioned Parquet dataset (``region=EU/``...) of several files."""
    frame = pd.DataFrame(cm.datasets.synthetic_columns(120, months=15, seed=9,
                                                       start="2023-10"))
    frame["region"] = np.where(np.arange(len(frame)) % 3 == 0, "EU", "US")
    root = tmp_path_factory.mktemp("subscriptions")
    frame.to_parquet(root, partition_cols=["region"], index=False)
    return root, frame


def test_parquet_datasets_read_straight_into_spark(spark: Any, dataset: Any) -> None:
    root, frame = dataset
    df = cm.spark.read_parquet(spark, str(root))
    assert "region" in df.columns
    got = cm.spark.mrr_movements(df, "2024-01", "2024-12", by="region")
    want = cm.mrr_movements(frame, "2024-01", "2024-12", by="region")
    assert_cluster_same(want, got)


def test_parquet_datasets_read_straight_into_dask(dask_client: Any, dataset: Any) -> None:
    root, frame = dataset
    df = cm.dask.read_parquet(str(root))
    got = cm.dask.net_revenue_retention(df, "2024-01", "2024-12", by="region")
    want = cm.net_revenue_retention(frame, "2024-01", "2024-12", by="region")
    assert_cluster_same(want, got)


def test_dask_parquet_filters_skip_files_and_rows(dask_client: Any, dataset: Any) -> None:
    root, frame = dataset
    df = cm.dask.read_parquet(str(root), filters=[("region", "in", ["EU"])])
    got = cm.dask.mrr_series(df, "2024-01", "2024-12")
    want = cm.mrr_series(frame[frame["region"] == "EU"], "2024-01", "2024-12")
    assert_cluster_same(want, got)


def assert_cluster_same(want: Any, got: Any) -> None:
    from partition import assert_same

    assert_same(want, got, "parquet")


def _bad_dataset(root: Path) -> None:
    frame = pd.DataFrame(cm.datasets.synthetic_columns(20, months=12, seed=5, start="2024-01"))
    frame["amount"] = frame["amount"].astype(str)
    frame.loc[7, "amount"] = "lots"
    root.mkdir()
    frame.iloc[:10].to_parquet(root / "a.parquet", index=False)
    frame.iloc[10:].to_parquet(root / "b.parquet", index=False)
    # (row 7 of the whole is row 7 of a.parquet)


def test_a_bad_row_of_a_parquet_file_is_named_by_file_and_row(spark: Any, dask_client: Any,
                                                               tmp_path: Path) -> None:
    root = tmp_path / "bad"
    _bad_dataset(root)
    for read, engine in ((lambda: cm.spark.read_parquet(spark, str(root)), cm.spark),
                         (lambda: cm.dask.read_parquet(str(root)), cm.dask)):
        with pytest.raises(cm.DataValidationError) as info:
            engine.mrr(read(), "2024-06")
        problem = info.value.problems[0]
        assert (problem.part, problem.positions, problem.column) == (
            "file a.parquet", (7,), "amount"), str(info.value)
        assert "file a.parquet: column 'amount'" in str(info.value)


def test_repeated_column_names_are_refused_before_any_job(spark: Any) -> None:
    frame = spark.createDataFrame([(1, "2024-01-01", 5.0)], "customer_id long, start string, "
                                  "amount double")
    twice = frame.select("customer_id", "start", "amount", frame["amount"].alias("amount"))
    with pytest.raises(cm.InvalidParameterError, match="repeats the column name"):
        cm.spark.mrr(twice, "2024-01")


def test_an_engine_failure_is_a_library_error(spark: Any) -> None:
    # A key column Spark cannot hash-partition by (a map) fails inside the engine.
    frame = spark.sql("select map('a', 1) as customer_id, '2024-01-01' as start, 1.0 as amount")
    with pytest.raises(cm.CSMetricsError):
        cm.spark.mrr(frame, "2024-01")
