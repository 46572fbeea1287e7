"""Result objects: named columns that print well, render in Jupyter and convert.

Every result is a ``TableResult``: a frozen set of equal-length, read-only numpy
columns with a one-line ``repr``, an aligned text table for ``print``, an HTML table for
notebooks (every string escaped), and ``to_dict()``, ``to_pandas()`` and ``to_polars()``.
The rendering needs neither pandas nor any other optional library.

A metric's result has one row without ``by=`` and one row per segment with it, and names its
*value column* (``mrr``, ``nps``, ``logo_churn_rate`` ...): with one row, ``result.value``
and ``float(result)`` give the number, and ``result.row(label)`` picks one segment's row.
"""

from __future__ import annotations

import copy
import html
import numbers
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.formatting import format_money, format_number
from csmetrics._core.frames import indexed_frame
from csmetrics._core.legacy import LegacyAccessor, LegacyValue, not_a_number
from csmetrics._core.optional import import_optional
from csmetrics._core.options import BOOL, check_option
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError

if TYPE_CHECKING:
    from csmetrics._core.checks import Checker

__all__ = ["MetricResult", "SkippedRows", "TableResult"]

_R = TypeVar("_R", bound="TableResult")

_MAX_ROWS = 40
_PERIOD_COLUMNS = ("period", "cohort")  # labels to_pandas() reads as pandas periods
_EDGE_ROWS = 15


class TableResult:
    """Named, equal-length columns with text, HTML, dict and DataFrame views.

    Parameters
    ----------
    columns : mapping of str to array-like
        The columns, in display order.
    title : str
        Shown above the printed table and as the HTML caption.
    money : sequence of str
        Columns shown as money: thousands separators and ``digits`` decimals.
    digits : int or array-like of int, default 2
        Decimals of the money columns: one number, or one per row (a result whose rows are
        in currencies with different minor units, such as USD and JPY).
    value : str, optional
        The value column: what ``result.value`` and ``float(result)`` read from a one-row
        result.
    segment : str, optional
        The segment column (the ``by=`` column); ``result.row(label)`` looks labels up in it.

    Examples
    --------
    >>> r = TableResult({"plan": ["basic", "<pro>"], "mrr": [1200.5, 30.0]}, title="MRR",
    ...                 money=("mrr",))
    >>> print(r)
    MRR
    plan        mrr
    basic  1,200.50
    <pro>     30.00
    >>> "&lt;pro&gt;" in r._repr_html_()
    True
    >>> r.to_dict()
    {'plan': ['basic', '<pro>'], 'mrr': [1200.5, 30.0]}
    """

    _columns: dict[str, NDArray[Any]]
    title: str
    money: tuple[str, ...]
    value_column: str | None
    segment_column: str | None
    _digits: NDArray[np.int64]

    def __init__(self, columns: Mapping[str, ArrayLike], *, title: str = "",
                 money: Sequence[str] = (), digits: int | ArrayLike = 2,
                 value: str | None = None, segment: str | None = None) -> None:
        arrays: dict[str, NDArray[Any]] = {}
        for name, values in columns.items():
            a = np.asarray(values)
            if a.dtype.kind == "U":
                a = a.astype(object)
            a = a.copy() if a.base is not None or a.flags.writeable else a
            a.flags.writeable = False
            arrays[str(name)] = a
        lengths = {a.shape[0] for a in arrays.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of a result must have one length, got {sorted(lengths)}")
        object.__setattr__(self, "_columns", arrays)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "money", tuple(money))
        for attr, column in (("value_column", value), ("segment_column", segment)):
            if column is not None and column not in arrays:
                raise ValueError(f"the {attr.split('_')[0]} column {column!r} is not a column")
            object.__setattr__(self, attr, column)
        n = next(iter(lengths)) if lengths else 0
        object.__setattr__(self, "_digits", np.broadcast_to(
            np.asarray(digits, dtype=np.int64), (n,)).copy())

    @property
    def columns(self) -> Mapping[str, NDArray[Any]]:
        """The columns, read-only, in display order."""
        return MappingProxyType(self._columns)

    @property
    def digits(self) -> NDArray[np.int64]:
        """Decimals of the money columns in each row (the minor units of its currency)."""
        out: NDArray[np.int64] = self._digits.view()
        out.flags.writeable = False
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def _set(self, **attributes: Any) -> None:
        """Set attributes once, from a subclass's ``__init__``."""
        for name, value in attributes.items():
            object.__setattr__(self, name, value)

    # --- access -------------------------------------------------------------------------------

    def __getitem__(self, name: str) -> NDArray[Any]:
        if not isinstance(name, str):
            raise InvalidParameterError(
                f"{type(self).__name__}[...] takes one column name, got {name!r}; for several "
                "columns use result.select(...).")
        try:
            return self.columns[name]
        except KeyError:
            raise ColumnNotFoundError(name, list(self.columns),
                                      context=type(self).__name__) from None

    def __len__(self) -> int:
        return next(iter(self.columns.values())).shape[0] if self.columns else 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns, in display order."""
        return tuple(self.columns)

    def select(self, *names: str, title: str | None = None) -> TableResult:
        """A plain result with only the named columns, in that order (given one by one, or
        as one list)."""
        if len(names) == 1 and isinstance(names[0], list | tuple):
            names = tuple(names[0])
        return TableResult({n: self[n] for n in names},
                           title=self.title if title is None else title,
                           money=[n for n in names if n in self.money], digits=self._digits,
                           value=self.value_column if self.value_column in names else None,
                           segment=self.segment_column if self.segment_column in names
                           else None)

    # --- the single value ---------------------------------------------------------------------

    def _single(self) -> None:
        if self.value_column is None:
            raise InvalidParameterError(
                f"{type(self).__name__} has no single value; read its columns "
                f"({', '.join(self.columns)}).")
        if len(self) != 1:
            per = f" (one per {self.segment_column!r})" if self.segment_column else ""
            raise InvalidParameterError(
                f"{type(self).__name__} has {len(self):,} rows{per}: read the column "
                f"result[{self.value_column!r}], or pick one with result.row(label).")

    @property
    def value(self) -> Any:
        """The number in the value column of a one-row result (a result without ``by=``).

        Raises
        ------
        InvalidParameterError
            The result has several rows (read a column, or ``row(label)``), or no value
            column.
        """
        legacy = hasattr(self, "_legacy_value")
        if legacy and (len(self) != 1 or self.value_column is None):
            return LegacyAccessor(self)
        number = float(self)
        return LegacyValue(number, self) if legacy else number

    def __float__(self) -> float:
        self._single()
        assert self.value_column is not None
        return float(self.columns[self.value_column][0])

    def __int__(self) -> int:
        return int(float(self))

    def __format__(self, spec: str) -> str:
        """``f"{result:.1%}"`` formats the single value; an empty spec gives ``str``."""
        if not spec:
            return str(self)
        try:
            return format(float(self), spec)
        except ValueError as exc:  # a spec numbers do not take ("x", "d")
            raise InvalidParameterError(
                f"{type(self).__name__}: cannot format its value with {spec!r}: {exc}.") from None

    # A result is a table: ``result == 0.5`` would be False whatever the value (and
    # ``result > 0.5`` a bare TypeError), so comparing one with a number says what to read.
    def _compare(self, other: object) -> Any:
        if isinstance(other, numbers.Number | np.number) and not isinstance(other, bool):
            not_a_number(self, "compared with a number")
        return NotImplemented

    def __eq__(self, other: object) -> Any:
        return self._compare(other)

    def __ne__(self, other: object) -> Any:
        return self._compare(other)

    __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __hash__(self) -> int:
        return id(self)

    def row(self: _R, label: Any) -> _R:
        """The one-row result of segment ``label`` (a value of the segment column).

        Raises
        ------
        InvalidParameterError
            The result has no segment column, or no (or more than one) row of ``label``.
        """
        if self.segment_column is None:
            if len(self) == 1:
                return self
            raise InvalidParameterError(f"{type(self).__name__} has no segment column to pick "
                                        "a row by.")
        labels = self.columns[self.segment_column].tolist()
        exact = [i for i, v in enumerate(labels) if v == label]
        hits = exact or [i for i, v in enumerate(labels) if str(v) == str(label)]
        if len(hits) != 1:
            shown = ", ".join(repr(v) for v in labels[:10])
            more = ", ..." if len(labels) > 10 else ""
            raise InvalidParameterError(
                f"{type(self).__name__}: {len(hits)} rows of {self.segment_column} "
                f"{label!r}; segments: {shown}{more}.")
        return self._rows(np.array(hits, dtype=np.int64))

    def _rows(self: _R, idx: NDArray[np.int64]) -> _R:
        """A copy with only the rows ``idx`` (every attribute kept)."""
        new = copy.copy(self)
        object.__setattr__(new, "_columns", {k: _frozen(v[idx]) for k, v in
                                             self._columns.items()})
        object.__setattr__(new, "_digits", self._digits[idx].copy())
        return new

    # --- conversions --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as lists of plain Python values (JSON-friendly)."""
        return {name: _plain(values) for name, values in self.columns.items()}

    @property
    def index_columns(self) -> tuple[str, ...]:
        """The columns ``to_pandas()`` makes its index: the segment column, then ``period``
        (those present; none: a plain ``RangeIndex``)."""
        names = (self.segment_column, "period")
        return tuple(n for n in names if n is not None and n in self._columns)

    def to_pandas(self, *, index: bool = True) -> Any:
        """The result as a ``pandas.DataFrame`` (needs ``pip install 'csmetrics[pandas]'``).

        Parameters
        ----------
        index : bool, default True
            Index the frame by ``index_columns``: the segment, then the period as a
            ``pandas.PeriodIndex`` (frequency M, Q or Y from the labels; a MultiIndex
            ``(segment, period)`` with both). Fiscal labels (``"FY2025-Q1"``) have no pandas
            period and stay strings. ``False``: every column flat on a ``RangeIndex``, the
            frame of earlier releases (``frame.reset_index()`` is it too, with pandas periods).

        Raises
        ------
        MissingDependencyError
            pandas is not installed.
        InvalidParameterError
            ``index`` is not True or False.

        Examples
        --------
        >>> r = TableResult({"period": ["2024-11", "2024-12"], "mrr": [100.0, 120.0]})
        >>> frame = r.to_pandas()
        >>> frame.index
        PeriodIndex(['2024-11', '2024-12'], dtype='period[M]', name='period')
        >>> float(frame.loc["2024-12", "mrr"])
        120.0
        >>> list(r.to_pandas(index=False).columns)
        ['period', 'mrr']
        """
        context = f"{type(self).__name__}.to_pandas()"
        check_option(context, "index", index, BOOL)
        pd = import_optional("pandas", "pandas", context)
        return indexed_frame(pd, self._columns, self.index_columns if index else (),
                             periods=_PERIOD_COLUMNS)

    def to_polars(self) -> Any:
        """The result as a ``polars.DataFrame`` (needs ``pip install 'csmetrics[polars]'``)."""
        pl = import_optional("polars", "polars", f"{type(self).__name__}.to_polars()")
        return pl.DataFrame({k: _one_type(_plain(v)) for k, v in self.columns.items()})

    # --- display -------------------------------------------------------------------------------

    def __repr__(self) -> str:
        n = len(self)
        if n == 1 and self.value_column is not None:
            v = self.columns[self.value_column][0]
            shown = format_number(float(v)) if isinstance(v, int | float | np.number) else repr(v)
            return f"{type(self).__name__}({self.value_column}={shown})"
        names = ", ".join(self.columns)
        return f"{type(self).__name__}({n:,} row{'s' * (n != 1)}: {names})"

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, *, max_rows: int | None = _MAX_ROWS) -> str:
        """The aligned text table; longer than ``max_rows`` rows, the middle is elided
        (``max_rows=None`` shows every row)."""
        cells = self._cells(max_rows)
        header = list(self.columns)
        widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(header)]
        left = [self.columns[h].dtype.kind == "O" and h not in self.money for h in header]

        def line(values: Sequence[str]) -> str:
            parts = [v.ljust(w) if lft else v.rjust(w)
                     for v, w, lft in zip(values, widths, left, strict=True)]
            return "  ".join(parts).rstrip()

        out = [self.title] if self.title else []
        out.append(line(header))
        out.extend(line(row) for row in cells)
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self, *, max_rows: int | None = _MAX_ROWS) -> str:
        """An HTML ``<table>`` with every string escaped (rows elided as in ``to_text()``)."""
        cells = self._cells(max_rows)
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in cells
        )
        caption = f"<caption>{esc(self.title)}</caption>" if self.title else ""
        return (f'<table class="csmetrics">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def _cells(self, max_rows: int | None = _MAX_ROWS) -> list[list[str]]:
        n = len(self)
        edge = _EDGE_ROWS if max_rows is None else min(_EDGE_ROWS, max(max_rows // 2 - 1, 1))
        rows = list(range(n)) if max_rows is None or n <= max_rows else [
            *range(edge), -1, *range(n - edge, n)]
        formatted = {name: self._format(name, values) for name, values in self.columns.items()}
        return [["…" for _ in formatted] if r < 0 else [f[r] for f in formatted.values()]
                for r in rows]

    def _format(self, name: str, values: NDArray[Any]) -> list[str]:
        kind = values.dtype.kind
        if name in self.money and kind in "iuf":
            return [format_money(v, d) for v, d in zip(values.tolist(), self._digits.tolist(),
                                                       strict=True)]
        if kind in "iu":
            return [f"{v:,}" for v in values.tolist()]
        if kind == "f":
            return [format_number(v) for v in values.tolist()]
        if kind == "b":
            return ["yes" if v else "no" for v in values.tolist()]
        return ["" if v is None else str(v) for v in values.tolist()]


def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


class MetricResult(TableResult):
    """A metric: one row without ``by=``, one row per segment with it.

    The value column holds the metric; the others hold its parts (numerator, denominator,
    counts), so a result reconciles by hand. ``result.value`` and ``float(result)`` read the
    number of a one-row result; ``result.row(label)`` picks a segment.

    Examples
    --------
    >>> r = MetricResult({"nrr": [1.08], "starting_mrr": [100.0]}, value="nrr",
    ...                  title="NRR", money=("starting_mrr",))
    >>> r, float(r), f"{r:.0%}"
    (MetricResult(nrr=1.08), 1.08, '108%')
    >>> by = MetricResult({"plan": ["basic", "pro"], "nrr": [0.9, 1.2]}, value="nrr",
    ...                   segment="plan")
    >>> by.row("pro").value
    1.2
    """

    def __init__(self, columns: Mapping[str, ArrayLike], *, value: str, title: str = "",
                 money: Sequence[str] = (), digits: int | ArrayLike = 2,
                 segment: str | None = None) -> None:
        super().__init__(columns, title=title, money=money, digits=digits, value=value,
                         segment=segment)


def _plain(values: NDArray[Any]) -> list[Any]:
    if values.dtype.kind in "mM":
        return [None if np.isnat(v) else str(v) for v in values]
    plain: list[Any] = values.tolist()
    return plain


def _one_type(values: list[Any]) -> list[Any]:
    """Values of mixed types (segment numbers and ``"(none)"``) as text, and integers mixed
    with floats as floats, which a typed column (polars) can hold."""
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) <= 1:
        return values
    to = float if kinds <= {int, float} else str
    return [None if v is None else to(v) for v in values]


class SkippedRows(TableResult):
    """Input rows left out by ``errors="skip"``: their position and the rule each broke.

    Examples
    --------
    >>> from csmetrics import SubscriptionTable
    >>> subs = SubscriptionTable.from_columns(
    ...     {"customer_id": ["a", "b"], "start": ["2024-01-01", "2024-01-01"],
    ...      "amount": [10, -5]}, errors="skip")
    >>> print(subs.skipped)
    Skipped rows
    row  column  rule
      1  amount  must be >= 0
    """

    def __init__(self, rows: ArrayLike, columns: ArrayLike, rules: ArrayLike) -> None:
        rows_a = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows_a, kind="stable")
        super().__init__({"row": rows_a[order], "column": np.asarray(columns, dtype=object)[order],
                          "rule": np.asarray(rules, dtype=object)[order]}, title="Skipped rows")

    @classmethod
    def empty(cls) -> SkippedRows:
        """No rows skipped."""
        return cls([], [], [])

    @classmethod
    def build(cls, rows: Sequence[int], reasons: Sequence[str]) -> SkippedRows:
        """From positions and "column: rule" strings."""
        cols = [r.split(": ", 1)[0] for r in reasons]
        rules = [r.split(": ", 1)[1] if ": " in r else r for r in reasons]
        return cls(rows, cols, rules)

    @classmethod
    def from_checker(cls, chk: Checker) -> SkippedRows:
        """The rows a ``Checker`` marked, with their first rule."""
        if not chk.reasons:
            return cls.empty()
        rows = np.concatenate([r for r, _, _ in chk.reasons])
        cols = np.concatenate([np.full(r.size, c, dtype=object) for r, c, _ in chk.reasons])
        rules = np.concatenate([np.full(r.size, m, dtype=object) for r, _, m in chk.reasons])
        return cls(rows, cols, rules)

    def remap(self, source: NDArray[np.int64]) -> SkippedRows:
        """Positions translated through ``source`` (positions in an outer input)."""
        return SkippedRows(source[self["row"]], self["column"], self["rule"])

    @staticmethod
    def concat(*parts: SkippedRows) -> SkippedRows:
        """All rows of ``parts`` together, ordered by position."""
        return SkippedRows(np.concatenate([p["row"] for p in parts]),
                           np.concatenate([p["column"] for p in parts]),
                           np.concatenate([p["rule"] for p in parts]))

    @property
    def rows(self) -> NDArray[np.int64]:
        """Positions (0-based, in input order) of the skipped rows."""
        return self["row"]

    def __repr__(self) -> str:
        return f"SkippedRows({len(self):,} row{'s' * (len(self) != 1)})"
