"""Shared parts of the usage metrics: the per-account result and reading the inputs.

:class:`AccountResult` (one row per account, pooled into segments by ``by_segment``), the
undefined-ratio rule (NaN with one warning), and the readers every usage metric shares: the
usage table, the accounts reported, the window of days and its events, feature names, and
subscriptions or mappings given for seats or start dates. Re-exported by
:mod:`csmetrics.usage`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.ids import id_array, positions
from csmetrics._core.lookup import lookup
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.periods.days import day_bounds_us, day_number, utc_day
from csmetrics.periods.windows import window_days
from csmetrics.results import TableResult
from csmetrics.tables.subscriptions import Subscription, SubscriptionTable
from csmetrics.tables.usage import UsageTable

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
By = Mapping[Any, Any] | Literal["all"] | None
"""Segments: ``None`` (one row per account), a mapping from customer id to segment (a dict
or a pandas Series), or ``"all"`` (one row for every account together)."""


# --- results ---------------------------------------------------------------------------------


class AccountResult(TableResult):
    """One row per account: ``customer_id`` first, then the metric and its parts.

    Attributes
    ----------
    metric : str
        The column holding each account's signal (``"utilization"``, ``"active_users"`` ...).
    description : str
        One line saying what the numbers are (window, date, definition).

    Examples
    --------
    >>> from csmetrics.usage import active_users
    >>> r = active_users(
    ...     {"customer_id": ["a", "a", "b"], "user_id": [1, 2, 3],
    ...      "at": ["2024-03-30", "2024-03-31", "2024-01-01"]}, at="2024-03-31")
    >>> r.metric, r["active_users"].tolist(), r.value("a")
    ('active_users', [2, 0], 2.0)
    """

    metric: str
    description: str
    _sums: tuple[str, ...]
    _ratios: Mapping[str, tuple[str, str]]
    _means: Mapping[str, str]
    _keys: tuple[str, ...]

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str,
                 sums: Sequence[str] = (), ratios: Mapping[str, tuple[str, str]] | None = None,
                 means: Mapping[str, str] | None = None, keys: Sequence[str] = (),
                 **extra: Any) -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, description=title, _sums=tuple(sums),
                  _ratios=dict(ratios or {}), _means=dict(means or {}), _keys=tuple(keys),
                  **extra)

    def value(self, customer_id: Any, column: str | None = None) -> float:
        """The number in ``column`` (default: :attr:`metric`) for one account."""
        wanted = np.array([customer_id], dtype=object)
        hits = np.flatnonzero(positions(wanted, np.asarray(self["customer_id"])) == 0)
        if hits.size != 1:
            raise InvalidParameterError(
                f"{type(self).__name__}: {hits.size} rows for customer {customer_id!r}; "
                "read the columns instead.")
        return float(self[column or self.metric][hits[0]])

    def by_segment(self, by: By) -> TableResult:
        """The accounts pooled into segments.

        Counts and amounts are summed; each ratio is recomputed from the summed numerator
        and denominator over the accounts where it is defined (a pooled ratio, not a mean
        of ratios); shares (such as the share of accounts adopted) are means over accounts.

        Parameters
        ----------
        by : mapping or "all"
            Customer id to segment (every account must be mapped), or ``"all"``.
        """
        ctx = f"{type(self).__name__}.by_segment"
        ids = np.asarray(self["customer_id"])
        name, labels, seg = _segments(ids, by, ctx)
        group, key_cols = seg, {}
        width = labels.size
        for key in self._keys:
            cats, inv = np.unique(np.asarray(self[key]).astype(str), return_inverse=True)
            group = group * cats.size + inv.reshape(-1)
            key_cols[key] = cats
            width *= cats.size
        used, group = np.unique(group, return_inverse=True)
        group = group.reshape(-1)
        n = used.size
        cols: dict[str, Any] = {}
        rest = used.copy()
        key_values: dict[str, Any] = {}
        for key in reversed(self._keys):
            cats = key_cols[key]
            key_values[key] = cats[rest % cats.size]
            rest = rest // cats.size
        cols[name] = labels[rest]
        for key in self._keys:
            cols[key] = key_values[key]
        cols["accounts"] = np.bincount(group, minlength=n).astype(np.int64)
        for col in self._sums:
            values = np.asarray(self[col])
            summed = np.bincount(group, weights=np.nan_to_num(values.astype(np.float64)),
                                 minlength=n)
            cols[col] = summed.astype(np.int64) if values.dtype.kind in "iub" else summed
        for col, (num, den) in self._ratios.items():
            ok = ~np.isnan(np.asarray(self[col], dtype=np.float64))
            top = np.bincount(group[ok], weights=np.asarray(self[num], np.float64)[ok],
                              minlength=n)
            bottom = np.bincount(group[ok], weights=np.asarray(self[den], np.float64)[ok],
                                 minlength=n)
            cols[col] = _ratio(top, bottom, context=ctx, what=f"the segment's {den}")
        for out, col in self._means.items():
            values = np.asarray(self[col], dtype=np.float64)
            ok = ~np.isnan(values)
            top = np.bincount(group[ok], weights=values[ok], minlength=n)
            cols[out] = _ratio(top, np.bincount(group[ok], minlength=n).astype(np.float64),
                               context=ctx, what="the number of accounts")
        return TableResult(cols, title=f"{self.title}, by {name}")

    def __repr__(self) -> str:
        n = len(self)
        return f"{type(self).__name__}({n:,} row{'s' * (n != 1)}, metric {self.metric!r})"


def _warn(message: str) -> None:
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)


def _ratio(num: ArrayLike, den: ArrayLike, *, context: str, what: str) -> F64:
    """``num / den``; NaN with one warning where ``den`` is zero or unknown (NaN)."""
    top = np.asarray(num, dtype=np.float64)
    bottom = np.asarray(den, dtype=np.float64)
    undefined = ~(bottom != 0) | np.isnan(bottom)
    if undefined.any():
        _warn(f"{context}: undefined for {int(undefined.sum()):,} of {undefined.size:,} "
              f"result(s) because {what} is zero or unknown; returning NaN.")
    out = np.full(top.shape, np.nan)
    np.divide(top, bottom, out=out, where=~undefined)
    return out


def _segments(ids: NDArray[Any], by: By, context: str) -> tuple[str, NDArray[Any], I64]:
    """Segment label of each account: (column name, labels, code of each account)."""
    if isinstance(by, str):
        if by != "all":
            raise InvalidParameterError(
                f"{context}: by must be None, 'all' or a mapping from customer id to segment, "
                f"got {by!r}.")
        return "segment", np.array(["all"], dtype=object), np.zeros(ids.size, dtype=np.int64)
    if isinstance(by, Mapping) or (hasattr(by, "keys") and hasattr(by, "__getitem__")):
        mapping: Mapping[Any, Any] = by if isinstance(by, Mapping) else dict(
            by.items())  # type: ignore[attr-defined]
        values = lookup(np.asarray(ids), mapping, context, "accounts", required=True)
        try:
            labels, seg = np.unique(values, return_inverse=True)
        except TypeError:
            labels, seg = np.unique(values.astype(str), return_inverse=True)
        return "segment", labels.astype(object), seg.reshape(-1).astype(np.int64)
    raise InvalidParameterError(
        f"{context}: by must be None, 'all' or a mapping from customer id to segment, got "
        f"{type(by).__name__}.")


def _finish(result: AccountResult, by: By) -> AccountResult | TableResult:
    return result if by is None else result.by_segment(by)


# --- inputs ----------------------------------------------------------------------------------


def _usage(usage: Any, context: str) -> UsageTable:
    if isinstance(usage, UsageTable):
        return usage
    if isinstance(usage, list | tuple):
        return UsageTable.from_records(usage)
    return UsageTable.from_columns(usage, _context=context)


@dataclass(frozen=True)
class _Rows:
    """The accounts of a result: their ids and each one's code in the usage table (-1: none)."""

    ids: NDArray[Any]
    code: I64

    def take(self, per_code: NDArray[Any], fill: Any) -> NDArray[Any]:
        """Per-account values (indexed by table code) for these rows; ``fill`` where absent."""
        has = self.code >= 0
        if has.all():
            return per_code[self.code]
        out = np.full(self.code.size, fill, dtype=np.result_type(per_code.dtype,
                                                                 np.asarray(fill).dtype))
        out[has] = per_code[self.code[has]]
        return out


def _rows(table: UsageTable, customers: ArrayLike | None, context: str) -> _Rows:
    if customers is None:
        return _Rows(table.customer_ids, np.arange(table.n_customers, dtype=np.int64))
    ids = id_array(customers, context, "customers")
    return _Rows(ids, positions(table.customer_ids, ids))


@dataclass(frozen=True)
class _Window:
    first_day: int
    last_day: int
    lo: int
    hi: int

    @property
    def days(self) -> int:
        return self.last_day - self.first_day + 1

    def describe(self) -> str:
        first = np.datetime64(self.first_day, "D")
        last = np.datetime64(self.last_day, "D")
        return f"{self.days} days {first} to {last}"


def _window(at: Any, window: str | int, context: str) -> _Window:
    days = window_days(window, context)
    last = day_number(utc_day(at, context))
    first = last - days + 1
    lo, hi = day_bounds_us(first, last)
    return _Window(first, last, lo, hi)


def _span(first: int, last: int) -> _Window:
    lo, hi = day_bounds_us(first, last)
    return _Window(first, last, lo, hi)


@dataclass(frozen=True)
class _Events:
    """The events of a window: member codes, UTC day within the window, row positions."""

    member: I64
    day: I64
    rows: I64 | None  # positions in the table; None when every row is in the window


def _events(table: UsageTable, win: _Window, *, need_day: bool = False,
            features: I64 | None = None) -> _Events:
    t = table.t_us
    mask = ku.in_window(t, win.lo, win.hi)
    if features is not None:
        mask &= np.isin(table.feature_codes, features)
    if bool(mask.all()):
        day = ku.days_of(t, win.first_day) if need_day else np.zeros(0, dtype=np.int64)
        return _Events(table.member_codes, day, None)
    rows = np.flatnonzero(mask)
    day = ku.days_of(t[rows], win.first_day) if need_day else np.zeros(0, dtype=np.int64)
    return _Events(table.member_codes[rows], day, rows)


def _active_per_code(table: UsageTable, ev: _Events) -> I64:
    members = ku.active_members(ev.member, table.n_members)
    return ku.members_per_account(members, table.member_customer, table.n_customers)


def _feature_codes(table: UsageTable, features: str | Sequence[str], context: str
                   ) -> tuple[list[Any], I64]:
    names = [features] if isinstance(features, str) else list(features)
    if not names:
        raise InvalidParameterError(f"{context}: give at least one feature.")
    if len({str(f) for f in names}) != len(names):
        raise InvalidParameterError(f"{context}: features must not repeat, got {names!r}.")
    codes = np.array([table.feature_code(f, context) for f in names], dtype=np.int64)
    return names, codes



# --- subscriptions and mappings --------------------------------------------------------------


def _subscriptions(value: Any, context: str) -> SubscriptionTable:
    if isinstance(value, SubscriptionTable):
        return value
    if isinstance(value, list | tuple):
        return SubscriptionTable.from_records(value)
    return SubscriptionTable.from_columns(value, _context=context)


def _is_subscriptions(value: Any) -> bool:
    """Subscriptions in any form: a table, records, a DataFrame or a mapping of columns."""
    if isinstance(value, SubscriptionTable) or hasattr(value, "columns") or hasattr(
            value, "column_names"):
        return True
    if isinstance(value, list | tuple):
        return bool(value) and all(isinstance(v, Subscription) for v in value)
    if isinstance(value, Mapping):
        # A mapping of columns ({"customer_id": [...], "start": [...]}), not of id -> number.
        return bool(value) and all(isinstance(v, list | tuple | np.ndarray)
                                   for v in value.values())
    return False


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        hasattr(value, "keys") and hasattr(value, "items") and not hasattr(value, "columns"))
