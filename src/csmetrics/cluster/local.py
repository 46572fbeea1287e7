"""An engine over a local frame, partitioned in process: the driver's reference engine.

It runs exactly what Spark and Dask run (the same tasks over an Arrow table's or a pandas
DataFrame's partitions, the same bytes back), only without a cluster: the property tests use
it to check the driver over many random partitions cheaply, and it shows how an engine plugs
in (``csmetrics.cluster.driver.Engine``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from csmetrics.cluster import frames
from csmetrics.cluster.driver import Task

__all__ = ["LocalEngine"]


@dataclass
class LocalEngine:
    """``frame`` (an Arrow table or a pandas DataFrame) cut into ``n`` partitions.

    The input's own partitions are the contiguous slices at ``bounds`` (``n`` equal slices
    by default); the shuffled partitions put each distinct value of ``key`` in partition
    ``hash(str(value)) % n``, with the hash salted by ``seed``, so tests vary both.
    """

    frame: Any
    key: str = "customer_id"
    n: int = 2
    seed: int = 0
    bounds: tuple[int, ...] | None = None
    name: str = "a local engine"

    def _slices(self) -> list[Any]:
        rows = frames.n_rows(self.frame)
        cuts = (self.bounds if self.bounds is not None else
                tuple(int(c) for c in np.linspace(0, rows, self.n + 1)[1:-1]))
        edges = [0, *sorted(min(max(c, 0), rows) for c in cuts), rows]
        return [frames.take(self.frame, np.arange(a, b))
                for a, b in itertools.pairwise(edges)]

    def _shuffled(self) -> list[Any]:
        column = (self.frame.column(self.key).to_pylist() if hasattr(self.frame, "column")
                  and not hasattr(self.frame, "iloc") else list(self.frame[self.key]))
        salt = np.uint64(self.seed * 2_654_435_761 % (1 << 32))
        codes = np.array([hash((str(v), int(salt))) % self.n for v in column], dtype=np.int64)
        return [frames.take(self.frame, np.flatnonzero(codes == p)) for p in range(self.n)]

    def map(self, task: Task, *, shuffle: bool, shared: Any = None) -> list[bytes]:
        parts = self._shuffled() if shuffle else self._slices()
        return [task(frame, p, shared) for p, frame in enumerate(parts)]

    def local(self, value: Any) -> Any:
        return value

    def empty(self) -> Any:
        return frames.take(self.frame, np.zeros(0, dtype=np.int64))
