"""The errors of the CSV readers: a file that cannot be read, one that is not a CSV table,
and data that break rules, named by file line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from csmetrics.exceptions import CSMetricsError, DataValidationError, Problem, show_value


class CSVFormatError(CSMetricsError, ValueError):
    """A file is not a CSV table csmetrics can read (empty, malformed, repeated header, not
    text in its encoding)."""


class CSVFileError(CSMetricsError, OSError):
    """A file cannot be opened or read (a directory, no permission); also an ``OSError``,
    with its ``errno`` and ``filename``."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}."


class CSVFileNotFoundError(CSVFileError, FileNotFoundError):
    """There is no such file; also a ``FileNotFoundError``."""


class CSVDataError(DataValidationError):
    """A CSV file breaks rules; every problem names its file lines and values.

    ``path`` is the file, ``lines`` the first lines of the first problem (1-based, header =
    1) and ``problems`` every rule broken, each with its ``lines``.
    """

    def __init__(self, path: str, error: DataValidationError,
                 lines: Sequence[int] | None = None,
                 cells: Mapping[str, Any] | None = None) -> None:
        self.path = path
        problems = [replace(p, rule=in_file_terms(p.rule),
                            lines=tuple(lines[q] if lines is not None else q + 2
                                        for q in p.positions),
                            values=_as_written(p, cells))
                    for p in error.problems]
        self.lines = problems[0].lines
        super().__init__(problems=problems, n_rows=error.n_rows, context=path)


def _as_written(problem: Problem, cells: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The values of a problem as the file has them (``'-5'``, not the number read from it),
    when its column is one of the file's ``cells``; the values shown otherwise."""
    column = None if cells is None else cells.get(problem.column)
    if column is None or not problem.positions:
        return problem.values
    if hasattr(column, "slice"):  # an Arrow column of text
        return tuple(show_value(column.slice(q, 1).to_pylist()[0]) for q in problem.positions)
    return tuple(show_value(column[q]) for q in problem.positions)


def in_file_terms(rule: str) -> str:
    """A rule as a file's reader says it: an empty cell is blank, not None or NaN.

    Examples
    --------
    >>> in_file_terms("must not be missing (None/NaN)")
    'must not be blank'
    """
    return rule.replace("missing (None/NaN)", "blank").replace(
        "must not be missing", "must not be blank").replace("or missing (None/NaN)", "or blank")
