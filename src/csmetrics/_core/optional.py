"""Imports done on first use: optional extras (with an error naming the extra) and scipy.

``import csmetrics`` loads neither pandas, polars, pyarrow, matplotlib nor scipy; each is
imported here, by the one function that needs it, the first time it is needed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from csmetrics.exceptions import MissingDependencyError


def import_optional(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise ``MissingDependencyError`` naming the extra to install.

    Examples
    --------
    >>> import_optional("math", "none", "a test").sqrt(4.0)
    2.0
    >>> import_optional("no_such_module_here", "plot", "charts")
    Traceback (most recent call last):
    ...
    csmetrics.exceptions.MissingDependencyError: charts needs no_such_module_here, which is not installed; install it with: pip install 'csmetrics[plot]'
    """  # noqa: E501
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs {module}, which is not installed; "
            f"install it with: pip install 'csmetrics[{extra}]'"
        ) from exc


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (already imported, or found), without importing it."""
    if module in sys.modules:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def scipy(submodule: str) -> ModuleType:
    """A scipy submodule (``"stats"``, ``"special"``, ``"optimize"``), imported on first use.

    scipy is a core dependency; it is loaded lazily so that ``import csmetrics`` stays light.
    """
    return importlib.import_module(f"scipy.{submodule}")
