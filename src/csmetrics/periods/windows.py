"""``window=``: the length of a trailing window, always written with its unit.

One name, one meaning: a window is a length of time ending at the metric's date. It is
written with its unit, so a reader never has to know which function counts in days and
which in months: ``"30D"`` (days), ``"4W"`` (weeks, 7 days each), ``"6M"`` (calendar
months), ``"2Q"`` (quarters), ``"1Y"`` (years). Metrics over days of events (active users,
open tickets) take days and weeks; metrics over periods (rolling NRR, lifetime value) take
months, quarters and years that are whole periods of their ``freq``.

A bare number was accepted before 0.2 in each function's own unit (days in the usage
metrics, periods in ``nrr_series``, months in ``lifetime_value``); it still is, for one
release, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from csmetrics._core.warnings import warn_deprecated
from csmetrics.exceptions import InvalidParameterError

Unit = Literal["D", "W", "M", "Q", "Y"]
WindowLike = str | int
"""A window: ``"30D"``, ``"4W"``, ``"6M"``, ``"2Q"``, ``"1Y"`` (a bare int is deprecated)."""

_TEXT = re.compile(r"^\s*(\d+)\s*([dwmqyDWMQY])\s*$")
_DAYS = {"D": 1, "W": 7}
_MONTHS = {"M": 1, "Q": 3, "Y": 12}
MAX_DAYS = 36_600
"""The longest day window: about 100 years (``within_days=`` of trials has the same cap)."""
MAX_MONTHS = 1_200
"""The longest month window: 100 years."""


@dataclass(frozen=True)
class Window:
    """A trailing window: ``count`` of ``unit``.

    Examples
    --------
    >>> Window.parse("30D", "demo").days, Window.parse("2Q", "demo").months
    (30, 6)
    """

    count: int
    unit: Unit

    @classmethod
    def parse(cls, value: object, context: str, *, legacy_unit: Unit | None = None,
              name: str = "window") -> Window:
        """The window ``value`` names; a bare int is read in ``legacy_unit`` (deprecated).
        ``name`` is the parameter, for messages (``"survey_window"``).

        Raises
        ------
        InvalidParameterError
            ``value`` is not a whole number >= 1 followed by D, W, M, Q or Y, or is longer
            than 100 years (36,600 days or 1,200 months).
        """
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            if legacy_unit is None:
                raise InvalidParameterError(_message(context, name, value))
            count, unit = int(value), legacy_unit
        elif isinstance(value, str) and (m := _TEXT.match(value)):
            count, unit = int(m[1]), m[2].upper()  # type: ignore[assignment]
        else:
            raise InvalidParameterError(_message(context, name, value))
        if count < 1:
            raise InvalidParameterError(_message(context, name, value))
        if (count * _DAYS[unit] > MAX_DAYS) if unit in _DAYS else (
                count * _MONTHS[unit] > MAX_MONTHS):
            raise InvalidParameterError(
                f"{context}: {name} must be at most 100 years ({MAX_DAYS:,} days or "
                f"{MAX_MONTHS:,} months), got {_shown(value)}.")
        if not isinstance(value, str):
            warn_deprecated(f"{context}: {name}={value} (a bare number) is deprecated and will "
                            f"be removed in 0.3; write the unit: {name}='{count}{unit}'.")
        return cls(count, unit)

    @property
    def in_days(self) -> bool:
        """Whether the window is a number of days (``D`` or ``W``)."""
        return self.unit in _DAYS

    @property
    def days(self) -> int:
        """Length in days (a ``D`` or ``W`` window)."""
        if not self.in_days:
            raise InvalidParameterError(f"window {self} is in months, not days.")
        return self.count * _DAYS[self.unit]

    @property
    def months(self) -> int:
        """Length in calendar months (an ``M``, ``Q`` or ``Y`` window)."""
        if self.in_days:
            raise InvalidParameterError(f"window {self} is in days, not months.")
        return self.count * _MONTHS[self.unit]

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def _message(context: str, name: str, value: object) -> str:
    return (f"{context}: {name} must be a length with its unit, such as '30D' (days), '4W' "
            f"(weeks), '6M' (months), '2Q' (quarters) or '1Y' (years), got {_shown(value)}.")


def _shown(value: object) -> str:
    """The value for a message, cut short when it is huge (a number of 30 digits)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...{text[-5:]}"


def window_days(window: object, context: str, *, name: str = "window") -> int:
    """Length in days of a day window (``"30D"``, ``"4W"``; a bare int of days, deprecated).
    ``name`` is the parameter the caller gave it as, for messages.

    Raises
    ------
    InvalidParameterError
        The window is not in days or weeks, or is longer than 36,600 days.
    """
    w = Window.parse(window, context, legacy_unit="D", name=name)
    if not w.in_days:
        raise InvalidParameterError(
            f"{context}: {name} must be in days or weeks here (such as '30D', '28D', '7D' or "
            f"'1D'), got {_shown(window)}.")
    return w.days


def window_months(window: object, context: str, *, per: int = 1,
                  legacy_unit: Unit = "M", name: str = "window") -> int:
    """Length in calendar months of a month window, a whole number of ``per``-month periods.
    ``name`` is the parameter the caller gave it as, for messages.

    Raises
    ------
    InvalidParameterError
        The window is in days, not a whole number of periods, or longer than 1,200 months.
    """
    w = Window.parse(window, context, legacy_unit=legacy_unit, name=name)
    if w.in_days:
        raise InvalidParameterError(
            f"{context}: {name} must be in months, quarters or years here (such as '12M', "
            f"'4Q' or '1Y'), got {_shown(window)}.")
    if w.months % per:
        raise InvalidParameterError(
            f"{context}: {name} {_shown(window)} is not a whole number of {per}-month periods.")
    return w.months
