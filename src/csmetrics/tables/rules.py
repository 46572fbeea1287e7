"""Column rules of the tables: required numbers, categorical codes, ISO 4217 currencies, spans.

Each rule takes a whole column and a Checker, marks the rows that break it and returns the
converted column; no rule loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

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
    missing = is_missing(values)
    chk.check(missing, column, "must not be missing (None/NaN)")
    cats, inv = factorize_scalars(np.where(missing, allowed[0], values) if missing.any()
                                  else values, column, chk, fill=allowed[0])
    lowered = [str(c).strip().lower() for c in cats.tolist()]
    lut = np.array([allowed.index(c) if c in allowed else -1 for c in lowered], dtype=np.int64)
    codes = lut[inv]
    chk.check(codes < 0, column, rule)
    return np.where(codes < 0, 0, codes).astype(np.int8)


def currency_codes(values: NDArray[Any], column: str, chk: Checker
                   ) -> tuple[NDArray[np.int64], NDArray[np.str_]]:
    """Codes into upper-case ISO 4217 currencies; malformed and unknown codes break rules."""
    missing = is_missing(values)
    chk.check(missing, column, "must not be missing (None/NaN)")
    cats, codes = factorize_scalars(np.where(missing, "USD", values) if missing.any() else
                                    values, column, chk, fill="USD")
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
    has = np.flatnonzero((sub_codes >= 0) & ~np.isnat(start) & ~chk.bad & ~(end == start))
    if has.size < 2:
        return
    days = start[has].astype(np.int64)
    lo = int(days.min())
    key = sub_codes[has] * np.int64(1 << 32) + (days - lo)
    # Exports usually come sorted by subscription and start: then no sort is needed.
    order = has if bool((key[1:] >= key[:-1]).all()) else has[np.argsort(key, kind="stable")]
    s, e, c = start[order], end[order], sub_codes[order]
    same = c[1:] == c[:-1]
    dup = np.zeros(start.size, dtype=bool)
    dup[order[1:][same & (s[1:] == s[:-1])]] = True
    chk.check(dup, f"{names['subscription_id']}, {names['start']}",
              "must be unique per subscription (duplicate span)")
    # Running latest end per subscription: groups are contiguous and offset so that the
    # running maximum restarts at each new subscription.
    end_rel = np.where(np.isnat(e), np.int64(1 << 31), e.astype(np.int64) - lo)
    group = np.cumsum(np.concatenate([[True], ~same])) - 1
    latest = np.maximum.accumulate(group * np.int64(1 << 32) + end_rel) - group * np.int64(1 << 32)
    start_rel = s.astype(np.int64) - lo
    overlap = same & (s[1:] != s[:-1]) & (latest[:-1] > start_rel[1:])
    bad = np.zeros(start.size, dtype=bool)
    bad[order[1:][overlap]] = True
    chk.check(bad, names["start"],
              "must not fall inside an earlier span of the same subscription (overlap)")


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
