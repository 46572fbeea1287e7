"""Writing results as CSV that a spreadsheet will not run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_csv_cell(value: object) -> str:
    """A cell as text that a spreadsheet will not run as a formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
    with an apostrophe (OWASP, "CSV Injection"); numbers are written as they are.

    Parameters
    ----------
    value : object
        The cell; None is an empty cell.

    Returns
    -------
    str

    References
    ----------
    OWASP, "CSV Injection" (owasp.org/www-community/attacks/CSV_Injection).

    Examples
    --------
    >>> escape_csv_cell("=HYPERLINK(\\"http://x\\")"), escape_csv_cell(-5.0), escape_csv_cell(None)
    ('\\'=HYPERLINK("http://x")', '-5.0', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(columns: Mapping[str, Iterable[Any]], path: str | Path | None = None,
              *, escape: Callable[[object], str] = escape_csv_cell) -> str:
    """Write columns as CSV (every cell escaped against formula injection).

    Parameters
    ----------
    columns : mapping of str to iterable
        The columns, in order (``result.to_dict()``); all of one length.
    path : str or Path, optional
        Also write the text to this file (UTF-8).
    escape : callable, default ``escape_csv_cell``
        Turns each header and cell into text.

    Returns
    -------
    str
        The CSV text, one line per row after the header.

    Examples
    --------
    >>> print(write_csv({"customer": ["=1+1", "acme"], "mrr": [10.0, -2.5]}), end="")
    customer,mrr
    '=1+1,10.0
    acme,-2.5
    """
    names = list(columns)
    rows = zip(*(list(columns[n]) for n in names), strict=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([escape(n) for n in names])
    for row in rows:
        writer.writerow([escape(v) for v in row])
    text = buffer.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
