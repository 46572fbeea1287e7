"""Short money and percentage labels for people: ``$160k``, ``€1.25M``, ``CHF 12k``, ``40%``.

Pure Python (no matplotlib): chart axes use it through ``csmetrics.plotting.axes``, and any
other view (a report's headline figures) can use it too.

**Money.** A value is written in the largest unit it reaches, ``k`` (10^3), ``M`` (10^6) or
``B`` (10^9), with ``digits`` significant digits (3 by default) and trailing zeros dropped:
160,000 USD is ``$160k``, 1,250,000 EUR ``€1.25M``, 1,234,567 EUR ``€1.23M``, 999,999 USD
``$1M`` (rounding up reaches the next unit). The currency is its symbol for common ISO codes
(``CURRENCY_SYMBOLS``), else the code and a space (``CHF 12k``); the sign comes first
(``-$12.5k``). NaN is an em dash.

**Ticks.** Labels of one axis share one unit (that of the largest tick) and as many decimals
as make every tick exact (at most 4), so that ``0, 500k, 1M, 1.5M`` reads ``$0, $0.5M, $1M,
$1.5M`` and two ticks never print alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["CURRENCY_SYMBOLS", "compact_money", "currency_prefix", "money_ticks",
           "percent_ticks"]

CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪",
    "CNY": "CN¥", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "SGD": "S$",
    "MXN": "MX$", "BRL": "R$",
}
"""Symbols of common currencies; other codes are written as the code and a space."""

_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, ""))
_MAX_DECIMALS = 4


def currency_prefix(currency: str) -> str:
    """What money of ``currency`` is prefixed with: its symbol, or the code and a space.

    Examples
    --------
    >>> currency_prefix("USD"), currency_prefix("EUR"), currency_prefix("CHF")
    ('$', '€', 'CHF ')
    """
    code = str(currency).upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")


def _unit_of(magnitude: float) -> tuple[float, str]:
    for size, name in _UNITS:
        if magnitude >= size:
            return size, name
    return 1.0, ""


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: float, currency: str, size: float, unit: str, decimals: int) -> str:
    scaled = abs(value) / size
    shown = _strip(f"{scaled:.{decimals}f}")
    if float(shown) == 0:
        return f"{currency_prefix(currency)}0"       # "$0", never "$0k" or "-$0"
    sign = "-" if value < 0 else ""
    return f"{sign}{currency_prefix(currency)}{shown}{unit}"


def compact_money(value: float, currency: str, *, digits: int = 3) -> str:
    """``value`` of ``currency`` as a short label with ``digits`` significant digits.

    Parameters
    ----------
    value : float
        The amount, in units of the currency (not minor units).
    currency : str
        An ISO 4217 code (``"USD"``).
    digits : int, default 3
        Significant digits kept.

    Returns
    -------
    str
        See the module documentation: ``$160k``, ``€1.25M``, ``CHF 12k``; an em dash for
        NaN.

    Examples
    --------
    >>> compact_money(160_000, "USD"), compact_money(1_250_000, "EUR")
    ('$160k', '€1.25M')
    >>> compact_money(3_400_000, "JPY"), compact_money(12_000, "CHF")
    ('¥3.4M', 'CHF 12k')
    >>> compact_money(999_999, "USD"), compact_money(-12_500, "USD"), compact_money(0, "GBP")
    ('$1M', '-$12.5k', '£0')
    """
    v = float(value)
    if math.isnan(v):
        return "\u2014"
    if math.isinf(v):
        return f"{'-' if v < 0 else ''}{currency_prefix(currency)}inf"
    magnitude = abs(v)
    if magnitude == 0:
        return f"{currency_prefix(currency)}0"
    # Round to the significant digits first: 999,999 becomes 1,000,000, which is 1M.
    exponent = math.floor(math.log10(magnitude))
    rounded = round(magnitude, digits - 1 - exponent)
    size, unit = _unit_of(rounded)
    scaled = rounded / size
    decimals = max(0, digits - 1 - math.floor(math.log10(scaled))) if scaled else 0
    return _money(math.copysign(rounded, v), currency, size, unit, decimals)


def _exact_decimals(values: Sequence[float]) -> int:
    """The fewest decimals (up to 4) at which every value prints exactly."""
    for d in range(_MAX_DECIMALS + 1):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return d
    return _MAX_DECIMALS


def money_ticks(values: Sequence[float], currency: str) -> list[str]:
    """Labels of money ticks: one unit for all (the largest tick's), exact decimals.

    Examples
    --------
    >>> money_ticks([0, 50_000, 100_000, 150_000], "USD")
    ['$0', '$50k', '$100k', '$150k']
    >>> money_ticks([0, 500_000, 1_000_000, 1_500_000], "EUR")
    ['€0', '€0.5M', '€1M', '€1.5M']
    >>> money_ticks([-4000, -2000, 0, 2000], "CHF")
    ['-CHF 4k', '-CHF 2k', 'CHF 0', 'CHF 2k']
    """
    finite = [float(v) for v in values if math.isfinite(float(v))]
    size, unit = _unit_of(max((abs(v) for v in finite), default=0.0))
    decimals = _exact_decimals([v / size for v in finite])
    return [_money(float(v), currency, size, unit, decimals) if math.isfinite(float(v))
            else "" for v in values]


def percent_ticks(values: Sequence[float]) -> list[str]:
    """Labels of ticks of fractions as percentages, exact decimals (``0.4`` is ``40%``).

    Examples
    --------
    >>> percent_ticks([0.0, 0.25, 0.5, 1.0])
    ['0%', '25%', '50%', '100%']
    >>> percent_ticks([0.9, 0.925, 0.95])
    ['90%', '92.5%', '95%']
    """
    finite = [100 * float(v) for v in values if math.isfinite(float(v))]
    decimals = _exact_decimals(finite)

    def one(v: float) -> str:
        text = _strip(f"{100 * v:.{decimals}f}")
        return ("0" if float(text) == 0 else text) + "%"   # never "-0%"

    return [one(float(v)) if math.isfinite(float(v)) else "" for v in values]
