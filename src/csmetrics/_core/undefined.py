"""Undefined results other than a zero denominator, in the one message shape.

``divide`` warns when a ratio's denominator is zero. Some results are undefined for other
reasons: an interval that needs two answers and has one, a comparison with an empty sample.
``warn_if_undefined`` gives those the same single ``UndefinedMetricWarning``, saying how many
results are undefined and why, so that no domain keeps a private warning helper.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.warnings import warn_undefined


def warn_if_undefined(undefined: ArrayLike, *, context: str, because: str, what: str = ""
                      ) -> None:
    """One ``UndefinedMetricWarning`` if some of ``undefined`` (one flag per result) is true.

    Parameters
    ----------
    undefined : array-like of bool
        Which results are undefined (reported as NaN).
    context : str
        The public function, which starts the message.
    because : str
        Why, completing "because ...".
    what : str, optional
        What is undefined when it is a part of the result ("the mean's interval is").

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_undefined([False, True], context="demo", because="a sample is empty")
    ...     warn_if_undefined([False, False], context="demo", because="never")
    >>> [str(w.message) for w in caught]
    ['demo: undefined for 1 of 2 result(s) because a sample is empty; returning NaN.']
    """
    flags = np.asarray(undefined, dtype=bool)
    k = int(flags.sum())
    if k:
        subject = f"{what} " if what else ""
        warn_undefined(f"{context}: {subject}undefined for {k:,} of {flags.size:,} result(s) "
                       f"because {because}; returning NaN.")
