"""Reading columns from any tabular input by field name."""

from __future__ import annotations

import contextlib
import difflib
import os
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.arrow import Kind, arrow_column, arrow_to_numpy, is_arrow
from csmetrics._core.arrowpool import reading_pool
from csmetrics._core.convert import not_scalar
from csmetrics.exceptions import ColumnNotFoundError, DataValidationError, InvalidParameterError


class RepeatedColumnError(DataValidationError):
    """The input has several columns of one name (a pandas DataFrame or a pyarrow Table can):
    which one a field reads would be a guess. ``column`` lists the repeated names."""

    def __init__(self, repeated: Sequence[str], n_columns: int, context: str) -> None:
        self.repeated = tuple(repeated)
        super().__init__(column=", ".join(self.repeated), rule="must name one column only",
                         count=len(self.repeated), positions=[], n_rows=n_columns,
                         context=context)

    def _message(self) -> str:
        prefix = f"{self.context}: " if self.context else ""
        names = ", ".join(repr(n) for n in self.repeated)
        return (f"{prefix}the input has several columns named {names}; every column needs its "
                "own name (rename or drop the copies).")


def column_getter(data: Any, context: str) -> tuple[list[str], Callable[..., Any]]:
    """Column names of ``data`` and a function returning one column as a numpy array.

    The function takes the column's name and, optionally, the ``Kind`` of field that reads
    it: an Arrow column is then converted by ``csmetrics._core.arrow.arrow_column`` (fast
    casts of text to numbers and dates; text ids stay Arrow for ``to_codes``).

    Accepts a mapping of sequences, a pandas or polars DataFrame, a pyarrow Table, or any
    object exposing the Arrow stream interface (``__arrow_c_stream__``: a DuckDB relation, a
    pyarrow RecordBatchReader, an ibis table, an ADBC cursor), without importing any of those
    libraries: they are recognised by the methods they carry, and a stream is read whole
    with pyarrow (see ``arrow_input``). Names are text: a column named ``5`` is read as
    ``"5"``.

    Raises
    ------
    RepeatedColumnError
        Two columns have one name (a DataFrame or Table with repeated columns, or a mapping
        with keys ``1`` and ``"1"``), a ``DataValidationError``.
    """
    if type(data).__name__ == "LazyFrame":
        raise InvalidParameterError(f"{context}: a polars LazyFrame must be collected first: "
                                    "pass frame.collect().")
    data = arrow_input(data, context)
    if isinstance(data, Mapping):
        keys = list(data)
        read = data.__getitem__
    elif hasattr(data, "column_names") and hasattr(data, "column"):  # pyarrow.Table
        keys = list(data.column_names)
        read = data.column
    elif hasattr(data, "columns") and hasattr(data, "__getitem__"):  # pandas / polars
        keys = list(data.columns)
        read = data.__getitem__
    else:
        raise InvalidParameterError(
            f"{context}: expected a mapping of columns, a pandas or polars DataFrame, a "
            "pyarrow Table or an Arrow stream (an object with __arrow_c_stream__, such as a "
            f"DuckDB relation), got {type(data).__name__}.")
    names = [str(k) for k in keys]
    key_of = dict(zip(names, keys, strict=True))
    if len(key_of) != len(names):
        repeated = sorted(n for n, k in Counter(names).items() if k > 1)
        raise RepeatedColumnError(repeated, len(names), context)

    def get(name: str, kind: Kind = "any") -> Any:
        try:
            values = read(key_of.get(name, name))
            if kind != "any" and is_arrow(values):
                return arrow_column(values, kind)
            return as_column(values)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{context}: column {name!r}: {exc}") from None
        except Exception as exc:  # the DataFrame library's own conversion failed (polars
            # has no 128-bit integers in numpy; pandas trips on a signalling Decimal NaN)
            raise InvalidParameterError(
                f"{context}: column {name!r} cannot be read as an array of values "
                f"({type(exc).__name__}: {exc}).") from exc

    return names, get


def _is_frame(data: Any) -> bool:
    """A pandas or polars DataFrame (read column by column, as they are)."""
    module = type(data).__module__.split(".")[0]
    return module in ("pandas", "polars") and hasattr(data, "columns")


def is_arrow_stream(data: Any) -> bool:
    """Whether ``data`` is a table-like Arrow stream (``__arrow_c_stream__``) that is not a
    single column (a pyarrow ChunkedArray or a polars Series carry the interface too).

    Examples
    --------
    >>> import pyarrow as pa
    >>> is_arrow_stream(pa.table({"a": [1]}).to_reader()), is_arrow_stream(pa.chunked_array([[1]]))
    (True, False)
    """
    return hasattr(data, "__arrow_c_stream__") and not (
        hasattr(data, "chunks") or type(data).__name__ in ("Series", "ChunkedArray"))


def arrow_input(data: Any, context: str) -> Any:
    """``data`` as a pyarrow Table when it is an Arrow stream or array that is not already a
    mapping, a pandas or polars DataFrame or a pyarrow Table; otherwise ``data`` itself.

    Objects exposing ``__arrow_c_stream__`` (the Arrow PyCapsule interface: DuckDB
    relations, pyarrow RecordBatchReaders, ibis tables, ADBC cursors, nanoarrow streams) are
    read once, whole, with ``pyarrow.table``; the table is kept (weakly, while the stream
    object lives), so that a stream that can be read only once (a RecordBatchReader) gives
    the same table to every later look.

    Raises
    ------
    InvalidParameterError
        The stream fails while it is read (a closed cursor), or it is not a table of
        columns.

    Examples
    --------
    >>> import pyarrow as pa
    >>> reader = pa.RecordBatchReader.from_batches(
    ...     pa.schema([("customer_id", pa.string())]),
    ...     [pa.record_batch([pa.array(["a", "b"])], names=["customer_id"])])
    >>> arrow_input(reader, "demo").num_rows
    2
    >>> arrow_input({"customer_id": ["a"]}, "demo")
    {'customer_id': ['a']}
    """
    if isinstance(data, Mapping) or _is_frame(data) or (
            hasattr(data, "column_names") and hasattr(data, "column")):
        return data
    if not is_arrow_stream(data):
        return data
    kept = _STREAMS.get(id(data))
    if kept is not None and kept[0]() is data:
        return kept[1]
    import pyarrow as pa

    try:
        table = pa.table(data)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{context}: the Arrow stream of {type(data).__name__} could not be read "
            f"({exc}); pass a fresh stream, or a table.") from None
    key = id(data)
    with contextlib.suppress(TypeError):  # not weakly referable: it is read again
        _STREAMS[key] = (weakref.ref(data, lambda _: _STREAMS.pop(key, None)), table)
    return table


_STREAMS: dict[int, tuple[weakref.ref[Any], Any]] = {}
"""Streams already read, with their table, while the stream object lives: one table
build reads its input more than once (fields, then segments), and a RecordBatchReader
can be read only once. Keyed by identity: a stream's ``==`` may build an expression
(ibis)."""


def as_column(values: Any) -> NDArray[Any]:
    """A column as a one-dimensional numpy array, without importing any DataFrame library.

    A pandas Series keeps its numbers and dates as they are (timezone-aware dates in UTC,
    without their zone) and gives other values as objects with ``None`` where missing; a
    polars Series or pyarrow array is converted with ``to_numpy``; a numpy array is returned
    as it is; any other sequence becomes an object array of its values (a list of tuples is
    one tuple per row, never a second dimension).

    Raises
    ------
    InvalidParameterError
        ``values`` is a single value (a string, a number), or an array of more than one
        dimension (a polars struct or array column is one).

    Examples
    --------
    >>> as_column(["a", None]).tolist(), as_column((1, 2)).dtype.kind
    (['a', None], 'O')
    >>> as_column([("a", 1), ("b", 2)]).shape
    (2,)
    """
    return _one_dimensional(_as_array(values))


def _as_array(values: Any) -> NDArray[Any]:
    module = type(values).__module__
    if module.startswith("pandas") and hasattr(values, "dtype"):
        dtype = values.dtype
        if str(dtype).startswith("datetime64[") and "," in str(dtype):  # tz-aware
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if getattr(dtype, "kind", "O") in "iufbM" or str(dtype).startswith("datetime64"):
            return np.asarray(values.to_numpy())
        return np.asarray(values.to_numpy(dtype=object, na_value=None))
    if is_arrow(values):
        return arrow_to_numpy(values)
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            return np.asarray(values.to_numpy(zero_copy_only=False))
        except TypeError:
            return np.asarray(values.to_numpy())  # polars
    if isinstance(values, np.ndarray):
        return values
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise InvalidParameterError(
            f"a column must be a sequence of values, got the single value {values!r}.")
    seq = values if isinstance(values, list | tuple) else list(values)
    # fromiter keeps each value whole: asarray would read a list of pairs as two columns.
    return np.fromiter(seq, dtype=object, count=len(seq))


def _one_dimensional(values: NDArray[Any]) -> NDArray[Any]:
    if values.ndim != 1:
        raise InvalidParameterError(
            f"a column must be one-dimensional (one value per row), got an array of shape "
            f"{values.shape}.")
    return values


def require_column(names: Iterable[str], wanted: str, context: str) -> None:
    """Raise ``ColumnNotFoundError`` (listing the columns present) unless ``wanted`` is one."""
    names = list(names)
    if wanted not in names:
        raise ColumnNotFoundError(wanted, names, context=context)


def read_columns(data: Any, renamed: Mapping[str, str], optional: Iterable[str],
                 context: str, *, kinds: Mapping[str, Kind] | None = None
                 ) -> tuple[dict[str, NDArray[Any] | None], int, dict[str, str]]:
    """The input's column for each field (``renamed``: field -> column name), ``None`` for
    an optional field that is absent under its own name; the row count; and the column name
    each field was read from (for messages).

    ``kinds`` (field -> ``Kind``) lets Arrow columns take their fast conversions (in
    threads, one column each): a text id field (``"codes"``) is then read as an
    ``Encoded`` column, which ``to_codes`` takes as it is.

    Missing required (or explicitly renamed) columns raise ``ColumnNotFoundError``
    listing those present. An optional field absent under its own name takes a column that
    differs only in case ("Interval"); an unused column close to its name ("curency") is an
    error rather than silently ignored, since its values would otherwise be replaced by the
    default. Columns of different lengths are an error.
    """
    names, get = column_getter(data, context)
    optional = set(optional)
    lower = {n.lower(): n for n in names}
    used = {v for v in renamed.values() if v in names}
    raw: dict[str, NDArray[Any] | None] = {}
    resolved = dict(renamed)
    for field_name, source in renamed.items():
        if source not in names and source == field_name:
            match = lower.get(field_name.lower())
            if match is not None and match not in used:
                source = resolved[field_name] = match
                used.add(match)
            elif field_name in optional:
                close = difflib.get_close_matches(
                    field_name, [n for n in names if n not in used], n=1, cutoff=0.8)
                if close:
                    raise ColumnNotFoundError(
                        field_name, names,
                        context=f"{context} (column '{close[0]}' looks like a misspelling; "
                                f"pass {field_name}='{close[0]}' to use it or rename it)")
                raw[field_name] = None
                continue
        if source not in names:
            raise ColumnNotFoundError(source, names, context=context)
        raw[field_name] = source  # type: ignore[assignment]  # (read below)
    jobs = {f: (s, (kinds or {}).get(f, "any")) for f, s in raw.items() if s is not None}
    if kinds and len(jobs) > 1 and (hasattr(arrow_input(data, context), "column_names") or (
            isinstance(data, Mapping) and all(is_arrow(data.get(s)) for s, _ in jobs.values()))):
        # Arrow columns convert in pyarrow and numpy, which release the GIL: in threads.
        with reading_pool(), ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)
                                                ) as pool:
            futures = {f: pool.submit(get, *job) for f, job in jobs.items()}
            raw.update({f: future.result() for f, future in futures.items()})
    else:
        raw.update({f: get(*job) for f, job in jobs.items()})
    lengths = {k: len(v) for k, v in raw.items() if v is not None}
    if len(set(lengths.values())) > 1:
        sizes = ", ".join(f"'{renamed[k]}' has {n:,}" for k, n in lengths.items())
        raise InvalidParameterError(f"{context}: columns must all have one length; {sizes}.")
    return raw, next(iter(lengths.values()), 0), resolved


def match_columns(available: Sequence[str], wanted: Iterable[str], context: str
                  ) -> dict[str, str]:
    """The input column each wanted name reads from: itself, or the one column that differs
    from it only in case ("Region" for "region").

    Raises
    ------
    ColumnNotFoundError
        A wanted column is not in the input (the message lists those present).
    """
    lower: dict[str, list[str]] = {}
    for name in available:
        lower.setdefault(name.lower(), []).append(name)
    out = {}
    for name in wanted:
        if name in available:
            out[name] = name
        elif len(lower.get(name.lower(), [])) == 1:
            out[name] = lower[name.lower()][0]
        else:
            raise ColumnNotFoundError(name, available, context=context)
    return out


def as_1d(values: Any, context: str, name: str) -> NDArray[Any]:
    """``values`` as a one-dimensional numpy array (a view where numpy allows one).

    Lists and tuples go through ``np.asarray`` (so ``[1, 2]`` is an integer array and
    ``["a", None]`` an object array); Series and Arrow arrays are read as the columns of a
    DataFrame are.

    Raises
    ------
    InvalidParameterError
        ``values`` is not one-dimensional, or is a single value.

    Examples
    --------
    >>> as_1d([9, 10, 3], "net_promoter_score", "scores").tolist()
    [9, 10, 3]
    >>> as_1d([[1, 2]], "net_promoter_score", "scores")
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.InvalidParameterError: net_promoter_score: scores must be one-dimensional, got shape (1, 2).
    """  # noqa: E501
    if isinstance(values, np.ndarray):
        arr = values
    elif isinstance(values, list | tuple):
        try:
            arr = np.asarray(values)
        except ValueError:  # values of several shapes (a tuple among numbers): one per row
            arr = np.fromiter(values, dtype=object, count=len(values))
    else:
        try:
            arr = _as_array(values)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{context}: {name}: {exc}") from None
    if arr.ndim != 1:
        raise InvalidParameterError(f"{context}: {name} must be one-dimensional, got shape "
                                    f"{arr.shape}.")
    bad = not_scalar(arr)
    if bad is not None:
        first = ", ".join(f"{p:,}" for p in np.flatnonzero(bad)[:5].tolist())
        raise InvalidParameterError(
            f"{context}: {name} must hold single values (text or numbers), not lists, tuples, "
            f"sets or dicts; {int(bad.sum()):,} of {arr.size:,} do (first at positions "
            f"{first}).")
    return arr
