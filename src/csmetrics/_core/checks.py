"""Collecting rule violations of one input: every broken rule reported at once, or rows
marked to skip."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics.exceptions import DataValidationError, InvalidParameterError, Problem, show_value

ErrorMode = Literal["raise", "skip"]

_SHOWN = 5


@dataclass
class Checker:
    """Collects rule violations of one input.

    A checker of a table (``collect=True``) checks every rule over every column: rows that
    break a rule are marked ``bad`` (later rules skip them, so one bad cell is reported once),
    and ``raise_collected()`` raises one ``DataValidationError`` listing every rule broken,
    with its count, first rows and their values. With ``errors="skip"`` nothing is raised:
    each bad row is remembered with the first rule it broke, so the caller can drop exactly
    those rows and hand them back to the user. Without ``collect``, ``errors="raise"`` raises
    at the first rule broken (for single arrays checked in passing).

    ``sources`` maps a column name to its input values, so messages show the bad values.
    """

    n_rows: int
    context: str
    errors: ErrorMode = "raise"
    collect: bool = False
    sources: dict[str, Any] = field(default_factory=dict)
    bad: NDArray[np.bool_] = field(init=False)
    reasons: list[tuple[NDArray[np.int64], str, str]] = field(init=False, default_factory=list)
    problems: list[Problem] = field(init=False, default_factory=list)
    _by_column: dict[str, NDArray[np.bool_]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.errors not in ("raise", "skip"):
            raise InvalidParameterError(f"errors must be 'raise' or 'skip', got {self.errors!r}.")
        self.bad = np.zeros(self.n_rows, dtype=bool)

    def show(self, columns: Mapping[str, Any]) -> Checker:
        """Remember the input values of ``columns`` (name -> values) for messages; the
        checker itself, for chaining."""
        for name, values in columns.items():
            if values is not None and len(values) == self.n_rows:
                self.sources[name] = values
        return self

    def check(
        self,
        violates: NDArray[np.bool_],
        column: str,
        rule: str,
        *,
        error: type[DataValidationError] = DataValidationError,
        hint: str = "",
    ) -> None:
        """Record rows where ``violates`` is true as breaking ``rule`` on ``column``."""
        positions = np.flatnonzero(violates)
        if positions.size == 0:
            return
        if self.collect or self.errors == "skip":
            # A rule found again on the same column (by a second pass) is one problem.
            for k, old in enumerate(self.problems):
                if (old.column, old.rule) == (column, rule) and old.every is not None:
                    self.problems.pop(k)
                    positions = np.union1d(old.every, positions)
                    hint = hint or old.hint
                    break
        problem = Problem(column, rule, int(positions.size),
                          tuple(positions[:_SHOWN].tolist()),
                          self._values(column, positions[:_SHOWN]), hint=hint,
                          every=positions)
        if self.errors == "raise" and not self.collect:
            raise error(problems=[problem], n_rows=self.n_rows, context=self.context)
        self.problems.append(problem)
        mine = self._by_column.setdefault(column, np.zeros(self.n_rows, dtype=bool))
        mine[positions] = True
        new = positions[~self.bad[positions]]
        if new.size:
            self.reasons.append((new, column, rule))
            self.bad[new] = True

    def hint(self, column: str, rule: str, text: str) -> None:
        """Attach ``text`` (how to fix it) to the problem of ``column`` breaking ``rule``."""
        self.problems = [replace(p, hint=text) if (p.column, p.rule) == (column, rule) else p
                         for p in self.problems]

    def flagged(self, column: str) -> NDArray[np.bool_]:
        """Rows already reported for ``column`` (so a rule that follows from an earlier one,
        such as "missing" after "not a number", is not reported again; other columns of the
        row are still checked)."""
        return self._by_column.get(column, np.zeros(self.n_rows, dtype=bool))

    def raise_collected(self) -> None:
        """With ``errors="raise"``, one ``DataValidationError`` listing every rule broken."""
        if self.problems and self.errors == "raise":
            raise DataValidationError(problems=self.problems, n_rows=self.n_rows,
                                      context=self.context)

    def _values(self, column: str, positions: NDArray[np.int64]) -> tuple[str, ...]:
        parts = [self.sources.get(name) for name in column.split(", ")]
        if not positions.size or any(p is None for p in parts):
            return ()
        shown = []
        for i in positions.tolist():
            cells = [show_value(_item(p, i)) for p in parts if p is not None]
            shown.append(cells[0] if len(cells) == 1 else ", ".join(cells))
        return tuple(shown)


def _item(values: Any, i: int) -> object:
    """Row ``i`` of an input column: a numpy array, an Arrow array, or ids already encoded
    (codes into categories)."""
    if hasattr(values, "codes") and hasattr(values, "categories"):
        code = int(values.codes[i])
        return None if code < 0 else _item(values.categories, code)
    if hasattr(values, "to_pylist") and hasattr(values, "slice"):  # Arrow, without pandas
        return values.slice(i, 1).to_pylist()[0]
    value = values[i]
    return value.item() if isinstance(value, np.generic) and value.dtype.kind != "M" else value


def fail(column: str, rule: str, violates: NDArray[np.bool_], context: str) -> None:
    """Raise a ``DataValidationError`` for the rows marked in ``violates``, if any."""
    Checker(violates.size, context).check(violates, column, rule)
