"""Reading columns from any tabular input by field name."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

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


def column_getter(data: Any, context: str) -> tuple[list[str], Callable[[str], Any]]:
    """Column names of ``data`` and a function returning one column as a numpy array.

    Accepts a mapping of sequences, a pandas or polars DataFrame or a pyarrow Table, without
    importing any of those libraries: they are recognised by the methods they carry. Names
    are text: a column named ``5`` is read as ``"5"``.

    Raises
    ------
    RepeatedColumnError
        Two columns have one name (a DataFrame or Table with repeated columns, or a mapping
        with keys ``1`` and ``"1"``), a ``DataValidationError``.
    """
    if type(data).__name__ == "LazyFrame":
        raise InvalidParameterError(f"{context}: a polars LazyFrame must be collected first: "
                                    "pass frame.collect().")
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
            f"{context}: expected a mapping of columns, a pandas or polars DataFrame or a "
            f"pyarrow Table, got {type(data).__name__}.")
    names = [str(k) for k in keys]
    key_of = dict(zip(names, keys, strict=True))
    if len(key_of) != len(names):
        repeated = sorted(n for n, k in Counter(names).items() if k > 1)
        raise RepeatedColumnError(repeated, len(names), context)

    def get(name: str) -> NDArray[Any]:
        try:
            return as_column(read(key_of.get(name, name)))
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{context}: column {name!r}: {exc}") from None
        except Exception as exc:  # the DataFrame library's own conversion failed (polars
            # has no 128-bit integers in numpy; pandas trips on a signalling Decimal NaN)
            raise InvalidParameterError(
                f"{context}: column {name!r} cannot be read as an array of values "
                f"({type(exc).__name__}: {exc}).") from exc

    return names, get


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
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        arrow_type = getattr(values, "type", None)
        value_type = getattr(arrow_type, "value_type", None)
        if hasattr(arrow_type, "index_type") and value_type is not None and hasattr(
                values, "cast"):
            # pyarrow dictionary columns lose their nulls in to_numpy(): decode them first.
            values = values.cast(value_type)
        try:
            return np.asarray(values.to_numpy(zero_copy_only=False))  # pyarrow
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
                 context: str) -> tuple[dict[str, NDArray[Any] | None], int, dict[str, str]]:
    """The input's column for each field (``renamed``: field -> column name), ``None`` for
    an optional field that is absent under its own name; the row count; and the column name
    each field was read from (for messages).

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
        raw[field_name] = get(source)
    lengths = {k: v.shape[0] for k, v in raw.items() if v is not None}
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
