"""One column of any input as a numpy array, for code that reads columns one by one.

``column_getter`` (``_core.columns``) reads a table's columns by name; this module gives the
same conversion for a single column handed over on its own (a ``keep=`` column, an ``mrr=``
Series, an array of labels), so every package converts columns the same way.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from csmetrics._core.columns import _as_array


def as_column(values: Any) -> NDArray[Any]:
    """A column as a one-dimensional numpy array, without importing any DataFrame library.

    A pandas Series keeps its numbers and dates as they are (timezone-aware dates in UTC,
    without their zone) and gives other values as objects with ``None`` where missing; a
    polars Series or pyarrow array is converted with ``to_numpy``; a numpy array is returned
    as it is; any other sequence becomes an object array.

    Raises
    ------
    InvalidParameterError
        ``values`` is a single value (a string, a number), or an array of more than one
        dimension.

    Examples
    --------
    >>> as_column(["a", None]).tolist(), as_column((1, 2)).dtype.kind
    (['a', None], 'O')
    """
    return _as_array(values)
