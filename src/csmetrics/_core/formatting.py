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
