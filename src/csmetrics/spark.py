"""The additive metrics on a Spark DataFrame: the one-machine results, bit for bit.

Every function here is ``csmetrics.<name>`` with a Spark DataFrame (the columns
``from_columns`` reads; other names through ``columns=``) in place of the table, and two
more options: ``columns=`` and ``partitions=`` (customer-hash partitions of the partials
pass; ``spark.sql.shuffle.partitions`` by default). Swapping ``cm.`` for ``cm.spark.`` is the
whole migration. Needs the ``spark`` extra (pyspark >= 3.4, a Java 17+ runtime).

How it runs (docs/scale.md): a first pass reads every partition on the executors into its
table (every broken rule of every partition reported at once, by partition and row) and
sends the driver the few rows the plan rests on; a second pass repartitions by the customer
id (``repartition(n, customer_id)``: no customer is split), runs the numpy kernels over
each partition's Arrow batches (``mapInArrow``) and returns additive partials, which the
driver sums and finalizes.

Examples
--------
>>> import csmetrics as cm
>>> from pyspark.sql import SparkSession                       # doctest: +SKIP
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> df = spark.read.parquet("subscriptions/")                  # doctest: +SKIP
>>> cm.spark.mrr_movements(df, "2024-01", "2024-12")           # doctest: +SKIP
MRRMovements(12 periods, 2024-01 to 2024-12, USD)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from csmetrics._core.optional import import_optional
from csmetrics.cluster.api import METRICS, metric
from csmetrics.cluster.driver import NOTHING, Engine, Task, check_columns, engine_failure
from csmetrics.cluster.frames import FILE, PART, ROW
from csmetrics.exceptions import CSMetricsError, EngineError

__all__ = sorted([*METRICS, "read_parquet"])   # every metric of csmetrics.cluster.METRICS


class SparkEngine:
    """The cluster driver's engine over a Spark DataFrame (``csmetrics.cluster.Engine``)."""

    name = "Spark"

    def __init__(self, frame: Any, key: str, partitions: int | None) -> None:
        import_optional("pyspark", "spark", "csmetrics.spark")
        # Classic and Spark Connect DataFrames alike (Connect's is not a subclass before 4.0).
        is_frame = hasattr(frame, "mapInArrow") and hasattr(frame, "sparkSession")
        check_columns([str(c) for c in frame.columns] if is_frame else [], key,
                      "csmetrics.spark", is_frame=is_frame, given=frame)
        self.frame = frame
        self.key = key
        conf = frame.sparkSession.conf.get("spark.sql.shuffle.partitions") or "200"
        self.partitions = partitions or int(conf)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def map(self, task: Task, *, by: str | None, shared: Any = None) -> list[bytes]:
        frame = self.frame
        if by is not None:
            from pyspark.sql import functions as F

            if FILE not in self.columns:   # each row's input partition and position
                frame = frame.withColumn(PART, F.spark_partition_id().cast("long"))
                # (monotonically_increasing_id: the partition in the upper 31 bits)
                frame = frame.withColumn(ROW, F.monotonically_increasing_id()
                                         - F.shiftleft(F.col(PART), 33))
            frame = frame.repartition(self.partitions, by)
        shipped, inline = None, shared
        if shared is not None:
            try:
                shipped, inline = frame.sparkSession.sparkContext.broadcast(shared), None
            except Exception:  # Spark Connect has no SparkContext: it travels with the task
                shipped = None

        def each(batches: Iterator[Any]) -> Iterator[Any]:
            import pyarrow as pa
            from pyspark import TaskContext

            got = TaskContext.get()
            p = got.partitionId() if got is not None else 0
            read = list(batches)
            out = (task(pa.Table.from_batches(read), p, inline if shipped is None else
                        shipped.value) if read else NOTHING)
            yield pa.RecordBatch.from_arrays(
                [pa.array([p], pa.int64()), pa.array([out], pa.binary())],
                names=["partition", "payload"])

        try:
            collected = frame.mapInArrow(each, "partition long, payload binary").collect()
        except CSMetricsError:
            raise
        except Exception as exc:  # (Py4J and Spark errors become the library's)
            raise engine_failure("csmetrics.spark", exc) from None
        finally:
            if shipped is not None:
                shipped.unpersist()
        expected = self.partitions if by is not None else _partition_count(frame)
        if expected is not None and len(collected) != expected:
            # (A driver out of memory while serving the rows gives back fewer, silently.)
            raise EngineError(
                f"csmetrics.spark: {len(collected)} of {expected} partitions answered; "
                "the driver or a worker may have run out of memory (spark.driver.memory, "
                "spark.executor.memory); nothing is reported from an incomplete run.")
        ordered = sorted(collected, key=lambda row: int(row["partition"]))
        return [bytes(row["payload"]) for row in ordered]

    def local(self, value: Any) -> Any:
        return value.toPandas() if hasattr(value, "toPandas") and hasattr(
            value, "sparkSession") else value

    def empty(self) -> Any:
        import pyarrow as pa

        none = self.frame.limit(0)
        if hasattr(none, "toArrow"):   # Spark 4
            return none.toArrow()
        return pa.Table.from_pandas(none.toPandas(), preserve_index=False)


def _partition_count(frame: Any) -> int | None:
    """The partitions of ``frame``, where Spark says without a job (not on Spark Connect)."""
    try:
        return int(frame.rdd.getNumPartitions())
    except Exception:  # (Spark Connect has no RDDs)
        return None


def _engine(frame: Any, key: str, partitions: int | None) -> Engine:
    return SparkEngine(frame, key, partitions)


def read_parquet(spark: Any, path: str) -> Any:
    """A Parquet dataset (a file, or a directory of files, hive-partitioned or not) as a
    Spark DataFrame for the functions here: ``spark.read.parquet(path)``, with the partition
    columns of a hive layout (``region=EU/``) as columns, and each row's file and position
    in it recorded, so a broken rule names the file and row (``Problem.part``)."""
    import_optional("pyspark", "spark", "csmetrics.spark.read_parquet")
    from pyspark.sql import functions as F

    frame = spark.read.option("mergeSchema", "true").parquet(path)
    extra = [F.col("_metadata.file_path").alias(FILE)]
    try:
        extra.append(F.col("_metadata.row_index").alias(ROW))
        return frame.select("*", *extra)
    except Exception:   # Spark before 3.5 has no row_index: the file alone
        return frame.select("*", extra[0], F.lit(None).cast("long").alias(ROW))


mrr = metric("mrr", _engine, "spark")
mrr_series = metric("mrr_series", _engine, "spark")
mrr_movements = metric("mrr_movements", _engine, "spark")
customer_count = metric("customer_count", _engine, "spark")
logo_churn_rate = metric("logo_churn_rate", _engine, "spark")
customer_retention_rate = metric("customer_retention_rate", _engine, "spark")
revenue_churn_rate = metric("revenue_churn_rate", _engine, "spark")
quick_ratio = metric("quick_ratio", _engine, "spark")
arpa = metric("arpa", _engine, "spark")
net_revenue_retention = metric("net_revenue_retention", _engine, "spark")
gross_revenue_retention = metric("gross_revenue_retention", _engine, "spark")
nrr_series = metric("nrr_series", _engine, "spark")
cohort_table = metric("cohort_table", _engine, "spark")
survival_curve = metric("survival_curve", _engine, "spark")
net_promoter_score = metric("net_promoter_score", _engine, "spark")
customer_satisfaction_score = metric("customer_satisfaction_score", _engine, "spark")
customer_effort_score = metric("customer_effort_score", _engine, "spark")
license_utilization = metric("license_utilization", _engine, "spark")
active_users = metric("active_users", _engine, "spark")
stickiness = metric("stickiness", _engine, "spark")
first_contact_resolution_rate = metric("first_contact_resolution_rate", _engine, "spark")
