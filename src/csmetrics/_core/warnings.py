"""The warnings csmetrics gives, each pointing at the user's line.

A warning's stack level is not counted by hand: ``find_stacklevel()`` walks out of the
package (and out of the import machinery, for a warning given while a module is imported), so
the warning names the first frame that is not csmetrics' own, whatever the depth of the call.
"""

from __future__ import annotations

import os
import sys
import warnings

from csmetrics.exceptions import UndefinedMetricWarning

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_IMPORT = ("<frozen importlib", "importlib")


def find_stacklevel() -> int:
    """The stack level of the first caller outside csmetrics, for ``warnings.warn``.

    Level 1 is the function that calls ``warnings.warn``; every frame inside the package
    (and inside the import machinery) is skipped.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_PACKAGE) or name.startswith(_IMPORT)):
            break
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
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
