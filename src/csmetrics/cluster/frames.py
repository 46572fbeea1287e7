"""The few operations the cluster driver needs on a partition's rows, for both kinds of
frame engines hand it: an Arrow table (Spark) or a pandas DataFrame (Dask)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["BOOKKEEPING", "FILE", "ROW", "column_names", "concat", "n_rows", "places", "take",
           "without", "without_keys_of"]


def _is_arrow(frame: Any) -> bool:
    return type(frame).__module__.startswith("pyarrow")


def n_rows(frame: Any) -> int:
    """Rows of ``frame``."""
    return int(frame.num_rows) if _is_arrow(frame) else len(frame)


def take(frame: Any, rows: NDArray[np.integer[Any]]) -> Any:
    """The rows of ``frame`` at positions ``rows``, in that order."""
    index = np.asarray(rows, dtype=np.int64)
    if _is_arrow(frame):
        import pyarrow as pa

        return frame.take(pa.array(index, type=pa.int64()))
    return frame.iloc[index].reset_index(drop=True)


def concat(frames: Sequence[Any]) -> Any:
    """The rows of ``frames`` one after another (all of one kind and columns)."""
    if _is_arrow(frames[0]):
        import pyarrow as pa

        tables = [f if isinstance(f, pa.Table) else pa.Table.from_batches([f]) for f in frames]
        return pa.concat_tables(tables, promote_options="permissive")
    import pandas as pd

    return pd.concat(list(frames), ignore_index=True)


def without_keys_of(frame: Any, other: Any, key: str) -> Any:
    """The rows of ``frame`` whose ``key`` value is not one of ``other``'s."""
    if _is_arrow(frame):
        import pyarrow.compute as pc

        found = pc.is_in(frame.column(key), value_set=other.column(key).unique())
        return frame.filter(pc.invert(pc.fill_null(found, False)))
    # An object column may write one id as 1 in one row and "1" in another, which a table
    # reads as one customer: compare the text.
    ours, theirs = frame[key], other[key]
    if ours.dtype == object or theirs.dtype == object:
        ours, theirs = ours.astype(str), theirs.astype(str)
    return frame[~ours.isin(theirs)].reset_index(drop=True)


FILE = "__csmetrics_file__"
"""The column an engine's Parquet reader adds: each row's file (see ``places``)."""
ROW = "__csmetrics_row__"
"""The column an engine's Parquet reader adds: each row's position in its file."""
BOOKKEEPING = (FILE, ROW)


def column_names(frame: Any) -> list[str]:
    """The names of ``frame``'s columns."""
    return list(frame.column_names if _is_arrow(frame) else frame.columns)


def without(frame: Any, names: Sequence[str]) -> Any:
    """``frame`` without the columns ``names`` it has."""
    there = [n for n in names if n in column_names(frame)]
    if not there:
        return frame
    return frame.drop_columns(there) if _is_arrow(frame) else frame.drop(columns=there)


def places(frame: Any, p: int, rows: NDArray[np.integer[Any]]) -> list[tuple[str, int]]:
    """Where the rows at positions ``rows`` of partition ``p`` came from: (file, row in the
    file) when the engine's reader recorded it, else (``"partition p"``, position)."""
    index = np.asarray(rows, dtype=np.int64)
    if FILE not in column_names(frame) or ROW not in column_names(frame):
        return [(f"partition {p}", int(r)) for r in index.tolist()]
    picked = take(frame, index)
    if _is_arrow(picked):
        files, lines = picked.column(FILE).to_pylist(), picked.column(ROW).to_pylist()
    else:
        files, lines = picked[FILE].tolist(), picked[ROW].tolist()
    return [(f"file {str(f).rsplit('/', 1)[-1]}", -1 if r is None else int(r))
            for f, r in zip(files, lines, strict=True)]
