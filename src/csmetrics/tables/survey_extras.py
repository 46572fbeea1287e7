"""Survey comments and attribute ratings: the free text and the extra ratings of a response.

A response may carry a *comment* (the answer to "why did you give that score?", any
length, any script) and *attribute ratings*: further questions on one response, such as
"ease of use" 1-7 or "value for money" 1-5, each on its own scale. A comment is kept as
given (never stripped or truncated); a blank or whitespace-only comment is no comment
(``None``). A rating is a number on its attribute's scale, or NaN where not answered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.convert import is_missing, missing_one, to_float
from csmetrics.exceptions import InvalidParameterError

AttributeScales = Mapping[str, tuple[float, float] | None]
"""Attribute name -> its scale ``(low, high)``, or ``None`` for an unbounded rating."""

__all__ = ["AttributeScales", "attribute_matrix", "read_attributes", "read_comments",
           "record_attributes", "record_columns", "record_comment", "resolve_attributes"]


def record_comment(v: Any) -> Any:
    """A record's comment read as the columns read it: missing or blank text is ``None``;
    anything else must be text.

    Examples
    --------
    >>> record_comment("  "), record_comment("Too pricey")
    (None, 'Too pricey')
    """
    if missing_one(v) or (isinstance(v, str) and not v.strip()):
        return None
    if not isinstance(v, str):
        raise ValueError("must be text")
    return str(v)  # numpy's str_ is kept as plain text, as the columns keep it


def record_attributes(v: Any) -> Any:
    """A record's attribute ratings: a mapping of names to ratings (missing ratings
    ``None``); the ratings themselves are checked by the table, against their scales.

    Examples
    --------
    >>> record_attributes({"ease": 5, "value": float("nan")})
    {'ease': 5, 'value': None}
    """
    if v is None:
        return {}
    if not isinstance(v, Mapping) or not all(isinstance(k, str) and k for k in v):
        raise ValueError("must be a mapping of attribute names to ratings")
    return {k: None if missing_one(r) else r for k, r in v.items()}


def resolve_attributes(attributes: Mapping[str, Any] | Sequence[str] | None, context: str
                       ) -> AttributeScales:
    """The attribute scales of ``attributes=``: a mapping name -> ``(low, high)`` (or
    ``None``, unbounded), or a sequence of names (all unbounded).

    Raises
    ------
    InvalidParameterError
        Not such a mapping or sequence, or a scale that is not two finite numbers
        with ``low < high``.

    Examples
    --------
    >>> dict(resolve_attributes({"ease": (1, 7)}, "ctx")), dict(resolve_attributes(["nps2"], "x"))
    ({'ease': (1.0, 7.0)}, {'nps2': None})
    """
    if attributes is None:
        return MappingProxyType({})
    hint = ("attributes= must map attribute names to scales (low, high), such as "
            "{'ease': (1, 7)}, or list names of unbounded ratings")
    if isinstance(attributes, str | bytes):
        raise InvalidParameterError(f"{context}: {hint}, got {attributes!r}.")
    if not isinstance(attributes, Mapping):
        try:
            names = list(attributes)
        except TypeError:
            raise InvalidParameterError(f"{context}: {hint}, got {attributes!r}.") from None
        attributes = dict.fromkeys(names)
    out: dict[str, tuple[float, float] | None] = {}
    for name, scale in attributes.items():
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"{context}: {hint}; {name!r} is not a name.")
        if scale is None:
            out[name] = None
            continue
        try:
            low, high = (float(x) for x in scale)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"{context}: {hint}; the scale of {name!r} is {scale!r}.") from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InvalidParameterError(
                f"{context}: the scale of attribute {name!r} must be two finite numbers "
                f"low < high, got {scale!r}.")
        out[name] = (low, high)
    return MappingProxyType(out)


def read_comments(values: NDArray[Any] | None, column: str, chk: Checker, n: int
                  ) -> NDArray[Any]:
    """The comment column as an object array of ``str`` or ``None`` (blank text is no
    comment); a value that is neither text nor missing breaks a rule."""
    out = np.empty(n, dtype=object)
    out[:] = None
    if values is None:
        return out
    text = np.asarray(values, dtype=object)
    missing = is_missing(text)
    is_text = np.fromiter((isinstance(v, str) for v in text), dtype=bool, count=n)
    chk.check(~missing & ~is_text, column, "must be text")
    # str.strip() is whitespace only: a comment of NUL or control characters is kept.
    blank = np.fromiter((isinstance(v, str) and not v.strip() for v in text), dtype=bool,
                        count=n)
    keep = np.flatnonzero(is_text & ~blank)
    # Plain str (numpy's str_ and other subclasses become str), as the records keep it.
    out[keep] = [str(v) for v in text[keep]]
    return out


def read_attributes(raw: Mapping[str, NDArray[Any]], scales: AttributeScales, chk: Checker,
                    n: int) -> NDArray[np.float64]:
    """The ratings as an ``(n, k)`` float64 array, one column per attribute in the order of
    ``scales`` (NaN where not answered); non-numbers, non-finite values and ratings off
    their scale break rules of their column."""
    out = np.full((n, len(scales)), np.nan, dtype=np.float64)
    for j, (name, scale) in enumerate(scales.items()):
        values = raw[name]
        if values.dtype.kind in "OU":  # blank text is not answered, as an empty cell is
            values = np.asarray(values, dtype=object)
            blank = np.fromiter((isinstance(v, str) and not v.strip() for v in values),
                                dtype=bool, count=n)
            if blank.any():
                values = values.copy()
                values[blank] = None
        rating = to_float(values, name, chk)
        chk.check(np.isinf(rating), name, "must be finite")
        if scale is not None:
            with np.errstate(invalid="ignore"):
                chk.check(np.isfinite(rating) & ((rating < scale[0]) | (rating > scale[1])), name,
                          f"must be on its scale ({scale[0]:g}-{scale[1]:g})")
        rating[chk.flagged(name)] = np.nan
        out[:, j] = rating
    return out


def record_columns(batch: Any, fields: Sequence[str], options: dict[str, Any]
                   ) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
    """Validated survey records (a ``RecordBatch``) as the columns and options of
    ``SurveyTable.from_columns``: each attribute rating one column, named
    ``attributes.<name>`` so that no rating takes the place of another field; the comment
    column only when some record sets a comment, as a table from columns has one only when
    the input has the column.

    Raises
    ------
    InvalidParameterError
        A record rates an attribute that ``attributes=`` does not name.
    """
    ctx = "SurveyTable.from_records"
    has_comments = any("comment" in r.model_fields_set for r in batch.rows)
    columns: dict[str, NDArray[Any]] = batch.columns(
        (*fields, "comment") if has_comments else fields)
    ratings = [r.attributes for r in batch.rows]
    used = list(dict.fromkeys(k for r in ratings for k in r))
    given = options.get("attributes")
    scales = resolve_attributes(given, ctx) if given is not None else dict.fromkeys(used)
    unknown = [k for k in used if k not in scales]
    if unknown:
        raise InvalidParameterError(
            f"{ctx}: records rate attributes {unknown} that attributes= does not name; "
            f"named: {list(scales)}.")
    for name in scales:
        col = np.empty(len(ratings), dtype=object)
        col[:] = [r.get(name) for r in ratings]
        columns[f"attributes.{name}"] = col
    return columns, {**options, "_attribute_prefix": "attributes.",
                     "attributes": {f"attributes.{k}": v for k, v in scales.items()}}


def attribute_matrix(n: int, k: int) -> NDArray[np.float64]:
    """An ``(n, k)`` array of unanswered ratings (a table without attributes has k = 0)."""
    return np.full((n, k), np.nan, dtype=np.float64)
