"""The optional renewal, cancellation, churn and product fields of a subscription.

``renews_at`` (the renewal or term end), ``auto_renew`` (whether the term renews by itself),
``cancel_at`` (a scheduled cancellation), ``churn_reason`` (a free-text category such as
``"price"``), ``churn_type`` (``"voluntary"`` or ``"delinquent"``) and ``product`` (which
product a subscription is to). All are optional: a table without them behaves exactly as
before. Both the records path and the columns path read them here, with one reading per
field, so both accept and refuse the same values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.arrow import Encoded, Kind
from csmetrics._core.checks import Checker
from csmetrics._core.convert import (
    MISSING_TEXT,
    factorize_scalars,
    is_missing,
    is_missing_text,
    missing_one,
    to_codes,
    to_dates,
)
from csmetrics.tables.base import constant

ChurnType = Literal["voluntary", "delinquent"]

CHURN_TYPES: tuple[ChurnType, ...] = ("voluntary", "delinquent")
"""Churn types, in the order of their integer codes in a table (-1: not given).

``"voluntary"``: the customer chose to leave; ``"delinquent"``: the subscription ended for
non-payment (failed cards, unpaid invoices), the involuntary churn of ChartMogul and Baremetrics.
"""

CHURN_TYPE_RULE = "must be one of 'voluntary', 'delinquent' (or blank)"
"""The rule of the ``churn_type`` field."""

BOOL_RULE = "must be true or false (true/false, yes/no, 1/0, or blank)"
"""The rule of the ``auto_renew`` field."""

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

EXTRA_FIELDS = ("renews_at", "auto_renew", "cancel_at", "churn_reason", "churn_type",
                "product")
"""The optional fields of this module, in display order (after ``discount``)."""

EXTRA_DEFAULTS: dict[str, Any] = dict.fromkeys(EXTRA_FIELDS)
"""Each field's default: not given."""

EXTRA_KINDS: dict[str, Kind] = {
    "renews_at": "date", "auto_renew": "codes", "cancel_at": "date", "churn_reason": "codes",
    "churn_type": "codes", "product": "codes"}
"""How each field reads an Arrow column."""


def bool_of(v: Any) -> bool | None:
    """One ``auto_renew`` value: ``True``, ``False`` or ``None`` (not given).

    Booleans, the numbers 0 and 1, and the text ``true/false``, ``t/f``, ``yes/no``,
    ``y/n``, ``1/0`` (any case, spaces ignored) are read; missing values and blank text
    are ``None``. The one reading of both the records and the columns path.

    Raises
    ------
    ValueError
        Any other value (``BOOL_RULE``).

    Examples
    --------
    >>> bool_of("Yes"), bool_of(0), bool_of(" "), bool_of(None)
    (True, False, None, None)
    """
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, str):
        text = v.strip().lower()
        if v.strip() in MISSING_TEXT:
            return None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(BOOL_RULE)
    if isinstance(v, int | np.integer | float | np.floating | Decimal):
        if missing_one(v):
            return None
        try:
            number = float(v)
        except (OverflowError, ValueError):
            raise ValueError(BOOL_RULE) from None
        if math.isfinite(number) and number in (0.0, 1.0):
            return bool(number)
        raise ValueError(BOOL_RULE)
    if missing_one(v):
        return None
    raise ValueError(BOOL_RULE)


def churn_type_of(v: Any) -> str | None:
    """One ``churn_type`` value: ``"voluntary"``, ``"delinquent"`` (any case, spaces
    ignored) or ``None`` (missing, blank text).

    Raises
    ------
    ValueError
        Any other value (``CHURN_TYPE_RULE``).

    Examples
    --------
    >>> churn_type_of(" Voluntary "), churn_type_of("")
    ('voluntary', None)
    """
    if isinstance(v, str):
        if is_missing_text(v):
            return None
        text = v.strip().lower()
        if text in CHURN_TYPES:
            return text
        raise ValueError(CHURN_TYPE_RULE)
    if missing_one(v):
        return None
    raise ValueError(CHURN_TYPE_RULE)


def _read_each(values: NDArray[Any] | Encoded, read: Any, lut: Mapping[Any, int],
               column: str, chk: Checker, rule: str) -> NDArray[np.int8]:
    """Codes of ``values`` read by ``read`` (``lut`` maps its result to a code, None -1):
    text is read once per distinct value, other objects one by one (odd inputs only)."""
    if isinstance(values, Encoded):  # Arrow text, already encoded: read each category
        codes, bad = _read_items(values.categories.tolist(), read, lut)
        codes, bad = np.append(codes, np.int8(-1)), np.append(bad, False)  # (-1: missing)
        chk.check(bad[values.codes], column, rule)
        return codes[values.codes]
    missing = is_missing(values)
    whole = not bool(missing.any())  # (then no copy of the present rows)
    present = np.flatnonzero(~missing)
    if present.size == 0:
        return np.full(values.size, -1, dtype=np.int8)
    rest = values if whole else values[present]
    if rest.dtype.kind == "U" or (rest.dtype.kind == "O" and set(map(type, rest)) <= {str}):
        cats, inv = factorize_scalars(rest.astype(str, copy=False), column, chk, fill="")
        items = cats.tolist()
    else:
        items, inv = rest.tolist(), np.arange(rest.size)
    del rest
    codes, bad = _read_items(items, read, lut)
    if whole:
        chk.check(bad[inv], column, rule)
        return codes[inv]
    flagged = np.zeros(values.size, dtype=bool)
    flagged[present] = bad[inv]
    chk.check(flagged, column, rule)
    out = np.full(values.size, -1, dtype=np.int8)
    out[present] = codes[inv]
    return out


def _read_items(items: list[Any], read: Any, lut: Mapping[Any, int]
                ) -> tuple[NDArray[np.int8], NDArray[np.bool_]]:
    """The code of each item and whether ``read`` refused it."""
    codes = np.empty(len(items), dtype=np.int8)
    bad = np.zeros(len(items), dtype=bool)
    for i, item in enumerate(items):  # distinct values (or odd objects), not rows
        try:
            codes[i] = lut[read(item)]
        except ValueError:
            codes[i], bad[i] = -1, True
    return codes, bad


def auto_renew_flags(values: NDArray[Any] | Encoded, column: str, chk: Checker
                     ) -> NDArray[np.int8]:
    """The ``auto_renew`` column as int8: 1 true, 0 false, -1 not given."""
    if isinstance(values, Encoded):
        return _read_each(values, bool_of, {True: 1, False: 0, None: -1}, column, chk,
                          BOOL_RULE)
    kind = values.dtype.kind
    if kind == "b":
        return values.astype(np.int8)
    if kind in "iuf":
        with np.errstate(invalid="ignore"):
            missing = np.isnan(values) if kind == "f" else np.zeros(values.size, dtype=bool)
            bad = ~missing & (values != 0) & (values != 1)
        chk.check(bad, column, BOOL_RULE)
        return np.where(missing | bad, -1, values == 1).astype(np.int8)
    if kind in "OU":
        return _read_each(values, bool_of, {True: 1, False: 0, None: -1}, column, chk,
                          BOOL_RULE)
    missing = is_missing(values)
    chk.check(~missing, column, BOOL_RULE)
    return np.full(values.size, -1, dtype=np.int8)


def churn_type_codes(values: NDArray[Any] | Encoded, column: str, chk: Checker
                     ) -> NDArray[np.int8]:
    """The ``churn_type`` column as codes into ``CHURN_TYPES`` (-1 not given)."""
    if not isinstance(values, Encoded) and values.dtype.kind not in "OU":
        values = values.astype(object)
    return _read_each(values, churn_type_of, {"voluntary": 0, "delinquent": 1, None: -1},
                      column, chk, CHURN_TYPE_RULE)


def read_extras(raw: Mapping[str, Any], renamed: Mapping[str, str], chk: Checker, n: int,
                start: NDArray[np.datetime64]) -> dict[str, NDArray[Any]]:
    """The optional fields as the table's attributes (absent ones hold no memory per row),
    with their rules checked: a ``renews_at`` or ``cancel_at`` before ``start``, a
    ``churn_type`` other than the two, an unreadable ``auto_renew``."""
    nat = np.datetime64("NaT", "D")
    out: dict[str, NDArray[Any]] = {}
    for name in ("renews_at", "cancel_at"):
        if raw[name] is None:
            out[name] = constant(nat, n, "datetime64[D]")
            continue
        days = to_dates(raw[name], renamed[name], chk)
        chk.check(days < start, renamed[name], f"must not be before '{renamed['start']}'")
        out[name] = days
    for name, plural in (("churn_reason", "churn_reasons"), ("product", "products")):
        if raw[name] is None:
            out[f"{name}_codes"] = constant(-1, n, np.int64)
            out[plural] = np.empty(0, dtype=object)
        else:
            out[f"{name}_codes"], out[plural] = to_codes(raw[name], renamed[name], chk,
                                                         required=False)
    out["auto_renew"] = (constant(-1, n, np.int8) if raw["auto_renew"] is None else
                         auto_renew_flags(_numpy(raw["auto_renew"]), renamed["auto_renew"], chk))
    out["churn_type"] = (constant(-1, n, np.int8) if raw["churn_type"] is None else
                         churn_type_codes(_numpy(raw["churn_type"]), renamed["churn_type"], chk))
    return out


def _numpy(values: Any) -> NDArray[Any] | Encoded:
    from csmetrics._core.arrow import arrow_to_numpy, is_arrow

    if isinstance(values, Encoded):
        return values
    return arrow_to_numpy(values) if is_arrow(values) else np.asarray(values)


def decode_flags(flags: NDArray[np.int8]) -> NDArray[Any]:
    """``auto_renew`` codes back to ``True``, ``False`` and ``None``."""
    out = np.empty(flags.size, dtype=object)
    out[:] = None
    out[flags == 1] = True
    out[flags == 0] = False
    return out


def decode_churn_types(codes: NDArray[np.int8]) -> NDArray[Any]:
    """``churn_type`` codes back to their names (``None`` where not given)."""
    out = np.empty(codes.size, dtype=object)
    out[:] = None
    has = codes >= 0
    out[has] = np.asarray(CHURN_TYPES, dtype=object)[codes[has]]
    return out
