"""Array inputs of the value formulas and models: numbers, whole numbers, durations and flags.

The closed-form CLV, the sBG model and Kaplan-Meier take plain numbers or arrays, not tables.
These helpers turn them into float64, int64 or bool arrays and, like the checks of a table's
columns, name the argument, the rule, the count and the first positions of the values that
break it (a ``DataValidationError``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import fail
from csmetrics.exceptions import InvalidParameterError

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def as_floats(value: ArrayLike, name: str, context: str) -> F64:
    """``value`` as a float64 array of any shape; NaN passes through, infinity does not.

    Raises
    ------
    InvalidParameterError
        ``value`` is not a number or an array of numbers.
    DataValidationError
        An element is infinite.

    Examples
    --------
    >>> as_floats([1, 2.5], "arpa", "demo")
    array([1. , 2.5])
    """
    a = numbers(value, name, context)
    fail(name, "must be finite (NaN is passed through, infinity is not)", np.isinf(a).ravel(),
         context)
    return a


def numbers(value: Any, name: str, context: str) -> F64:
    """``value`` as a float64 array of any shape: numbers only, not text that reads as one
    (``"3"``), nor booleans.

    Raises
    ------
    InvalidParameterError
        ``value`` is not a number or an array (a list, nested lists) of numbers.

    Examples
    --------
    >>> numbers([[1, 2]], "survivors", "demo")
    array([[1., 2.]])
    """
    try:
        raw = np.asarray(value)
        if raw.dtype.kind in "USb" or (raw.dtype.kind == "O" and any(
                isinstance(v, str | bytes | bool | np.bool_) for v in raw.ravel().tolist())):
            raise TypeError("not numbers")
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise InvalidParameterError(f"{context}: {name} must be a number or an array of "
                                    f"numbers, got {shown}.") from None


def as_whole_numbers(value: ArrayLike, name: str, context: str, minimum: int) -> F64:
    """``value`` as a float64 array of whole numbers >= ``minimum`` (such as periods ``t``).

    Examples
    --------
    >>> as_whole_numbers(3, "t", "demo", 1)
    array(3.)
    """
    a = as_floats(value, name, context)
    fail(name, f"must be a whole number >= {minimum}",
         ((a < minimum) | (a != np.floor(a))).ravel(), context)
    return a


def rows(context: str, **inputs: F64) -> dict[str, F64]:
    """The inputs broadcast to one row per element: a number is one row, an array one row per
    value; the result of a formula has one row per element of its broadcast inputs.

    Raises
    ------
    InvalidParameterError
        The inputs do not broadcast together, or broadcast to more than one dimension.

    Examples
    --------
    >>> rows("demo", a=np.asarray(1.0), b=np.asarray([1.0, 2.0]))["a"]
    array([1., 1.])
    """
    try:
        shape = np.broadcast_shapes(*(a.shape for a in inputs.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in inputs.items())
        raise InvalidParameterError(f"{context}: the inputs do not broadcast together "
                                    f"({shapes}).") from None
    if len(shape) > 1:
        raise InvalidParameterError(
            f"{context}: the inputs must be numbers or one-dimensional arrays (one result row "
            f"per element), but they broadcast to shape {shape}; flatten them first.")
    n = shape[0] if shape else 1
    return {k: np.broadcast_to(v, shape).reshape(n).astype(np.float64) for k, v in
            inputs.items()}


def durations_and_churned(durations: ArrayLike, churned: ArrayLike, context: str
                          ) -> tuple[I64, NDArray[np.bool_]]:
    """Per-customer durations (whole periods >= 0) and churn flags, checked together.

    Raises
    ------
    InvalidParameterError
        The arrays are not 1-d and of one length, or hold other than numbers / booleans.
    DataValidationError
        A duration is missing, negative or fractional, or a flag is not True/False (1/0).

    Examples
    --------
    >>> durations_and_churned([3, 1], [0, 1], "demo")
    (array([3, 1]), array([False,  True]))
    """
    try:
        d = np.asarray(durations)
        e = np.asarray(churned)
    except ValueError:  # nested lists of several lengths
        d = e = np.empty((0, 0))
    if d.ndim != 1 or e.shape != d.shape:
        raise InvalidParameterError(
            f"{context}: durations and churned must be 1-d and of one length, got shapes "
            f"{d.shape} and {e.shape}.")
    try:
        v = numbers(d, "durations", context)
    except InvalidParameterError:
        raise InvalidParameterError(f"{context}: durations must be numbers.") from None
    fail("durations", "must not be missing (NaN)", np.isnan(v), context)
    # inf and numbers past int64 would not survive the cast to whole periods
    fail("durations", "must be finite, below 2**62 periods", ~(np.abs(v) < 2.0 ** 62), context)
    fail("durations", "must be a whole number >= 0", (v < 0) | (v != np.floor(v)), context)
    return v.astype(np.int64), _booleans(e, "churned", context)


def _booleans(values: NDArray[Any], name: str, context: str) -> NDArray[np.bool_]:
    if values.dtype == bool:
        return values
    try:
        v = values.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{context}: {name} must be booleans (or 0/1).") from None
    fail(name, "must be True/False (or 1/0)", ~np.isin(v, (0.0, 1.0)), context)
    return np.asarray(v == 1.0, dtype=bool)
