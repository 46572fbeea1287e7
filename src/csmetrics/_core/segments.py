"""The one ``by=`` resolver: what a segment is, for every metric.

``by`` has one meaning everywhere:

* ``None``: the whole portfolio, one row;
* a column name of the input: one row per value of that column. The id column
  (``"customer_id"``) gives the per-account view; a categorical field (``"plan"``,
  ``"survey"``, ``"feature"``) or an input column kept with ``segments=`` splits by it;
* a mapping from customer id to segment (a dict, or a pandas Series indexed by id): one row
  per segment; ids the mapping lacks (or maps to None/NaN) are in the segment ``"(none)"``,
  so nothing is dropped. A mapping with a ``segment_name`` attribute, or a named Series,
  names the result's segment column; otherwise it is ``"segment"``.

Metrics whose data are bare arrays (answers, durations) have no column names: for them a
sequence of labels, one per row, is the column itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.convert import factorize, is_missing, not_scalar
from csmetrics._core.lookup import lookup
from csmetrics.exceptions import InvalidParameterError

By: TypeAlias = "str | Mapping[Any, Any] | None"
"""What ``by=`` accepts (see the module documentation)."""

NONE_LABEL = "(none)"
"""The segment of ids a ``by=`` mapping does not map, and of rows with no value."""

I64 = NDArray[np.int64]


class SegmentSource(Protocol):
    """What the resolver reads from a table: its customers and its segment columns."""

    @property
    def customer_codes(self) -> I64: ...

    @property
    def customer_ids(self) -> NDArray[Any]: ...

    def segment_column(self, name: str, context: str = ...) -> tuple[I64, NDArray[Any]]: ...


@dataclass(frozen=True)
class Segments:
    """The segment of every row of a table for one ``by=``.

    Attributes
    ----------
    name : str or None
        The result's segment column (``None``: the whole portfolio, no segment column).
    labels : ndarray of object
        One label per segment, in result order.
    of_row : ndarray of int64
        The segment code of each row.
    per_customer : bool
        Whether ``by`` assigns segments to customers (``None``, a mapping, the id column),
        so that a customer is in one segment whatever its rows.
    """

    name: str | None
    labels: NDArray[Any]
    of_row: I64
    per_customer: bool

    @property
    def n(self) -> int:
        """Number of segments."""
        return int(self.labels.size)


class NamedSegments(dict[Any, Any]):
    """A customer -> segment mapping that names its result column (``"region"``).

    Examples
    --------
    >>> NamedSegments("region", {"a": "EU"}).segment_name
    'region'
    """

    def __init__(self, name: str, mapping: Mapping[Any, Any]) -> None:
        super().__init__(mapping)
        self.segment_name = name


def is_mapping(by: object) -> bool:
    """Whether ``by`` is a mapping from id to segment (a dict, a pandas Series)."""
    return isinstance(by, Mapping) or (
        hasattr(by, "keys") and hasattr(by, "__getitem__") and not hasattr(by, "columns"))


def whole(n_rows: int) -> Segments:
    """Every row in one segment: the portfolio."""
    return Segments(None, np.array([None], dtype=object), np.zeros(n_rows, dtype=np.int64),
                    True)


def from_codes(name: str, codes: I64, categories: NDArray[Any], *, per_customer: bool = False
               ) -> Segments:
    """Segments of a categorical column: one per category some row uses, in category order;
    rows without a value (code -1) in ``"(none)"``."""
    used = np.zeros(categories.size + 1, dtype=bool)
    used[codes + 1] = True
    present = np.flatnonzero(used[1:])
    # Code -1 (no value) reads the last entry: the "(none)" segment after the present ones.
    rank = np.full(categories.size + 1, present.size, dtype=np.int64)
    rank[present] = np.arange(present.size)
    labels = np.asarray(categories, dtype=object)[present]
    of_row = rank[codes]
    if used[0]:
        labels = np.concatenate([labels, np.array([NONE_LABEL], dtype=object)])
    return Segments(name, labels, of_row, per_customer)


def from_mapping(by: Any, customer_ids: NDArray[Any], customer_codes: I64, context: str, *,
                 n_rows: int | None = None) -> Segments:
    """Segments of a customer id -> segment mapping; unmapped ids in ``"(none)"``.

    A Series indexed 0..n-1 over text ids, or with one label per row (``n_rows`` of them,
    not one per customer), holds row labels: read as a mapping it would mislabel, so it is
    refused.
    """
    if is_positional(by) and (customer_ids.dtype.kind not in "iu" or (
            len(by) == n_rows != customer_ids.size)):
        raise InvalidParameterError(
            f"{context}: by is a Series indexed by row position (0, 1, 2 ...), not by "
            "customer id, so it cannot map customers to segments. Keep the labels as a "
            "column of the input (segments= when building the table) and give its name, "
            "or index the Series by customer id.")
    mapping = _as_mapping(by, context)
    present = np.zeros(customer_ids.size, dtype=bool)
    present[customer_codes] = True
    seg_of_customer = np.full(customer_ids.size, -1, dtype=np.int64)
    labels = np.empty(0, dtype=object)
    if present.any():
        values = lookup(customer_ids[present], mapping, context, "customers",
                        missing=NONE_LABEL, some=True)
        mapped = ~_is_none_label(values)
        if mapped.any():
            labels, inner = factorize(values[mapped])
            labels = np.asarray(labels, dtype=object)
            codes = np.full(values.size, -1, dtype=np.int64)
            codes[mapped] = inner
        else:
            codes = np.full(values.size, -1, dtype=np.int64)
        seg_of_customer[present] = codes
    name = _mapping_name(by)
    return from_codes(name, seg_of_customer[customer_codes], labels, per_customer=True)


def from_labels(labels: Any, n_rows: int, context: str, name: str = "segment") -> Segments:
    """Segments from one label per row (for metrics whose data are bare arrays)."""
    raw = labels.to_numpy() if hasattr(labels, "to_numpy") else labels
    try:
        values = np.asarray(raw)
    except ValueError:  # ragged containers among the labels: keep them one per item
        values = np.fromiter(raw, dtype=object, count=len(raw))
    if values.ndim != 1 or values.size != n_rows:
        raise InvalidParameterError(
            f"{context}: by must have one label per value ({n_rows:,}), got shape "
            f"{values.shape}.")
    several = not_scalar(values)
    if several is not None:
        at = ", ".join(str(i) for i in np.flatnonzero(several)[:5].tolist())
        raise InvalidParameterError(
            f"{context}: by must hold one label per value (text or numbers), not lists, "
            f"tuples, sets or dicts (at positions {at}).")
    missing = is_missing(values)
    codes = np.full(n_rows, -1, dtype=np.int64)
    cats = np.empty(0, dtype=object)
    if (~missing).any():
        cats, inner = factorize(values[~missing])
        codes[~missing] = inner
    label_name = getattr(labels, "name", None)  # a named Series names the column
    return from_codes(label_name if isinstance(label_name, str) and label_name else name, codes,
                      np.asarray(cats, dtype=object))


def resolve(by: Any, source: SegmentSource, context: str, *, id_column: str = "customer_id"
            ) -> Segments:
    """The segments of ``source``'s rows for ``by`` (see the module documentation).

    Raises
    ------
    ColumnNotFoundError
        ``by`` names no segment column of the table (the message lists those there are).
    InvalidParameterError
        ``by`` is neither None, a column name nor a mapping; or it is a mapping that repeats
        a key or matches no customer of the table, such as a Series of one label per row
        (keep the labels as a column of the input and give its name).
    """
    codes = source.customer_codes
    if by is None:
        return whole(codes.size)
    if isinstance(by, str):
        column_codes, categories = source.segment_column(by, context)
        return from_codes(by, column_codes, categories, per_customer=by == id_column)
    if is_mapping(by):
        return from_mapping(by, source.customer_ids, codes, context, n_rows=codes.size)
    raise InvalidParameterError(
        f"{context}: by must be None, a column name or a mapping from customer id to segment, "
        f"got {type(by).__name__}.")


def one_segment_per_customer(segments: Segments, customer_codes: I64, n_customers: int
                             ) -> bool:
    """Whether every customer's rows sit in one segment (an account-level column)."""
    if segments.per_customer or customer_codes.size == 0:
        return True
    first = np.full(n_customers, -1, dtype=np.int64)
    first[customer_codes[::-1]] = segments.of_row[::-1]
    return bool((first[customer_codes] == segments.of_row).all())


def _as_mapping(by: Any, context: str) -> Mapping[Any, Any]:
    """``by`` as a mapping; a Series whose index repeats an id is refused (``dict`` would
    keep one of its labels silently)."""
    if isinstance(by, Mapping):
        return by
    items = list(by.items())
    mapping = dict(items)
    if len(mapping) != len(items):
        raise InvalidParameterError(f"{context}: the mapping given as by= repeats some keys "
                                    f"({len(items) - len(mapping):,} repeated).")
    return mapping


def is_positional(by: object) -> bool:
    """Whether ``by`` is a pandas/polars-style Series indexed by row position (a
    ``RangeIndex`` from 0): one label per row, not a mapping from customer id."""
    index = getattr(by, "index", None)
    return (type(index).__name__ == "RangeIndex" and getattr(index, "start", None) == 0
            and getattr(index, "step", None) == 1)


def _mapping_name(by: Any) -> str:
    name = getattr(by, "segment_name", None)
    if not isinstance(name, str):
        name = getattr(by, "name", None)
    return name if isinstance(name, str) and name else "segment"


def _is_none_label(values: NDArray[Any]) -> NDArray[np.bool_]:
    return np.asarray(values == np.array(NONE_LABEL, dtype=object), dtype=bool)


class _SegmentColumns(dict[str, Any]):
    """A result's columns with a segment column, refusing a second column of the same name
    (``by="mrr"`` would otherwise be overwritten by the metric's own column silently)."""

    def __init__(self, name: str, context: str) -> None:
        super().__init__()
        self._name, self._context = name, context

    def __setitem__(self, key: str, value: Any) -> None:
        if key == self._name and key in self:
            raise InvalidParameterError(
                f"{self._context}: by={key!r} is also a column of the result; rename that "
                "input column (or name the mapping's segment column otherwise).")
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


def segment_columns(name: str | None, labels: Any, context: str,
                    leading: Mapping[str, Any] | None = None, /, **columns: Any
                    ) -> dict[str, Any]:
    """A result's columns: ``leading`` (such as the period), the segment column ``name``
    (none when ``name`` is None), then ``columns``; any other column named like the segment
    column, now or added later, is an error.

    Examples
    --------
    >>> cols = segment_columns("plan", ["basic"], "mrr", None, mrr=[10.0])
    >>> list(cols)
    ['plan', 'mrr']
    >>> segment_columns("mrr", ["basic"], "mrr", None, mrr=[10.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.InvalidParameterError: mrr: by='mrr' is also a column of the result...
    """
    cols: dict[str, Any] = {} if name is None else _SegmentColumns(name, context)
    cols.update(leading or {})
    if name is not None:
        cols[name] = labels
    cols.update(columns)
    return cols
