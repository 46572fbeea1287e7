"""Product-usage events: the record, the validated table, timestamps, windows and a generator.

A usage event is one thing one user of a customer account did at one moment: a login, a
report run, an API call. Events carry the account (``customer_id``), the person
(``user_id``), the moment (``at``), and optionally the feature used and the session length
in seconds (``duration_s``).

Timestamps
----------
Every timestamp is kept as ``datetime64[us]`` in UTC. Timezone-aware values (datetime
objects with a ``tzinfo``, ISO 8601 strings with ``Z`` or an offset such as ``+02:00``,
timezone-aware pandas, polars or arrow columns) are converted to UTC. Naive values (no
timezone: ``datetime64`` arrays, naive datetimes, strings without an offset) are taken to
be UTC already. A column that mixes aware and naive values is an error, because the naive
ones cannot be placed in time. A date without a time is midnight UTC. Numbers are not
timestamps (epoch seconds and epoch milliseconds cannot be told apart): convert them with
``np.asarray(seconds, dtype="datetime64[s]")`` first.

Users
-----
A user is counted within their account: the same ``user_id`` at two accounts is two users
(one per account), so an account's distinct users never include another account's.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, cast

import numpy as np
from dateutil.parser import isoparse
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csmetrics._kernels import usage as ku
from csmetrics._table_base import ColumnTable, decode
from csmetrics._validation import (
    Checker,
    ErrorMode,
    _as_array,
    _narrow_objects,
    factorize,
    is_missing,
    missing_one,
    read_columns,
    to_codes,
    to_float,
    validate_records,
)
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.periods import PeriodLike, _parse, snapshot_date
from csmetrics.results import SkippedRows

__all__ = [
    "UsageEvent",
    "UsageTable",
    "synthetic_seats",
    "synthetic_usage",
    "synthetic_usage_columns",
    "to_timestamps",
]

I64 = NDArray[np.int64]
_NAT_US = np.datetime64("NaT", "us")
_EARLIEST = np.datetime64("1900-01-01T00:00:00", "us")
_END = np.datetime64("2200-01-01T00:00:00", "us")
_EPOCH = _dt.datetime(1970, 1, 1)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
_NUMBER_RULE = ("must be a timestamp, not a number (epoch numbers are ambiguous: convert them "
                "with np.asarray(x, dtype='datetime64[s]') first)")
_TEXT_RULE = ("must be a timestamp (ISO 8601 such as '2024-03-15T09:30:00Z', a date, a "
              "datetime or a datetime64)")


# --- timestamps ------------------------------------------------------------------------------


def to_timestamps(values: NDArray[Any], column: str, checker: Checker
                  ) -> NDArray[np.datetime64]:
    """Column as ``datetime64[us]`` in UTC; missing values are NaT.

    Aware values are converted to UTC and naive ones taken as UTC; a column mixing both
    breaks a rule (the rows of the less common kind are named). Numbers, unreadable text and
    timestamps outside 1900-2199 break rules too.

    Examples
    --------
    >>> from csmetrics._validation import Checker
    >>> x = np.array(["2024-03-01T10:00:00+02:00", "2024-03-01T09:00:00Z"], dtype=object)
    >>> to_timestamps(x, "at", Checker(2, "demo")).tolist()
    [datetime.datetime(2024, 3, 1, 8, 0), datetime.datetime(2024, 3, 1, 9, 0)]
    """
    n = values.size
    kind = values.dtype.kind
    if kind in "iufb":
        checker.check(np.ones(n, dtype=bool), column, _NUMBER_RULE)
        return np.full(n, _NAT_US)
    if kind == "M":
        out = values.astype("datetime64[us]")
    elif kind in "US":
        out = _from_text(values.astype(str), column, checker)
    elif kind == "O":
        out = _from_objects(values, column, checker)
    else:
        checker.check(np.ones(n, dtype=bool), column, _TEXT_RULE)
        return np.full(n, _NAT_US)
    implausible = ~np.isnat(out) & ((out < _EARLIEST) | (out >= _END))
    checker.check(implausible, column, "must be a timestamp between 1900-01-01 and 2199-12-31")
    return np.where(implausible, _NAT_US, out)


def _check_mix(aware: NDArray[np.bool_], naive: NDArray[np.bool_], column: str,
               checker: Checker) -> None:
    n_aware, n_naive = int(aware.sum()), int(naive.sum())
    if n_aware and n_naive:
        flag, kind = (naive, "naive") if n_naive <= n_aware else (aware, "timezone-aware")
        checker.check(flag, column,
                      f"must not mix timezone-aware and naive timestamps ({n_aware:,} aware, "
                      f"{n_naive:,} naive; the {kind} rows are named)")


def _from_text(text: NDArray[np.str_], column: str, checker: Checker
               ) -> NDArray[np.datetime64]:
    s = np.char.strip(text)
    missing = (s == "") | (s == "NaT") | (s == "None") | (s == "nan")
    # ISO 8601 starts "YYYY-MM-DD": anything else (numbers as text, "yesterday") is not read.
    malformed = ~missing & ((np.char.str_len(s) < 10) | (np.char.find(s, "-") != 4)
                            | (np.char.find(s, "-", 5) != 7))
    aware = ~missing & ~malformed & (
        np.char.endswith(s, "Z") | np.char.endswith(s, "z") | (np.char.find(s, "+") >= 0)
        | (np.char.find(s, "-", 10) >= 0))
    s = np.where(missing | malformed, "NaT", s)
    with warnings.catch_warnings():
        # numpy warns that it keeps no timezone: it has converted the offset to UTC.
        warnings.simplefilter("ignore")
        try:
            out = s.astype("datetime64[us]")
            bad = malformed
        except (ValueError, TypeError, OverflowError):
            read = _one_by_one(s.astype(object))
            out, bad = read.values, malformed | read.bad
    checker.check(bad, column, _TEXT_RULE)
    _check_mix(aware & ~bad, ~missing & ~aware & ~bad, column, checker)
    return out


def _from_objects(values: NDArray[Any], column: str, checker: Checker
                  ) -> NDArray[np.datetime64]:
    missing = is_missing(values)
    present = values[~missing]
    # Object columns cost a look at each value anyway: all text goes the vectorized way.
    if present.size and all(isinstance(v, str) for v in present.tolist()):
        text = np.full(values.size, "NaT", dtype=object)
        text[~missing] = present
        return _from_text(text.astype(str), column, checker)
    read = _one_by_one(values)
    checker.check(read.number, column, _NUMBER_RULE)
    checker.check(read.bad, column, _TEXT_RULE)
    _check_mix(read.aware, read.naive, column, checker)
    return read.values


@dataclass(frozen=True)
class _Read:
    values: NDArray[np.datetime64]
    aware: NDArray[np.bool_]
    naive: NDArray[np.bool_]
    number: NDArray[np.bool_]
    bad: NDArray[np.bool_]


def _one_by_one(values: NDArray[Any]) -> _Read:
    """Objects (datetimes, dates, text, datetime64) read one at a time.

    Only object columns come here: numpy cannot tell an aware datetime object from a naive
    one without asking each.
    """
    n = values.size
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    aware = np.zeros(n, dtype=bool)
    naive = np.zeros(n, dtype=bool)
    number = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    for i, v in enumerate(values.tolist()):
        if missing_one(v) or (isinstance(v, str) and v.strip() in ("", "NaT")):
            continue
        try:
            out[i], is_aware = one_timestamp(v)
        except _NumberError:
            number[i] = True
            continue
        except (TypeError, ValueError, OverflowError):
            bad[i] = True
            continue
        aware[i], naive[i] = is_aware, not is_aware
    return _Read(out.view("datetime64[us]"), aware, naive, number, bad)


class _NumberError(TypeError):
    pass


def one_timestamp(v: object) -> tuple[int, bool]:
    """One value as microseconds since the epoch (UTC) and whether it carried a timezone."""
    if isinstance(v, bool | int | float | np.number):
        raise _NumberError("a number is not a timestamp")
    if isinstance(v, np.datetime64):
        return int(v.astype("datetime64[us]").astype(np.int64)), False
    if isinstance(v, str):
        text = v.strip()
        if not _ISO.match(text):
            raise ValueError(f"not an ISO 8601 timestamp: {v!r}")
        v = isoparse(text)
    if isinstance(v, _dt.datetime):
        offset = v.utcoffset()
        naive = v.replace(tzinfo=None)
        if offset is not None:
            naive = naive - offset
        delta = naive - _EPOCH
        us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return us, offset is not None
    if isinstance(v, _dt.date):
        return (v - _EPOCH.date()).days * ku.US_PER_DAY, False
    raise TypeError(f"not a timestamp: {v!r}")


# --- days and windows ------------------------------------------------------------------------

_WINDOW = re.compile(r"^\s*(\d+)\s*[dD]\s*$")


def window_days(window: str | int, context: str) -> int:
    """Length in days of a window given as ``"30D"`` (or a whole number of days)."""
    if isinstance(window, int | np.integer) and not isinstance(window, bool):
        days = int(window)
    elif isinstance(window, str) and (m := _WINDOW.match(window)):
        days = int(m[1])
    else:
        raise InvalidParameterError(
            f"{context}: window must be a number of days such as '30D', '28D', '7D' or '1D', "
            f"got {window!r}.")
    if not 1 <= days <= 36_600:
        raise InvalidParameterError(f"{context}: window must be 1 to 36,600 days, got {window!r}.")
    return days


def utc_day(at: PeriodLike | _dt.datetime, context: str) -> np.datetime64:
    """The UTC day ``at`` names: a date, the last day of a period, or an instant's UTC date."""
    if isinstance(at, _dt.datetime):
        offset = at.utcoffset()
        at = (at.replace(tzinfo=None) - (offset or _dt.timedelta(0))).date()
    try:
        return snapshot_date(at)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{context}: {exc}") from None


def span_days(value: PeriodLike | _dt.datetime, context: str) -> tuple[int, int]:
    """First and last UTC day (days since the epoch) of the period or date ``value`` names."""
    if isinstance(value, _dt.datetime):
        day = day_number(utc_day(value, context))
        return day, day
    try:
        span = _parse(value, None)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{context}: {exc}") from None
    if isinstance(span, _dt.date):
        day = (span - _dt.date(1970, 1, 1)).days
        return day, day
    first = int(np.datetime64(span[0], "M").astype("datetime64[D]").astype(np.int64))
    last = int(np.datetime64(span[1] + 1, "M").astype("datetime64[D]").astype(np.int64)) - 1
    return first, last


def day_number(day: np.datetime64) -> int:
    """Days since 1970-01-01 of a ``datetime64[D]``."""
    return int(day.astype("datetime64[D]").astype(np.int64))


def day_bounds_us(first_day: int, last_day: int) -> tuple[int, int]:
    """Microsecond bounds ``[lo, hi)`` of the UTC days ``first_day .. last_day``."""
    return first_day * ku.US_PER_DAY, (last_day + 1) * ku.US_PER_DAY


# --- matching ids ----------------------------------------------------------------------------


def comparable(a: NDArray[Any], b: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Two id arrays in a form that compares: integers with integers, otherwise text."""

    def narrow(x: NDArray[Any]) -> NDArray[Any]:
        if x.dtype.kind == "O" and x.size:
            x = _narrow_objects(x)
        if x.dtype.kind == "O" and x.size:
            try:  # floats, or a mix numpy can hold natively (mixed types become text)
                native = np.array(x.tolist())
            except (TypeError, ValueError):
                native = x
            if native.ndim == 1 and native.dtype.kind in "iufUS":
                x = native
        if x.dtype.kind == "f" and x.size and bool(np.all(np.isfinite(x) & (x == np.round(x)))):
            x = x.astype(np.int64)
        return x

    a, b = narrow(np.asarray(a)), narrow(np.asarray(b))
    numeric = "iu"
    if a.size == 0 and b.size:
        a = a.astype(b.dtype)
    elif b.size == 0 and a.size:
        b = b.astype(a.dtype)
    if not (a.dtype.kind in numeric and b.dtype.kind in numeric) and not (
            a.dtype.kind in "US" and b.dtype.kind in "US"):
        a, b = a.astype(str), b.astype(str)
    return a, b


def positions(categories: NDArray[Any], wanted: NDArray[Any]) -> I64:
    """Index of each ``wanted`` id in ``categories`` (-1 where absent), by sorted search."""
    cats, want = comparable(categories, wanted)
    if cats.size == 0:
        return np.full(want.size, -1, dtype=np.int64)
    order = np.argsort(cats, kind="stable")
    ordered = cats[order]
    pos = np.searchsorted(ordered, want)
    clipped = np.minimum(pos, ordered.size - 1)
    found = (pos < ordered.size) & (ordered[clipped] == want)
    return np.where(found, order[clipped], -1).astype(np.int64)


def id_array(values: Any, context: str, what: str) -> NDArray[Any]:
    """A list of ids as an object array; missing or repeated ids are an error."""
    arr = _as_array(values) if not isinstance(values, np.ndarray) else values
    arr = np.asarray(arr)
    if arr.ndim != 1:
        raise InvalidParameterError(f"{context}: {what} must be a one-dimensional list of ids.")
    missing = is_missing(arr)
    if missing.any():
        first = ", ".join(str(p) for p in np.flatnonzero(missing)[:5].tolist())
        raise InvalidParameterError(
            f"{context}: {what} must not contain missing ids ({int(missing.sum()):,} do, "
            f"first at positions {first}).")
    if arr.size > 1:
        keyed, _ = comparable(arr, arr[:1])
        ordered = np.sort(keyed)
        repeated = ~ku.heads(ordered)
        if repeated.any():
            shown = ", ".join(repr(v) for v in ordered[repeated][:5].tolist())
            raise InvalidParameterError(f"{context}: {what} must not repeat ids (repeated: "
                                        f"{shown}).")
    out = np.empty(arr.size, dtype=object)
    out[:] = arr.tolist()
    return out


# --- the record ------------------------------------------------------------------------------


class UsageEvent(BaseModel):
    """One product-usage event: a user of a customer account did something at a moment.

    Parameters
    ----------
    customer_id : str or int
        The account the user belongs to.
    user_id : str or int
        The person (or seat) who acted. Users are counted within their account.
    at : datetime
        When. A timezone-aware value is converted to UTC by the table; a naive one is taken
        as UTC; a date is midnight UTC. ISO 8601 strings are read with their offset.
    feature : str, optional
        The feature or event name ("login", "report_run"). Case matters.
    duration_s : float, optional
        Length of the session or action in seconds, >= 0, when known.

    Examples
    --------
    >>> UsageEvent(customer_id="acme", user_id="ann", at="2024-03-01T09:30:00Z",
    ...            feature="login", duration_s=310)
    UsageEvent(customer_id='acme', user_id='ann', at=datetime.datetime(2024, 3, 1, 9, 30, tzinfo=tzutc()), feature='login', duration_s=310.0)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    user_id: str | int
    at: _dt.datetime
    feature: str | None = None
    duration_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _missing_values_are_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: None if missing_one(v) else v for k, v in data.items()}
        return data

    @field_validator("at", mode="before")
    @classmethod
    def _timestamp_as_the_columns_read_it(cls, v: Any) -> Any:
        if isinstance(v, _dt.datetime):
            return v
        if isinstance(v, str):
            text = v.strip()
            if not _ISO.match(text):
                raise ValueError("must be an ISO 8601 timestamp such as '2024-03-15T09:30:00Z'")
            return isoparse(text)
        if isinstance(v, _dt.date):
            return _dt.datetime(v.year, v.month, v.day)
        if isinstance(v, np.datetime64):
            return _EPOCH + _dt.timedelta(microseconds=int(v.astype("datetime64[us]")
                                                           .astype(np.int64)))
        raise ValueError("must be a timestamp (a datetime, a date or an ISO 8601 string)")


# --- the table -------------------------------------------------------------------------------

_COLUMNS = ("customer_id", "user_id", "at", "feature", "duration_s")
_OPTIONAL = ("feature", "duration_s")



@dataclass(frozen=True, repr=False, eq=False)
class UsageTable(ColumnTable):
    """Usage events as validated, read-only numpy columns.

    Build one with :meth:`from_records` or :meth:`from_columns`; do not call the constructor.
    Rows keep their input order.

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each event's account into ``customer_ids`` (sorted distinct ids).
    user_codes : ndarray of int64
        Index of each event's user id into ``user_ids``.
    member_codes : ndarray of int64
        Index of each event's (account, user) pair: a *member* is one user of one account.
        ``member_customer`` and ``member_user`` give each member's account and user codes.
    at : ndarray of datetime64[us]
        When, in UTC.
    feature_codes : ndarray of int64
        Index into ``features`` (sorted names); -1 where no feature was given.
    duration_s : ndarray of float64
        Session length in seconds; NaN where not given.
    source_rows : ndarray of int64
        Each row's position in the input it was built from.
    skipped : SkippedRows
        Input rows left out with ``errors="skip"`` and the rule each broke.

    Examples
    --------
    >>> usage = UsageTable.from_columns({
    ...     "customer_id": ["acme", "acme", "globex"],
    ...     "user_id": ["ann", "bob", "cy"],
    ...     "at": ["2024-03-01T09:00:00Z", "2024-03-02T10:00:00Z", "2024-03-02T11:00:00Z"],
    ...     "feature": ["login", "report", "login"],
    ... })
    >>> usage
    UsageTable(3 events, 2 accounts, 3 users, 2 features, 2024-03-01 to 2024-03-02 UTC)
    """

    _FIELDS: ClassVar[tuple[str, ...]] = tuple(_COLUMNS)
    _NOUN: ClassVar[str] = "usage events"

    customer_codes: I64
    customer_ids: NDArray[Any]
    user_codes: I64
    user_ids: NDArray[Any]
    member_codes: I64
    member_customer: I64
    member_user: I64
    at: NDArray[np.datetime64]
    feature_codes: I64
    features: NDArray[Any]
    duration_s: NDArray[np.float64]
    source_rows: I64
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Iterable[UsageEvent | Mapping[str, Any]], *,
                     features: Sequence[Any] | None = None,
                     errors: ErrorMode = "raise") -> UsageTable:
        """Build a table from :class:`UsageEvent` records or dicts of their fields.

        Dicts are validated as records (a failure names the field, the rule and the rows);
        the records then pass the same column checks as :meth:`from_columns` (including the
        rule that aware and naive timestamps do not mix), so both paths give the same table.
        ``features`` declares the feature catalogue, as in :meth:`from_columns`.

        Examples
        --------
        >>> t = UsageTable.from_records([
        ...     UsageEvent(customer_id=1, user_id="a", at="2024-05-01T08:00:00+02:00"),
        ...     {"customer_id": 1, "user_id": "b", "at": "2024-05-01T07:00:00Z",
        ...      "duration_s": -3},
        ... ], errors="skip")
        >>> t.skipped.to_dict()
        {'row': [1], 'column': ['duration_s'], 'rule': ['must be valid (Input should be greater than or equal to 0)']}
        >>> t.at.tolist()
        [datetime.datetime(2024, 5, 1, 6, 0)]
        """  # noqa: E501
        ctx = "UsageTable.from_records"
        batch = validate_records(records, UsageEvent, ctx, errors)
        columns = batch.columns(_COLUMNS)
        return cast(UsageTable, batch.merge(
            cls.from_columns(columns, features=features, errors=errors, _context=ctx)))

    @classmethod
    def from_columns(
        cls,
        data: Any,
        *,
        customer_id: str = "customer_id",
        user_id: str = "user_id",
        at: str = "at",
        feature: str = "feature",
        duration_s: str = "duration_s",
        features: Sequence[Any] | None = None,
        errors: ErrorMode = "raise",
        _context: str = "UsageTable.from_columns",
    ) -> UsageTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
            The input; other columns are ignored. DataFrame libraries are recognised, not
            imported.
        customer_id, user_id, at, feature, duration_s : str
            Name of the column holding each field, when it differs from the field name.
            ``customer_id``, ``user_id`` and ``at`` are required; ``feature`` and
            ``duration_s`` are optional (an optional column *renamed* here must exist).
        features : sequence, optional
            The feature catalogue. Metrics refuse a feature name the table does not know
            (most likely a typo); a feature with no event yet is known only when declared
            here. When given, every event's feature must be one of them.
        errors : {"raise", "skip"}, default "raise"
            ``"raise"`` stops at the first rule broken. ``"skip"`` leaves bad rows out and
            lists them, with the rule each broke, in the table's ``skipped``.

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        DataValidationError
            A missing account or user id; a timestamp that is missing, a number, unreadable,
            outside 1900-2199, or in a column mixing timezone-aware and naive values; a
            feature outside a declared catalogue; a duration that is not a number, negative
            or infinite; columns of unequal length.

        Notes
        -----
        Validation is vectorized: integer ids and ``datetime64`` (or pandas, polars, arrow
        timestamp) columns are checked at numpy speed. Columns of Python datetime objects
        are read one value at a time (each must be asked for its timezone).

        Examples
        --------
        >>> t = UsageTable.from_columns(
        ...     {"account": [1, 1, 2], "person": ["a", "b", "c"],
        ...      "ts": ["2024-01-02T10:00:00Z", "2024-01-02T11:00:00", None]},
        ...     customer_id="account", user_id="person", at="ts", errors="skip")
        >>> print(t.skipped)
        Skipped rows
        row  column  rule
          1  ts      must not mix timezone-aware and naive timestamps (1 aware, 1 naive; the naive rows are named)
          2  ts      must not be missing
        """  # noqa: E501
        ctx = _context
        renamed = {"customer_id": customer_id, "user_id": user_id, "at": at,
                   "feature": feature, "duration_s": duration_s}
        raw, n, renamed = read_columns(data, renamed, _OPTIONAL, ctx)
        chk = Checker(n, ctx, errors)

        def required(name: str) -> NDArray[Any]:
            values = raw[name]
            if values is None:  # unreachable: absent required columns raised above
                raise ColumnNotFoundError(renamed[name], list(renamed.values()), context=ctx)
            return values

        cust_codes, cust_ids = to_codes(required("customer_id"), customer_id, chk, required=True)
        user_codes, user_ids = to_codes(required("user_id"), user_id, chk, required=True)
        when = to_timestamps(required("at"), at, chk)
        chk.check(np.isnat(when) & ~chk.bad, at, "must not be missing")
        if raw["feature"] is None:
            feat_codes, feats = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
        else:
            feat_codes, feats = to_codes(raw["feature"], feature, chk, required=False)
        if features is not None:
            feat_codes, feats = _declared(feat_codes, feats, features, feature, chk, ctx)
        if raw["duration_s"] is None:
            dur = np.full(n, np.nan)
        else:
            dur = to_float(raw["duration_s"], duration_s, chk)
            with np.errstate(invalid="ignore"):
                chk.check(np.isinf(dur), duration_s, "must be finite (or missing)")
                chk.check(dur < 0, duration_s, "must be >= 0")
        skipped = SkippedRows.from_checker(chk)
        if chk.bad.any():
            keep = np.flatnonzero(~chk.bad)
            cust_codes, cust_ids = _recode(cust_codes[keep], cust_ids)
            user_codes, user_ids = _recode(user_codes[keep], user_ids)
            feat_codes = feat_codes[keep]
            if features is None:
                feat_codes, feats = _recode(feat_codes, feats)
            when, dur = when[keep], dur[keep]
            rows_kept = keep.astype(np.int64)
        else:
            rows_kept = np.arange(n, dtype=np.int64)
        member, member_cust, member_user = _members(cust_codes, user_codes, user_ids.size)
        return cls(customer_codes=cust_codes, customer_ids=cust_ids, user_codes=user_codes,
                   user_ids=user_ids, member_codes=member, member_customer=member_cust,
                   member_user=member_user, at=when, feature_codes=feat_codes, features=feats,
                   duration_s=dur, source_rows=rows_kept, skipped=skipped)

    # --- access -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.customer_codes.size)

    @property
    def n_customers(self) -> int:
        """Distinct accounts the table knows (a table from :meth:`take` keeps them all)."""
        return int(self.customer_ids.size)

    @property
    def n_members(self) -> int:
        """Distinct (account, user) pairs the table knows."""
        return int(self.member_customer.size)

    @property
    def t_us(self) -> I64:
        """Timestamps as int64 microseconds since the epoch (a view, no copy)."""
        return self.at.view(np.int64)

    def feature_code(self, name: Any, context: str) -> int:
        """Code of feature ``name``; an error naming the features present if it has none."""
        if self.features.size:
            pos = positions(self.features, np.array([name], dtype=object))
            if pos[0] >= 0:
                return int(pos[0])
        import difflib

        present = [str(f) for f in self.features.tolist()]
        close = difflib.get_close_matches(str(name), present, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(repr(f) for f in present[:20]) or "none"
        raise InvalidParameterError(
            f"{context}: no event of feature {name!r} is in the usage table (features "
            f"present: {shown}).{hint} A feature without events yet is known when declared "
            "with UsageTable.from_columns(..., features=[...]).")

    def take(self, indices: Sequence[int] | NDArray[np.integer[Any]] | NDArray[np.bool_]
             ) -> UsageTable:
        """The rows at ``indices`` (positions or a boolean mask), as a new table.

        Ids, users and features are kept whole, so codes stay comparable with the original
        and every account of the original still gets a row in per-account results.
        """
        idx = np.asarray(indices)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False)
        row_fields = ("customer_codes", "user_codes", "member_codes", "at", "feature_codes",
                      "duration_s", "source_rows")
        return replace(self, **{name: getattr(self, name)[idx] for name in row_fields})

    def between(self, start: PeriodLike, end: PeriodLike) -> UsageTable:
        """Events from the first UTC day of ``start`` to the last UTC day of ``end``.

        Examples
        --------
        >>> t = synthetic_usage(20, start="2024-01-01", days=60, seed=1)
        >>> feb = t.between("2024-02", "2024-02")
        >>> str(feb.at.min())[:10] >= "2024-02-01", str(feb.at.max())[:10] <= "2024-02-29"
        (True, True)
        """
        first, _ = span_days(start, "UsageTable.between")
        _, last = span_days(end, "UsageTable.between")
        lo, hi = day_bounds_us(first, last)
        return self.take(ku.in_window(self.t_us, lo, hi))

    def column(self, name: str) -> NDArray[Any]:
        """One column decoded to its original values (ids, feature names, None where absent).

        Examples
        --------
        >>> t = UsageTable.from_columns({"customer_id": [7, 3], "user_id": ["x", "y"],
        ...                              "at": ["2024-01-01", "2024-01-02"]})
        >>> t.column("customer_id").tolist(), t.column("feature").tolist()
        ([7, 3], [None, None])
        """
        coded = {"customer_id": (self.customer_codes, self.customer_ids),
                 "user_id": (self.user_codes, self.user_ids),
                 "feature": (self.feature_codes, self.features)}
        if name in coded:
            return decode(*coded[name])
        if name in ("at", "duration_s"):
            return np.asarray(getattr(self, name))
        raise ColumnNotFoundError(name, _COLUMNS, context="UsageTable.column")

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return "UsageTable(0 events)"
        accounts = int((np.bincount(self.customer_codes, minlength=self.n_customers) > 0).sum())
        users = int(ku.distinct(self.member_codes, self.n_members).size)
        feats = int(np.unique(self.feature_codes[self.feature_codes >= 0]).size
                    ) if self.features.size else 0
        first, last = str(self.at.min())[:10], str(self.at.max())[:10]
        skipped = f", {len(self.skipped):,} skipped" if len(self.skipped) else ""
        return (f"UsageTable({n:,} event{'s' * (n != 1)}, {accounts:,} "
                f"account{'s' * (accounts != 1)}, {users:,} user{'s' * (users != 1)}, "
                f"{feats:,} feature{'s' * (feats != 1)}, {first} to {last} UTC{skipped})")


def _declared(codes: I64, cats: NDArray[Any], declared: Sequence[Any], column: str,
              checker: Checker, context: str) -> tuple[I64, NDArray[Any]]:
    """Feature codes into a declared catalogue (sorted); features outside it break a rule."""
    catalogue = id_array(list(declared), context, "features")
    order = np.argsort(catalogue.astype(str), kind="stable")
    catalogue = catalogue[order]
    pos = positions(catalogue, cats) if cats.size else np.zeros(0, dtype=np.int64)
    lut = np.concatenate([[-1], pos])
    new = lut[codes + 1]
    checker.check((codes >= 0) & (new < 0), column,
                  "must be one of the declared features (features=)")
    return np.where(new < 0, -1, new).astype(np.int64), catalogue


def _recode(codes: I64, cats: NDArray[Any]) -> tuple[I64, NDArray[Any]]:
    """Drop categories no code refers to (codes of -1 stay -1)."""
    if cats.size == 0:
        return codes, cats
    used = np.zeros(cats.size + 1, dtype=bool)
    used[codes + 1] = True
    used = used[1:]
    new = np.cumsum(used, dtype=np.int64) - 1
    return np.where(codes >= 0, new[np.maximum(codes, 0)], -1).astype(np.int64), cats[used]


def _members(cust: I64, user: I64, n_users: int) -> tuple[I64, I64, I64]:
    """Codes of (account, user) pairs, and each pair's account and user.

    When every user id belongs to one account (the usual case), a member is its user:
    no sort is needed. Otherwise the pairs are factorized.
    """
    if cust.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    owner = np.full(n_users, -1, dtype=np.int64)
    owner[user] = cust
    if bool((owner[user] == cust).all()):
        return user, owner, np.arange(n_users, dtype=np.int64)
    key = cust * np.int64(n_users) + user
    pairs, member = factorize(key)
    return member, pairs // n_users, pairs % n_users


# --- synthetic usage -------------------------------------------------------------------------

_FEATURES = ("login", "dashboard", "report", "export", "api", "integration")
_FEATURE_WEIGHT = np.array([0.35, 0.25, 0.18, 0.08, 0.1, 0.04])
_FEATURE_ADOPTION = np.array([1.0, 0.9, 0.7, 0.45, 0.3, 0.25])  # share of accounts using it


def _customer_ids(customers: int | Sequence[Any] | NDArray[Any], context: str) -> NDArray[Any]:
    if isinstance(customers, int | np.integer) and not isinstance(customers, bool):
        if customers < 0:
            raise InvalidParameterError(f"{context}: customers must be >= 0, got {customers}.")
        return np.arange(int(customers), dtype=np.int64)
    return np.asarray(customers)


def synthetic_seats(customers: int | Sequence[Any] | NDArray[Any] = 200, *, seed: int = 0
                    ) -> dict[Any, int]:
    """Licensed seats per account, as :func:`synthetic_usage_columns` draws them.

    Examples
    --------
    >>> seats = synthetic_seats(3, seed=4)
    >>> sorted(seats) == [0, 1, 2] and all(s >= 1 for s in seats.values())
    True
    """
    ids = _customer_ids(customers, "synthetic_seats")
    seats = _draw_seats(ids.size, seed)
    return dict(zip(ids.tolist(), seats.tolist(), strict=True))


def _draw_seats(n: int, seed: int) -> I64:
    rng = np.random.default_rng([seed, 17])
    return np.minimum(rng.geometric(0.12, n), 250).astype(np.int64)


def synthetic_usage_columns(
    customers: int | Sequence[Any] | NDArray[Any] = 200,
    *,
    seats: ArrayLike | None = None,
    start: str = "2024-01-01",
    days: int = 90,
    events_per_active_day: float = 3.0,
    seed: int = 0,
) -> dict[str, NDArray[Any]]:
    """Columns of synthetic usage events, for :meth:`UsageTable.from_columns`.

    Each account has licensed seats (given, or drawn as :func:`synthetic_seats` draws them)
    and a number of users around 75% of them (a few accounts over-use their licence, some
    hardly use it). Each user has a habit, a probability of being active on a given day,
    which for a fifth of the accounts fades over the window (accounts drifting away). An
    active user-day holds ``1 + Poisson(events_per_active_day - 1)`` events at uniform
    times of the UTC day, each of a feature the account has adopted, with a session length
    (lognormal, median about 6 minutes) on 85% of the events. Events come in time order, as
    from an event log. Generation is vectorized: the work follows the number of events.

    Parameters
    ----------
    customers : int or sequence of ids, default 200
        The account ids, or how many (ids are then ``0 .. customers - 1``).
    seats : array-like of int, optional
        Seats per account, aligned with ``customers``.
    start : str, default "2024-01-01"
        First UTC day of the events.
    days : int, default 90
        Number of days covered.
    events_per_active_day : float, default 3
        Mean events of a user on a day they are active (>= 1).
    seed : int, default 0
        Seed of the random generator: the same arguments give the same events.

    Returns
    -------
    dict of str to ndarray
        ``customer_id``, ``user_id`` (int64, unique across accounts), ``at``
        (``datetime64[us]``, UTC), ``feature`` (str), ``duration_s`` (float64, NaN where
        not recorded).

    Examples
    --------
    >>> cols = synthetic_usage_columns(50, days=30, seed=2)
    >>> sorted(cols)
    ['at', 'customer_id', 'duration_s', 'feature', 'user_id']
    >>> UsageTable.from_columns(cols).n_customers <= 50
    True
    """
    ctx = "synthetic_usage_columns"
    ids = _customer_ids(customers, ctx)
    if days < 1:
        raise InvalidParameterError(f"{ctx}: days must be >= 1, got {days}.")
    if not events_per_active_day >= 1:
        raise InvalidParameterError(f"{ctx}: events_per_active_day must be >= 1.")
    n_acc = ids.size
    seat = (_draw_seats(n_acc, seed) if seats is None
            else np.asarray(seats, dtype=np.float64).astype(np.int64))
    if seat.shape != (n_acc,) or (seat < 0).any():
        raise InvalidParameterError(f"{ctx}: seats must be >= 0, one per customer.")
    rng = np.random.default_rng(seed)
    fill = np.clip(rng.beta(4.0, 1.5, n_acc) * 1.1, 0.0, 1.4)
    n_users = np.maximum(np.rint(seat * fill).astype(np.int64), np.minimum(seat, 1))
    acc_of_user = np.repeat(np.arange(n_acc), n_users)
    n_u = acc_of_user.size
    habit = rng.beta(1.2, 2.5, n_u) * np.where(rng.random(n_acc) < 0.1, 0.2, 1.0)[acc_of_user]
    fading = (rng.random(n_acc) < 0.2)[acc_of_user]

    # Active user-days: a binomial number of days per user, days drawn at random.
    active_days = rng.binomial(days, habit)
    ud_user = np.repeat(np.arange(n_u), active_days)
    ud_day = rng.integers(0, days, ud_user.size)
    # Fading accounts: activity late in the window is thinned out.
    keep = ~fading[ud_user] | (rng.random(ud_user.size) > ud_day / days)
    ud_user, ud_day = ud_user[keep], ud_day[keep]
    per_day = 1 + rng.poisson(events_per_active_day - 1.0, ud_user.size)
    ev_user = np.repeat(ud_user, per_day)
    ev_day = np.repeat(ud_day, per_day)
    n_ev = ev_user.size

    first = np.datetime64(start, "D").astype("datetime64[us]").astype(np.int64)
    t = first + ev_day * ku.US_PER_DAY + rng.integers(0, ku.US_PER_DAY, n_ev)
    # Features: each account has adopted some; events pick among the adopted ones.
    adopted = rng.random((n_acc, len(_FEATURES))) < _FEATURE_ADOPTION
    adopted[:, 0] = True
    weights = adopted * _FEATURE_WEIGHT
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    ev_acc = acc_of_user[ev_user]
    # Inverse CDF per event: each account's cumulative weights shifted by its index, so
    # one sorted search over all of them picks every event's feature.
    shifted = (cum + np.arange(n_acc)[:, None]).reshape(-1)
    pick = np.searchsorted(shifted, ev_acc + rng.random(n_ev), side="right") - ev_acc * len(
        _FEATURES)
    feature = np.asarray(_FEATURES)[np.minimum(pick, len(_FEATURES) - 1)]
    duration = np.round(rng.lognormal(np.log(360.0), 0.9, n_ev), 1)
    duration[rng.random(n_ev) < 0.15] = np.nan
    # Like an export of an event log: in time order.
    order = np.argsort(t, kind="stable")
    return {
        "customer_id": ids[ev_acc[order]],
        "user_id": ev_user[order].astype(np.int64),
        "at": t[order].view("datetime64[us]"),
        "feature": feature[order],
        "duration_s": duration[order],
    }


def synthetic_usage(
    customers: int | Sequence[Any] | NDArray[Any] = 200,
    *,
    seats: ArrayLike | None = None,
    start: str = "2024-01-01",
    days: int = 90,
    events_per_active_day: float = 3.0,
    seed: int = 0,
) -> UsageTable:
    """A :class:`UsageTable` of synthetic events (see :func:`synthetic_usage_columns`).

    Examples
    --------
    >>> t = synthetic_usage(100, days=30, seed=3)
    >>> len(t) > 1_000, str(t.at.max())[:10] <= "2024-01-30"
    (True, True)
    """
    return UsageTable.from_columns(synthetic_usage_columns(
        customers, seats=seats, start=start, days=days,
        events_per_active_day=events_per_active_day, seed=seed))
