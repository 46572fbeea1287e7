"""Parquet files and datasets into validated tables, read with pyarrow.

A path is one Parquet file or a directory of them (a dataset, hive-partitioned such as
``year=2024/part-0.parquet`` or not); only the columns a table can use are read. Columns
keep their Parquet types (dates, timestamps, numbers, text), and the table's
``from_columns`` applies its rules to them, so a Parquet file and the same data as columns
build the same table. Errors name the path and, in a dataset, the file and its row.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from csmetrics._core.arrowpool import reading_pool
from csmetrics._core.checks import ErrorMode
from csmetrics._core.options import ERRORS, Satisfies, validate_params
from csmetrics._core.progress import progress_bar
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CSMetricsError,
    DataValidationError,
    InvalidParameterError,
)
from csmetrics.io.csv.adapters import FIELDS
from csmetrics.io.csv.reader import CSV_OPTIONS
from csmetrics.results import SkippedRows
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.survey_extras import resolve_attributes
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

_T = TypeVar("_T", SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable)


class ParquetFormatError(CSMetricsError, ValueError):
    """A path is not Parquet csmetrics can read (not a Parquet file, a corrupt file, a
    directory without Parquet files, files whose columns disagree)."""


class ParquetFileError(CSMetricsError, OSError):
    """A Parquet path cannot be opened (no such file, no permission); also an ``OSError``
    (a ``FileNotFoundError`` when there is no such file is ``ParquetFileNotFoundError``)."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}."


class ParquetFileNotFoundError(ParquetFileError, FileNotFoundError):
    """There is no such Parquet file or directory; also a ``FileNotFoundError``."""


class ParquetDataError(DataValidationError):
    """A Parquet file breaks a rule; ``path`` is what was read and ``rows`` the
    ``(file, 0-based row in that file)`` of each position reported."""

    def __init__(self, path: str, error: DataValidationError,
                 rows: Sequence[tuple[str, int]]) -> None:
        self.path = path
        self.rows = tuple(rows)
        files = {f for f, _ in self.rows}
        if len(files) <= 1 and (not files or files == {path}):
            shown = ", ".join(f"{r:,}" for _, r in self.rows)
        else:
            shown = ", ".join(f"{os.path.relpath(f, path)} {r:,}" for f, r in self.rows)
        where = "row" if len(self.rows) == 1 else "rows"
        super().__init__(column=error.column, rule=error.rule, count=error.count,
                         positions=error.positions, n_rows=error.n_rows,
                         context=f"{path}: {where} {shown}")


PARQUET_OPTIONS = {
    "path": Satisfies(lambda v: isinstance(v, str | os.PathLike),
                      "a Parquet file or a directory of them (str or Path)"),
    # The column mapping and progress of the CSV readers: one option each, one message.
    "columns": CSV_OPTIONS["columns"],
    "errors": ERRORS,
    "progress": CSV_OPTIONS["progress"],
}
"""The options every Parquet reader shares, checked before the path is opened."""


class _Offsets:
    """Where each row of the concatenated dataset comes from: its file and its row there."""

    def __init__(self, files: Sequence[str], counts: Sequence[int]) -> None:
        self.files = list(files)
        self.starts = np.concatenate([[0], np.cumsum(np.asarray(counts, dtype=np.int64))])

    def locate(self, positions: Sequence[int]) -> list[tuple[str, int]]:
        pos = np.asarray(positions, dtype=np.int64)
        which = np.searchsorted(self.starts, pos, side="right") - 1
        return [(self.files[w], int(p - self.starts[w]))
                for w, p in zip(which.tolist(), pos.tolist(), strict=True)]


def _wanted(names: Sequence[str], fields: Sequence[str], mapping: Mapping[str, str]
            ) -> list[str]:
    """The columns a table may read: mapped ones, each field's own name (any case), and
    names close to a field's (so that a misspelling is reported, as from columns)."""
    own = {mapping.get(f, f) for f in fields}
    lower = {f.lower() for f in fields}
    return [n for n in names if n in own or n.lower() in lower
            or difflib.get_close_matches(n, list(fields), n=1, cutoff=0.8)]


def _open(path: str | Path, name: str) -> Any:
    import pyarrow as pa

    if not os.path.exists(path):
        raise ParquetFileNotFoundError(2, "no such file or directory", name)
    if os.path.isfile(path):
        return _File(path, name)
    import pyarrow.dataset as ds  # (it loads pandas, when installed: only for directories)

    try:
        dataset = ds.dataset(os.fspath(path), format="parquet", partitioning="hive")
    except PermissionError as exc:
        raise ParquetFileError(exc.errno, exc.strerror or str(exc), name) from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ParquetFormatError(f"{name}: not a Parquet file or dataset csmetrics can read "
                                 f"({exc}).") from None
    if not dataset.files:
        raise ParquetFormatError(f"{name}: the directory holds no Parquet files.")
    return dataset


class _File:
    """One Parquet file, read with pyarrow.parquet (a dataset of one file, without loading
    pyarrow.dataset)."""

    def __init__(self, path: str | Path, name: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(path)
            schema = self._file.schema_arrow
            text = [f.name for f in schema if pa.types.is_string(f.type)
                    or pa.types.is_large_string(f.type)]
            if text:  # text as dictionaries, as most writers store it: no hashing of ids
                self._file = pq.ParquetFile(path, read_dictionary=text)
        except PermissionError as exc:
            raise ParquetFileError(exc.errno, exc.strerror or str(exc), name) from None
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ParquetFormatError(f"{name}: not a Parquet file csmetrics can read "
                                     f"({exc}).") from None
        self.path = os.fspath(path)
        self.files = [self.path]
        self.schema = self._file.schema_arrow

    def get_fragments(self) -> list[_File]:
        return [self]

    def count_rows(self) -> int:
        return int(self._file.metadata.num_rows)

    def to_batches(self, columns: Sequence[str]) -> Any:
        # Eight row groups a call: their columns decode in threads across the groups, and
        # the progress bar still moves on a large file.
        groups = list(range(self._file.num_row_groups))
        for first in range(0, len(groups), 8):
            yield from self._file.read_row_groups(groups[first:first + 8],
                                                  columns=list(columns)).to_batches()


def _read(path: str | Path, name: str, fields: Sequence[str], mapping: Mapping[str, str],
          progress: bool | None) -> tuple[Any, _Offsets]:
    """The columns a table may use, read from every file in order, and their offsets."""
    import pyarrow as pa

    dataset = _open(path, name)
    columns = _wanted(dataset.schema.names, fields, mapping)
    try:
        fragments = list(dataset.get_fragments())
        counts = [f.count_rows() for f in fragments]  # from the files' metadata
        batches = []
        # Batches come in file order (the scan is ordered), read by several threads.
        with progress_bar(sum(counts), desc=name, unit="rows", unit_scale=True,
                          enabled=progress) as bar:
            for batch in dataset.to_batches(columns=columns):
                batches.append(batch)
                bar.update(batch.num_rows)
        schema = pa.schema([dataset.schema.field(c) for c in columns])
        table = pa.Table.from_batches(batches, schema=schema)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ParquetFormatError(f"{name}: cannot be read as Parquet ({exc}).") from None
    return table, _Offsets([f.path for f in fragments], counts)


@validate_params({**PARQUET_OPTIONS, "kind": Satisfies(
    lambda k: k in (SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable),
    "SubscriptionTable, SurveyTable, UsageTable or SupportTicketTable")})
def read_table_parquet(
    kind: type[_T],
    path: str | Path,
    *,
    fields: Sequence[str],
    columns: Mapping[str, str] | None = None,
    errors: ErrorMode = "raise",
    progress: bool | None = None,
    keep: Sequence[str] = (),
    **options: Any,
) -> _T:
    """Read a Parquet file or dataset into a validated table of type ``kind``.

    Parameters
    ----------
    kind : type
        ``SubscriptionTable``, ``SurveyTable``, ``UsageTable`` or ``SupportTicketTable``.
    path : str or Path
        A Parquet file, or a directory of them (hive-partitioned or not; partition keys
        such as ``region=EU`` become columns).
    fields : sequence of str
        The table's fields, which ``columns`` may map.
    columns : mapping, optional
        Field name -> column name, for the fields whose column is named differently.
    errors : {"raise", "skip"}, default "raise"
        As in the table's ``from_columns``; skipped rows are numbered across the files in
        order, and in a dataset each rule names the file and its row.
    progress : bool, optional
        A progress bar of rows read on standard error; default: only when it is a terminal.
    keep : sequence of str, optional
        Other columns to read as they are named (a survey's attribute ratings).
    **options
        Passed on to ``kind.from_columns`` (``survey_name=`` for survey answers).

    Returns
    -------
    table of type ``kind``

    Raises
    ------
    ParquetFileNotFoundError
        No such file or directory (also a ``FileNotFoundError``).
    ParquetFormatError
        Not Parquet, a corrupt file, no Parquet files in the directory, or files whose
        schemas cannot be merged.
    InvalidParameterError
        A bad option, or ``columns`` maps a field the table does not have.
    ColumnNotFoundError
        A mapped or required column is not in the data.
    ParquetDataError
        A value breaks a rule: the message names the path, the rows (the file and row in a
        dataset), the column and the rule.

    Examples
    --------
    >>> import tempfile, os, pyarrow as pa, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "t.parquet")
    >>> pq.write_table(pa.table({"account": ["a"], "opened_at": ["2024-01-05T10:00:00Z"]}),
    ...                path)
    >>> read_table_parquet(SupportTicketTable, path, fields=("customer_id", "opened_at"),
    ...                    columns={"customer_id": "account"}).n_customers
    1
    """
    with reading_pool():  # (pyarrow allocates from jemalloc while it reads: see arrowpool)
        name = os.fspath(path)
        mapping: dict[str, Any] = dict(columns or {})
        unknown = sorted(set(mapping) - set(fields))
        if unknown:
            raise InvalidParameterError(
                f"{name}: columns= maps unknown fields {unknown}; the fields are {list(fields)}.")
        table, offsets = _read(path, name, (*fields, *keep), mapping, progress)
        for field_name, source in mapping.items():
            if source not in table.column_names:
                raise ColumnNotFoundError(source, list(table.column_names),
                                          context=f"{name} (for {field_name})")
        try:
            result = kind.from_columns(table, errors=errors, _context=name, **mapping, **options)
        except DataValidationError as exc:
            raise ParquetDataError(name, exc, offsets.locate(exc.positions)) from None
        if len(result.skipped) and len(offsets.files) > 1:
            rows = np.asarray(result.skipped["row"], dtype=np.int64)
            where = offsets.locate(rows.tolist())
            rules = [f"{r} ({os.path.relpath(f, name)} row {n})" for r, (f, n) in zip(
                result.skipped["rule"].tolist(), where, strict=True)]
            result = replace(result, skipped=SkippedRows(result.skipped["row"],
                                                         result.skipped["column"], rules))
        return result


@validate_params(PARQUET_OPTIONS)
def read_subscriptions_parquet(path: str | Path, *, columns: Mapping[str, str] | None = None,
                               errors: ErrorMode = "raise", progress: bool | None = None
                               ) -> SubscriptionTable:
    """Read subscriptions from a Parquet file or dataset into a ``SubscriptionTable``.

    Parameters
    ----------
    path : str or Path
        A Parquet file or a directory of them (hive-partitioned or not).
    columns : mapping, optional
        Field name -> column name (``{"customer_id": "account"}``); see
        ``csmetrics.Subscription`` for the fields.
    errors : {"raise", "skip"}, default "raise"
        As in ``SubscriptionTable.from_columns``.
    progress : bool, optional
        A progress bar on standard error (default: when it is a terminal).

    Returns
    -------
    SubscriptionTable

    Raises
    ------
    ParquetFileNotFoundError, ParquetFormatError, ColumnNotFoundError, ParquetDataError
        As in ``read_table_parquet``.

    Examples
    --------
    >>> import tempfile, os, datetime, pyarrow as pa, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "subs.parquet")
    >>> pq.write_table(pa.table({"account": ["acme"], "start": [datetime.date(2024, 1, 15)],
    ...                          "amount": [1200.0]}), path)
    >>> read_subscriptions_parquet(path, columns={"customer_id": "account"})
    SubscriptionTable(1 row, 1 customer, 2024-01-15 to open, USD)
    """
    return read_table_parquet(SubscriptionTable, path, fields=FIELDS["subscriptions"],
                              columns=columns, errors=errors, progress=progress)


@validate_params(PARQUET_OPTIONS)
def read_surveys_parquet(path: str | Path, *, columns: Mapping[str, str] | None = None,
                         survey_name: str | None = None, errors: ErrorMode = "raise",
                         progress: bool | None = None,
                         attributes: Mapping[str, tuple[float, float] | None] | Sequence[str]
                         | None = None) -> SurveyTable:
    """Read survey answers from a Parquet file or dataset into a ``SurveyTable``.

    Parameters
    ----------
    path : str or Path
        A Parquet file or a directory of them.
    columns : mapping, optional
        Field name -> column name for ``customer_id``, ``respondent_id``, ``survey``,
        ``score``, ``submitted_at``, ``weight`` and ``comment`` (free text, optional).
    survey_name : str, optional
        The survey of every row, for data without a survey column (``"nps"``).
    attributes : mapping of str to (low, high) or None, or sequence of str, optional
        Columns of attribute ratings and their scales, as in ``SurveyTable.from_columns``.
    errors, progress
        As in ``read_subscriptions_parquet``.

    Returns
    -------
    SurveyTable

    Raises
    ------
    ParquetFileNotFoundError, ParquetFormatError, ColumnNotFoundError, ParquetDataError
        As in ``read_table_parquet``.

    Examples
    --------
    >>> import tempfile, os, pyarrow as pa, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "nps.parquet")
    >>> pq.write_table(pa.table({"customer_id": ["a", "b"], "score": [10, 6],
    ...                          "submitted_at": ["2024-01-05", "2024-01-09"]}), path)
    >>> read_surveys_parquet(path, survey_name="nps")
    SurveyTable(2 responses, 2 customers, nps 2, 2024-01-05 to 2024-01-09)
    """
    rated = resolve_attributes(attributes, os.fspath(path))
    return read_table_parquet(SurveyTable, path, fields=FIELDS["surveys"], columns=columns,
                              errors=errors, progress=progress, survey_name=survey_name,
                              attributes=rated, keep=tuple(rated))


@validate_params(PARQUET_OPTIONS)
def read_usage_parquet(path: str | Path, *, columns: Mapping[str, str] | None = None,
                       errors: ErrorMode = "raise", progress: bool | None = None
                       ) -> UsageTable:
    """Read product usage events from a Parquet file or dataset into a ``UsageTable``.

    Parameters
    ----------
    path : str or Path
        A Parquet file or a directory of them.
    columns : mapping, optional
        Field name -> column name for ``customer_id``, ``user_id``, ``at``, ``feature`` and
        ``duration_s``.
    errors, progress
        As in ``read_subscriptions_parquet``.

    Returns
    -------
    UsageTable
        Zoned timestamps are taken in UTC, naive ones as UTC.

    Raises
    ------
    ParquetFileNotFoundError, ParquetFormatError, ColumnNotFoundError, ParquetDataError
        As in ``read_table_parquet``.

    Examples
    --------
    >>> import tempfile, os, datetime, pyarrow as pa, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "events.parquet")
    >>> at = pa.array([datetime.datetime(2024, 1, 5, 10)], pa.timestamp("us", "UTC"))
    >>> pq.write_table(pa.table({"customer_id": ["a"], "user_id": ["ann"], "at": at}), path)
    >>> read_usage_parquet(path)
    UsageTable(1 event, 1 account, 1 user, 0 features, 2024-01-05 to 2024-01-05 UTC)
    """
    return read_table_parquet(UsageTable, path, fields=FIELDS["usage"], columns=columns,
                              errors=errors, progress=progress)


@validate_params(PARQUET_OPTIONS)
def read_tickets_parquet(path: str | Path, *, columns: Mapping[str, str] | None = None,
                         errors: ErrorMode = "raise", progress: bool | None = None
                         ) -> SupportTicketTable:
    """Read support tickets from a Parquet file or dataset into a ``SupportTicketTable``.

    Parameters
    ----------
    path : str or Path
        A Parquet file or a directory of them.
    columns : mapping, optional
        Field name -> column name for ``customer_id``, ``ticket_id``, ``opened_at``,
        ``resolved_at`` and ``contacts``.
    errors, progress
        As in ``read_subscriptions_parquet``.

    Returns
    -------
    SupportTicketTable
        A missing ``resolved_at`` is a ticket still open.

    Raises
    ------
    ParquetFileNotFoundError, ParquetFormatError, ColumnNotFoundError, ParquetDataError
        As in ``read_table_parquet``.

    Examples
    --------
    >>> import tempfile, os, pyarrow as pa, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "tickets.parquet")
    >>> pq.write_table(pa.table({"customer_id": ["a"], "opened_at": ["2024-01-05T10:00Z"],
    ...                          "resolved_at": [None]}), path)
    >>> len(read_tickets_parquet(path))
    1
    """
    return read_table_parquet(SupportTicketTable, path, fields=FIELDS["tickets"],
                              columns=columns, errors=errors, progress=progress)
