"""The record path of every table: pydantic records validated one by one, then as columns."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from csmetrics._core.convert import NOT_NUMBERS, is_missing_text, label_of, missing_one, one_date
from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.models import describe
from csmetrics.exceptions import (
    DataValidationError,
    InvalidParameterError,
    Problem,
    show_value,
)


class RecordModel(BaseModel):
    """The base of the record models (``Subscription``, ``Payment``, ...): frozen pydantic
    models whose direct construction or assignment with a bad field raises
    ``InvalidParameterError`` (a ``CSMetricsError`` and a ``ValueError``) naming every field
    and its rule, never pydantic's ``ValidationError``.

    ``model_validate`` keeps pydantic's own error: the tables' ``from_records`` use it and
    report the failures of a whole list of records at once.

    Examples
    --------
    >>> class Row(RecordModel):
    ...     amount: float
    >>> Row(amount="lots")
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.InvalidParameterError: Row: amount must be a valid number, got 'lots'.
    """

    # Validators are built at first use, not at import (every subclass inherits this): a
    # script that reads a file builds none, and importing csmetrics skips pydantic's plugin
    # discovery (importlib.metadata) and a schema build per model.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _missing_values_are_none(cls, data: Any) -> Any:
        # A row from a DataFrame carries NaN, NaT or pd.NA where a value is missing: the
        # columns read all of them as missing, and so does every record.
        if isinstance(data, dict):
            return {k: None if missing_one(v) else v for k, v in data.items()}
        return data

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidParameterError(describe(type(self), exc)) from None

    # Validation (model_validate) need not call this __init__: without the mark pydantic
    # would, and a record's error would come back as a ValueError without its field.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise InvalidParameterError(describe(type(self), exc)) from None


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
        return [Problem(column, rule, len(positions),
                        tuple(positions[:_SHOWN]),
                        tuple(show_value(v) for v in self.inputs.get((column, rule), ())),
                        every=np.asarray(positions, dtype=np.int64))
                for (column, rule), positions in self.failures.items()]

    def error(self, context: str, table_error: DataValidationError | None = None
              ) -> DataValidationError:
        """One error listing every failure: the records' own, and those of the columns built
        from the valid records (``table_error``, its rows translated back to the input)."""
        problems = self.problems()
        if table_error is not None:
            source = np.asarray(self.kept, dtype=np.int64)
            problems += [replace(p, positions=tuple(source[list(p.positions)].tolist()),
                                 every=None if p.every is None else source[p.every])
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
                                [f"{c}: {r}" for c, r in self.first.values()])
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
                if where in seen:  # one message per field (a union fails once per branch)
                    continue
                seen.add(where)
                if not isinstance(rec, Mapping):
                    where = "record"
                key = (where, _rule(err, rec))
                batch.failures.setdefault(key, []).append(i)
                shown = batch.inputs.setdefault(key, [])
                if len(shown) < _SHOWN:
                    shown.append(_input(err, rec, whole_record))
                batch.first.setdefault(i, key)
    return batch


def record_label(v: Any) -> Any:
    """A record's id or category read as the columns read it (``label_of``): text, or a
    whole number as an ``int``; bools, fractions, bytes and dates are refused.

    Examples
    --------
    >>> record_label(12.0), record_label("c0")
    (12, 'c0')
    """
    return label_of(v)


def record_number(v: Any) -> Any:
    """A record's number field read as the columns read it: an integer beyond float64
    (``10**400``) is infinite, which the field refuses as not finite (pydantic itself would
    raise a bare ``OverflowError``).

    Examples
    --------
    >>> record_number(10**400), record_number(2)
    (inf, 2)
    """
    if isinstance(v, NOT_NUMBERS):  # pydantic reads a datetime64 as its ticks
        raise ValueError("must be a number")
    if isinstance(v, int) and not isinstance(v, bool):
        return _as_float(v) if abs(v) > 2**1023 else v
    return v


def record_count(v: Any) -> Any:
    """A record's count field (``interval_count``, ``contacts``) read as the columns read it:
    text holding a whole number in any notation (``"1e3"``, ``"2.0"``) is that integer.

    Examples
    --------
    >>> record_count("1e3"), record_count(" 2 "), record_count("many")
    (1000, 2, 'many')
    """
    if isinstance(v, str):
        try:
            number = float(v)
        except ValueError:
            return v
        if math.isfinite(number) and number.is_integer():
            return int(number)
    return record_number(v)


def record_missing_text(v: Any) -> Any:
    """A record's date or timestamp: text the columns read as missing (blank, ``"NaT"``,
    ``"None"``, ``"nan"``) is ``None``.

    Examples
    --------
    >>> record_missing_text("  ") is None, record_missing_text("2024-01-01")
    (True, '2024-01-01')
    """
    return None if is_missing_text(v) else v


DATE_RULE = "must be a date (ISO 8601 such as '2024-03-15', a date, or a datetime64)"
"""The rule of a record's date field."""


def record_date(v: Any) -> Any:
    """A record's date read as the columns read it: ISO 8601 text, dates, datetimes (aware
    ones in UTC) and datetime64, any time of day dropped; missing text is ``None``.

    Examples
    --------
    >>> record_date("2024-03-05T23:30:00-05:00"), record_date(" ")
    (datetime.date(2024, 3, 6), None)
    """
    v = record_missing_text(v)
    if v is None or (isinstance(v, _dt.date) and not isinstance(v, _dt.datetime)):
        return v
    try:
        day: _dt.date = one_date(v).astype(_dt.date)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(DATE_RULE) from exc
    if not isinstance(day, _dt.date):  # beyond the years Python dates reach
        raise ValueError(DATE_RULE)
    return day


_RULES = {"missing": "must not be missing", "decimal_parsing": "must be a number",
          "float_parsing": "must be a number", "int_parsing": "must be a whole number",
          "date_from_datetime_parsing": "must be a date", "date_parsing": "must be a date",
          "finite_number": "must be finite", "bool_parsing": "must be true or false"}


def _rule(err: Mapping[str, Any], record: object) -> str:
    """A record's failure in the words of the columns' rules (pydantic's as a fallback)."""
    kind = str(err.get("type", ""))
    message = str(err.get("msg", ""))
    if not isinstance(record, Mapping):
        return "must be a mapping of the record's fields, or the record itself"
    if err.get("input", "") is None or kind == "missing":
        return "must not be missing"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind in _RULES:
        return _RULES[kind]
    if message.startswith("Input should be "):  # "greater than or equal to 0", "'day' ..."
        return "must be " + message.removeprefix("Input should be ")
    return f"must be valid ({message})"


def _input(err: Mapping[str, Any], record: object, whole_record: str) -> Any:
    """The value a failure shows: the field's, the fields' of a rule across fields
    (``start, end``), or the record itself when it is no mapping."""
    if not isinstance(record, Mapping):
        return record
    if err.get("type") == "missing":
        return None
    if err.get("loc"):
        return err.get("input")
    parts = [record.get(name) for name in whole_record.split(", ")]
    return " / ".join("blank" if v is None else str(v) for v in parts)


def money_amount(v: Decimal | int | float) -> Decimal | int | float:
    """A record's amount: finite and not negative (the rule of every money field).

    Examples
    --------
    >>> money_amount(12.5)
    12.5
    """
    if (isinstance(v, Decimal) and not v.is_finite()) or not math.isfinite(_as_float(v)):
        raise ValueError("must be a finite number")
    if v < 0:
        raise ValueError("must be >= 0")
    return v


def _as_float(v: Decimal | int | float) -> float:
    try:
        return float(v)
    except OverflowError:  # an integer beyond float64 (10**400), as the columns read it
        return math.inf


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
