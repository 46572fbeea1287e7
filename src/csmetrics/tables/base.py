"""What every validated table shares: frozen numpy columns and the same views.

The tables (subscriptions, survey answers, usage events, tickets, payments) are frozen
dataclasses of read-only arrays, each with its own fields and rules. They share freezing
their arrays, decoding columns for display, and the dict / pandas / polars / HTML views.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from csmetrics.results import TableResult


def readonly(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` as a contiguous array nobody can write to."""
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def decode(codes: NDArray[np.int64], categories: NDArray[Any]) -> NDArray[Any]:
    """Integer codes back to their original values (``None`` where the code is -1)."""
    out = np.empty(codes.size, dtype=object)
    out[:] = None
    has = codes >= 0
    out[has] = categories[codes[has]]
    return out


class ColumnTable:
    """Mixin of the table dataclasses: freezes their arrays and gives the common views.

    A table lists its decoded columns in ``_FIELDS`` and decodes one with ``column(name)``.
    """

    _FIELDS: ClassVar[tuple[str, ...]] = ()
    _NOUN: ClassVar[str] = "rows"

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, readonly(value))

    def column(self, name: str) -> NDArray[Any]:  # pragma: no cover - every table has one
        raise NotImplementedError

    def _decoded(self) -> dict[str, NDArray[Any]]:
        return {name: self.column(name) for name in self._FIELDS}

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as lists of Python values, in field order."""
        return TableResult(self._decoded()).to_dict()

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (needs the ``pandas`` extra)."""
        return TableResult(self._decoded(), title=self._NOUN).to_pandas()

    def to_polars(self) -> Any:
        """The table as a polars DataFrame (needs the ``polars`` extra)."""
        return TableResult(self._decoded(), title=self._NOUN).to_polars()

    def _repr_html_(self) -> str:
        return TableResult(self._decoded(), title=repr(self))._repr_html_()


def recode(codes: NDArray[np.int64], cats: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Codes and categories with the categories no code refers to dropped (-1 stays -1).

    Used after rows are skipped, so a table lists only ids its rows use.
    """
    if cats.size == 0:
        return codes, cats
    used = np.zeros(cats.size + 1, dtype=bool)
    used[codes + 1] = True
    used = used[1:]
    new = np.cumsum(used, dtype=np.int64) - 1
    return np.where(codes >= 0, new[np.maximum(codes, 0)], -1).astype(np.int64), cats[used]
