"""One division for every ratio: undefined values are NaN with a warning, never a silent 0."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.warnings import warn_undefined


def divide(numerator: ArrayLike, denominator: ArrayLike, *, context: str, what: str
           ) -> NDArray[np.float64]:
    """``numerator / denominator``, NaN where the denominator is zero or unknown (NaN).

    One ``UndefinedMetricWarning`` names how many results are undefined and
    why (``what`` is the denominator, such as ``"the starting MRR"``).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     divide([1, 2, 3], [2, 0, np.nan], context="demo", what="the count").tolist()
    [0.5, nan, nan]
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    unknown = np.isnan(den)
    undefined = (den == 0) | unknown
    if undefined.any():
        why = "zero or unknown" if unknown.any() else "zero"
        warn_undefined(f"{context}: undefined for {int(undefined.sum()):,} of "
                       f"{undefined.size:,} result(s) because {what} is {why}; returning NaN.")
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=~undefined)
    return out

