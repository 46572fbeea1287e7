"""The warnings csmetrics gives, each pointing at the user's line.

A warning's stack level is not counted by hand: ``find_stacklevel()`` walks out of the
package (and out of the import machinery, for a warning given while a module is imported), so
the warning names the first frame that is not csmetrics' own, whatever the depth of the call.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
from numpy.typing import ArrayLike

from csmetrics.exceptions import UndefinedMetricWarning

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_IMPORT = ("<frozen importlib", "importlib")


def find_stacklevel() -> int:
    """The stack level of the first caller outside csmetrics, for ``warnings.warn``.

    Level 1 is the function that calls ``warnings.warn``; every frame inside the package
    (and inside the import machinery) is skipped. Import-machinery frames are not counted:
    ``warnings.warn`` skips them itself when it walks ``stacklevel`` frames up.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        importing = name.startswith(_IMPORT)
        if not (name.startswith(_PACKAGE) or importing):
            break
        frame = frame.f_back  # type: ignore[assignment]
        level += not importing
    return level


def warn_undefined(message: str) -> None:
    """Warn that a metric is undefined (NaN) for some of its results.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_undefined("mrr: no customers")
    >>> caught[0].category.__name__, str(caught[0].message)
    ('UndefinedMetricWarning', 'mrr: no customers')
    """
    warnings.warn(message, UndefinedMetricWarning, stacklevel=find_stacklevel())


def warn_deprecated(message: str) -> None:
    """Warn that something the caller used is deprecated (removed in a later release)."""
    warnings.warn(message, DeprecationWarning, stacklevel=find_stacklevel())


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
