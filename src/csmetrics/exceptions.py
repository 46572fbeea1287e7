"""Errors and warnings raised by csmetrics.

Every exception derives from ``CSMetricsError``, so ``except CSMetricsError`` catches
anything this library raises on purpose. Each also derives from the built-in a caller would
expect (``ValueError`` for bad data and bad options, ``KeyError`` for a missing column), so
code written against the built-ins keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

__all__ = [
    "AccountNotFoundError",
    "CSMetricsError",
    "ColumnNotFoundError",
    "CurrencyMismatchError",
    "DataValidationError",
    "EngineError",
    "InvalidParameterError",
    "MissingDependencyError",
    "MissingRateError",
    "Problem",
    "Problems",
    "SignatureError",
    "SimilarIdsWarning",
    "UndefinedMetricWarning",
]

_SHOWN_POSITIONS = 5


class CSMetricsError(Exception):
    """Base class of every error csmetrics raises on purpose."""


def show_value(value: object) -> str:
    """One input value as a message shows it: text quoted, blanks named, long values cut.

    Examples
    --------
    >>> show_value("$1,200.00"), show_value(None), show_value(-5.0), show_value("")
    ("'$1,200.00'", 'blank', '-5.0', 'blank')
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return "blank"
    if isinstance(value, float) and value != value:
        return "blank"
    try:
        text = repr(value) if isinstance(value, str | bytes) else str(value)
    except Exception:  # a value whose str() fails is still named
        text = f"<{type(value).__name__}>"
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        text = str(value)
    return text if len(text) <= _SHOWN_WIDTH else text[:_SHOWN_WIDTH - 3] + "..."


_SHOWN_WIDTH = 40


@dataclass(frozen=True)
class Problem:
    """One rule broken by some rows of an input.

    Attributes
    ----------
    column : str
        The column (or columns, joined by ``", "``) holding the bad values.
    rule : str
        The rule broken, as it reads in the message (``"must be >= 0"``).
    count : int
        How many rows break it.
    positions : tuple of int
        The first few of those rows (0-based positions in input order).
    values : tuple of str
        The values at ``positions`` as the message shows them (``'blank'`` for a blank).
    lines : tuple of int
        The file lines of ``positions`` (header = line 1) when the input is a file; empty
        otherwise.
    hint : str
        How to fix it, when there is more to say than the rule.
    """

    column: str
    rule: str
    count: int
    positions: tuple[int, ...]
    values: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    hint: str = ""
    every: Any = field(default=None, compare=False, repr=False)
    """Every row that breaks the rule (an integer array), when known."""
    part: str = ""
    """Which part of a larger input ``positions`` count in (``"partition 3"`` on a cluster,
    where positions are rows of that partition); empty for one whole input."""

    def describe(self, n_rows: int) -> str:
        """``column 'x' <rule>; N of M rows break this rule (first at rows 1, 4; values ...)``;
        from a file, the lines lead: ``lines 3, 6: column 'x' <rule>; ... (values ...)``."""
        noun = "row" if n_rows == 1 else "rows"
        verb = "breaks" if self.count == 1 else "break"
        text = (f"column '{self.column}' {self.rule}; {self.count:,} of {n_rows:,} {noun} "
                f"{verb} this rule")
        values = (f"value{'s' * (len(self.values) != 1)} {', '.join(self.values)}"
                  if self.values else "")
        if self.lines:
            unit = "line" if len(self.lines) == 1 else "lines"
            text = f"{unit} {', '.join(f'{p:,}' for p in self.lines)}: {text}"
            if values:
                text += f" ({values})"
        elif self.positions:
            text += f" ({'at' if self.count == 1 else 'first at'} {self.where()})"
        text = f"{self.part}: {text}" if self.part else text
        return text + (f". {self.hint}" if self.hint else "")

    def where(self) -> str:
        """The first rows and their values: ``rows 1, 4; values 'a', blank``."""
        unit = "row" if len(self.positions) == 1 else "rows"
        text = f"{unit} {', '.join(f'{p:,}' for p in self.positions)}"
        if self.values:
            text += f"; value{'s' * (len(self.values) != 1)} {', '.join(self.values)}"
        return text


class Problems(Sequence[Problem]):
    """Every rule an input breaks, one ``Problem`` each: a small table for code.

    ``to_dict()``, ``to_pandas()`` and ``to_polars()`` give one row per rule, with columns
    ``column``, ``rule``, ``count``, ``rows`` (the first positions), ``lines`` (the first
    file lines, when read from a file), ``values``, ``hint`` and ``part`` (the partition the
    rows count in, on a cluster).

    Examples
    --------
    >>> p = Problems([Problem("amount", "must be >= 0", 2, (1, 4), ("-5", "-3"))])
    >>> p[0].describe(10)
    "column 'amount' must be >= 0; 2 of 10 rows break this rule (first at rows 1, 4; values -5, -3)"
    >>> p.to_dict()["count"], len(p)
    ([2], 1)
    """

    _COLUMNS = ("column", "rule", "count", "rows", "lines", "values", "hint", "part")

    def __init__(self, problems: Sequence[Problem]) -> None:
        self._items = tuple(problems)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Problem: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Problem]: ...
    def __getitem__(self, index: int | slice) -> Problem | Sequence[Problem]:
        return self._items[index]

    def to_dict(self) -> dict[str, list[object]]:
        """One list per column, one entry per rule broken."""
        return {
            "column": [p.column for p in self._items],
            "rule": [p.rule for p in self._items],
            "count": [p.count for p in self._items],
            "rows": [list(p.positions) for p in self._items],
            "lines": [list(p.lines) for p in self._items],
            "values": [list(p.values) for p in self._items],
            "hint": [p.hint for p in self._items],
            "part": [p.part for p in self._items],
        }

    def to_pandas(self) -> Any:
        """The problems as a pandas DataFrame (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise MissingDependencyError(
                "to_pandas() needs pandas: pip install 'csmetrics[pandas]'.") from exc
        return pd.DataFrame(self.to_dict(), columns=list(self._COLUMNS))

    def to_polars(self) -> Any:
        """The problems as a polars DataFrame (needs the ``polars`` extra)."""
        try:
            import polars as pl
        except ImportError as exc:
            raise MissingDependencyError(
                "to_polars() needs polars: pip install 'csmetrics[polars]'.") from exc
        return pl.DataFrame(self.to_dict())

    def __repr__(self) -> str:
        return f"Problems({len(self)} rule{'s' * (len(self) != 1)} broken)"


class DataValidationError(CSMetricsError, ValueError):
    """Input data break one rule or several; every broken rule is listed at once.

    Attributes
    ----------
    problems : Problems
        Every rule broken, in the order checked: column, rule, count, first rows (and file
        lines), their values and a hint; ``problems.to_pandas()`` for code.
    column, rule, count, positions
        Those of the first problem (the one a reader fixes first).
    n_rows : int
        Rows in the input, for context.
    context : str
        What was being read (a function, a file).
    """

    def __init__(
        self,
        *,
        column: str = "",
        rule: str = "",
        count: int = 0,
        positions: Sequence[int] = (),
        n_rows: int,
        context: str = "",
        values: Sequence[str] = (),
        problems: Sequence[Problem] | None = None,
    ) -> None:
        if not problems:
            problems = [Problem(column, rule, int(count),
                                tuple(int(p) for p in positions[:_SHOWN_POSITIONS]),
                                tuple(values[:_SHOWN_POSITIONS]))]
        self.problems = Problems(problems)
        first = self.problems[0]
        self.column = first.column
        self.rule = first.rule
        self.count = first.count
        self.positions = first.positions
        self.n_rows = int(n_rows)
        self.context = context
        super().__init__(self._message())

    def _message(self) -> str:
        prefix = f"{self.context}: " if self.context else ""
        if len(self.problems) == 1:
            text = self.problems[0].describe(self.n_rows)
            return f"{prefix}{text}" + ("" if text.endswith(".") else ".")
        items = "\n".join(f"  - {p.describe(self.n_rows)}" for p in self.problems)
        return f"{prefix}the input breaks {len(self.problems)} rules:\n{items}"

    def __reduce__(self) -> Any:  # picklable, for multiprocessing and notebooks
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[DataValidationError], state: dict[str, Any]) -> DataValidationError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._message())
    return error


class CurrencyMismatchError(DataValidationError):
    """Money in different currencies would be summed without exchange rates."""


class MissingRateError(DataValidationError):
    """A currency holds money at a snapshot but has no rate dated on or before it."""

    def __init__(self, currency: str, reporting: str, dates: Sequence[object]) -> None:
        self.currency = currency
        self.dates = tuple(str(d) for d in dates)
        super().__init__(column="rate", rule="", count=len(self.dates), positions=[],
                         n_rows=len(self.dates), context="fx")

    def _message(self) -> str:
        shown = ", ".join(self.dates[:5])
        return (f"fx: no {self.currency} rate on or before {self.dates[0]}, where {self.currency}"
                f" MRR must be converted; {len(self.dates)} snapshot(s) need one ({shown}). "
                f"Add {self.currency} rates dated on or before them.")


class InvalidParameterError(CSMetricsError, ValueError):
    """An option passed to a function is not one it accepts."""


class SignatureError(InvalidParameterError, TypeError):
    """A call does not match the function's signature (a missing, unknown or repeated
    argument); also a ``TypeError``, as Python raises for any function."""


class EngineError(CSMetricsError, RuntimeError):
    """A cluster engine (Spark, Dask) could not run a job, or a partition failed in a way
    no rule of the data explains; the message names the engine and what it reported."""


class MissingDependencyError(CSMetricsError, ImportError):
    """An optional extra (pandas, polars, matplotlib ...) is needed and not installed.

    The message names the ``pip install 'csmetrics[extra]'`` that provides it.
    """


class ColumnNotFoundError(CSMetricsError, KeyError):
    """A required column is missing from the input.

    Attributes
    ----------
    column : str
        The column that was looked for.
    available : tuple of str
        The columns the input does have.
    """

    def __init__(self, column: str, available: Sequence[str], *, context: str = "") -> None:
        self.column = column
        self.available = tuple(str(a) for a in available)
        self.context = context
        super().__init__(column)

    def __str__(self) -> str:
        prefix = f"{self.context}: " if self.context else ""
        # The column may be anything a caller passed (None, a number): shown, never trusted.
        name = str(self.column)
        close = difflib.get_close_matches(name, self.available, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        listed = ", ".join(repr(a) for a in self.available) or "none"
        return f"{prefix}column '{name}' not found; available columns: {listed}.{hint}"


class AccountNotFoundError(CSMetricsError, KeyError):
    """An account asked for (``explain(customer_id)``) is not among the results."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for this input (empty data, zero denominator) and is NaN."""


class SimilarIdsWarning(UserWarning):
    """Ids (or other labels) of one column differ only by surrounding spaces or invisible
    characters (``"c0"``, ``" c0"``, ``"c0\\u200b"``, a no-break space, a byte order mark):
    they are kept apart, as given, and the warning names them.

    Nothing is changed silently: clean the column (``str.strip()``, removing zero-width
    characters) if they are one customer, or silence the warning if they are not.
    """
