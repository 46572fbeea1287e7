"""Reading a vendor export's raw text cells: UTC days, statuses, yes/no flags (the presets'
shared readers, each reading a distinct value once rather than each row)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.convert import is_missing

I64 = NDArray[np.int64]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:UTC|GMT|Z|[+]00:?00)?$",
                   re.IGNORECASE)
_DATE_RULE = ("must be a date or timestamp in UTC (such as '2024-03-05', '2024-03-05 14:22' or "
              "'2024-03-05 14:22:01 UTC')")


def _column(raw: Mapping[str, Sequence[str | None]], name: str | None, n: int
            ) -> NDArray[Any] | None:
    if name is None or name not in raw:
        return None
    out = np.empty(n, dtype=object)
    out[:] = list(raw[name])
    return out


def _text(values: NDArray[Any], fill: str = "") -> NDArray[np.str_]:
    """Cells as a fixed-width text array, stripped, ``fill`` where missing."""
    if values.dtype.kind == "U":
        return np.char.strip(values)
    cells = values.tolist()
    if all(v is None or isinstance(v, str) for v in cells):   # a CSV reader's text cells
        return np.char.strip(np.array([fill if v is None else v for v in cells], dtype=str))
    missing = is_missing(values)
    return np.char.strip(np.where(missing, fill, values).astype(str))


def _split(text: NDArray[np.str_], at: int) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """The first ``at`` characters of each text and the rest, without a Python loop (the
    text's code points viewed as a 2-d array)."""
    n = text.size
    width = max(text.dtype.itemsize // 4, at + 1)
    points = np.ascontiguousarray(text.astype(f"U{width}")).view(np.uint32).reshape(n, width)
    head = np.ascontiguousarray(points[:, :at]).view(f"U{at}").reshape(n)
    rest = np.ascontiguousarray(points[:, at:]).view(f"U{width - at}").reshape(n)
    return head, rest


def utc_days(values: NDArray[Any] | None, n: int
             ) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """The UTC day of each timestamp text (NaT where blank) and where the text is not one.

    The date part and the time part are each read once per distinct value, so a column of
    a million timestamps costs a few thousand parses.

    Examples
    --------
    >>> days, bad = utc_days(np.array(["2024-03-05 14:22:01 UTC", None, "5/3/24",
    ...                                "2024-03-06T00:10Z"], dtype=object), 4)
    >>> [str(d) for d in days], bad.tolist()
    (['2024-03-05', 'NaT', 'NaT', '2024-03-06'], [False, False, True, False])
    """
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(n, dtype=bool)
    if values is None or n == 0:
        return days, bad
    text = _text(values)
    blank = text == ""
    head, rest = _split(text, 10)
    heads, h_inv = np.unique(head, return_inverse=True)
    parsed = np.full(heads.size, np.datetime64("NaT"), dtype="datetime64[D]")
    for i, h in enumerate(heads.tolist()):  # distinct days only
        if _DAY.match(h):
            with contextlib.suppress(ValueError):   # 2024-02-30 stays NaT: not a date
                parsed[i] = np.datetime64(h, "D")
    rests, r_inv = np.unique(rest, return_inverse=True)
    time_ok = np.array([_TIME.match(r) is not None for r in rests.tolist()], dtype=bool)
    found = parsed[h_inv.reshape(-1)]
    ok = ~np.isnat(found) & time_ok[r_inv.reshape(-1)]
    bad = ~blank & ~ok
    days = np.where(ok, found, np.datetime64("NaT"))
    return days, bad


def _status(values: NDArray[Any] | None, n: int, default: str) -> NDArray[np.str_]:
    """The status column in lower case; ``default`` when the export has no status column.
    A blank cell stays blank, so that it is refused as no known status."""
    if values is None:
        return np.full(n, default)
    return np.char.lower(np.char.strip(_text(values)))


_TRUE, _FALSE = ("true", "yes", "1", "t", "y"), ("false", "no", "0", "f", "n", "")


def _true(values: NDArray[Any] | None, n: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """A yes/no column read as booleans (a blank cell is no), and where a cell is neither:
    those are refused, never read as no."""
    if values is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    text = np.char.lower(np.char.strip(_text(values)))
    yes = np.isin(text, _TRUE)
    return yes, ~yes & ~np.isin(text, _FALSE)


def _where(mask: NDArray[np.bool_]) -> I64:
    return np.flatnonzero(mask).astype(np.int64)
