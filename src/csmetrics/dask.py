"""The additive metrics on a Dask DataFrame: the one-machine results, bit for bit.

Every function here is ``csmetrics.<name>`` with a Dask DataFrame (the columns
``from_columns`` reads; other names through ``columns=``) in place of the table, and two
more options: ``columns=`` and ``partitions=`` (customer-hash partitions of the partials
pass; the input's partition count by default). Swapping ``cm.`` for ``cm.dask.`` is the
whole migration. Needs the ``dask`` extra; runs on whatever scheduler is active (a
``dask.distributed.Client`` makes it the cluster's).

How it runs (docs/scale.md): a first pass reads every partition into its table (every
broken rule of every partition reported at once, by partition and row) and sends the
driver the few rows the plan rests on; a second pass shuffles by a hash of the customer id
(no customer is split), runs the numpy kernels over each partition and returns additive
partials, which the driver sums and finalizes.

Examples
--------
>>> import csmetrics as cm
>>> import dask.dataframe as dd                               # doctest: +SKIP
>>> df = dd.read_parquet("subscriptions/")                    # doctest: +SKIP
>>> cm.dask.mrr_movements(df, "2024-01", "2024-12")           # doctest: +SKIP
MRRMovements(12 periods, 2024-01 to 2024-12, USD)
"""

from __future__ import annotations

from typing import Any

from csmetrics._core.optional import import_optional
from csmetrics.cluster.api import METRICS, metric
from csmetrics.cluster.driver import NOTHING, Engine, Task, check_columns, engine_failure
from csmetrics.cluster.frames import FILE, ROW, id_text, numbered
from csmetrics.exceptions import CSMetricsError, InvalidParameterError

__all__ = sorted([*METRICS, "read_parquet"])   # every metric of csmetrics.cluster.METRICS

_BUCKET = "__csmetrics_bucket__"


def _bucket(ids: Any, n: int) -> Any:
    """Each row's customer-hash partition. Ids are hashed as the text of the label a table
    reads them as, so one customer written ``1``, ``1.0`` or ``"1"`` is never split."""
    import pandas as pd

    text = pd.Series(id_text(ids), index=ids.index)
    return (pd.util.hash_pandas_object(text, index=False) % n).astype("int64")


def _numbered(frame: Any, partition_info: dict[str, Any] | None = None) -> Any:
    return numbered(frame, int((partition_info or {}).get("number", 0)))


def _run(task: Task, frame: Any, p: int, shared: Any) -> bytes:
    if len(frame) == 0:
        return NOTHING
    if _BUCKET in frame.columns:
        frame = frame.drop(columns=[_BUCKET])
    return task(frame.reset_index(drop=True), p, shared)


class DaskEngine:
    """The cluster driver's engine over a Dask DataFrame (``csmetrics.cluster.Engine``)."""

    name = "Dask"

    def __init__(self, frame: Any, key: str, partitions: int | None) -> None:
        dd = import_optional("dask.dataframe", "dask", "csmetrics.dask")
        is_frame = isinstance(frame, dd.DataFrame)
        check_columns([str(c) for c in frame.columns] if is_frame else [], key,
                      "csmetrics.dask", is_frame=is_frame, given=frame)
        self.frame = frame
        self.key = key
        self.partitions = partitions or int(frame.npartitions)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def map(self, task: Task, *, by: str | None, shared: Any = None) -> list[bytes]:
        dask = import_optional("dask", "dask", "csmetrics.dask")

        frame = self.frame
        if by is not None:
            n = self.partitions
            if FILE not in self.columns:   # each row's input partition and position
                frame = frame.map_partitions(_numbered, meta=_numbered(frame._meta))
            buckets = frame[by].map_partitions(_bucket, n, meta=(_BUCKET, "int64"))
            frame = frame.assign(**{_BUCKET: buckets}).shuffle(_BUCKET, npartitions=n)
        once = dask.delayed(shared, traverse=False)
        calls = [dask.delayed(_run)(task, part, p, once)
                 for p, part in enumerate(frame.to_delayed())]
        try:
            return list(dask.compute(*calls))
        except CSMetricsError:
            raise
        except Exception as exc:  # (scheduler and worker errors become the library's)
            raise engine_failure("csmetrics.dask", exc) from None

    def local(self, value: Any) -> Any:
        dd = import_optional("dask.dataframe", "dask", "csmetrics.dask")
        return value.compute() if isinstance(value, dd.DataFrame) else value

    def empty(self) -> Any:
        return self.frame._meta.copy()


def _engine(frame: Any, key: str, partitions: int | None) -> Engine:
    return DaskEngine(frame, key, partitions)


def read_parquet(path: str, *, partitioning: str | None = "hive", filters: Any = None) -> Any:
    """A Parquet dataset (a file, or a directory of files, hive-partitioned or not, on any
    filesystem pyarrow reads: local, ``s3://``, ``gs://`` ...) as a Dask DataFrame for the
    functions here: one partition per file, the partition columns of a hive layout
    (``region=EU/``) as columns, and each row's file and position in it recorded, so a
    broken rule names the file and row (``Problem.part``). ``filters`` (pyarrow's list form,
    ``[("region", "in", ["EU", "NA"])]``, or an expression) skips files and rows."""
    dd = import_optional("dask.dataframe", "dask", "csmetrics.dask.read_parquet")
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    dataset = ds.dataset(path, format="parquet", partitioning=partitioning)
    where = (pq.filters_to_expression(filters) if isinstance(filters, list | tuple)
             else filters)
    pieces = [(dataset.filesystem, fragment.path,
               ds.get_partition_keys(fragment.partition_expression), where)
              for fragment in dataset.get_fragments(filter=where)]
    if not pieces:
        raise InvalidParameterError(
            f"csmetrics.dask.read_parquet: no Parquet files in {path!r}"
            + (" that pass the filters" if where is not None else ""))
    meta = _read_file(pieces[0]).iloc[:0]
    return dd.from_map(_read_file, pieces, meta=meta)


def _read_file(piece: tuple[Any, str, dict[str, Any], Any]) -> Any:
    """One file of a dataset as a pandas DataFrame, with its partition columns (the hive
    keys of its directories), its path and each row's position in it (counted before the
    filter, so positions are the file's)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    filesystem, file, keys, where = piece
    table = pq.read_table(file, filesystem=filesystem)
    for name, value in keys.items():
        table = table.append_column(name, pa.array([value] * table.num_rows))
    table = table.append_column(FILE, pa.array([file] * table.num_rows, pa.string()))
    table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    if where is not None:
        table = table.filter(where)
    return table.to_pandas()


mrr = metric("mrr", _engine, "dask")
mrr_series = metric("mrr_series", _engine, "dask")
mrr_movements = metric("mrr_movements", _engine, "dask")
customer_count = metric("customer_count", _engine, "dask")
logo_churn_rate = metric("logo_churn_rate", _engine, "dask")
customer_retention_rate = metric("customer_retention_rate", _engine, "dask")
revenue_churn_rate = metric("revenue_churn_rate", _engine, "dask")
quick_ratio = metric("quick_ratio", _engine, "dask")
arpa = metric("arpa", _engine, "dask")
net_revenue_retention = metric("net_revenue_retention", _engine, "dask")
gross_revenue_retention = metric("gross_revenue_retention", _engine, "dask")
nrr_series = metric("nrr_series", _engine, "dask")
cohort_table = metric("cohort_table", _engine, "dask")
survival_curve = metric("survival_curve", _engine, "dask")
net_promoter_score = metric("net_promoter_score", _engine, "dask")
customer_satisfaction_score = metric("customer_satisfaction_score", _engine, "dask")
customer_effort_score = metric("customer_effort_score", _engine, "dask")
license_utilization = metric("license_utilization", _engine, "dask")
active_users = metric("active_users", _engine, "dask")
stickiness = metric("stickiness", _engine, "dask")
first_contact_resolution_rate = metric("first_contact_resolution_rate", _engine, "dask")
