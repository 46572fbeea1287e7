"""The one template every validated table is built on.

A table (subscriptions, survey responses, usage events, tickets, payments) is a frozen
dataclass of read-only numpy columns: ids as integer codes into sorted categories, dates as
``datetime64``, money as exact integers beside the amounts given. Each table declares its
fields and its rules; the template gives all of them the same machinery:

* freezing every array (the caller's arrays are copied, never frozen);
* ``take`` (rows by position or mask) and ``compact`` (drop ids no row uses);
* ``column`` (a field decoded to its original values) and the dict / pandas / polars / HTML
  views;
* ``segment_column``: the codes of a column that ``by=`` may name (an id, a categorical
  field, or an input column kept with ``segments=``);
* ``from_records`` through the table's pydantic record, so records and columns accept and
  refuse the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import column_getter, match_columns
from csmetrics._core.convert import to_codes
from csmetrics._core.options import is_names
from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
)
from csmetrics.results import SkippedRows, TableResult
from csmetrics.tables.records import validate_records

I64 = NDArray[np.int64]
Coded = tuple[I64, NDArray[Any]]
"""A categorical column: each row's code (-1 where missing) and the sorted categories."""

_T = TypeVar("_T", bound="ColumnTable")


def readonly(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` as a contiguous array nobody can write to; a column of one value repeated
    (``constant()``) stays a view of that value, holding no memory per row."""
    if a.ndim == 1 and a.size > 1 and a.strides == (0,):
        return a
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def constant(value: Any, n: int, dtype: Any = None) -> NDArray[Any]:
    """A read-only column of ``n`` rows all holding ``value`` (an absent optional column):
    one value and a zero stride, not ``n`` copies."""
    out: NDArray[Any] = np.broadcast_to(np.asarray(value, dtype=dtype), (n,))
    return out


def uniform(values: NDArray[Any]) -> NDArray[Any]:
    """``values`` as a ``constant()`` column when every row holds the same number, bit for
    bit (``-0.0`` is not ``0.0``), else as they are."""
    if values.size < 2 or values.strides == (0,) or values.dtype.kind not in "iuf":
        return values
    bits = values.view(f"u{values.dtype.itemsize}")
    if bool((bits == bits[0]).all()):
        return constant(values[0], values.size, values.dtype)
    return values


def decode(codes: I64, categories: NDArray[Any]) -> NDArray[Any]:
    """Integer codes back to their original values (``None`` where the code is -1)."""
    out = np.empty(codes.size, dtype=object)
    out[:] = None
    has = codes >= 0
    out[has] = categories[codes[has]]
    return out


def recode(codes: I64, categories: NDArray[Any]) -> Coded:
    """Codes and categories with the categories no code refers to dropped (-1 stays -1).

    Used after rows are skipped, so a table lists only ids its rows use.
    """
    if categories.size == 0:
        return codes, categories
    used = np.zeros(categories.size + 1, dtype=bool)
    used[codes + 1] = True
    used = used[1:]
    new = np.cumsum(used, dtype=np.int64) - 1
    return (np.where(codes >= 0, new[np.maximum(codes, 0)], -1).astype(np.int64),
            categories[used])


class ColumnTable:
    """Template of the table dataclasses (see the module documentation).

    A table declares, as class variables:

    ``_FIELDS``
        its columns in display order (what ``to_dict`` and ``column`` give);
    ``_CODED``
        field -> (codes attribute, categories attribute) for its categorical fields;
    ``_SHARED``
        attributes that are not one value per row (categories, scales ...);
    ``_COMPACT``
        coded fields whose unused categories ``compact`` drops;
    ``_RECORD``
        its pydantic record, and ``_RECORD_CONVERT`` field -> function applied to record
        values before they are read as columns;
    ``_NOUN``
        what a row is, in plural ("subscriptions").

    Every table has ``customer_codes``, ``customer_ids``, ``source_rows`` (each row's position
    in the input), ``skipped`` and ``segments`` (input columns kept for ``by=``).
    """

    _FIELDS: ClassVar[tuple[str, ...]] = ()
    _CODED: ClassVar[Mapping[str, tuple[str, str]]] = {}
    _SHARED: ClassVar[tuple[str, ...]] = ()
    _COMPACT: ClassVar[tuple[str, ...]] = ("customer_id",)
    _RECORD: ClassVar[Any] = None
    _RECORD_CONVERT: ClassVar[Mapping[str, Any]] = {}
    _NOUN: ClassVar[str] = "rows"

    customer_codes: I64
    customer_ids: NDArray[Any]
    source_rows: I64
    skipped: SkippedRows
    segments: Mapping[str, Coded]

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, readonly(value))
        object.__setattr__(self, "segments", {
            name: (readonly(codes), readonly(cats)) for name, (codes, cats) in
            self.segments.items()})

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its fields, rebuilt through the constructor (so the arrays are read-only
        again); read-only mappings (a survey table's scales) travel as plain dicts."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        proxied = tuple(k for k, v in state.items() if isinstance(v, MappingProxyType))
        for k in proxied:
            state[k] = dict(state[k])
        return (_rebuild, (type(self), state, proxied))

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def _from_records(cls: type[_T], records: Iterable[Any], *, errors: Any, context: str,
                      whole_record: str = "record", **options: Any) -> _T:
        """Records validated one by one, then through ``from_columns`` like any columns."""
        batch = validate_records(records, cls._RECORD, context, whole_record=whole_record)
        columns, options = cls._record_columns(batch, options)
        try:
            table = cls.from_columns(columns, errors=errors,  # type: ignore[attr-defined]
                                     _context=context, **options)
        except DataValidationError as exc:
            if not batch.failures or type(exc) is not DataValidationError:
                raise
            raise batch.error(context, exc) from None
        if batch.failures and errors == "raise":
            raise batch.error(context)
        merged: _T = batch.merge(table)
        return merged

    @classmethod
    def _record_columns(cls, batch: Any, options: dict[str, Any]
                        ) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        """The valid records as the columns (and options) ``from_columns`` is given; a
        table whose records hold more than one column per field overrides it."""
        return batch.columns(cls._FIELDS, convert=cls._RECORD_CONVERT), options

    def _keep_segments(self: _T, data: Any, names: Sequence[str], checker: Checker,
                       rows: I64 | None = None) -> _T:
        """The table with the input columns ``names`` kept as segments (for ``by=``);
        ``rows`` are the input positions of the table's rows when some were dropped."""
        kept = read_segments(data, names, checker)
        if not kept:
            return self
        if rows is not None:
            kept = {name: recode(codes[rows], cats) for name, (codes, cats) in kept.items()}
        return replace(self, segments=kept)  # type: ignore[type-var]

    def _finish(self: _T, checker: Checker) -> _T:
        """The table without the rows ``checker`` marked bad, which go to ``skipped``; with
        ``errors="raise"``, one error listing every rule broken instead."""
        checker.raise_collected()
        table = replace(self, skipped=SkippedRows.from_checker(checker))  # type: ignore[type-var]
        if not checker.bad.any():
            return table
        return table.take(np.flatnonzero(~checker.bad)).compact()

    # --- access -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.customer_codes.size)

    @property
    def n_customers(self) -> int:
        """Distinct customers (accounts) with at least one row in the table."""
        present = np.bincount(self.customer_codes, minlength=self.customer_ids.size) > 0
        return int(present.sum())

    def take(self: _T, indices: Sequence[int] | NDArray[np.integer[Any]] | NDArray[np.bool_]
             ) -> _T:
        """The rows at ``indices`` (positions or a boolean mask), as a new table.

        Categories (ids, plans, currencies ...) are kept whole, so codes stay comparable with
        the original table.
        """
        idx = _row_positions(indices, len(self), f"{type(self).__name__}.take")
        shared = {*self._SHARED, "skipped", "segments",
                  *(cats for _, cats in self._CODED.values())}
        rows = {f.name: getattr(self, f.name)[idx] for f in fields(self)  # type: ignore[arg-type]
                if f.name not in shared}
        rows["segments"] = {k: (codes[idx], cats) for k, (codes, cats) in self.segments.items()}
        return replace(self, **rows)  # type: ignore[type-var]

    def compact(self: _T) -> _T:
        """The table with the categories of ``_COMPACT`` fields that no row uses dropped."""
        changes: dict[str, Any] = {}
        for name in self._COMPACT:
            code_attr, cat_attr = self._CODED[name]
            codes, cats = recode(getattr(self, code_attr), getattr(self, cat_attr))
            changes[code_attr], changes[cat_attr] = codes, cats
        changes["segments"] = {k: recode(codes, cats) for k, (codes, cats) in
                               self.segments.items()}
        return replace(self, **changes)  # type: ignore[type-var]

    def column(self, name: str) -> NDArray[Any]:
        """One column decoded to its original values (ids, names, ``None`` where absent).

        Raises
        ------
        ColumnNotFoundError
            The table has no such column.
        """
        if name in self._CODED:
            code_attr, cat_attr = self._CODED[name]
            return decode(getattr(self, code_attr), getattr(self, cat_attr))
        if name in self.segments:
            return decode(*self.segments[name])
        special = self._column(name)
        if special is not None:
            return special
        if name in self._FIELDS:
            return np.asarray(getattr(self, name))
        raise ColumnNotFoundError(name, (*self._FIELDS, *self.segments),
                                  context=f"{type(self).__name__}.column")

    def _column(self, name: str) -> NDArray[Any] | None:
        """A column that is neither coded nor stored as is (``interval``); None otherwise."""
        return None

    @property
    def segment_columns(self) -> tuple[str, ...]:
        """The columns ``by=`` may name: the id, the categorical fields, the kept segments."""
        return (*self._CODED, *self._extra_segments(), *self.segments)

    def segment_column(self, name: str, context: str = "by") -> Coded:
        """Codes (-1 where missing) and categories of the column ``by=name`` splits by.

        Raises
        ------
        ColumnNotFoundError
            ``name`` is not one of ``segment_columns``.
        """
        if name in self._CODED:
            code_attr, cat_attr = self._CODED[name]
            return getattr(self, code_attr), np.asarray(getattr(self, cat_attr), dtype=object)
        if name in self.segments:
            return self.segments[name]
        extra = self._extra_segments()
        if name in extra:
            return extra[name]
        hint = ("" if name not in self._FIELDS else
                f"; '{name}' is not a column to split by")
        raise ColumnNotFoundError(name, self.segment_columns,
                                  context=f"{context} (by={name!r}{hint}; keep other input "
                                          "columns with segments=)")

    def _extra_segments(self) -> Mapping[str, Coded]:
        """Categorical columns stored as something other than codes (``interval``)."""
        return {}

    # --- views ------------------------------------------------------------------------------

    def _decoded(self) -> dict[str, NDArray[Any]]:
        return {name: self.column(name) for name in (*self._FIELDS, *self.segments)}

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as lists of Python values, in field order (kept segments last)."""
        return TableResult(self._decoded()).to_dict()

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (needs the ``pandas`` extra): one row per input
        row, on a ``RangeIndex`` (a table is rows, not a result indexed by period)."""
        return TableResult(self._decoded(), title=self._NOUN).to_pandas(index=False)

    def to_polars(self) -> Any:
        """The table as a polars DataFrame (needs the ``polars`` extra)."""
        return TableResult(self._decoded(), title=self._NOUN).to_polars()

    def _repr_html_(self) -> str:
        return TableResult(self._decoded(), title=repr(self))._repr_html_()

    def _skipped_text(self) -> str:
        return f", {len(self.skipped):,} skipped" if len(self.skipped) else ""


def _rebuild(cls: type[_T], state: dict[str, Any], proxied: tuple[str, ...]) -> _T:
    """A pickled table rebuilt from its fields (see ``ColumnTable.__reduce__``)."""
    for k in proxied:
        state[k] = MappingProxyType(state[k])
    return cls(**state)


def read_segments(data: Any, names: Sequence[str], checker: Checker) -> dict[str, Coded]:
    """The input columns ``names`` as codes and categories, checked by ``checker`` (a cell
    holding a list is a broken rule like any other, so read them before the checker
    raises or skips).

    Raises
    ------
    InvalidParameterError
        ``names`` is not a list of column names.
    ColumnNotFoundError
        A name is not a column of the input.
    """
    if isinstance(names, str) or not is_names(names, empty=True):
        raise InvalidParameterError(f"{checker.context}: segments= must be a list of column "
                                    f"names, such as ['region'], got {names!r}.")
    if not names:
        return {}
    available, get = column_getter(data, checker.context)
    kept: dict[str, Coded] = {}
    for name, source in match_columns(available, names, checker.context).items():
        values = get(source)
        checker.show({source: values})
        codes, cats = to_codes(values, source, checker, required=False, labels=False)
        kept[name] = (codes, cats.astype(object))
    return kept


def _row_positions(indices: Any, n: int, context: str) -> I64:
    """Row positions from positions (negative from the end) or a boolean mask of ``n`` rows.

    Raises
    ------
    InvalidParameterError
        Neither, or a position outside the table.
    """
    try:
        idx = np.asarray(indices)
    except ValueError:  # nested lists of several lengths
        idx = np.empty((0, 0))
    if idx.ndim == 1 and idx.dtype == bool:
        if idx.size != n:
            raise InvalidParameterError(f"{context}: a boolean mask needs one value per row "
                                        f"({n:,}), got {idx.size:,}.")
        return np.flatnonzero(idx).astype(np.int64)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        shown = repr(indices) if len(repr(indices)) <= 60 else repr(indices)[:57] + "..."
        raise InvalidParameterError(f"{context}: indices must be row positions (whole numbers) "
                                    f"or a boolean mask, got {shown}.")
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        raise InvalidParameterError(f"{context}: row positions must be from {-n:,} to "
                                    f"{n - 1:,}, got {int(idx.min()):,} to {int(idx.max()):,}.")
    return idx.astype(np.int64, copy=False)
