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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import read_columns
from csmetrics._core.convert import factorize_scalars, is_missing, to_dates, to_float
from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import InstanceOf, Interval, check_option
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
        ColumnNotFoundError
            A column is missing.
        DataValidationError
            A rate that is missing, not a number, or not between 1e-9 and 1e9; a currency
            that is missing, not a single value or unknown; a date that cannot be read; two
            rates for one currency and date; a rate other than 1 for the reporting currency.
        """
        ctx = "FxRates.from_columns"
        rep = _code(reporting_currency, "reporting_currency", ctx)
        raw, n, _ = read_columns(data, {"date": date, "currency": currency, "rate": rate}, (),
                                 ctx)
        # Every rule over every column, then one error listing them with their values.
        chk = Checker(n, ctx, collect=True).show({date: raw["date"], currency: raw["currency"],
                                                  rate: raw["rate"]})
        cur = _currency_column(_present(raw["currency"]), currency, chk)
        day = to_dates(_present(raw["date"]), date, chk)
        chk.check(np.isnat(day) & ~chk.flagged(date), date, "must not be missing")
        val = to_float(_present(raw["rate"]), rate, chk)
        chk.check((~np.isfinite(val) | (val < MIN_RATE) | (val > MAX_RATE)) & ~chk.flagged(rate),
                  rate, f"must be a finite number > 0, from {MIN_RATE:g} to {MAX_RATE:,.0f}")
        chk.check((cur == rep) & (val != 1) & ~chk.flagged(currency), rate,
                  f"must be 1 for {rep}, the reporting currency")
        order = np.lexsort((day, cur))
        dup = np.zeros(cur.size, dtype=bool)
        same = (cur[order][1:] == cur[order][:-1]) & (day[order][1:] == day[order][:-1])
        dup[order[1:][same]] = True
        chk.check(dup & ~chk.bad, f"{currency}, {date}", "must be unique (two rates for one day)")
        chk.raise_collected()
        return cls(rep, cur, day, val)

    @classmethod
    def constant(cls, rates: Mapping[str, float], *, reporting_currency: str) -> FxRates:
        """One fixed rate per currency, valid at every date.

        Raises
        ------
        InvalidParameterError
            ``rates`` is not a mapping, names a currency that is not an ISO 4217 code (or
            one twice, in two spellings), or gives a rate that is not a number between 1e-9
            and 1e9 (or other than 1 for the reporting currency).

        Examples
        --------
        >>> FxRates.constant({"EUR": 1.1, "GBP": 1.25}, reporting_currency="USD")
        FxRates(2 rates into USD: EUR, GBP)
        """
        ctx = "FxRates.constant"
        rep = _code(reporting_currency, "reporting_currency", ctx)
        if not isinstance(rates, Mapping):
            raise InvalidParameterError(f"{ctx}: rates must be a mapping from currency code to "
                                        f"rate, such as {{'EUR': 1.08}}, got {rates!r}.")
        given: dict[str, float] = {}
        for key, value in rates.items():
            code = _code(key, "rates", ctx)
            if code in given:
                raise InvalidParameterError(f"{ctx}: rates gives {code} twice.")
            check_option(ctx, f"rates[{key!r}]", value, RATE)
            if code == rep and value != 1:
                raise InvalidParameterError(f"{ctx}: rates[{key!r}] must be 1 ({rep} is the "
                                            f"reporting currency), got {value!r}.")
            given[code] = float(value)
        codes = np.array(list(given), dtype=str)
        values = np.array(list(given.values()), dtype=np.float64)
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
        if isinstance(currencies, str) or not isinstance(currencies, Sequence) or not all(
                isinstance(c, str) for c in currencies):
            raise InvalidParameterError(f"FxRates.rates: currencies must be a list of currency "
                                        f"codes, got {currencies!r}.")
        snapshots = np.asarray(snapshots, dtype="datetime64[D]")
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


MIN_RATE, MAX_RATE = 1e-9, 1e9
"""The rates accepted: any real currency pair lies well within, and converted amounts stay
far from float and integer overflow."""

RATE = Interval(MIN_RATE, MAX_RATE)


def _code(value: Any, what: str, context: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in MINOR_UNITS:
        raise InvalidParameterError(f"{context}: {what}: {value!r} is not an ISO 4217 currency "
                                    "code.")
    return code


def _present(values: NDArray[Any] | None) -> NDArray[Any]:
    assert values is not None  # every field is required
    return values


def _currency_column(values: NDArray[Any], column: str, chk: Checker) -> NDArray[np.str_]:
    """Upper-case ISO 4217 codes; missing, several-valued and unknown codes break rules."""
    missing = is_missing(values)
    chk.check(missing, column, "must not be missing")
    cats, codes = factorize_scalars(np.where(missing, "USD", values) if missing.any()
                                    else values, column, chk, fill="USD")
    upper = np.array([str(c).strip().upper() for c in cats.tolist()] or [""], dtype=str)
    unknown = np.array([c not in MINOR_UNITS for c in upper.tolist()], dtype=bool)
    chk.check(unknown[codes], column, "must be a known ISO 4217 currency code")
    return upper[codes]


FX = InstanceOf((FxRates,), optional=True, what="FxRates")
"""The ``fx=`` option."""
