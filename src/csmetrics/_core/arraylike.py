"""One-dimensional arrays from whatever a user passes as a list of values.

Metrics whose data are bare values (survey answers, their weights, a label per answer) accept
a list or tuple, a numpy array, a pandas or polars Series or an Arrow array; this is the one
place that turns any of them into a numpy array, without importing pandas, polars or pyarrow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.columns import _as_array
from csmetrics.exceptions import InvalidParameterError


def as_1d(values: Any, context: str, name: str) -> NDArray[Any]:
    """``values`` as a one-dimensional numpy array (a view where numpy allows one).

    Lists and tuples go through ``np.asarray`` (so ``[1, 2]`` is an integer array and
    ``["a", None]`` an object array); Series and Arrow arrays are read as the columns of a
    DataFrame are.

    Raises
    ------
    InvalidParameterError
        ``values`` is not one-dimensional, or is a single value.

    Examples
    --------
    >>> as_1d([9, 10, 3], "net_promoter_score", "scores").tolist()
    [9, 10, 3]
    >>> as_1d([[1, 2]], "net_promoter_score", "scores")
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.InvalidParameterError: net_promoter_score: scores must be one-dimensional, got shape (1, 2).
    """  # noqa: E501
    if isinstance(values, np.ndarray):
        arr = values
    elif isinstance(values, list | tuple):
        arr = np.asarray(values)
    else:
        try:
            arr = _as_array(values)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{context}: {name}: {exc}") from None
    if arr.ndim != 1:
        raise InvalidParameterError(f"{context}: {name} must be one-dimensional, got shape "
                                    f"{arr.shape}.")
    return arr
