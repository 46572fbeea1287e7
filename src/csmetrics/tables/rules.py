"""Column rules of the tables: required numbers, categorical codes, ISO 4217 currencies, spans.

Each rule takes a whole column and a Checker, marks the rows that break it and returns the
converted column; no rule loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.arrow import Encoded
from csmetrics._core.checks import Checker
from csmetrics._core.convert import (
    factorize_scalars,
    is_missing,
    to_float,
)
from csmetrics._core.currency import MINOR_UNITS
from csmetrics._kernels import revenue as kr


def required_number(values: NDArray[Any], column: str, chk: Checker, *, required: bool
                    ) -> NDArray[np.float64]:
    """The column as float64; with ``required``, missing and infinite values break rules."""
    out = to_float(values, column, chk)
    if required:
        chk.check(np.isnan(out) & ~chk.flagged(column), column, "must not be missing (None/NaN)")
        chk.check(np.isinf(out), column, "must be finite")
    return out


def categorical_codes(values: NDArray[Any], column: str, chk: Checker,
                      allowed: Sequence[str], rule: str) -> NDArray[np.int8]:
    """Codes into ``allowed`` (case and spaces ignored); other values break ``rule``."""
    if isinstance(values, Encoded):  # Arrow text, encoded when read: each category once
        chk.check(values.missing, column, "must not be missing (None/NaN)")
        known = _lookup(values.categories, lambda c: allowed.index(c) if c in allowed else -1)
        coded = np.append(known, 0)[values.codes]  # (missing reads as allowed[0], as below)
        chk.check(coded < 0, column, rule)
        return np.where(coded < 0, 0, coded).astype(np.int8)
    missing = is_missing(values)
    chk.check(missing, column, "must not be missing (None/NaN)")
    cats, inv = factorize_scalars(np.where(missing, allowed[0], values) if missing.any()
                                  else values, column, chk, fill=allowed[0])
    lut = _lookup(cats, lambda c: allowed.index(c) if c in allowed else -1)
    codes = lut[inv]
    chk.check(codes < 0, column, rule)
    return np.where(codes < 0, 0, codes).astype(np.int8)


def _lookup(categories: NDArray[Any], code_of: Callable[[str], int]) -> NDArray[np.int64]:
    """``code_of`` each category, read without case or surrounding spaces."""
    return np.array([code_of(str(c).strip().lower()) for c in categories.tolist()],
                    dtype=np.int64)


def currency_codes(values: NDArray[Any], column: str, chk: Checker
                   ) -> tuple[NDArray[np.int64], NDArray[np.str_]]:
    """Codes into upper-case ISO 4217 currencies; malformed and unknown codes break rules."""
    if isinstance(values, Encoded):  # Arrow text, encoded when read
        missing = values.missing
        chk.check(missing, column, "must not be missing (None/NaN)")
        cats, codes = values.categories, values.codes
        if missing.any():  # (read as USD, as below: code -1 is the last category)
            cats = np.append(cats.astype(object), "USD")
    else:
        missing = is_missing(values)
        chk.check(missing, column, "must not be missing (None/NaN)")
        cats, codes = factorize_scalars(np.where(missing, "USD", values) if missing.any()
                                        else values, column, chk, fill="USD")
    upper = np.array([str(c).strip().upper() for c in cats.tolist()], dtype=str)
    malformed = np.array([not (len(c) == 3 and c.isascii() and c.isalpha())
                          for c in upper.tolist()], dtype=bool)
    chk.check(malformed[codes], column, "must be a 3-letter ISO 4217 currency code")
    unknown = np.array([c not in MINOR_UNITS for c in upper.tolist()], dtype=bool)
    chk.check(unknown[codes] & ~chk.flagged(column), column,
              "must be a known ISO 4217 currency code")
    # Canonical upper-case categories, merged ("usd" and "USD" are one currency).
    good = np.where(unknown, "USD", upper)
    final, remap = np.unique(good, return_inverse=True)
    return remap.reshape(-1).astype(np.int64)[codes], final


def check_spans(sub_codes: NDArray[np.int64], start: NDArray[np.datetime64],
                end: NDArray[np.datetime64], names: Mapping[str, str], chk: Checker) -> None:
    """Spans of one subscription must have distinct starts and must not overlap.

    Empty spans (``end == start``) hold no day, so they neither duplicate nor overlap. Each
    span is compared with the latest end of all earlier spans of its subscription, so an
    open span overlaps everything after it.
    """
    counted = (sub_codes >= 0) & ~np.isnat(start) & ~chk.bad & ~(end == start)
    n_counted = int(np.count_nonzero(counted))
    if n_counted < 2:
        return
    codes, days = sub_codes, start.view(np.int64)
    if n_counted == start.size and _sorted_spans(codes, days):
        order: NDArray[np.int64] | None = None  # exports usually come sorted: no copies
    else:
        has = np.flatnonzero(counted)
        lo = int(days[has].min())
        key = sub_codes[has] * np.int64(1 << 32) + (days[has] - lo)
        order = has if bool((key[1:] >= key[:-1]).all()) else has[np.argsort(key,
                                                                            kind="stable")]
        del key, has
        codes, days = sub_codes[order], days[order]
    del counted
    same = codes[1:] == codes[:-1]
    del codes
    # Running latest end per subscription: groups are contiguous and offset so that the
    # running maximum restarts at each new subscription (in place: one array at a time).
    ends = end.view(np.int64) if order is None else end.view(np.int64)[order]
    lo = int(days.min())
    latest = ends - lo
    latest[ends == np.iinfo(np.int64).min] = np.int64(1 << 31)  # (NaT: open, ends last)
    del ends
    group = np.zeros(latest.size, dtype=np.int64)
    group[1:] = ~same
    np.cumsum(group, out=group)  # (in place: a cumsum of the bools would buffer a copy)
    group <<= 32
    latest += group
    np.maximum.accumulate(latest, out=latest)
    latest -= group
    del group
    latest += lo  # (back to days, to compare with starts without a temporary)
    repeat = same & (days[1:] == days[:-1])
    overlap = same & ~repeat & (latest[:-1] > days[1:])
    del latest, same
    for flagged, column, rule in (
            (repeat, f"{names['subscription_id']}, {names['start']}",
             "must be unique per subscription (duplicate span)"),
            (overlap, names["start"],
             "must not fall inside an earlier span of the same subscription (overlap)")):
        rows = np.zeros(start.size, dtype=bool)
        later = np.flatnonzero(flagged) + 1  # (the later span of each pair)
        rows[later if order is None else order[later]] = True
        chk.check(rows, column, rule)


def _sorted_spans(codes: NDArray[np.int64], days: NDArray[np.int64]) -> bool:
    """Whether rows are in order of subscription, then start (without a sort key)."""
    up = codes[1:] >= codes[:-1]
    if not bool(up.all()):
        return False
    tie = codes[1:] == codes[:-1]
    return not bool((tie & (days[1:] < days[:-1])).any())


def check_mrr_bound(mrr: NDArray[np.float64], amt: NDArray[np.float64],
                     qty: NDArray[np.float64], interval_codes: NDArray[np.int8],
                     count: NDArray[np.int64], safe: NDArray[np.bool_],
                     renamed: Mapping[str, str], chk: Checker) -> None:
    """Rows whose monthly amount reaches ``MAX_ROW_MRR`` break a rule of the column that
    makes it so: ``amount`` when it does with one seat, ``quantity`` when it does with an
    amount of 1, both columns when only their product does."""
    over = mrr >= kr.MAX_ROW_MRR
    if not over.any():
        return
    none = np.zeros(mrr.size)
    one = np.ones(mrr.size)
    by_amount = over & (kr.row_mrr(np.where(safe, amt, 0.0), np.minimum(
        np.where(safe, qty, 0.0), one), none, interval_codes, count) >= kr.MAX_ROW_MRR)
    by_quantity = over & ~by_amount & (kr.row_mrr(np.minimum(
        np.where(safe, amt, 0.0), one), np.where(safe, qty, 0.0), none, interval_codes,
        count) >= kr.MAX_ROW_MRR)
    rule = f"must give a monthly amount below {kr.MAX_ROW_MRR:,.0f}"
    chk.check(by_amount, renamed["amount"], rule)
    chk.check(by_quantity, renamed["quantity"], rule)
    chk.check(over & ~by_amount & ~by_quantity, f"{renamed['amount']}, {renamed['quantity']}",
              rule)
