"""Vectorized column conversion: missing values, numbers, dates, integer codes.

Every conversion takes a whole column; no check loops over rows in Python except on the error
path, where it only pinpoints the bad rows of a column that numpy refused to convert whole."""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.arrow import Encoded, arrow_codes, arrow_to_numpy, is_arrow
from csmetrics._core.checks import Checker
from csmetrics._core.narrow import narrow_objects
from csmetrics._core.similar import warn_similar_labels, without_blank_text
from csmetrics._core.zones import utc_word_as_z


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
        except (TypeError, ValueError, ArithmeticError):  # NA, arrays in cells (ambiguous
            # truth values), a signalling Decimal NaN (which refuses to be compared)
            return np.fromiter((missing_one(v) for v in values), dtype=bool,
                               count=values.size)
    return np.zeros(values.shape, dtype=bool)


def missing_one(v: object) -> bool:
    """Whether one value is missing: None, NaN, NaT or pandas' NA."""
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(v != v)
    except ArithmeticError:  # Decimal("sNaN") refuses even to be compared: a NaN
        return True
    except (TypeError, ValueError):
        return False


MISSING_TEXT = ("", "NaT", "None", "nan")
"""Text that a date or timestamp column reads as missing (surrounding spaces ignored): the
blank cell of an export, and what ``str()`` makes of a missing value."""


def is_missing_text(v: object) -> bool:
    """Whether ``v`` is text a date or timestamp column reads as missing (``MISSING_TEXT``).

    Examples
    --------
    >>> is_missing_text("  "), is_missing_text("NaT"), is_missing_text("2024-01-01")
    (True, True, False)
    """
    return isinstance(v, str) and v.strip() in MISSING_TEXT


SCALAR_RULE = "must be a scalar (text or a number), not a list, tuple, set or dict"
"""The rule of a cell that holds several values, in id and category columns."""


def not_scalar(values: NDArray[Any], *, allow: tuple[type, ...] = ()
               ) -> NDArray[np.bool_] | None:
    """Where an object column holds containers (lists, tuples, sets, dicts, arrays) rather
    than single values, other than those of the types ``allow``; ``None`` when it holds none
    (found from the set of the column's types, without a Python loop over rows)."""
    if values.dtype.kind != "O" or values.size == 0:
        return None
    kinds = tuple(t for t in set(map(type, values)) if issubclass(t, Iterable)
                  and not issubclass(t, (str, bytes, *allow)))
    if not kinds:
        return None
    return np.fromiter((isinstance(v, kinds) for v in values), dtype=bool, count=values.size)


def factorize_scalars(values: NDArray[Any], column: str, checker: Checker, *, fill: Any
                      ) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """``factorize(values)``, where a cell holding several values (a list, a tuple, a dict)
    breaks ``SCALAR_RULE`` and, when skipping, is read as ``fill``.

    Clean columns pay nothing: containers either make the factorization fail (lists,
    tuples, arrays) or show in its few categories (the text of a dict or a set), and only
    then are the rows looked at.
    """
    return _scalars_only(factorize, lambda out: out[0], values, column, checker, fill)


_Out = TypeVar("_Out")


def _scalars_only(run: Callable[[NDArray[Any]], _Out], categories: Callable[[_Out], Any],
                  values: NDArray[Any], column: str, checker: Checker, fill: Any) -> _Out:
    """``run(values)``, where a cell holding several values breaks ``SCALAR_RULE`` and is
    read as ``fill``. Only when ``run`` fails, or its ``categories`` may hold a container's
    text, are the rows themselves looked at."""
    try:
        out = run(values)
    except (TypeError, ValueError):
        failed = True
    else:
        if not _may_hold_containers(categories(out)):
            return out
        failed = False
    bad = not_scalar(values)
    if bad is None:
        return run(values) if failed else out  # (re-raises its error)
    checker.check(bad, column, SCALAR_RULE)
    values = values.copy()
    values[bad] = fill
    return run(values)


def _may_hold_containers(categories: NDArray[Any]) -> bool:
    if categories.dtype.kind == "O":
        return not_scalar(categories) is not None
    if categories.dtype.kind == "U":  # the text of a dict, set, tuple, list or array
        return any(bool(np.char.startswith(categories, start).any())
                   for start in ("{", "(", "[", "frozenset("))
    return False


def to_float(values: NDArray[Any], column: str, checker: Checker) -> NDArray[np.float64]:
    """Column as float64; non-numbers break a rule (they are left as NaN when skipping)."""
    if values.dtype.kind == "b":
        checker.check(np.ones(values.size, dtype=bool), column, "must be a number, not a bool")
    if values.dtype.kind in "iufb":
        # A copy: the table freezes its arrays, and must not freeze the caller's.
        return values.astype(np.float64, copy=True)
    if values.dtype.kind in "mM":  # numpy would read dates and durations as their ticks
        checker.check(~np.isnat(values), column, "must be a number")
        return np.full(values.size, np.nan)
    missing = is_missing(values)
    if values.dtype.kind == "O":
        if missing.any():
            values = values.copy()
            values[missing] = None
        dated = [t for t in set(map(type, values)) if issubclass(t, NOT_NUMBERS)]
        if dated:
            wrong = np.fromiter((isinstance(v, NOT_NUMBERS) for v in values), dtype=bool,
                                count=values.size)
            checker.check(wrong, column, "must be a number")
            values = values.copy()
            values[wrong] = None
            missing = missing | wrong
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        pass
    else:
        # Text "nan" reads as NaN: it is neither a number nor a missing cell. Digits of other
        # scripts ('١٠', '１０') read as numbers too, and the record path refuses them.
        checker.check((np.isnan(out) & ~missing) | _not_ascii(values), column,
                      "must be a number")
        return out
    out = np.full(values.size, np.nan)
    bad = np.zeros(values.size, dtype=bool)
    for i, v in enumerate(values):  # error path only: find which rows are not numbers
        try:
            out[i] = np.nan if v is None else float(v)
        except OverflowError:  # an integer beyond float64 (10**400): read as infinite
            out[i] = np.inf if v > 0 else -np.inf
        except (TypeError, ValueError):
            bad[i] = True
        else:
            bad[i] = bool(np.isnan(out[i])) and not missing[i]
    checker.check(bad, column, "must be a number")
    return out


def _not_ascii(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Text cells holding characters beyond ASCII (where a number column is text)."""
    if values.dtype.kind == "U" and values.size and values.itemsize:
        return np.asarray(values.view(np.uint32).reshape(values.size, -1).max(axis=1) > 127)
    text = values if values.dtype.kind == "O" else ()
    return np.fromiter((isinstance(v, str) and not v.isascii() for v in text), dtype=bool,
                       count=len(text)) if len(text) else np.zeros(values.size, dtype=bool)


NOT_NUMBERS = (np.datetime64, np.timedelta64, _dt.date, _dt.timedelta)
"""Types numpy (or pydantic) would read as numbers, and no number column takes: dates and
durations (their ticks are no amount)."""


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
    # "20240105" parses as the year 20,240,105: only plausible calendar dates are accepted.
    implausible = ~np.isnat(days) & ((days < _EARLIEST) | (days > _LATEST))
    checker.check(implausible, column, rule := "must be a date between 1900-01-01 and 2199-12-31")
    if implausible.any() and any(re.fullmatch(r"'\d{8}'", v) for p in checker.problems
                                 if (p.column, p.rule) == (column, rule) for v in p.values):
        checker.hint(column, rule, "These look like dates without separators (YYYYMMDD): "
                     "read them with date_format='%Y%m%d' (--date-format on the CLI).")
    return np.where(implausible, np.datetime64("NaT"), days) if implausible.any() else days


_EARLIEST, _LATEST = np.datetime64("1900-01-01"), np.datetime64("2199-12-31")


def _dates(values: NDArray[Any], column: str, checker: Checker) -> NDArray[np.datetime64]:
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    if values.dtype.kind == "m":  # numpy would read a duration as days since 1970
        checker.check(~np.isnat(values), column, "must be a date, not a duration")
        return np.full(values.size, np.datetime64("NaT"), dtype="datetime64[D]")
    if values.dtype.kind == "O":
        missing = is_missing(values)
        present = values[~missing]
        types = set(map(type, present))
        if types and all(issubclass(t, str) for t in types):
            # Text: read it as numpy text, so numbers mixed in cannot pass as microseconds.
            text = np.full(values.size, "NaT", dtype=object)
            text[~missing] = present
            with contextlib.suppress(TypeError, ValueError):
                values = text.astype(str)
        elif types and all(issubclass(t, int | float | np.number | np.bool_) for t in types):
            checker.check(~missing, column,
                          "must be a date, not a number (give dates, ISO strings or datetime64)")
            return np.full(values.size, np.datetime64("NaT"), dtype="datetime64[D]")
        elif any(not issubclass(t, _DATE_TYPES) or issubclass(t, str) for t in types):
            # numpy would read a pandas Period, a bool or a mix with text as some day.
            return _dates_one_by_one(values, column, checker)
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
    return _dates_one_by_one(values, column, checker)


_DATE_TYPES = (str, _dt.date, np.datetime64)


def _dates_one_by_one(values: NDArray[Any], column: str, checker: Checker
                      ) -> NDArray[np.datetime64]:
    out = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(values.size, dtype=bool)
    for i, v in enumerate(values):  # error path, or objects numpy cannot read by itself
        if missing_one(v) or is_missing_text(v):
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
        text = utc_word_as_z(v.strip())
        if not _ISO_DATE.match(text):
            raise ValueError(f"not an ISO 8601 date: {v!r}")
        v = _isoparse(text)
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


LABEL_RULE = "must be text or a whole number"
"""The rule of a label (an id, a plan, a feature): bools, fractions, bytes and dates are not."""


def label_of(v: Any) -> Any:
    """One label as a table keeps it: text as ``str``, whole numbers (ints, numpy integers,
    whole finite floats such as ``3.0``) as ``int``; missing values unchanged.

    The one reading of a label, used by the record models and by ``to_codes``, so that both
    paths accept and refuse the same values.

    Raises
    ------
    ValueError
        ``v`` breaks ``LABEL_RULE`` (a bool, a fraction, an infinity, bytes, a date, any
        other object) or ``SCALAR_RULE`` (a list, tuple, set or dict).

    Examples
    --------
    >>> label_of(3.0), label_of(np.int64(7)), label_of(np.str_("c0"))
    (3, 7, 'c0')
    >>> label_of(True)
    Traceback (most recent call last):
    ...
    ValueError: must be text or a whole number
    """
    if isinstance(v, str):
        return str(v)
    if isinstance(v, bool | np.bool_):
        raise ValueError(LABEL_RULE)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        if missing_one(v):
            return v
        if np.isfinite(v) and float(v).is_integer():
            return int(v)
        raise ValueError(LABEL_RULE)
    if missing_one(v):
        return v
    if isinstance(v, Iterable) and not isinstance(v, bytes):
        raise ValueError(SCALAR_RULE)
    raise ValueError(LABEL_RULE)


_PLAIN_LABELS = frozenset({str, int, type(None), np.str_})


def _labels(values: NDArray[Any], missing: NDArray[np.bool_], column: str,
            checker: Checker) -> NDArray[Any]:
    """``values`` read by ``label_of``; cells that break ``LABEL_RULE`` are marked (and are
    missing when skipping). Containers are left to ``SCALAR_RULE``. Plain text and integer
    columns are returned as they are."""
    kind = values.dtype.kind
    if kind in "iuU" or values.size == 0:
        return values
    if kind == "f":
        bad = ~missing & ~(np.isfinite(values) & (values == np.round(values)))
        checker.check(bad, column, LABEL_RULE)
        return np.where(bad, np.nan, values) if bad.any() else values
    if kind != "O":  # bools, bytes, dates, durations, complex numbers
        checker.check(~missing, column, LABEL_RULE)
        return np.full(values.size, None, dtype=object)
    if set(map(type, values)) <= _PLAIN_LABELS:
        return values
    out: NDArray[Any] = values.copy()
    bad = np.zeros(values.size, dtype=bool)
    for i, v in enumerate(values.tolist()):  # only columns holding other types of value
        if missing[i]:
            continue
        try:
            out[i] = label_of(v)
        except ValueError as exc:
            bad[i] = str(exc) == LABEL_RULE  # containers: SCALAR_RULE, checked below
    checker.check(bad, column, LABEL_RULE)
    out[bad] = None
    return out


def to_codes(
    values: NDArray[Any], column: str, checker: Checker, *, required: bool,
    labels: bool = True,
) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Factorize a column into integer codes (into sorted categories); missing is code -1.

    With ``labels`` (ids and categorical fields), values are read by ``label_of``: text,
    and whole numbers as integers; other values break ``LABEL_RULE``. Segments kept from
    input columns take any scalar (``labels=False``). A cell holding several values (a list,
    a tuple, a dict) breaks ``SCALAR_RULE`` (and is missing when skipping). Values that
    differ only by surrounding spaces or invisible characters are kept apart, with a
    ``SimilarIdsWarning`` naming them.
    """
    if isinstance(values, Encoded):  # Arrow text ids, encoded when read
        if required:
            checker.check(values.missing, column, "must not be missing (None/NaN)")
        warn_similar_labels(values.categories, column, checker.context)
        return without_blank_text(values.codes, values.categories, column, checker, required)
    if is_arrow(values):  # Arrow text ids: dictionary-encoded by pyarrow
        fast = arrow_codes(values)
        if fast is not None:
            codes, cats, absent = fast
            if required:
                checker.check(absent, column, "must not be missing (None/NaN)")
            warn_similar_labels(cats, column, checker.context)
            return without_blank_text(codes, cats, column, checker, required)
        values = arrow_to_numpy(values)
    missing = is_missing(values)
    if required:
        checker.check(missing, column, "must not be missing (None/NaN)")
    if labels:
        read = _labels(values, missing, column, checker)
        if read is not values:  # refused labels are now missing
            values, missing = read, is_missing(read)
    if values.dtype.kind == "f":
        whole = np.isfinite(values) & (values == np.round(values))
        if bool(whole[~missing].all()):
            values = np.where(missing, 0, values).astype(np.int64)
    codes, cats = _scalars_only(lambda v: _codes(v, missing if v is values else is_missing(v)),
                                lambda out: out[1], values, column, checker, None)
    warn_similar_labels(cats, column, checker.context)
    return without_blank_text(codes, cats, column, checker, required)


def _codes(values: NDArray[Any], missing: NDArray[np.bool_]
           ) -> tuple[NDArray[np.int64], NDArray[Any]]:
    if not missing.any():
        cats, codes = factorize(values)
        return codes, cats
    cats, inner = factorize(values[~missing])
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
        values = narrow_objects(values)
    kind = values.dtype.kind
    if kind in "iu":
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * values.size:
            present = np.zeros(hi - lo + 1, dtype=bool)
            shifted = values - lo if lo else values   # (no copy of codes from 0)
            present[shifted] = True
            rank = np.cumsum(present, dtype=np.int64)
            rank -= 1
            return np.flatnonzero(present).astype(values.dtype) + lo, rank[shifted]
    if kind in "US":
        sample = np.unique(values[:: max(1, values.size // 4096)])
        if sample.size <= 8:  # a handful of values (intervals, currencies): one compare each
            codes = np.full(values.size, -1, dtype=np.int64)
            for i, text in enumerate(sample):
                codes[values == text] = i
            if not bool((codes < 0).any()):
                return sample, codes
        else:
            pos = np.minimum(np.searchsorted(sample, values), sample.size - 1)
            if bool((sample[pos] == values).all()):
                return sample, pos.astype(np.int64, copy=False)
    try:
        cats, inv = np.unique(values, return_inverse=True)
    except TypeError:  # incomparable objects: compare as text
        try:
            text = values.astype(str)
        except ValueError:  # tuples among them: numpy reads them as rows, str() does not
            text = np.array([str(v) for v in values.tolist()])
        cats, inv = np.unique(text, return_inverse=True)
    return cats, inv.astype(np.int64, copy=False).reshape(-1)


def _isoparse(text: str) -> Any:
    """dateutil's ISO 8601 parser, imported at first use (only odd text gets here; the
    import costs 20 ms)."""
    from dateutil.parser import isoparse

    return isoparse(text)
