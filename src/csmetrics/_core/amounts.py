"""Money written as text, read by request: ``amount_format=`` of the tables and readers.

An amount column is numbers unless the caller says how its text is written; then, and only
then, a currency symbol or ISO code before or after the number and the thousands separators
of that one format are stripped. Nothing is guessed: ``"1.200"`` is twelve hundred in the
format ``"1.234,56"`` and one point two in ``"1,234.56"``, so the format is always named.

Formats
-------
``"1,234.56"``
    comma thousands, point decimals (US, UK): ``"$1,200.00"``, ``"USD 1,200"``, ``"1200.5"``.
``"1.234,56"``
    point thousands, comma decimals (Germany, Spain, Brazil): ``"1.200,00 €"``.
``"1 234,56"``
    space thousands (also the no-break and narrow no-break spaces), comma decimals
    (France, Nordics): ``"1 200,00 €"``.
``"1'234.56"``
    apostrophe thousands, point decimals (Switzerland): ``"CHF 1'200.50"``.

In every format the thousands separator is optional but, where present, must group digits
by three (``"1,2000.00"`` is refused); a leading minus sign or accounting parentheses give a
negative amount (which the tables then refuse as below 0, with that rule). Cells that are
already numbers pass unchanged; missing cells stay missing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import factorize_scalars, is_missing
from csmetrics.exceptions import InvalidParameterError

AMOUNT_FORMATS: dict[str, tuple[str, str]] = {
    "1,234.56": (",", "."),
    "1.234,56": (".", ","),
    "1 234,56": (" ", ","),
    "1'234.56": ("'", "."),
}
"""The formats ``amount_format=`` names: each one's thousands and decimal separators."""

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_CODE = re.compile(r"^[A-Za-z]{3}$")


def _patterns(fmt: str) -> re.Pattern[str]:
    thousands, decimal = AMOUNT_FORMATS[fmt]
    t, d = re.escape(thousands), re.escape(decimal)
    return re.compile(rf"^(\d{{1,3}}(?:{t}\d{{3}})+|\d+)(?:{d}(\d+))?$")


def check_amount_format(value: Any, context: str) -> str | None:
    """``value`` if it is ``None`` or a format ``AMOUNT_FORMATS`` names, else an error.

    Raises
    ------
    InvalidParameterError
        ``value`` names no known format.

    Examples
    --------
    >>> check_amount_format("1.234,56", "read")
    '1.234,56'
    """
    if value is None or (isinstance(value, str) and value in AMOUNT_FORMATS):
        return value
    listed = ", ".join(repr(f) for f in AMOUNT_FORMATS)
    raise InvalidParameterError(
        f"{context}: amount_format must be one of {listed} (thousands and decimal separators "
        f"as written in the file), or None for plain numbers; got {value!r}.")


def _strip_currency(text: str) -> str:
    """The text without one currency symbol or ISO code before or after the number."""
    text = text.strip()
    # Symbols: every character of Unicode category Sc ($, €, £, ¥, ₹ ...), at either end.
    while text and unicodedata.category(text[0]) == "Sc":
        text = text[1:].strip()
    while text and unicodedata.category(text[-1]) == "Sc":
        text = text[:-1].strip()
    head, _, rest = text.partition(" ")
    if rest and _CODE.match(head):
        text = rest.strip()
    body, _, tail = text.rpartition(" ")
    if body and _CODE.match(tail):
        text = body.strip()
    return text


def parse_amount(text: str, fmt: str) -> float | None:
    """One amount written in ``fmt`` as a float; ``None`` if it is not written so.

    Examples
    --------
    >>> parse_amount("$1,200.00", "1,234.56"), parse_amount("1.200,00 €", "1.234,56")
    (1200.0, 1200.0)
    >>> parse_amount("(15.50) USD", "1,234.56"), parse_amount("1,2000", "1,234.56")
    (-15.5, None)
    """
    pattern = _patterns(fmt)
    thousands, _ = AMOUNT_FORMATS[fmt]
    s = _strip_currency(text.translate(_SPACES))
    signs = 0
    if s.startswith("(") and s.endswith(")"):
        signs, s = 1, s[1:-1].strip()
    if s.startswith("-"):
        signs, s = signs + 1, s[1:].strip()
    s = _strip_currency(s)
    if s.startswith("-"):
        signs, s = signs + 1, s[1:].strip()
    if signs > 1:   # "--5", "(-5)": not an amount written in any format
        return None
    negative = signs == 1
    m = pattern.match(s)
    if m is None:
        return None
    whole = m.group(1).replace(thousands, "")
    frac = m.group(2) or "0"
    value = float(f"{whole}.{frac}")
    return -value if negative else value


_SYMBOLS: dict[str, frozenset[str]] = {
    "€": frozenset({"EUR"}), "₹": frozenset({"INR"}), "₩": frozenset({"KRW"}),
    "₽": frozenset({"RUB"}), "₺": frozenset({"TRY"}), "₪": frozenset({"ILS"}),
    "₫": frozenset({"VND"}), "₱": frozenset({"PHP"}), "¥": frozenset({"JPY", "CNY"}),
    "£": frozenset({"GBP", "GIP", "FKP", "SHP", "EGP", "SSP", "SYP", "LBP"}),
}
"""Currency symbols and the ISO codes each may stand for; others (``$``, used by dozens of
currencies) are not checked against the row's currency."""


def currency_mark(text: str) -> str | None:
    """The currency symbol or 3-letter code written with an amount (``"€"``, ``"GBP"``).

    Examples
    --------
    >>> currency_mark("€1.200,00"), currency_mark("50,00 GBP"), currency_mark("7")
    ('€', 'GBP', None)
    """
    text = text.strip()
    for end in (text[:1], text[-1:]):
        if end and unicodedata.category(end) == "Sc":
            return end
    head, _, rest = text.partition(" ")
    if rest and _CODE.match(head):
        return head.upper()
    body, _, tail = text.rpartition(" ")
    return tail.upper() if body and _CODE.match(tail) else None


def mark_agrees(mark: str | None, currency: object) -> bool:
    """Whether an amount's currency mark may be written in the row's ``currency``.

    Examples
    --------
    >>> mark_agrees("€", "eur"), mark_agrees("GBP", "USD"), mark_agrees("$", "CAD")
    (True, False, True)
    """
    code = str(currency).strip().upper() if isinstance(currency, str) else "USD"
    if mark is None or (len(mark) == 1 and mark not in _SYMBOLS):
        return True
    return code in _SYMBOLS[mark] if len(mark) == 1 else mark == code


def parse_amounts(values: NDArray[Any], fmt: str, column: str, chk: Checker,
                  currency: NDArray[Any] | None = None, currency_column: str = "currency"
                  ) -> NDArray[Any]:
    """A column with its text cells read as amounts in ``fmt`` (numbers and missing cells
    unchanged); a text cell not written so breaks a rule that shows the format, and one
    whose currency symbol or code is not the row's ``currency`` (``"€5"`` on a USD row,
    ``"abc 7"``) breaks a rule too: the mark is checked, never read as the currency.

    Each distinct text is parsed once, so a column of a few prices costs a few parses.

    Examples
    --------
    >>> from csmetrics._core.checks import Checker
    >>> col = np.array(["$1,200.00", None, 5, "€ 3.50"], dtype=object)
    >>> cur = np.array(["USD", "USD", "USD", "EUR"], dtype=object)
    >>> parse_amounts(col, "1,234.56", "amount", Checker(4, "t"), cur).tolist()
    [1200.0, None, 5, 3.5]
    """
    if values.dtype.kind != "O" and values.dtype.kind not in "US":
        return values
    values = np.asarray(values, dtype=object)
    missing = is_missing(values)
    text = np.array([isinstance(v, str) for v in values.tolist()], dtype=bool) & ~missing
    if not text.any():
        return values
    cats, inv = factorize_scalars(values[text], column, chk, fill="0")
    parsed = [parse_amount(str(c), fmt) for c in cats.tolist()]
    failed = np.array([p is None for p in parsed], dtype=bool)
    out: NDArray[Any] = values.copy()
    where = np.flatnonzero(text)
    bad = np.zeros(values.size, dtype=bool)
    bad[where] = failed[inv]
    chk.check(bad, column, f"must be an amount written as {fmt!r} (such as "
                           f"{_example(fmt)!r}; amount_format={fmt!r})")
    numbers = np.array([np.nan if p is None else p for p in parsed], dtype=np.float64)
    out[where] = numbers[inv]
    marks = [currency_mark(str(c)) for c in cats.tolist()]
    marked = np.flatnonzero(np.array([m is not None for m in marks], dtype=bool)[inv]
                            & ~failed[inv])
    if marked.size:
        rows = where[marked]
        given = np.full(rows.size, "USD", dtype=object)
        if currency is not None:
            if hasattr(currency, "codes") and hasattr(currency, "categories"):  # encoded
                codes = np.asarray(currency.codes)[rows]
                names = np.asarray(currency.categories, dtype=object)
                given = names[np.maximum(codes, 0)]
                given[codes < 0] = None
            else:
                cells = currency.to_pylist() if hasattr(currency, "to_pylist") else currency
                given = np.asarray(cells, dtype=object)[rows]
        wrong = np.zeros(values.size, dtype=bool)
        wrong[rows] = [not mark_agrees(marks[inv[k]], given[j]) for j, k in
                       enumerate(marked.tolist())]
        chk.check(wrong, column, f"must not name a currency other than the row's "
                                 f"'{currency_column}' (the symbol or code is checked, not read)")
    return out


def _example(fmt: str) -> str:
    thousands, decimal = AMOUNT_FORMATS[fmt]
    return f"$1{thousands}200{decimal}00"


def suggest_amount_format(chk: Checker, column: str) -> None:
    """When the values a column's "must be a number" problem shows are amounts written as
    text in one of ``AMOUNT_FORMATS`` (``"$1,200.00"``), say which ``amount_format=`` reads
    them; amounts are never read so by guess.

    Examples
    --------
    >>> chk = Checker(2, "demo", collect=True)
    >>> chk.show({"amount": np.array(["$1,200.00", "5"], dtype=object)})  # doctest: +ELLIPSIS
    Checker(...)
    >>> chk.check(np.array([True, False]), "amount", "must be a number")
    >>> suggest_amount_format(chk, "amount")
    >>> chk.problems[0].hint
    "These are amounts written as text: pass amount_format='1,234.56' to read them."
    """
    values = chk.sources.get(column)
    for problem in chk.problems:
        if values is None or (problem.column, problem.rule) != (column, "must be a number"):
            continue
        cells = [c for c in (values[i] for i in problem.positions) if isinstance(c, str)
                 and any(parse_amount(c, fmt) is not None for fmt in AMOUNT_FORMATS)]
        # Only the formats that read every such cell; several that all do are all named.
        readings = {fmt: [parse_amount(c, fmt) for c in cells] for fmt in AMOUNT_FORMATS}
        fits = [fmt for fmt, got in readings.items() if cells and None not in got]
        if len({tuple(readings[fmt]) for fmt in fits}) == 1:
            fits = fits[:1]   # they all read the same amounts: any of them will do
        if fits:
            named = " or ".join(f"amount_format={fmt!r}" for fmt in fits)
            which = "" if len(fits) == 1 else " (the one they are written in)"
            chk.hint(column, problem.rule, f"These are amounts written as text: pass {named}"
                     f"{which} to read them.")
        return
