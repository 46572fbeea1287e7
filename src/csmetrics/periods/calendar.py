"""Calendar and fiscal periods, and the snapshot dates that metrics are read at.

A period is a whole number of calendar months: a month, a quarter or a year, optionally
anchored to a fiscal year that starts in any month. Internally a month is an integer, the
number of months since January 1970 (numpy's ``datetime64[M]`` epoch), so period arithmetic
on whole arrays is integer arithmetic.

Conventions
-----------
* A period's *snapshot* is its last day: MRR "for March" is the MRR in effect on 31 March.
* Fiscal years are named after the calendar year they end in: with ``freq="year-apr"``,
  ``FY2025`` runs from 1 April 2024 to 31 March 2025 (the UK, Japan and US-federal
  convention). Fiscal quarters are ``FY2025-Q1`` (April-June 2024) and so on.
* Strings: ``"2024-03"`` is a month, ``"2024-Q1"`` a calendar quarter, ``"2024"`` a calendar
  year, ``"FY2025"`` and ``"FY2025-Q2"`` fiscal periods of the frequency in use, and
  ``"2024-03-15"`` a date. ``datetime.date``, ``datetime.datetime`` (its date part),
  ``numpy.datetime64`` (``[M]`` is a month, ``[D]`` or finer a date) are accepted too.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias, Union

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import Satisfies
from csmetrics.exceptions import InvalidParameterError

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FREQ_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_FREQ_ALIASES = {"m": "month", "monthly": "month", "q": "quarter", "quarterly": "quarter",
                 "y": "year", "a": "year", "yearly": "year", "annual": "year"}

PeriodLike: TypeAlias = Union["Period", str, _dt.date, np.datetime64]
"""Anything that names a period or a date: a ``Period``, a string, a date, a datetime64."""


@dataclass(frozen=True)
class Frequency:
    """A period length in calendar months and, for quarters and years, the fiscal anchor.

    Parameters
    ----------
    months : {1, 3, 12}
        Length of one period.
    fiscal_start : int, default 1
        Month (1-12) the fiscal year starts in; 1 is the calendar year.

    Examples
    --------
    >>> Frequency(3, fiscal_start=4).name
    'quarter-apr'
    >>> Frequency(12, fiscal_start=4).label(654)   # the fiscal year holding July 2024
    'FY2025'
    """

    months: Literal[1, 3, 12]
    fiscal_start: int = 1

    def __post_init__(self) -> None:
        if not (_is_int(self.months) and self.months in (1, 3, 12)):
            raise InvalidParameterError(
                f"Frequency: months must be 1, 3 or 12 (a month, a quarter or a year), got "
                f"{self.months!r}.")
        if not (_is_int(self.fiscal_start) and 1 <= self.fiscal_start <= 12):
            raise InvalidParameterError(
                f"Frequency: fiscal_start must be a month from 1 to 12, got "
                f"{self.fiscal_start!r}.")
        object.__setattr__(self, "months", int(self.months))
        object.__setattr__(self, "fiscal_start", int(self.fiscal_start))

    @property
    def name(self) -> str:
        """The string that parses back to this frequency (``"quarter-apr"``)."""
        base = {1: "month", 3: "quarter", 12: "year"}[self.months]
        if self.fiscal_start == 1 or self.months == 1:
            return base
        return f"{base}-{_MONTH_NAMES[self.fiscal_start - 1]}"

    @property
    def _offset(self) -> int:
        # 1970-01 is month 0, so a fiscal year starting in April starts at months == 3 (mod 12).
        return (self.fiscal_start - 1) % self.months

    def period_index(self, months: NDArray[np.int64]) -> NDArray[np.int64]:
        """First month (months since 1970-01) of the period holding each month."""
        off = self._offset
        return ((months - off) // self.months) * self.months + off

    def label(self, first_month: int) -> str:
        """Display label of the period starting at ``first_month``."""
        year, month0 = divmod(int(first_month) + 1970 * 12, 12)
        if self.months == 1:
            return f"{year:04d}-{month0 + 1:02d}"
        if self.fiscal_start == 1:
            return f"{year:04d}" if self.months == 12 else f"{year:04d}-Q{month0 // 3 + 1}"
        fy_first = (first_month - (self.fiscal_start - 1)) // 12 * 12 + (self.fiscal_start - 1)
        fiscal_year = (fy_first + 11) // 12 + 1970
        if self.months == 12:
            return f"FY{fiscal_year:04d}"
        return f"FY{fiscal_year:04d}-Q{(first_month - fy_first) // 3 + 1}"


def parse_frequency(freq: str | Frequency) -> Frequency:
    """Parse ``"month"``, ``"quarter"``, ``"year"`` or a fiscal ``"quarter-apr"``/``"year-jul"``.

    Examples
    --------
    >>> parse_frequency("year-apr").label(parse_frequency("year-apr").period_index(
    ...     np.array([654]))[0])   # month 654 is July 2024
    'FY2025'
    """
    if isinstance(freq, Frequency):
        return freq
    if not isinstance(freq, str):
        raise InvalidParameterError(f"freq must be a string such as 'month', got {freq!r}.")
    text = freq.strip().lower()
    base, _, anchor = text.partition("-")
    base = _FREQ_ALIASES.get(base, base)
    if base not in _FREQ_MONTHS or (anchor and anchor not in _MONTH_NAMES) or (
        anchor and base == "month"
    ):
        raise InvalidParameterError(
            f"freq {freq!r} is not understood; use 'month', 'quarter', 'year', or a fiscal "
            "'quarter-<mon>' / 'year-<mon>' such as 'year-apr' (fiscal year starting in April)."
        )
    fiscal_start = _MONTH_NAMES.index(anchor) + 1 if anchor else 1
    months = _FREQ_MONTHS[base]
    return Frequency(months, fiscal_start)  # type: ignore[arg-type]


FREQ = Satisfies(parse_frequency, "a period length: 'month', 'quarter', 'year', or a fiscal "
                 "'quarter-<mon>' / 'year-<mon>' such as 'year-apr'")
"""The ``freq=`` option of every period metric."""


@dataclass(frozen=True, order=True)
class Period:
    """One calendar or fiscal period.

    Parameters
    ----------
    first_month : int
        Its first month, as months since January 1970.
    freq : Frequency
        Its length and fiscal anchor.

    Examples
    --------
    >>> p = Period.parse("2024-Q1")
    >>> p, p.start, p.end
    (Period('2024-Q1'), datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    >>> p + 1
    Period('2024-Q2')
    """

    first_month: int
    freq: Frequency

    def __post_init__(self) -> None:
        if not isinstance(self.freq, Frequency):
            raise InvalidParameterError(f"Period: freq must be a Frequency, got {self.freq!r}.")
        if not (_is_int(self.first_month) and _FIRST_MONTH <= self.first_month <= _LAST_MONTH):
            raise InvalidParameterError(
                f"Period: first_month must be a whole number of months since 1970-01 within "
                f"the years 1 to 9998, got {self.first_month!r}.")
        object.__setattr__(self, "first_month", int(self.first_month))

    @classmethod
    def parse(cls, value: PeriodLike, freq: str | Frequency | None = None) -> Period:
        """The period named by ``value``; with ``freq``, the period of that frequency holding
        the first month of ``value``. A bare date is taken as the period that contains it."""
        span = _parse(value, freq)
        if isinstance(span, _dt.date):
            first = _months_of(span)
            span_freq = parse_frequency(freq or "month")
            return cls(int(span_freq.period_index(np.array([first]))[0]), span_freq)
        target = parse_frequency(freq) if freq is not None else span[2]
        return cls(int(target.period_index(np.array([span[0]]))[0]), target)

    @property
    def start(self) -> _dt.date:
        """First day of the period."""
        return _month_to_date(self.first_month)

    @property
    def end(self) -> _dt.date:
        """Last day of the period: the snapshot date."""
        return _month_to_date(self.first_month + self.freq.months) - _dt.timedelta(days=1)

    def __add__(self, n: int) -> Period:
        return Period(self.first_month + n * self.freq.months, self.freq)

    def __sub__(self, n: int) -> Period:
        return self + (-n)

    def __str__(self) -> str:
        return self.freq.label(self.first_month)

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"


def period_range(start: PeriodLike, end: PeriodLike, freq: str | Frequency = "month"
                 ) -> list[Period]:
    """Every period of ``freq`` from the one holding ``start`` to the one holding ``end``.

    Examples
    --------
    >>> [str(p) for p in period_range("2024-11", "2025-02")]
    ['2024-11', '2024-12', '2025-01', '2025-02']
    >>> [str(p) for p in period_range("FY2025", "FY2025", "quarter-apr")]
    ['FY2025-Q1', 'FY2025-Q2', 'FY2025-Q3', 'FY2025-Q4']
    """
    f = parse_frequency(freq)
    lo, _ = _month_bounds(start, f)
    _, hi = _month_bounds(end, f)
    first = int(f.period_index(np.array([lo]))[0])
    last = int(f.period_index(np.array([hi]))[0])
    if last < first:
        raise InvalidParameterError(f"end {end!r} is before start {start!r}.")
    return [Period(m, f) for m in range(first, last + 1, f.months)]


def snapshot_date(at: PeriodLike) -> np.datetime64:
    """The date a metric "at" ``at`` is read: a date itself, or a period's last day."""
    span = _parse(at, None)
    if isinstance(span, _dt.date):
        return np.datetime64(span, "D")
    return np.datetime64(_month_to_date(span[1] + 1) - _dt.timedelta(days=1), "D")


@dataclass(frozen=True)
class SnapshotGrid:
    """The snapshot dates of a window and the label of each interval between them.

    ``dates[0]`` is the base snapshot; interval ``k`` (1-based) runs from ``dates[k-1]``
    (exclusive) to ``dates[k]`` (inclusive) and is labelled ``labels[k-1]``.
    """

    dates: NDArray[np.datetime64]
    labels: tuple[str, ...]
    freq: Frequency


def snapshot_grid(start: PeriodLike, end: PeriodLike, freq: str | Frequency) -> SnapshotGrid:
    """Snapshots for a window from ``start`` to ``end`` inclusive (see ARCHITECTURE "Windows").

    Periods give their last days and the base is the last day of the period before
    ``start``; a date is itself a snapshot, with the period ends strictly between the two
    bounds in between.
    """
    f = parse_frequency(freq)
    s, e = _parse(start, f), _parse(end, f)
    if isinstance(s, _dt.date):
        base = np.datetime64(s, "D")
        first_month = int(f.period_index(np.array([_months_of(s)]))[0])
    else:
        first_month = int(f.period_index(np.array([s[0]]))[0])
        base = np.datetime64(_month_to_date(first_month), "D") - np.timedelta64(1, "D")
    if isinstance(e, _dt.date):
        final = np.datetime64(e, "D")
    else:
        last_first = int(f.period_index(np.array([e[1]]))[0])
        final = np.datetime64(_month_to_date(last_first + f.months), "D") - np.timedelta64(1, "D")
    if final <= base:
        raise InvalidParameterError(
            f"the window from {start!r} to {end!r} is empty: its end is not after its start."
        )
    firsts = np.arange(first_month, _months_of_np(final) + 1, f.months, dtype=np.int64)
    ends = _period_last_days(firsts, f)
    inner = ends[(ends > base) & (ends < final)]
    dates = np.concatenate([[base], inner, [final]]).astype("datetime64[D]")
    months = dates[1:].astype("datetime64[M]").astype(np.int64)
    labels = tuple(f.label(m) for m in f.period_index(months))
    return SnapshotGrid(dates, labels, f)


def period_ends_before(first_date: np.datetime64, before: np.datetime64, freq: Frequency
                       ) -> NDArray[np.datetime64]:
    """Last days of every ``freq`` period from the one holding ``first_date`` that fall
    strictly before ``before``: the history grid used to tell new from returning customers."""
    if first_date >= before:
        return np.empty(0, dtype="datetime64[D]")
    lo = int(freq.period_index(np.array([_months_of_np(first_date)]))[0])
    hi = _months_of_np(before)
    ends = _period_last_days(np.arange(lo, hi + 1, freq.months, dtype=np.int64), freq)
    return ends[ends < before]


def _period_last_days(first_months: NDArray[np.int64], f: Frequency) -> NDArray[np.datetime64]:
    nxt = (first_months + f.months).astype("datetime64[M]").astype("datetime64[D]")
    return nxt - np.timedelta64(1, "D")


# --- parsing ---------------------------------------------------------------------------------

_RE_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RE_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_RE_YEAR = re.compile(r"^(\d{4})$")
_RE_FISCAL = re.compile(r"^FY(\d{4})(?:-?Q([1-4]))?$", re.IGNORECASE)
_RE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# A parsed value is a date, or a span of whole months (first, last, natural frequency).
_Span = tuple[int, int, Frequency]

# Periods and dates named by the caller lie in the years the tables read (1900 to 2199);
# Period objects, which arithmetic can carry further, in the years Python dates reach.
_EARLIEST, _LATEST = _dt.date(1900, 1, 1), _dt.date(2199, 12, 31)
_FIRST_MONTH, _LAST_MONTH = (1 - 1970) * 12, (9998 - 1970) * 12 + 11


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _parse(value: PeriodLike, freq: str | Frequency | None) -> _dt.date | _Span:
    if isinstance(value, Period):
        return value.first_month, value.first_month + value.freq.months - 1, value.freq
    span = _parse_value(value, freq)
    # Compared as months, not dates: '0000-01' has no date in Python's calendar.
    if isinstance(span, _dt.date):
        outside = span < _EARLIEST or span > _LATEST
    else:
        outside = span[0] < _months_of(_EARLIEST) or span[1] > _months_of(_LATEST)
    if outside:
        raise InvalidParameterError(_outside(value))
    return span


def _parse_value(value: PeriodLike, freq: str | Frequency | None) -> _dt.date | _Span:
    if type(value).__name__ == "NaTType":  # pandas' NaT, also a datetime
        raise InvalidParameterError("a period or date must not be NaT.")
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InvalidParameterError("a period or date must not be NaT.")
        unit = np.datetime_data(value.dtype)[0]
        if unit in ("Y", "M"):
            first = int(value.astype("datetime64[M]").astype(np.int64))
            last = first + (11 if unit == "Y" else 0)
            return first, last, Frequency(12) if unit == "Y" else Frequency(1)
        try:
            return _dt.date.fromisoformat(str(value.astype("datetime64[D]")))
        except ValueError:  # beyond the years Python dates reach
            raise InvalidParameterError(_outside(value)) from None
    if isinstance(value, str):
        return _parse_str(value.strip(), freq)
    raise InvalidParameterError(
        f"cannot read {value!r} as a period or date; use '2024-03', '2024-Q1', '2024', "
        "'FY2025', a date or a numpy datetime64."
    )


def _outside(value: object) -> str:
    return (f"{value!r} is outside the dates csmetrics reads (1900-01-01 to 2199-12-31, as in "
            "its tables).")


def _parse_str(text: str, freq: str | Frequency | None) -> _dt.date | _Span:
    epoch = 1970 * 12
    if _RE_DATE.match(text):
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
    elif m := _RE_MONTH.match(text):
        month = int(m[2])
        if 1 <= month <= 12:
            first = int(m[1]) * 12 + month - 1 - epoch
            return first, first, Frequency(1)
    elif m := _RE_QUARTER.match(text):
        first = int(m[1]) * 12 + (int(m[2]) - 1) * 3 - epoch
        return first, first + 2, Frequency(3)
    elif m := _RE_YEAR.match(text):
        first = int(m[1]) * 12 - epoch
        return first, first + 11, Frequency(12)
    elif m := _RE_FISCAL.match(text):
        if freq is None:
            raise InvalidParameterError(
                f"{text!r} is a fiscal period, and no fiscal frequency says when the fiscal "
                "year starts: use freq='year-<mon>' (e.g. 'year-apr'), or write the calendar "
                f"year as '{m[1]}'.")
        anchor = parse_frequency(freq).fiscal_start
        fy_first = (int(m[1]) - 1) * 12 + anchor - 1 - epoch
        if anchor == 1:
            fy_first += 12
        if m[2] is None:
            return fy_first, fy_first + 11, Frequency(12, anchor)
        first = fy_first + (int(m[2]) - 1) * 3
        return first, first + 2, Frequency(3, anchor)
    raise InvalidParameterError(
        f"cannot read {text!r} as a period or date; use '2024-03', '2024-Q1', '2024', "
        "'FY2025', 'FY2025-Q1' or an ISO date '2024-03-15'."
    )


def _month_bounds(value: PeriodLike, f: Frequency) -> tuple[int, int]:
    span = _parse(value, f)
    if isinstance(span, _dt.date):
        m = _months_of(span)
        return m, m
    return span[0], span[1]


def _months_of(d: _dt.date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def _months_of_np(d: np.datetime64) -> int:
    return int(d.astype("datetime64[M]").astype(np.int64))


def _month_to_date(month: int) -> _dt.date:
    year, m0 = divmod(int(month), 12)
    return _dt.date(1970 + year, m0 + 1, 1)
