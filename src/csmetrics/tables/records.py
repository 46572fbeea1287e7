"""The record path of every table: pydantic records validated one by one, then as columns."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics.exceptions import (
    DataValidationError,
    InvalidParameterError,
    Problem,
    show_value,
)


@dataclass
class RecordBatch:
    """Records validated one by one (the record path), ready to become columns.

    ``rows`` are the valid records and ``kept`` their input positions; ``failures`` maps
    ``(field, message)`` to the positions of the records that failed that way (a record may
    fail several ways) and ``inputs`` to their first few input values; ``first`` maps each
    failed record's position to its first failure, the reason it is skipped.
    """

    rows: list[Any]
    kept: list[int]
    failures: dict[tuple[str, str], list[int]]
    inputs: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    first: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def n_input(self) -> int:
        return len(self.rows) + len(self.first)

    def columns(self, names: Iterable[str],
                convert: Mapping[str, Callable[[Any], Any]] | None = None
                ) -> dict[str, NDArray[Any]]:
        """The valid records' fields as object columns (``convert`` maps field -> function)."""
        out: dict[str, NDArray[Any]] = {}
        for name in names:
            f = (convert or {}).get(name)
            col = np.empty(len(self.rows), dtype=object)
            col[:] = [f(getattr(r, name)) if f else getattr(r, name) for r in self.rows]
            out[name] = col
        return out

    def problems(self) -> list[Problem]:
        """One problem per way records failed, positions in the input."""
        return [Problem(column, f"must be valid ({rule})", len(positions),
                        tuple(positions[:_SHOWN]),
                        tuple(show_value(v) for v in self.inputs.get((column, rule), ())))
                for (column, rule), positions in self.failures.items()]

    def error(self, context: str, table_error: DataValidationError | None = None
              ) -> DataValidationError:
        """One error listing every failure: the records' own, and those of the columns built
        from the valid records (``table_error``, its rows translated back to the input)."""
        problems = self.problems()
        if table_error is not None:
            source = np.asarray(self.kept, dtype=np.int64)
            problems += [replace(p, positions=tuple(source[list(p.positions)].tolist()))
                         for p in table_error.problems]
        problems.sort(key=lambda p: p.positions[:1])
        return DataValidationError(problems=problems, n_rows=self.n_input, context=context)

    def merge(self, table: Any) -> Any:
        """``table`` (built from the valid records) with positions and skipped rows
        translated back to the input, the invalid records added to ``skipped``."""
        if not self.first:
            return table
        from csmetrics.results import SkippedRows

        source = np.asarray(self.kept, dtype=np.int64)
        own = SkippedRows.build(list(self.first),
                                [f"{c}: must be valid ({r})" for c, r in self.first.values()])
        rows = np.ascontiguousarray(source[table.source_rows])
        rows.flags.writeable = False
        return replace(table, source_rows=rows,
                       skipped=SkippedRows.concat(own, table.skipped.remap(source)))


_SHOWN = 5


def validate_records(records: Iterable[Any], model: type[Any], context: str,
                     whole_record: str = "record") -> RecordBatch:
    """Validate records (instances of the pydantic ``model`` or mappings of its fields).

    Every failure of every mapping is recorded with its field and pydantic's message (the
    caller raises them all at once, or skips the records). A rule across fields (pydantic
    gives it no field) is reported under ``whole_record`` (e.g. ``"start, end"``).

    Raises
    ------
    InvalidParameterError
        ``records`` is not a collection of records (``None``, a string, one mapping).
    """
    from pydantic import ValidationError

    if isinstance(records, str | bytes | Mapping) or not hasattr(records, "__iter__"):
        raise InvalidParameterError(
            f"{context}: records must be a list of {model.__name__} or of mappings of its "
            f"fields, got {type(records).__name__}.")
    batch = RecordBatch([], [], {})
    for i, rec in enumerate(records):  # the record path: one pydantic call per record
        if isinstance(rec, model):
            batch.rows.append(rec)
            batch.kept.append(i)
            continue
        try:
            batch.rows.append(model.model_validate(rec))
            batch.kept.append(i)
        except ValidationError as exc:
            seen = set()
            for err in exc.errors():
                # The field name, without pydantic's union branch ("customer_id.str").
                where = str(err["loc"][0]) if err["loc"] else whole_record
                key = (where, err["msg"])
                if where in seen:  # one message per field (a union fails once per branch)
                    continue
                seen.add(where)
                batch.failures.setdefault(key, []).append(i)
                shown = batch.inputs.setdefault(key, [])
                if len(shown) < _SHOWN:
                    shown.append(err.get("input") if err["loc"] else None)
                batch.first.setdefault(i, key)
    return batch


def money_amount(v: Decimal | int | float) -> Decimal | int | float:
    """A record's amount: finite and not negative (the rule of every money field).

    Examples
    --------
    >>> money_amount(12.5)
    12.5
    """
    if (isinstance(v, Decimal) and not v.is_finite()) or (
            isinstance(v, float) and not math.isfinite(v)):
        raise ValueError("must be a finite number")
    if v < 0:
        raise ValueError("must be >= 0")
    return v


def iso_currency(v: str) -> str:
    """A record's currency as its upper-case ISO 4217 code.

    Examples
    --------
    >>> iso_currency(" eur ")
    'EUR'
    """
    code = v.strip().upper()
    if code not in MINOR_UNITS:
        raise ValueError(f"{v!r} is not an ISO 4217 currency code")
    return code
