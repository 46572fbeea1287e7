"""``AccountResult``: the result of every usage and support metric.

One row pooled over every account without ``by=``, one row per segment with it (per account
with ``by="customer_id"``); its value column holds the metric and the other columns its parts,
pooled as ``csmetrics.tables.accounts.pool`` says. Re-exported by ``csmetrics.usage`` (and
used by ``csmetrics.support``, which does not import usage).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.ids import positions
from csmetrics._core.segments import from_mapping, is_mapping
from csmetrics._core.warnings import warn_deprecated
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import MetricResult
from csmetrics.tables.accounts import ACCOUNT, Pooling, labels_of, pool

__all__ = ["AccountResult"]


class AccountResult(MetricResult):
    """A usage or support metric: one row for every account together, or one per segment.

    Without ``by=`` the result has one row, pooled over every account the call counts (see
    the account-universe rule in ``docs/usage_and_support.md``); ``float(result)`` and
    ``result.value`` give the number. With ``by`` it has one row per segment, the segment
    column first; ``by="customer_id"`` is the per-account view, and
    ``result.row("acme").value`` one account's number. Every row has ``accounts`` (how many
    accounts it pools) and the parts of the metric, so it reconciles by hand.

    ``metric`` is the value column (``"utilization"``, ``"active_users"`` ...) and
    ``description`` what the numbers are (window, date, definition): the title.

    Examples
    --------
    >>> from csmetrics.usage import active_users
    >>> events = {"customer_id": ["a", "a", "b"], "user_id": [1, 2, 3],
    ...           "at": ["2024-03-30", "2024-03-31", "2024-01-01"]}
    >>> r = active_users(events, "2024-03-31")
    >>> r, int(r), r.metric
    (AccountResult(active_users=2), 2, 'active_users')
    >>> per = active_users(events, "2024-03-31", by="customer_id")
    >>> per["active_users"].tolist(), per.row("a").value
    ([2, 0], 2.0)
    """

    _pooling: Pooling
    _keys: tuple[str, ...]

    def __init__(self, columns: Mapping[str, ArrayLike], *, value: str, title: str = "",
                 segment: str | None = None, pooling: Pooling | None = None,
                 keys: Sequence[str] = (), money: Sequence[str] = (),
                 digits: int | ArrayLike = 2) -> None:
        super().__init__(columns, value=value, title=title, money=money, digits=digits,
                         segment=segment)
        self._set(_pooling=pooling or Pooling(), _keys=tuple(keys))

    @property
    def index_columns(self) -> tuple[str, ...]:
        """``to_pandas()`` indexes by the segment, then the row key: ``period`` of a series
        (as a ``pandas.PeriodIndex``; its first and last days stay columns) or ``feature``."""
        seg = () if self.segment_column is None else (self.segment_column,)
        keys = tuple(k for k in self._keys if k not in ("period_start", "period_end", *seg))
        return (*seg, *keys)

    @property
    def metric(self) -> str:
        """The value column."""
        assert self.value_column is not None
        return self.value_column

    @property
    def description(self) -> str:
        """What the numbers are: the title."""
        return self.title

    def _legacy_value(self, customer_id: Any, column: str | None = None) -> float:
        """``value(customer_id, column)`` before 0.2: one account's number (deprecated)."""
        name = type(self).__name__
        if ACCOUNT not in self.columns:
            raise InvalidParameterError(
                f"{name}.value(customer_id) reads a per-account result: call the metric with "
                "by='customer_id', then read result.row(customer_id).value.")
        wanted = np.array([customer_id], dtype=object)
        hits = np.flatnonzero(positions(wanted, np.asarray(self[ACCOUNT])) == 0)
        if hits.size != 1:
            raise InvalidParameterError(
                f"{name}: {hits.size} rows for customer {customer_id!r}; read the columns "
                "instead.")
        return float(self[column or self.metric][hits[0]])

    def by_segment(self, by: Any) -> AccountResult:
        """The accounts of a per-account result pooled into segments (deprecated).

        Deprecated in 0.2, removed in 0.3: pass ``by=`` to the metric itself, which pools
        the same way (and also splits by columns).

        Parameters
        ----------
        by : mapping, None or "all"
            Customer id to segment (unmapped accounts in ``"(none)"``), or every account
            together.
        """
        name = type(self).__name__
        ctx = f"{name}.by_segment"
        warn_deprecated(f"{ctx}() is deprecated and will be removed in 0.3; pass by= to the "
                        "metric itself (by=None: every account together; a mapping: one row "
                        "per segment).")
        if self.segment_column != ACCOUNT:
            raise InvalidParameterError(
                f"{ctx} pools a per-account result: call the metric with by='customer_id' "
                "(or pass by= to the metric directly).")
        ids = labels_of(np.asarray(self[ACCOUNT]).tolist())
        if by is None or (isinstance(by, str) and by == "all"):
            seg_name, labels, seg = None, labels_of([None]), np.zeros(ids.size, np.int64)
        elif is_mapping(by) and not isinstance(by, str):
            segments = from_mapping(by, ids, np.arange(ids.size, dtype=np.int64), ctx)
            seg_name, labels, seg = segments.name, segments.labels, segments.of_row
        else:
            raise InvalidParameterError(
                f"{ctx}: by must be a mapping from customer id to segment or None, got "
                f"{by!r}; pass other by= values to the metric itself.")
        group = seg.astype(np.int64)
        key_values: list[Any] = []
        for key in self._keys:
            cats, inv = np.unique(np.asarray(self[key]).astype(str), return_inverse=True)
            first = np.zeros(cats.size, dtype=np.int64)
            first[inv.reshape(-1)[::-1]] = np.arange(ids.size)[::-1]
            group = group * np.int64(cats.size) + inv.reshape(-1)
            key_values.append((key, np.asarray(self[key])[first], cats.size))
        used, group = np.unique(group, return_inverse=True)
        group = group.reshape(-1).astype(np.int64)
        rest = used.copy()
        cols: dict[str, Any] = {}
        keyed: dict[str, Any] = {}
        for key, values, size in reversed(key_values):
            keyed[key] = values[rest % size]
            rest = rest // size
        if seg_name is not None:
            cols[seg_name] = labels[rest]
        cols.update({key: keyed[key] for key in self._keys})
        how = self._pooling
        parts = {c: self[c] for c in self.columns}
        pooled = pool(parts, group, used.size, how, context=ctx,
                      counts=self["accounts"] if "accounts" in self.columns else None)
        cols.update(pooled)
        return AccountResult(cols, value=self.metric if self.metric in cols else
                             next(iter(pooled)), title=f"{self.title}, by {seg_name or 'all'}",
                             segment=seg_name, pooling=how, keys=self._keys)
