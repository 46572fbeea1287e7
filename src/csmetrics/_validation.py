"""Vectorized column conversion and validation, and the one place data errors are built.

Every check takes a whole column and a boolean mask of the rows that break a rule; no check
loops over rows in Python except on the error path, where it only pinpoints the bad rows of
a column that numpy refused to convert as a whole.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import difflib
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from dateutil.parser import isoparse
from numpy.typing import NDArray

from csmetrics.exceptions import ColumnNotFoundError, DataValidationError, InvalidParameterError

ErrorMode = Literal["raise", "skip"]


@dataclass
class Checker:
    """Collects rule violations of one input: raises on the first, or marks rows to skip.

    With ``errors="skip"``, each bad row is remembered with the first rule it broke, so the
    caller can drop exactly those rows and hand them back to the user.
    """

    n_rows: int
    context: str
    errors: ErrorMode = "raise"
    bad: NDArray[np.bool_] = field(init=False)
    reasons: list[tuple[NDArray[np.int64], str, str]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.errors not in ("raise", "skip"):
            raise InvalidParameterError(f"errors must be 'raise' or 'skip', got {self.errors!r}.")
        self.bad = np.zeros(self.n_rows, dtype=bool)

    def check(
        self,
        violates: NDArray[np.bool_],
        column: str,
        rule: str,
        *,
        error: type[DataValidationError] = DataValidationError,
    ) -> None:
        """Record rows where ``violates`` is true as breaking ``rule`` on ``column``."""
        positions = np.flatnonzero(violates)
        if positions.size == 0:
            return
        if self.errors == "raise":
            raise error(
                column=column,
                rule=rule,
                count=positions.size,
                positions=positions[:5].tolist(),
                n_rows=self.n_rows,
                context=self.context,
            )
        new = positions[~self.bad[positions]]
        if new.size:
            self.reasons.append((new, column, rule))
            self.bad[new] = True


def fail(column: str, rule: str, violates: NDArray[np.bool_], context: str) -> None:
    """Raise a :class:`DataValidationError` for the rows marked in ``violates``, if any."""
    Checker(violates.size, context).check(violates, column, rule)


# --- reading columns from any tabular input -------------------------------------------------


def column_getter(data: Any, context: str) -> tuple[list[str], Callable[[str], Any]]:
    """Column names of ``data`` and a function returning one column as a numpy array.

    Accepts a mapping of sequences, a pandas or polars DataFrame or a pyarrow Table, without
    importing any of those libraries: they are recognised by the methods they carry.
    """
    if type(data).__name__ == "LazyFrame":
        raise InvalidParameterError(f"{context}: a polars LazyFrame must be collected first: "
                                    "pass frame.collect().")
    if isinstance(data, Mapping):
        names = [str(k) for k in data]
        return names, lambda name: _as_array(data[name])
    if hasattr(data, "column_names") and hasattr(data, "column"):  # pyarrow.Table
        return list(data.column_names), lambda name: _as_array(data.column(name))
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):  # pandas / polars DataFrame
        return [str(c) for c in data.columns], lambda name: _as_array(data[name])
    raise InvalidParameterError(
        f"{context}: expected a mapping of columns, a pandas or polars DataFrame or a pyarrow "
        f"Table, got {type(data).__name__}."
    )


def _as_array(values: Any) -> NDArray[Any]:
    module = type(values).__module__
    if module.startswith("pandas") and hasattr(values, "dtype"):
        dtype = values.dtype
        if str(dtype).startswith("datetime64[") and "," in str(dtype):  # tz-aware
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if getattr(dtype, "kind", "O") in "iufbM" or str(dtype).startswith("datetime64"):
            return np.asarray(values.to_numpy())
        return np.asarray(values.to_numpy(dtype=object, na_value=None))
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        value_type = getattr(getattr(values, "type", None), "value_type", None)
        if value_type is not None and hasattr(values, "cast"):
            # pyarrow dictionary columns lose their nulls in to_numpy(): decode them first.
            values = values.cast(value_type)
        try:
            return np.asarray(values.to_numpy(zero_copy_only=False))  # pyarrow
        except TypeError:
            return np.asarray(values.to_numpy())  # polars
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InvalidParameterError(
                f"a column must be one-dimensional, got an array of shape {values.shape}.")
        return values
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise InvalidParameterError(
            f"a column must be a sequence of values, got the single value {values!r}.")
    return np.asarray(list(values) if not isinstance(values, list | tuple) else values,
                      dtype=object)


def require(names: Iterable[str], wanted: str, context: str) -> None:
    names = list(names)
    if wanted not in names:
        raise ColumnNotFoundError(wanted, names, context=context)


# --- conversions ---------------------------------------------------------------------------


def is_missing(values: NDArray[Any]) -> NDArray[np.bool_]:
    """True where a value is None, NaN or NaT, for any dtype."""
    kind = values.dtype.kind
    if kind == "f":
        return np.asarray(np.isnan(values))
    if kind in "mM":
        return np.asarray(np.isnat(values))
    if kind == "O":
        # Elementwise comparisons run in C: None equals None, and NaN and NaT are the values
        # that are not equal to themselves. pandas' NA refuses to be a bool: slow path.
        try:
            with np.errstate(invalid="ignore"):
                unequal: NDArray[np.bool_] = np.asarray(values != values, dtype=np.bool_)
            is_none: NDArray[np.bool_] = np.asarray(values == np.array(None), dtype=np.bool_)
            return is_none | unequal
        except TypeError:
            return np.fromiter((missing_one(v) for v in values), dtype=bool,
                               count=values.size)
    return np.zeros(values.shape, dtype=bool)


def missing_one(v: object) -> bool:
    """Whether one value is missing: None, NaN, NaT or pandas' NA."""
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):
        return False


def to_float(values: NDArray[Any], column: str, checker: Checker) -> NDArray[np.float64]:
    """Column as float64; non-numbers break a rule (they are left as NaN when skipping)."""
    if values.dtype.kind == "b":
        checker.check(np.ones(values.size, dtype=bool), column, "must be a number, not a bool")
    if values.dtype.kind in "iufb":
        # A copy: the table freezes its arrays, and must not freeze the caller's.
        return values.astype(np.float64, copy=True)
    if values.dtype.kind == "O":
        missing = is_missing(values)
        if missing.any():
            values = values.copy()
            values[missing] = None
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    out = np.full(values.size, np.nan)
    bad = np.zeros(values.size, dtype=bool)
    for i, v in enumerate(values):  # error path only: find which rows are not numbers
        try:
            out[i] = np.nan if v is None else float(v)
        except (TypeError, ValueError):
            bad[i] = True
    checker.check(bad, column, "must be a number")
    return out


_DAY = np.timedelta64(1, "D")


def to_dates(values: NDArray[Any], column: str, checker: Checker) -> NDArray[np.datetime64]:
    """Column as ``datetime64[D]``; missing values become NaT, unreadable ones break a rule.

    Timestamps with a time of day are truncated to their date: subscription spans are whole
    days. Timezone-aware timestamps (objects or ISO 8601 strings with an offset) are
    converted to UTC first; naive ones are taken as they are.
    """
    if values.dtype.kind in "iufb":
        checker.check(np.ones(values.size, dtype=bool), column,
                      "must be a date, not a number (give dates, ISO strings or datetime64)")
        return np.full(values.size, np.datetime64("NaT"), dtype="datetime64[D]")
    days = _dates(values, column, checker)
    # Compact strings such as "20240105" parse as the year 20,240,105: only plausible
    # calendar dates are accepted.
    implausible = ~np.isnat(days) & ((days < _EARLIEST) | (days > _LATEST))
    checker.check(implausible, column, "must be a date between 1900-01-01 and 2199-12-31")
    return np.where(implausible, np.datetime64("NaT"), days)


_EARLIEST = np.datetime64("1900-01-01")
_LATEST = np.datetime64("2199-12-31")


def _dates(values: NDArray[Any], column: str, checker: Checker) -> NDArray[np.datetime64]:
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    if values.dtype.kind == "O":
        missing = is_missing(values)
        present = values[~missing]
        if present.size and isinstance(present[0], str):
            # Text: read it as numpy text, so numbers mixed in cannot pass as microseconds.
            text = np.full(values.size, "NaT", dtype=object)
            text[~missing] = present
            with contextlib.suppress(TypeError, ValueError):
                values = text.astype(str)
        elif present.size and isinstance(present[0], int | float | np.number):
            checker.check(~missing, column,
                          "must be a date, not a number (give dates, ISO strings or datetime64)")
            return np.full(values.size, np.datetime64("NaT"), dtype="datetime64[D]")
    # numpy warns on timezone offsets and on tz-aware objects: those take the slow path,
    # which converts them to UTC explicitly.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if values.dtype.kind == "U":
            try:
                return values.astype("datetime64[D]")
            except (ValueError, Warning):
                values = values.astype(object)
        else:
            try:
                return np.array(values, dtype="datetime64[us]").astype("datetime64[D]")
            except (TypeError, ValueError, Warning):
                pass
    out = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(values.size, dtype=bool)
    for i, v in enumerate(values):  # error path, or objects numpy cannot read by itself
        if missing_one(v) or v == "NaT":
            continue
        try:
            out[i] = one_date(v)
        except (TypeError, ValueError, OverflowError):
            bad[i] = True
    checker.check(bad, column, "must be a date (ISO 8601 such as '2024-03-15', a date, "
                  "or a datetime64)")
    return out


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")


def one_date(v: object) -> np.datetime64:
    """One value as a ``datetime64[D]``: tz-aware values in UTC, any time of day dropped."""
    if isinstance(v, int | float):
        raise TypeError("a number is not a date")
    if isinstance(v, str):
        text = v.strip()
        if not _ISO_DATE.match(text):
            raise ValueError(f"not an ISO 8601 date: {v!r}")
        v = isoparse(text)
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(_dt.timezone.utc)
        return np.datetime64(v.date(), "D")
    if isinstance(v, _dt.date):
        return np.datetime64(v, "D")
    if isinstance(v, np.datetime64):
        day: np.datetime64 = v.astype("datetime64[D]")
        return day
    raise TypeError(f"not a date: {v!r}")


def to_codes(
    values: NDArray[Any], column: str, checker: Checker, *, required: bool
) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Factorize a column into integer codes (into sorted categories); missing is code -1."""
    missing = is_missing(values)
    if required:
        checker.check(missing, column, "must not be missing (None/NaN)")
    if values.dtype.kind == "f":
        whole = np.isfinite(values) & (values == np.round(values))
        if bool(whole[~missing].all()):
            values = np.where(missing, 0, values).astype(np.int64)
    if not missing.any():
        cats, codes = factorize(values)
        return codes, cats
    present = values[~missing]
    cats, inner = factorize(present)
    codes = np.full(values.size, -1, dtype=np.int64)
    codes[~missing] = inner
    return codes, cats


def factorize(values: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Sorted distinct values and each value's index into them (a factorization).

    Fast paths keep ingestion at numpy speed: integers in a compact range are counted rather
    than sorted, and text with few distinct values (plans, currencies) is matched against
    the distinct values of a sample by binary search, falling back to a full sort when the
    sample missed some.
    """
    if values.size == 0:
        return values[:0], np.zeros(0, dtype=np.int64)
    if values.dtype.kind == "O":
        values = _narrow_objects(values)
    kind = values.dtype.kind
    if kind in "iu":
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * values.size:
            present = np.zeros(hi - lo + 1, dtype=bool)
            shifted = values - lo
            present[shifted] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            return np.flatnonzero(present).astype(values.dtype) + lo, rank[shifted]
    if kind in "US":
        sample = np.unique(values[:: max(1, values.size // 4096)])
        pos = np.minimum(np.searchsorted(sample, values), sample.size - 1)
        if bool((sample[pos] == values).all()):
            return sample, pos.astype(np.int64, copy=False)
    try:
        cats, inv = np.unique(values, return_inverse=True)
    except TypeError:  # incomparable objects: compare as text
        cats, inv = np.unique(values.astype(str), return_inverse=True)
    return cats, inv.astype(np.int64, copy=False).reshape(-1)


def _narrow_objects(values: NDArray[Any]) -> NDArray[Any]:
    """An object column of text or of integers as a native numpy column, when it is one.

    Columns whose first value is text are compared as text throughout (ids mixing 3 and
    "3" are one id).
    """
    first = values[0]
    try:
        if isinstance(first, str):
            return values.astype(str)
        if isinstance(first, int | np.integer) and not isinstance(first, bool):
            ints = values.astype(np.int64)
            if bool((ints.astype(object) == values).all()):
                return ints
            return values.astype(str)
    except (TypeError, ValueError, OverflowError):
        pass
    return values


def lookup(
    categories: NDArray[Any], mapping: Mapping[Any, Any], context: str, what: str
) -> NDArray[Any]:
    """Map each category through ``mapping``; categories the mapping lacks are an error.

    Matching is a sorted search over the mapping's keys, so a customer-to-segment mapping of
    millions of entries costs a sort, not a Python loop per customer.
    """
    keys = np.asarray(list(mapping.keys()))
    if keys.dtype.kind == "f" and bool(np.all(np.isfinite(keys) & (keys == np.round(keys)))):
        keys = keys.astype(np.int64)  # ids that went through a float column (pandas + NaN)
    values = np.empty(keys.size, dtype=object)
    values[:] = list(mapping.values())
    if keys.size and np.unique(keys).size != keys.size:
        raise InvalidParameterError(f"{context}: the mapping given as by= repeats some keys.")
    unmapped = is_missing(values)
    cats = categories
    if keys.dtype.kind != cats.dtype.kind and {keys.dtype.kind, cats.dtype.kind} != {"i", "u"}:
        keys, cats = keys.astype(str), cats.astype(str)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pos = np.searchsorted(sorted_keys, cats)
    pos_clipped = np.minimum(pos, max(sorted_keys.size - 1, 0))
    found = (pos < sorted_keys.size) & (
        sorted_keys[pos_clipped] == cats if sorted_keys.size else np.zeros(cats.size, bool)
    )
    if sorted_keys.size:
        found &= ~unmapped[order[pos_clipped]]  # a key mapped to None/NaN has no segment
    if not found.all():
        shown = ", ".join(repr(c) for c in categories[~found][:5].tolist())
        raise InvalidParameterError(
            f"{context}: {int((~found).sum()):,} of {categories.size:,} {what} have no entry in "
            f"the mapping given as by= (first: {shown}); map every one of them to a segment."
        )
    return values[order[pos_clipped]]


# --- records ---------------------------------------------------------------------------------


@dataclass
class RecordBatch:
    """Records validated one by one (the record path), ready to become columns.

    ``rows`` are the valid records and ``kept`` their input positions; ``failures`` maps
    ``(field, message)`` to the positions of the records that failed that way.
    """

    rows: list[Any]
    kept: list[int]
    failures: dict[tuple[str, str], list[int]]

    @property
    def n_input(self) -> int:
        return len(self.rows) + sum(len(p) for p in self.failures.values())

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

    def merge(self, table: Any) -> Any:
        """``table`` (built from the valid records) with positions and skipped rows
        translated back to the input, the invalid records added to ``skipped``."""
        if not self.failures:
            return table
        from dataclasses import replace

        from csmetrics.results import SkippedRows

        source = np.asarray(self.kept, dtype=np.int64)
        own = SkippedRows.build(
            [p for ps in self.failures.values() for p in ps],
            [f"{c}: must be valid ({r})" for (c, r), ps in self.failures.items() for _ in ps])
        rows = np.ascontiguousarray(source[table.source_rows])
        rows.flags.writeable = False
        return replace(table, source_rows=rows,
                       skipped=SkippedRows.concat(own, table.skipped.remap(source)))


def validate_records(records: Iterable[Any], model: type[Any], context: str,
                     errors: ErrorMode, whole_record: str = "record") -> RecordBatch:
    """Validate records (instances of the pydantic ``model`` or mappings of its fields).

    A failing mapping is recorded with its field and pydantic's message; with
    ``errors="raise"`` the first kind of failure raises a :class:`DataValidationError`
    naming the field, the rule, how many records and which. A rule across fields (pydantic
    gives it no field) is reported under ``whole_record`` (e.g. ``"start, end"``).
    """
    from pydantic import ValidationError

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
            err = exc.errors()[0]
            # The field name, without pydantic's union branch ("customer_id.str").
            where = str(err["loc"][0]) if err["loc"] else whole_record
            batch.failures.setdefault((where, err["msg"]), []).append(i)
    if batch.failures and errors == "raise":
        (column, rule), positions = min(batch.failures.items(), key=lambda kv: kv[1][0])
        raise DataValidationError(column=column, rule=f"must be valid ({rule})",
                                  count=len(positions), positions=positions,
                                  n_rows=batch.n_input, context=context)
    return batch


# --- columns by field name -------------------------------------------------------------------


def read_columns(data: Any, renamed: Mapping[str, str], optional: Iterable[str],
                 context: str) -> tuple[dict[str, NDArray[Any] | None], int, dict[str, str]]:
    """The input's column for each field (``renamed``: field -> column name), ``None`` for
    an optional field that is absent under its own name; the row count; and the column name
    each field was read from (for messages).

    Missing required (or explicitly renamed) columns raise :class:`ColumnNotFoundError`
    listing those present. An optional field absent under its own name takes a column that
    differs only in case ("Interval"); an unused column close to its name ("curency") is an
    error rather than silently ignored, since its values would otherwise be replaced by the
    default. Columns of different lengths are an error.
    """
    names, get = column_getter(data, context)
    optional = set(optional)
    lower = {n.lower(): n for n in names}
    used = {v for v in renamed.values() if v in names}
    raw: dict[str, NDArray[Any] | None] = {}
    resolved = dict(renamed)
    for field_name, source in renamed.items():
        if source not in names and source == field_name:
            match = lower.get(field_name.lower())
            if match is not None and match not in used:
                source = resolved[field_name] = match
                used.add(match)
            elif field_name in optional:
                close = difflib.get_close_matches(
                    field_name, [n for n in names if n not in used], n=1, cutoff=0.8)
                if close:
                    raise ColumnNotFoundError(
                        field_name, names,
                        context=f"{context} (column '{close[0]}' looks like a misspelling; "
                                f"pass {field_name}='{close[0]}' to use it or rename it)")
                raw[field_name] = None
                continue
        if source not in names:
            raise ColumnNotFoundError(source, names, context=context)
        raw[field_name] = get(source)
    lengths = {k: v.shape[0] for k, v in raw.items() if v is not None}
    if len(set(lengths.values())) > 1:
        sizes = ", ".join(f"'{renamed[k]}' has {n:,}" for k, n in lengths.items())
        raise InvalidParameterError(f"{context}: columns must all have one length; {sizes}.")
    return raw, next(iter(lengths.values()), 0), resolved
