"""Timestamps as datetime64[us] in UTC: aware values converted, naive ones taken as UTC.

Numbers are not timestamps (epoch seconds and milliseconds cannot be told apart), and a
column that mixes aware and naive values is an error."""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import is_missing, missing_one
from csmetrics._core.zones import utc_word_as_z

I64 = NDArray[np.int64]
US_PER_DAY = 86_400_000_000
"""Microseconds in a day."""


_NAT_US = np.datetime64("NaT", "us")


_EARLIEST = np.datetime64("1900-01-01T00:00:00", "us")


_END = np.datetime64("2200-01-01T00:00:00", "us")


_EPOCH = _dt.datetime(1970, 1, 1)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")


_NUMBER_RULE = ("must be a timestamp, not a number (epoch numbers are ambiguous: convert them "
                "with np.asarray(x, dtype='datetime64[s]') first)")


_TEXT_RULE = ("must be a timestamp (ISO 8601 such as '2024-03-15T09:30:00Z', a date, a "
              "datetime or a datetime64)")


def to_timestamps(values: NDArray[Any], column: str, checker: Checker
                  ) -> NDArray[np.datetime64]:
    """Column as ``datetime64[us]`` in UTC; missing values are NaT.

    Aware values are converted to UTC and naive ones taken as UTC; a column mixing both
    breaks a rule (the rows of the less common kind are named). Numbers, unreadable text and
    timestamps outside 1900-2199 break rules too.

    Examples
    --------
    >>> from csmetrics._core.checks import Checker
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
    worded = np.flatnonzero(np.char.endswith(np.char.upper(s), "UTC")
                            | np.char.endswith(np.char.upper(s), "GMT"))
    if worded.size:  # "2024-03-05 14:22:01 UTC": the zone as a word
        s = s.astype(object)
        s[worded] = [utc_word_as_z(t) for t in s[worded].tolist()]
        s = s.astype(str)
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
        text = utc_word_as_z(v.strip())
        if not _ISO.match(text):
            raise ValueError(f"not an ISO 8601 timestamp: {v!r}")
        v = _isoparse(text)
    if isinstance(v, _dt.datetime):
        offset = v.utcoffset()
        naive = v.replace(tzinfo=None)
        if offset is not None:
            naive = naive - offset
        delta = naive - _EPOCH
        us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return us, offset is not None
    if isinstance(v, _dt.date):
        return (v - _EPOCH.date()).days * US_PER_DAY, False
    raise TypeError(f"not a timestamp: {v!r}")


def as_datetime(v: Any) -> Any:
    """One value as a ``datetime`` for a record field, read as the columns read it.

    ISO 8601 text (with or without an offset) and datetime64 become datetimes, a date is
    midnight; anything else is a ``ValueError`` pydantic reports against the field.
    """
    if isinstance(v, _dt.datetime):
        return v
    if isinstance(v, str):
        text = utc_word_as_z(v.strip())
        if not _ISO.match(text):
            raise ValueError("must be an ISO 8601 timestamp such as '2024-03-15T09:30:00Z'")
        return _isoparse(text)
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day)
    if isinstance(v, np.datetime64):
        return _EPOCH + _dt.timedelta(microseconds=int(v.astype("datetime64[us]")
                                                       .astype(np.int64)))
    raise ValueError("must be a timestamp (a datetime, a date or an ISO 8601 string)")


def _isoparse(text: str) -> Any:
    """dateutil's ISO 8601 parser, imported at first use (only odd text gets here; the
    import costs 20 ms)."""
    from dateutil.parser import isoparse

    return isoparse(text)
