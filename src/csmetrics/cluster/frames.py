"""The few operations the cluster driver needs on a partition's rows, for both kinds of
frame engines hand it: an Arrow table (Spark) or a pandas DataFrame (Dask)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.convert import label_of

__all__ = ["BOOKKEEPING", "FILE", "PART", "ROW", "column_names", "concat", "id_text", "n_rows",
           "not_keys_of", "numbered", "places", "take", "without"]


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


def id_text(values: Any) -> NDArray[Any]:
    """Each id as the text of the label a table reads it as (``label_of``: ``1``, ``1.0`` and
    ``"1"`` are one customer), for hashing and matching ids across partitions whose columns
    may hold them differently; values that are no label keep their own text."""
    if hasattr(values, "to_numpy") and type(values).__module__.startswith("pyarrow"):
        array = np.asarray(values.to_numpy(zero_copy_only=False))
    else:
        array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(str).astype(object)
    if array.dtype.kind == "U":
        return array.astype(object)
    out = np.empty(array.size, dtype=object)
    for i, v in enumerate(array.tolist()):
        try:
            out[i] = str(label_of(v))
        except ValueError:
            out[i] = str(v)
    return out


def not_keys_of(frame: Any, other: Any, key: str) -> NDArray[np.bool_]:
    """Which rows of ``frame`` hold a ``key`` id (as a table reads it) that ``other`` does
    not."""
    if _is_arrow(frame):
        import pyarrow as pa
        import pyarrow.compute as pc

        ours, theirs = frame.column(key), other.column(key)
        if ours.type == theirs.type and not pa.types.is_floating(ours.type):
            found = pc.fill_null(pc.is_in(ours, value_set=theirs.unique()), False)
            return ~np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
        return ~np.isin(id_text(ours), id_text(theirs))
    ours, theirs = frame[key], other[key]
    if ours.dtype == theirs.dtype and ours.dtype.kind in "iuU":
        return ~np.asarray(ours.isin(theirs), dtype=bool)
    return ~np.isin(id_text(ours), id_text(theirs))

FILE = "__csmetrics_file__"
"""The column an engine's Parquet reader adds: each row's file (see ``places``)."""
ROW = "__csmetrics_row__"
"""Each row's position in its file (with ``FILE``) or in its input partition (with
``PART``), recorded by an engine before it repartitions the rows."""
PART = "__csmetrics_partition__"
"""Each row's input partition, recorded by an engine before it repartitions the rows."""
BOOKKEEPING = (FILE, ROW, PART)


def numbered(frame: Any, p: int) -> Any:
    """``frame`` (input partition ``p``) with each row's partition and position recorded,
    unless its file and row are (so places survive a repartition)."""
    if FILE in column_names(frame):
        return frame
    rows = np.arange(n_rows(frame), dtype=np.int64)
    if _is_arrow(frame):
        import pyarrow as pa

        return frame.append_column(PART, pa.array(np.full(rows.size, p, dtype=np.int64))
                                   ).append_column(ROW, pa.array(rows))
    return frame.assign(**{PART: np.int64(p), ROW: rows})


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
    names = column_names(frame)
    if ROW not in names or (FILE not in names and PART not in names):
        return [(f"partition {p}", int(r)) for r in index.tolist()]
    picked = take(frame, index)
    where = FILE if FILE in names else PART

    def values(name: str) -> list[Any]:
        got: list[Any] = (picked.column(name).to_pylist() if _is_arrow(picked) else
                          picked[name].tolist())
        return got

    out = []
    for w, r in zip(values(where), values(ROW), strict=True):
        place = (f"file {str(w).rsplit('/', 1)[-1]}" if where == FILE else
                 f"partition {int(w)}")
        out.append((place, -1 if r is None else int(r)))
    return out
