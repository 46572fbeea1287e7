"""Errors and warnings raised by csmetrics.

Every exception derives from ``CSMetricsError``, so ``except CSMetricsError`` catches
anything this library raises on purpose. Each also derives from the built-in a caller would
expect (``ValueError`` for bad data and bad options, ``KeyError`` for a missing column), so
code written against the built-ins keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

__all__ = [
    "AccountNotFoundError",
    "CSMetricsError",
    "ColumnNotFoundError",
    "CurrencyMismatchError",
    "DataValidationError",
    "InvalidParameterError",
    "MissingDependencyError",
    "MissingRateError",
    "SignatureError",
    "SimilarIdsWarning",
    "UndefinedMetricWarning",
]

_SHOWN_POSITIONS = 5


class CSMetricsError(Exception):
    """Base class of every error csmetrics raises on purpose."""


class DataValidationError(CSMetricsError, ValueError):
    """Input data break a rule.

    Attributes
    ----------
    column : str
        The column (or columns, joined by ``", "``) holding the bad values.
    rule : str
        The rule broken, phrased as it reads in the message (``"must be >= 0"``).
    count : int
        How many rows break it.
    positions : tuple of int
        The first few offending row positions (0-based, in input order).
    n_rows : int
        Rows in the input, for context.
    """

    def __init__(
        self,
        *,
        column: str,
        rule: str,
        count: int,
        positions: Sequence[int],
        n_rows: int,
        context: str = "",
    ) -> None:
        self.column = column
        self.rule = rule
        self.count = int(count)
        self.positions = tuple(int(p) for p in positions[:_SHOWN_POSITIONS])
        self.n_rows = int(n_rows)
        self.context = context
        super().__init__(self._message())

    def _message(self) -> str:
        shown = ", ".join(f"{p:,}" for p in self.positions)
        noun = "row" if self.n_rows == 1 else "rows"
        verb = "breaks" if self.count == 1 else "break"
        where = "at row" if len(self.positions) == 1 else "first at rows"
        prefix = f"{self.context}: " if self.context else ""
        return (
            f"{prefix}column '{self.column}' {self.rule}; "
            f"{self.count:,} of {self.n_rows:,} {noun} {verb} this rule ({where} {shown})."
        )


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
