"""Check a cluster bridge too large for one process: against the sum of one-process bridges.

``cluster_data.py`` writes customers in chunks of distinct ids (``region=*/part-<chunk>``),
so the chunks' bridges add up to the whole's, column by column (money in cents, customers
as counts). This script sums them, one chunk in memory at a time, then computes
``cm.spark.mrr_movements`` over the whole dataset and lists the columns that differ (none
expected). How docs/scale.md's 50M figure was checked::

    python benchmarks/cluster_data.py ...   # or bench_cluster.py --keep
    python benchmarks/check_cluster_chunks.py /tmp/csmetrics-cluster-50m --partitions 64
"""

from __future__ import annotations

import argparse
import glob
import time
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import csmetrics as cm

ADDITIVE = ("starting_mrr", "new", "expansion", "contraction", "churn", "reactivation",
            "ending_mrr", "starting_customers", "new_customers", "expansion_customers",
            "contraction_customers", "churned_customers", "reactivated_customers",
            "ending_customers")


def _units(result: cm.TableResult, column: str) -> np.ndarray:
    scale = 1 if column.endswith("_customers") else 100
    return np.rint(np.asarray(result[column], dtype=float) * scale).astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="the dataset directory (with subscriptions/)")
    parser.add_argument("--partitions", type=int, default=64)
    parser.add_argument("--spark-memory", default="8g")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    root = f"{args.data}/subscriptions"
    chunks = sorted({p.rsplit("/", 1)[1] for p in glob.glob(f"{root}/region=*/part-*.parquet")})
    total: dict[str, np.ndarray] = {}
    started = time.perf_counter()
    for name in chunks:
        files = glob.glob(f"{root}/region=*/{name}")
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
        bridge = cm.mrr_movements(table, "2022-01", "2024-12")
        for column in ADDITIVE:
            total[column] = total.get(column, 0) + _units(bridge, column)
    print(f"{len(chunks)} chunks summed in {time.perf_counter() - started:.0f} s", flush=True)

    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", args.spark_memory)
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter()
    got = cm.spark.mrr_movements(cm.spark.read_parquet(spark, root), "2022-01", "2024-12",
                                 partitions=args.partitions)
    print(f"Spark in {time.perf_counter() - started:.0f} s", flush=True)
    differ = [c for c in ADDITIVE if not np.array_equal(total[c], _units(got, c))]
    print("columns that differ:", ", ".join(differ) or "none")
    print(f"ending MRR of {got['period'][-1]}: {got['ending_mrr'][-1]:,.2f} over "
          f"{int(got['ending_customers'][-1]):,} customers")


if __name__ == "__main__":
    main()
