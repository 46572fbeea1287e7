"""The accounts an event metric counts, how ``by=`` splits them, and pooling into rows.

Usage events and support tickets belong to customer accounts. The usage and support metrics
share three things, kept here so that neither package copies (or imports) the other:

**The account universe.** The accounts of one call are ``customers=`` when it is given (those
ids, in that order); otherwise every account with a row in the events (or tickets) *and*
every account the call's other input speaks of: the holders of seats, the keys of an
eligible-users mapping, the accounts with a start date. Each of them counts, with zero
activity (0 users, 0 tickets) where it has none, so an account that never used the product
never vanishes from a signal. See ``AccountSet``.

**The one meaning of** ``by=`` (``csmetrics._core.segments`` resolves it):

* ``None``: one row pooled over every account of the universe;
* ``"customer_id"``: one row per account, in the order of ``customers=`` (or sorted ids);
* a mapping from customer id to segment: one row per segment, unmapped accounts in
  ``"(none)"``;
* another column name. A column kept on the table (``segments=``) that holds one value per
  account is an account-level segment (accounts absent from the table are in ``"(none)"``).
  A field that describes a row rather than an account (a usage event's ``feature`` or
  ``user_id``, a ticket's ``ticket_id``), or a kept column whose value varies within an
  account, splits each account into (account, value) *entities*: the rows of the account
  with that value. Metrics counted over rows (active users by feature, tickets by channel)
  accept it; metrics of a whole account (seats, rule-based adoption, time to value) refuse it
  with the reason.

``by="all"`` (before 0.2, every account together) is ``by=None``, with a DeprecationWarning.
See ``split``.

**Pooling** an entity's parts into a row (``pool``): counts and amounts are summed (an unknown
amount, NaN, is left out; a row whose amounts are all unknown is NaN); a ratio is the sum of
its numerators over the sum of its denominators, over the entities where it is defined (a
pooled ratio, never a mean of ratios); a share of accounts is a mean over the entities.
``AccountResult`` (in ``csmetrics.tables.account_result``) is the result these rows make.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.ids import comparable, id_array, positions
from csmetrics._core.options import Satisfies
from csmetrics._core.ratios import divide
from csmetrics._core.segments import (
    from_codes,
    from_mapping,
    is_mapping,
    one_segment_per_customer,
    segment_columns,
)
from csmetrics._core.warnings import warn_deprecated
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning

__all__ = ["ACCOUNT", "BY", "AccountSet", "Pooling", "Split", "labels_of", "pool", "resolve_by",
           "split", "union_ids"]

I64 = NDArray[np.int64]

ACCOUNT = "customer_id"
"""The id column: ``by="customer_id"`` is the per-account view."""


class EventSource(Protocol):
    """What ``split`` reads from a table: its accounts and its segment columns."""

    @property
    def customer_codes(self) -> I64: ...

    @property
    def customer_ids(self) -> NDArray[Any]: ...

    def segment_column(self, name: str, context: str = ...) -> tuple[I64, NDArray[Any]]: ...


def resolve_by(by: Any, context: str) -> Any:
    """``by`` with the deprecated ``"all"`` read as ``None`` (with a DeprecationWarning).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     resolve_by("all", "demo") is None
    True
    >>> resolve_by("plan", "demo")
    'plan'
    """
    if isinstance(by, str) and by == "all":
        warn_deprecated(f"{context}: by='all' is deprecated and will be removed in 0.3; "
                        "by=None (the default) is now one row for every account together.")
        return None
    return by


def union_ids(a: ArrayLike, b: ArrayLike) -> NDArray[Any]:
    """Sorted distinct ids of both arrays (compared as text when their kinds differ).

    Examples
    --------
    >>> union_ids(["b", "a"], ["c", "a"]).tolist()
    ['a', 'b', 'c']
    """
    x, y = comparable(np.asarray(a), np.asarray(b))
    both = np.sort(np.concatenate([x, y]))   # a sort: numpy's hash unique is slower here
    both = both[np.concatenate([[True], both[1:] != both[:-1]])[:both.size]]
    out = np.empty(both.size, dtype=object)
    out[:] = both.tolist()
    return out


@dataclass(frozen=True)
class AccountSet:
    """The accounts of one call: their ids (in result order) and each one's code in the
    event table (-1: the account has no row there).

    Examples
    --------
    >>> acc = AccountSet.of(np.array(["a", "b"], dtype=object), also=["c"], context="demo")
    >>> acc.ids.tolist(), acc.code.tolist()
    (['a', 'b', 'c'], [0, 1, -1])
    >>> AccountSet.of(np.array(["a", "b"], dtype=object), customers=["b", "z"],
    ...               context="demo").code.tolist()
    [1, -1]
    """

    ids: NDArray[Any]
    code: I64

    @classmethod
    def of(cls, table_ids: NDArray[Any], *, customers: ArrayLike | None = None,
           also: ArrayLike | None = None, context: str) -> AccountSet:
        """``customers`` if given; else the table's accounts and the ids in ``also``."""
        if customers is not None:
            ids = id_array(customers, context, "customers")
        elif also is not None and np.asarray(also).size:
            ids = union_ids(table_ids, np.asarray(also))
        else:  # the table's own accounts, in its order: each is its own code
            ids = np.asarray(table_ids)
            return cls(ids, np.arange(ids.size, dtype=np.int64))
        return cls(ids, positions(np.asarray(table_ids), ids))

    def __len__(self) -> int:
        return int(self.ids.size)


@dataclass(frozen=True)
class Split:
    """The entities a metric counts over for one ``by=``, and the segment of each.

    An entity is an account, or an (account, value) pair when ``by`` names a column that
    varies within an account. Metrics compute per *table-space* entity (indexed like the
    table's codes), then ``take`` the counted entities.

    Attributes
    ----------
    name : str or None
        The segment column of the result (None: the whole portfolio).
    labels : ndarray of object
        One label per segment, in result order.
    entity_of_row : ndarray of int64
        The table-space entity of each table row; -1 where the row counts nowhere.
    n_entities : int
        Table-space entities.
    pick : ndarray of int64
        The table-space entity of each counted entity (-1: it has no row in the table).
    segment : ndarray of int64
        The segment of each counted entity.
    account : ndarray of object
        The account id of each counted entity.
    per_account : bool
        Whether entities are whole accounts (the table's own customer codes).
    """

    name: str | None
    labels: NDArray[Any]
    entity_of_row: I64
    n_entities: int
    pick: I64
    segment: I64
    account: NDArray[Any]
    per_account: bool
    context: str = ""

    @property
    def n_segments(self) -> int:
        """Rows of the result."""
        return int(self.labels.size)

    @property
    def n(self) -> int:
        """Counted entities."""
        return int(self.pick.size)

    def take(self, per_entity: NDArray[Any], fill: Any) -> NDArray[Any]:
        """Values per table-space entity, for the counted entities (``fill`` where absent)."""
        per_entity = np.asarray(per_entity)
        has = self.pick >= 0
        if has.all():
            return per_entity[self.pick]
        dtype = np.result_type(per_entity.dtype, np.asarray(fill).dtype)
        out = np.full((self.pick.size, *per_entity.shape[1:]), fill, dtype=dtype)
        out[has] = per_entity[self.pick[has]]
        return out

    def segment_of_entity(self) -> I64:
        """The segment of each table-space entity (-1: not counted)."""
        out = np.full(self.n_entities, -1, dtype=np.int64)
        has = self.pick >= 0
        out[self.pick[has]] = self.segment[has]
        return out

    def segment_columns(self) -> dict[str, Any]:
        """The segment column of the result (none for the portfolio); a later column of the
        same name is an error (see ``_core.segments.segment_columns``)."""
        return segment_columns(self.name, self.labels, self.context)


def split(table: EventSource, by: Any, accounts: AccountSet, context: str, *,
          row_fields: Collection[str] = (), refuse_rows: str | None = None) -> Split:
    """The entities and segments of ``accounts`` for ``by`` (see the module documentation).

    Parameters
    ----------
    table : UsageTable or SupportTicketTable
    by : None, str or mapping
    accounts : AccountSet
        The accounts counted.
    context : str
        The metric, for messages.
    row_fields : collection of str
        The table's fields that describe a row, not an account (``"feature"``): always split
        into (account, value) entities.
    refuse_rows : str, optional
        Why the metric cannot count (account, value) entities; a ``by`` that needs them then
        raises ``InvalidParameterError`` with this reason. None: the metric accepts them.

    Raises
    ------
    ColumnNotFoundError
        ``by`` names no column of the table (the message lists those there are).
    InvalidParameterError
        ``by`` is not None, a column name or a mapping, or needs entities the metric refuses.
    """
    by = resolve_by(by, context)
    n = len(accounts)
    codes = np.asarray(table.customer_codes, dtype=np.int64)
    n_cust = int(table.customer_ids.size)

    def whole_accounts(name: str | None, labels: NDArray[Any], segment: I64) -> Split:
        return Split(name, np.asarray(labels, dtype=object), codes, n_cust, accounts.code,
                     segment.astype(np.int64), accounts.ids, True, context)

    if by is None:
        return whole_accounts(None, np.array([None], dtype=object), np.zeros(n, np.int64))
    if isinstance(by, str) and by == ACCOUNT:
        return whole_accounts(ACCOUNT, accounts.ids, np.arange(n, dtype=np.int64))
    if is_mapping(by) and not isinstance(by, str):
        seg = from_mapping(by, accounts.ids, np.arange(n, dtype=np.int64), context,
                           n_rows=codes.size)
        return whole_accounts(seg.name, seg.labels, seg.of_row)
    if not isinstance(by, str):
        raise InvalidParameterError(
            f"{context}: by must be None, a column name or a mapping from customer id to "
            f"segment, got {type(by).__name__}.")
    col_codes, cats = table.segment_column(by, context)
    col_codes = np.asarray(col_codes, dtype=np.int64)
    cats = np.asarray(cats, dtype=object)
    if by not in row_fields and one_segment_per_customer(
            from_codes(by, col_codes, cats), codes, n_cust):
        value_of_customer = np.full(n_cust, -1, dtype=np.int64)
        value_of_customer[codes] = col_codes
        value = np.where(accounts.code >= 0, value_of_customer[np.maximum(accounts.code, 0)],
                         -1) if n_cust else np.full(n, -1, dtype=np.int64)
        seg = from_codes(by, value.astype(np.int64), cats, per_customer=True)
        return whole_accounts(by, seg.labels, seg.of_row)
    if refuse_rows is not None:
        raise InvalidParameterError(
            f"{context}: by={by!r} takes several values within one account, and {refuse_rows}; "
            "split by 'customer_id', by a column with one value per account, or by a mapping "
            "from customer id to segment.")
    counted = np.zeros(n_cust, dtype=bool)
    counted[accounts.code[accounts.code >= 0]] = True
    rows = counted[codes] if codes.size else np.zeros(0, dtype=bool)
    width = np.int64(cats.size + 1)
    pairs, inverse = np.unique(codes[rows] * width + (col_codes[rows] + 1), return_inverse=True)
    entity_of_row = np.full(codes.size, -1, dtype=np.int64)
    entity_of_row[rows] = inverse.reshape(-1)
    seg = from_codes(by, (pairs % width - 1).astype(np.int64), cats)
    account = np.empty(pairs.size, dtype=object)
    account[:] = np.asarray(table.customer_ids)[pairs // width].tolist()
    return Split(by, seg.labels, entity_of_row, int(pairs.size),
                 np.arange(pairs.size, dtype=np.int64), seg.of_row, account, False, context)


@dataclass(frozen=True)
class Pooling:
    """How a result's per-entity columns pool into a row (see ``pool``).

    Attributes
    ----------
    sums : tuple of str
        Columns summed.
    ratios : mapping of str to (numerator, denominator, what)
        Columns recomputed as pooled ratios; ``what`` names the denominator in the warning.
    means : mapping of str to (column, what)
        Columns that are the mean of another over the entities (a share of accounts).
    """

    sums: tuple[str, ...] = ()
    ratios: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    means: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def pool(parts: Mapping[str, ArrayLike], group: I64, n_groups: int, how: Pooling, *,
         context: str, counts: ArrayLike | None = None) -> dict[str, NDArray[Any]]:
    """Each group's ``accounts`` and pooled columns (in the order sums, ratios, means).

    Parameters
    ----------
    parts : mapping of str to array
        Per-entity columns.
    group : ndarray of int64
        The group (row of the result) of each entity.
    n_groups : int
    how : Pooling
    context : str
    counts : array, optional
        How many accounts each entity stands for (default 1 each).

    Notes
    -----
    Sums leave NaN out (an unknown amount); a group with entities that are all NaN is NaN, a
    group without entities sums to 0. A ratio sums its numerator and denominator over the
    entities where the ratio is defined (both known, the denominator non-zero): NaN with one
    ``UndefinedMetricWarning`` per denominator for a group without any. A mean is over the
    entities where the column is known.

    Examples
    --------
    >>> how = Pooling(sums=("users", "seats"), ratios={"util": ("users", "seats", "seats")})
    >>> out = pool({"users": [3, 3, 5], "seats": [4.0, 2.0, np.nan]}, np.zeros(3, np.int64),
    ...            1, how, context="demo")
    >>> out["accounts"].tolist(), out["seats"].tolist(), out["util"].tolist()
    ([3], [6.0], [1.0])
    """
    group = np.asarray(group, dtype=np.int64)
    weight = None if counts is None else np.asarray(counts, dtype=np.float64)
    # One row per entity (the per-account view): each group holds itself, nothing to add up.
    alone = weight is None and n_groups == group.size and bool(
        (group == np.arange(group.size)).all())
    out: dict[str, NDArray[Any]] = {"accounts": np.ones(n_groups, dtype=np.int64) if alone
                                    else np.rint(np.bincount(group, weights=weight,
                                                             minlength=n_groups)
                                                 ).astype(np.int64)}
    for name in how.sums:
        values = np.asarray(parts[name])
        out[name] = (values.astype(np.int64 if values.dtype.kind in "iub" else np.float64)
                     if alone else _sum(values, group, n_groups))
    warned: set[str] = set()
    for name, (num, den, what) in how.ratios.items():
        top_v = np.asarray(parts[num], dtype=np.float64)
        bottom_v = np.asarray(parts[den], dtype=np.float64)
        ok = ~np.isnan(top_v) & ~np.isnan(bottom_v) & (bottom_v != 0)
        if alone:
            top, bottom = np.where(ok, top_v, 0.0), np.where(ok, bottom_v, 0.0)
        else:
            top = np.bincount(group[ok], weights=top_v[ok], minlength=n_groups).astype(
                np.float64)
            bottom = np.bincount(group[ok], weights=bottom_v[ok], minlength=n_groups).astype(
                np.float64)
        out[name] = _divide_once(top, bottom, context, what, warned)
    for name, (column, what) in how.means.items():
        values = np.asarray(parts[column], dtype=np.float64)
        ok = ~np.isnan(values)
        if alone:
            top, many = np.where(ok, values, 0.0), ok.astype(np.float64)
        else:
            top = np.bincount(group[ok], weights=values[ok], minlength=n_groups).astype(
                np.float64)
            many = np.bincount(group[ok], minlength=n_groups).astype(np.float64)
        out[name] = _divide_once(top, many, context, what, warned)
    return out


def _divide_once(top: NDArray[np.float64], bottom: NDArray[np.float64], context: str,
                 what: str, warned: set[str]) -> NDArray[np.float64]:
    """``divide``, warning once per denominator however many columns share it."""
    if what not in warned:
        warned.add(what)
        return divide(top, bottom, context=context, what=what)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return divide(top, bottom, context=context, what=what)


def _sum(values: NDArray[Any], group: I64, n: int) -> NDArray[Any]:
    if values.dtype.kind in "iub":
        return np.rint(np.bincount(group, weights=values.astype(np.float64), minlength=n)
                       ).astype(np.int64)
    v = values.astype(np.float64)
    known = ~np.isnan(v)
    total = np.bincount(group[known], weights=v[known], minlength=n).astype(np.float64)
    some = np.bincount(group, minlength=n) > 0
    total[some & (np.bincount(group[known], minlength=n) == 0)] = np.nan
    return total


def labels_of(labels: Sequence[Any] | NDArray[Any]) -> NDArray[Any]:
    """Labels as an object array (for result columns).

    Examples
    --------
    >>> labels_of(["2024-01", None]).tolist()
    ['2024-01', None]
    """
    out = np.empty(len(labels), dtype=object)
    out[:] = list(labels)
    return out


BY = Satisfies(lambda by: by is None or isinstance(by, str) or is_mapping(by),
               "None, a column name or a mapping from customer id to segment")
"""``by``: what the usage and support metrics accept (see the module documentation)."""
