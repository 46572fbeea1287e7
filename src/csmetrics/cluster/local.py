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
from csmetrics.cluster.frames import id_text

__all__ = ["LocalEngine"]


@dataclass
class LocalEngine:
    """``frame`` (an Arrow table or a pandas DataFrame) cut into partitions.

    The input's own partitions are the contiguous slices at ``bounds`` (``n`` equal slices
    by default); a repartition by a column puts each distinct id of it in partition
    ``hash(id) % hashed`` (``n`` by default; the id as a table reads it), with the hash
    salted by ``seed``, so tests vary all three.
    """

    frame: Any
    key: str = "customer_id"
    n: int = 2
    seed: int = 0
    bounds: tuple[int, ...] | None = None
    hashed: int | None = None
    name: str = "a local engine"

    @property
    def columns(self) -> list[str]:
        return frames.column_names(self.frame)

    def _slices(self) -> list[Any]:
        rows = frames.n_rows(self.frame)
        cuts = (self.bounds if self.bounds is not None else
                tuple(int(c) for c in np.linspace(0, rows, self.n + 1)[1:-1]))
        edges = [0, *sorted(min(max(c, 0), rows) for c in cuts), rows]
        return [frames.take(self.frame, np.arange(a, b))
                for a, b in itertools.pairwise(edges)]

    def _by(self, column: str) -> list[Any]:
        whole = frames.concat([frames.numbered(f, p) for p, f in enumerate(self._slices())])
        ids = id_text(whole.column(column) if hasattr(whole, "column") and not
                      hasattr(whole, "iloc") else whole[column])
        n = self.hashed or self.n
        salt = self.seed * 2_654_435_761 % (1 << 32)
        codes = np.array([hash((v, salt)) % n for v in ids.tolist()], dtype=np.int64)
        return [frames.take(whole, np.flatnonzero(codes == p)) for p in range(n)]

    def map(self, task: Task, *, by: str | None, shared: Any = None) -> list[bytes]:
        parts = self._slices() if by is None else self._by(by)
        return [task(frame, p, shared) for p, frame in enumerate(parts)]

    def local(self, value: Any) -> Any:
        return value

    def empty(self) -> Any:
        return frames.take(self.frame, np.zeros(0, dtype=np.int64))
