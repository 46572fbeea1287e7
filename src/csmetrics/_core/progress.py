"""Progress bars on standard error for long reads (tqdm), shown only where someone watches.

A bar is shown by default only when standard error is a terminal or the code runs in a
Jupyter kernel (a widget there when ipywidgets is installed, else text); ``enabled=False`` (the
readers' ``progress=False``, the command line's ``--quiet``) silences it, ``enabled=True``
forces it. tqdm is imported on first use, so ``import csmetrics`` does not load it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Progress(Protocol):
    """What a reader may do with a bar: advance it, and say what it is reading."""

    def update(self, n: float = 1) -> Any:  # pragma: no cover - protocol
        """Advance the bar by ``n`` units."""

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> Any:  # pragma: no cover
        """Show ``s`` after the bar."""


class _Silent:
    """A bar that shows nothing (progress is off)."""

    def update(self, n: float = 1) -> None:
        """Do nothing."""

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        """Do nothing."""


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where standard error is no terminal, but a
    person is watching the cell).

    Examples
    --------
    >>> isinstance(in_notebook(), bool)
    True
    """
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _tqdm() -> Any:
    """tqdm's notebook widget in Jupyter when ipywidgets can draw it, else the text bar
    (``tqdm.auto`` would warn in a notebook without ipywidgets)."""
    if in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        return importlib.import_module("tqdm.notebook").tqdm
    return importlib.import_module("tqdm.std").tqdm


def progress_enabled(enabled: bool | None) -> bool:
    """Whether a bar is shown: ``enabled`` when given, else whether stderr is a terminal or
    this runs in Jupyter.

    Examples
    --------
    >>> progress_enabled(False), progress_enabled(True)
    (False, True)
    """
    if enabled is not None:
        return bool(enabled)
    if in_notebook():
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (OSError, ValueError):  # a closed or detached stream
        return False


@contextmanager
def progress_bar(total: float | None = None, *, desc: str = "", unit: str = "it",
                 enabled: bool | None = None, unit_scale: bool = False) -> Iterator[Progress]:
    """A tqdm progress bar on standard error, or a silent stand-in when progress is off.

    Parameters
    ----------
    total : float, optional
        The units expected (bytes of a file, files of a dataset); ``None`` when unknown.
    desc : str
        Shown before the bar (the file being read).
    unit : str, default "it"
        The unit counted ("B", "rows", "files").
    enabled : bool, optional
        ``True`` shows the bar, ``False`` hides it; ``None`` shows it only when standard
        error is a terminal.
    unit_scale : bool, default False
        Show large counts with SI prefixes (``"12.3MB"``).

    Yields
    ------
    Progress
        Call ``update(n)`` as work is done.

    Examples
    --------
    >>> with progress_bar(3, desc="demo", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update(1)
    """
    if not progress_enabled(enabled):
        yield _Silent()
        return
    tqdm = _tqdm()
    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=sys.stderr,
               leave=False, dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()
