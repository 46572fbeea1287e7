"""Object columns read as the native numpy columns they hold (text, integers)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def narrow_objects(values: NDArray[Any]) -> NDArray[Any]:
    """An object column of text or of integers as a native numpy column, when it is one.

    Columns whose first value is text are compared as text throughout (ids mixing 3 and
    "3" are one id).
    """
    first = values[0]
    try:
        if isinstance(first, str):
            return values.astype(str)
        if isinstance(first, int | np.integer) and not isinstance(first, bool):
            ints = values.astype(np.int64)
            if bool((ints.astype(object) == values).all()):
                return ints
            return values.astype(str)
    except (TypeError, ValueError, OverflowError):
        pass
    return values
