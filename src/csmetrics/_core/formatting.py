"""How numbers print: in result tables, in reprs and in messages. One set for the package."""

from __future__ import annotations

import math


def format_number(value: float, decimals: int = 4) -> str:
    """A number for a table cell: thousands separators, at most ``decimals`` decimals with
    trailing zeros dropped, ``NaN`` for NaN, and 4 significant digits when it is huge.

    Examples
    --------
    >>> format_number(1234.5), format_number(0.25), format_number(float("nan"))
    ('1,234.5', '0.25', 'NaN')
    >>> format_number(2.0), format_number(1e20)
    ('2', '1e+20')
    """
    v = float(value)
    if v != v:
        return "NaN"
    if math.isinf(v) or abs(v) >= 1e15:
        return f"{v:.4g}"
    return f"{v:,.{decimals}f}".rstrip("0").rstrip(".")


def format_money(value: float, digits: int) -> str:
    """Money with its currency's ``digits`` decimals and thousands separators (``NaN`` kept).

    Examples
    --------
    >>> format_money(1200.5, 2), format_money(1500, 0), format_money(float("nan"), 2)
    ('1,200.50', '1,500', 'NaN')
    """
    v = float(value)
    return "NaN" if v != v else f"{v:,.{digits}f}"


def format_bound(value: float) -> str:
    """A bound or threshold as short text: ``50``, ``0.25``, ``-inf``.

    Examples
    --------
    >>> format_bound(50.0), format_bound(0.25), format_bound(float("-inf"))
    ('50', '0.25', '-inf')
    """
    v = float(value)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "CN¥", "INR": "₹",
            "KRW": "₩", "AUD": "A$", "CAD": "CA$", "NZD": "NZ$", "HKD": "HK$", "BRL": "R$",
            "MXN": "MX$", "ILS": "₪", "TWD": "NT$", "VND": "₫", "PHP": "₱", "NGN": "₦"}
"""Symbols people read without a code (the CLDR short forms where two dollars would be
ambiguous: A$, CA$); other currencies are written with their ISO code and a space."""


def currency_prefix(code: str | None) -> str:
    """What stands before an amount of ``code``: its symbol, or the code and a space.

    Examples
    --------
    >>> currency_prefix("USD"), currency_prefix("CHF"), currency_prefix(None)
    ('$', 'CHF ', '')
    """
    if not code:
        return ""
    return _SYMBOLS.get(code, f"{code} ")


def compact_number(value: float, *, significant: int = 3) -> str:
    """A number for a headline or an axis: ``significant`` digits and a k/M/B/T suffix.

    Trailing zeros are dropped; below 1,000 the number keeps up to ``significant`` digits
    (whole numbers print whole). NaN is ``—`` (an em dash), infinities ``∞``.

    Examples
    --------
    >>> compact_number(68700.49), compact_number(1_250_000), compact_number(999.4)
    ('68.7k', '1.25M', '999')
    >>> compact_number(-4712.5), compact_number(0), compact_number(0.4286)
    ('-4.71k', '0', '0.429')
    >>> compact_number(999_999)   # rounds up into the next suffix, not "1000k"
    '1M'
    """
    v = float(value)
    if v != v:
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    v = abs(v)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if v >= scale * (1 - 0.5 * 10 ** -significant) or scale == 1.0:
            shown = float(f"{v / scale:.{significant}g}")
            if shown >= 1000 and suffix != "T":   # 999,999 -> "1M", not "1e+03k"
                continue
            text = f"{shown:.{significant}g}"
            if "e" in text:
                text = f"{shown:.0f}"
            return f"{sign}{text}{suffix}"
    return f"{sign}{v:.{significant}g}"  # pragma: no cover - the loop always returns


def compact_money(value: float, code: str | None) -> str:
    """Money for a headline or an axis: the currency's symbol (or code) and a compact number.

    Examples
    --------
    >>> compact_money(68700.49, "USD"), compact_money(-1_250_000, "EUR"), compact_money(12e3, "CHF")
    ('$68.7k', '-€1.25M', 'CHF 12k')
    """
    text = compact_number(value)
    if text == "—":
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{currency_prefix(code)}{digits}"


def format_percent(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage with ``decimals`` decimals; NaN is ``—``.

    Examples
    --------
    >>> format_percent(0.4024), format_percent(1.0), format_percent(float("nan"))
    ('40.2%', '100.0%', '—')
    """
    v = float(fraction)
    if v != v:
        return "—"
    return f"{100 * v:,.{decimals}f}%"
