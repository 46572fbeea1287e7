"""Result objects: named columns that print well, render in Jupyter and convert.

Every tabular result is a :class:`TableResult`: a frozen set of equal-length, read-only numpy
columns with a one-line ``repr``, an aligned text table for ``print``, an HTML table for
notebooks (every string escaped), and ``to_dict()``, ``to_pandas()`` and ``to_polars()``.
The rendering needs neither pandas nor any other optional library.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.optional import import_optional

if TYPE_CHECKING:
    from csmetrics._core.checks import Checker

__all__ = ["SkippedRows", "TableResult"]

_MAX_ROWS = 40
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
    _digits: NDArray[np.int64]

    def __init__(self, columns: Mapping[str, ArrayLike], *, title: str = "",
                 money: Sequence[str] = (), digits: int | ArrayLike = 2) -> None:
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
        n = next(iter(lengths)) if lengths else 0
        object.__setattr__(self, "_digits", np.broadcast_to(
            np.asarray(digits, dtype=np.int64), (n,)).copy())

    @property
    def columns(self) -> Mapping[str, NDArray[Any]]:
        """The columns, read-only, in display order."""
        return MappingProxyType(self._columns)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def _set(self, **attributes: Any) -> None:
        """Set attributes once, from a subclass's ``__init__``."""
        for name, value in attributes.items():
            object.__setattr__(self, name, value)

    # --- access -------------------------------------------------------------------------------

    def __getitem__(self, name: str) -> NDArray[Any]:
        try:
            return self.columns[name]
        except KeyError:
            from csmetrics.exceptions import ColumnNotFoundError

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
        """A plain result with only the named columns, in that order."""
        return TableResult({n: self[n] for n in names},
                           title=self.title if title is None else title,
                           money=[n for n in names if n in self.money], digits=self._digits)

    # --- conversions --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as lists of plain Python values (JSON-friendly)."""
        return {name: _plain(values) for name, values in self.columns.items()}

    def to_pandas(self) -> Any:
        """The result as a ``pandas.DataFrame`` (needs ``pip install 'csmetrics[pandas]'``)."""
        pd = import_optional("pandas", "pandas", f"{type(self).__name__}.to_pandas()")
        return pd.DataFrame({k: np.array(v) for k, v in self.columns.items()})

    def to_polars(self) -> Any:
        """The result as a ``polars.DataFrame`` (needs ``pip install 'csmetrics[polars]'``)."""
        pl = import_optional("polars", "polars", f"{type(self).__name__}.to_polars()")
        return pl.DataFrame({k: _plain(v) for k, v in self.columns.items()})

    # --- display -------------------------------------------------------------------------------

    def __repr__(self) -> str:
        n = len(self)
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
        """An HTML ``<table>`` with every string escaped (rows elided as in :meth:`to_text`)."""
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
            return [_money(v, d) for v, d in zip(values.tolist(), self._digits.tolist(),
                                                 strict=True)]
        if kind in "iu":
            return [f"{v:,}" for v in values.tolist()]
        if kind == "f":
            return [_number(v) for v in values.tolist()]
        if kind == "b":
            return ["yes" if v else "no" for v in values.tolist()]
        return ["" if v is None else str(v) for v in values.tolist()]


def _money(v: float, digits: int) -> str:
    return "NaN" if v != v else f"{v:,.{digits}f}"


def _number(v: float) -> str:
    if v != v:
        return "NaN"
    return f"{v:,.4f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else f"{v:.4g}"


def _plain(values: NDArray[Any]) -> list[Any]:
    if values.dtype.kind in "mM":
        return [None if np.isnat(v) else str(v) for v in values]
    plain: list[Any] = values.tolist()
    return plain


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
        """The rows a :class:`~csmetrics._validation.Checker` marked, with their first rule."""
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
