"""Exchange rates into a reporting currency, for portfolios billed in several currencies.

Conventions
-----------
* A rate says how many units of the reporting currency one unit of the currency buys
  (``EUR -> USD 1.08``: one euro is 1.08 dollars).
* **Which rate applies**: a snapshot (a period's last day, or a date) uses, for each
  currency, the most recent rate dated on or before it. No rate on or before a snapshot is
  an error, never a silent 1.
* Money is converted per currency and cell (segment, period), not per customer: each
  movement is valued at the rate of the snapshot that records it, the starting MRR at the
  previous snapshot's rate, and what remains, the effect of the rate moving, is reported as
  its own ``fx`` line, so the converted bridge still closes exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import column_getter, require_column
from csmetrics._core.convert import to_dates, to_float
from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import InstanceOf
from csmetrics.exceptions import InvalidParameterError, MissingRateError

__all__ = ["FX", "FxRates", "MissingRateError"]


class FxRates:
    """Dated exchange rates from several currencies into one reporting currency.

    Build with ``from_columns()`` (dated rates) or ``constant()`` (one rate each).

    Examples
    --------
    >>> fx = FxRates.from_columns({"date": ["2024-01-01", "2024-02-01"],
    ...                            "currency": ["EUR", "EUR"], "rate": [1.10, 1.08]},
    ...                           reporting_currency="USD")
    >>> fx
    FxRates(2 rates into USD: EUR)
    >>> fx.rates(["EUR", "USD"], np.array(["2024-01-31", "2024-02-29"], "datetime64[D]"))
    array([[1.1 , 1.08],
           [1.  , 1.  ]])
    """

    reporting_currency: str
    currencies: NDArray[np.str_]
    dates: NDArray[np.datetime64]
    values: NDArray[np.float64]

    def __init__(self, reporting_currency: str, currency: NDArray[np.str_],
                 dates: NDArray[np.datetime64], values: NDArray[np.float64]) -> None:
        order = np.lexsort((dates, currency))
        self.reporting_currency = reporting_currency
        self.currencies = currency[order]
        self.dates = dates[order]
        self.values = values[order]

    @classmethod
    def from_columns(cls, data: Any, *, reporting_currency: str, date: str = "date",
                     currency: str = "currency", rate: str = "rate") -> FxRates:
        """Dated rates from a mapping of columns or a DataFrame.

        Raises
        ------
        DataValidationError
            A rate that is missing, not a number, or not > 0; an unknown currency; a date
            that cannot be read; two rates for one currency and date.
        """
        ctx = "FxRates.from_columns"
        rep = _code(reporting_currency, "reporting_currency")
        names, get = column_getter(data, ctx)
        for col in (date, currency, rate):
            require_column(names, col, ctx)
        cur = np.char.upper(np.char.strip(np.asarray(get(currency), dtype=str)))
        chk = Checker(cur.size, ctx)
        chk.check(np.array([c not in MINOR_UNITS for c in cur.tolist()], dtype=bool), currency,
                  "must be a known ISO 4217 currency code")
        day = to_dates(np.asarray(get(date)), date, chk)
        chk.check(np.isnat(day), date, "must not be missing")
        val = to_float(np.asarray(get(rate)), rate, chk)
        chk.check(~np.isfinite(val) | (val <= 0), rate, "must be a finite number > 0")
        order = np.lexsort((day, cur))
        dup = np.zeros(cur.size, dtype=bool)
        same = (cur[order][1:] == cur[order][:-1]) & (day[order][1:] == day[order][:-1])
        dup[order[1:][same]] = True
        chk.check(dup, f"{currency}, {date}", "must be unique (two rates for one day)")
        return cls(rep, cur, day, val)

    @classmethod
    def constant(cls, rates: Mapping[str, float], *, reporting_currency: str) -> FxRates:
        """One fixed rate per currency, valid at every date.

        Examples
        --------
        >>> FxRates.constant({"EUR": 1.1, "GBP": 1.25}, reporting_currency="USD")
        FxRates(2 rates into USD: EUR, GBP)
        """
        rep = _code(reporting_currency, "reporting_currency")
        codes = np.array([_code(c, "rates") for c in rates], dtype=str)
        values = np.array([float(v) for v in rates.values()], dtype=np.float64)
        if not np.isfinite(values).all() or (values <= 0).any():
            raise InvalidParameterError("FxRates.constant: every rate must be a finite number > 0.")
        far_past = np.full(codes.size, np.datetime64("0001-01-01"), dtype="datetime64[D]")
        return cls(rep, codes, far_past, values)

    def rates(self, currencies: list[str], snapshots: NDArray[np.datetime64], *,
              needed: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """Rate of each currency (rows) at each snapshot (columns): the latest on or before.

        ``needed`` (same shape) marks the cells that hold money; a missing rate is an error
        only there (elsewhere the rate is never used and reads 1).

        Raises
        ------
        MissingRateError
            A currency holding money at a snapshot has no rate on or before it.
        """
        out = np.ones((len(currencies), snapshots.size))
        for i, code in enumerate(currencies):  # one pass per currency, not per row
            if code == self.reporting_currency or not code:
                continue
            mine = self.currencies == code
            days, values = self.dates[mine], self.values[mine]
            idx = np.searchsorted(days, snapshots, side="right") - 1
            lacking = idx < 0
            if needed is not None:
                lacking &= needed[i]
            if lacking.any():
                raise MissingRateError(code, self.reporting_currency,
                                       snapshots[np.flatnonzero(lacking)].tolist())
            if values.size:   # else: no rate at all, and none needed
                out[i] = np.where(idx < 0, 1.0, values[np.maximum(idx, 0)])
        return out

    def __repr__(self) -> str:
        listed = ", ".join(sorted(set(self.currencies.tolist())))
        n = self.currencies.size
        return f"FxRates({n:,} rate{'s' * (n != 1)} into {self.reporting_currency}: {listed})"


def _code(value: str, what: str) -> str:
    code = str(value).strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidParameterError(f"{what}: {value!r} is not an ISO 4217 currency code.")
    return code


FX = InstanceOf((FxRates,), optional=True, what="FxRates")
"""The ``fx=`` option."""
